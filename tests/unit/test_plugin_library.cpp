// Loading plugin files: good ones load with their facts, bad ones are refused with a reason that
// names the problem, never a crash. The fixtures are the C plugins of tests/fixtures/plugins.
#include "plugin_host/plugin_library.hpp"
#include "plugin_host/probe.hpp"
#include "plugin_host/registry.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <tuple>
#include <variant>

namespace fs = std::filesystem;
using namespace offload;

namespace {

const fs::path fixtures = OFFLOAD_FIXTURE_PLUGIN_DIR;

std::string refusal(const char *file)
{
    static HostEnvironment environment{fs::current_path()};
    auto loaded = load_plugin(fixtures / file, "test", environment);
    REQUIRE(std::holds_alternative<RefusedPlugin>(loaded));
    return std::get<RefusedPlugin>(loaded).reason;
}

// A directory with copies of the given fixtures, for registry tests.
struct PluginDir {
    fs::path path;
    explicit PluginDir(std::initializer_list<const char *> files, const std::string &name)
    {
        path =
            fs::temp_directory_path() / ("offload-plugin-library-" + std::to_string(getpid()) + "-" + name);
        fs::create_directories(path);
        for (const char *file : files)
            fs::copy_file(fixtures / file, path / file, fs::copy_options::overwrite_existing);
    }
    ~PluginDir() { fs::remove_all(path); }
};

} // namespace

TEST_CASE("a good plugin loads with its descriptor's facts and interfaces")
{
    HostEnvironment environment{fs::current_path()};
    auto loaded = load_plugin(fixtures / "fixture_good.so", "test", environment);
    REQUIRE(std::holds_alternative<Plugin>(loaded));
    const Plugin &plugin = std::get<Plugin>(loaded);
    CHECK(plugin.id == "fixture-good");
    CHECK(plugin.version == "1.2.3");
    CHECK(plugin.abi_major == 1);
    CHECK(plugin.kinds() == "framework");
    CHECK(plugin.framework != nullptr);
    CHECK(plugin.provider == nullptr);
    CHECK(plugin.services->table()->struct_size == sizeof(offload_host));
}

TEST_CASE("bad plugins are refused with a reason naming the problem")
{
    CHECK(refusal("fixture_wrong_abi.so").find("built for plugin ABI 2 (exports offload_plugin_entry_v2)") !=
          std::string::npos);
    CHECK(refusal("fixture_missing_entry.so") ==
          "not an offload plugin: it does not export offload_plugin_entry_v1");
    CHECK(refusal("fixture_undefined_symbol.so")
              .find("undefined symbol: offload_fixture_function_that_does_not_exist") != std::string::npos);
    CHECK(refusal("fixture_failing_init.so") ==
          "init failed: the license server fixture.example is unreachable");
    CHECK(refusal("no_such_file.so").find("cannot be loaded") != std::string::npos);
}

TEST_CASE("a plugin's 1.2 extensions are found beside the interfaces they extend")
{
    HostEnvironment environment{fs::current_path()};
    auto loaded = load_plugin(fixtures / "fixture_extensions.so", "test", environment);
    REQUIRE(std::holds_alternative<Plugin>(loaded));
    const Plugin &plugin = std::get<Plugin>(loaded);
    CHECK(plugin.kinds() == "framework, provider");
    REQUIRE(plugin.provider_exec != nullptr);
    REQUIRE(plugin.framework_live != nullptr);
    CHECK(plugin.provider_exec->capabilities(nullptr) == OFFLOAD_EXEC_INPUT);
    CHECK(plugin.framework_live->capabilities(nullptr) == OFFLOAD_LIVE_EVENTS);
    CHECK(!plugin.framework_live->worker_command); // optional

    // A plugin built before the extensions answers NULL for their ids.
    auto good = load_plugin(fixtures / "fixture_good.so", "test", environment);
    REQUIRE(std::holds_alternative<Plugin>(good));
    CHECK(std::get<Plugin>(good).provider_exec == nullptr);
    CHECK(std::get<Plugin>(good).framework_live == nullptr);
}

TEST_CASE("plugins built against the 1.0 and 1.1 headers load, with their smaller tables")
{
    HostEnvironment environment{fs::current_path()};
    for (auto [file, minor, has_capacity] :
         {std::tuple{"fixture_sdk10.so", 0u, false}, {"fixture_sdk11.so", 1u, true}}) {
        CAPTURE(file);
        auto loaded = load_plugin(fixtures / file, "test", environment);
        REQUIRE(std::holds_alternative<Plugin>(loaded));
        const Plugin &plugin = std::get<Plugin>(loaded);
        CHECK(plugin.abi_minor == minor);
        CHECK(plugin.kinds() == "framework, provider");
        REQUIRE(plugin.provider != nullptr);
        CHECK(OFFLOAD_HAS_FIELD(plugin.provider, offload_provider_v1, sandbox_capacity) == has_capacity);
        CHECK(plugin.provider_exec == nullptr);
        CHECK(plugin.framework_live == nullptr);
    }
}

TEST_CASE("a malformed extension refuses the plugin with a reason")
{
    CHECK(
        refusal("fixture_extensions_exec_too_small.so") ==
        "its offload.provider.exec/2 interface is 16 bytes, smaller than the 32 bytes of its first version");
    CHECK(refusal("fixture_extensions_exec_without_exec.so") ==
          "its offload.provider.exec/2 interface has no exec function");
    CHECK(refusal("fixture_extensions_live_without_capabilities.so") ==
          "its offload.framework.live/1 interface has no capabilities function");
    CHECK(refusal("fixture_extensions_exec_without_provider.so") ==
          "it provides offload.provider.exec/2, an extension of offload.provider.v1, but not "
          "offload.provider.v1 itself");
}

TEST_CASE("the registry finds the first plugin with an id and reports the shadowed ones")
{
    PluginDir first({"fixture_good.so", "fixture_wrong_abi.so"}, "first");
    PluginDir second({"fixture_good.so"}, "second");
    HostEnvironment environment{fs::current_path()};
    PluginRegistry registry({{first.path, "one"}, {second.path, "two"}}, environment, OFFLOAD_BINARY);
    const Plugin *found = registry.find(PluginKind::Framework, "fixture-good");
    REQUIRE(found);
    CHECK(found->path == first.path / "fixture_good.so");
    CHECK(found->framework != nullptr);
    CHECK(registry.find(PluginKind::Framework, "fixture-good") == found);  // loaded once
    CHECK(registry.find(PluginKind::Provider, "fixture-good") == nullptr); // not a provider
    registry.probe_all();
    CHECK(registry.plugins().size() == 1);
    REQUIRE(registry.refused().size() == 2);
    std::string message = registry.not_found_message(PluginKind::Provider, "cloud");
    CHECK(message.find("no provider plugin \"cloud\" was found. No provider plugins were found at all.") !=
          std::string::npos);
    CHECK(message.find("shadowed") != std::string::npos);
    CHECK(message.find("built for plugin ABI 2") != std::string::npos);
}

TEST_CASE("a plugin that crashes or exits while it loads is refused alone, in a child")
{
    PluginDir dir({"fixture_crashing_init.so", "fixture_exiting_init.so", "fixture_good.so"}, "crashing");
    HostEnvironment environment{fs::current_path()};
    ProbeOptions options;
    options.executable = OFFLOAD_BINARY;
    options.project_dir = fs::current_path();
    std::vector<fs::path> files = {dir.path / "fixture_crashing_init.so",
                                   dir.path / "fixture_exiting_init.so", dir.path / "fixture_good.so"};
    std::vector<ProbeAnswer> answers = probe_plugins(files, "test", options);
    REQUIRE(answers.size() == 3);
    REQUIRE(std::holds_alternative<RefusedPlugin>(answers[0]));
    CHECK(std::get<RefusedPlugin>(answers[0]).reason == "crashed while being loaded (signal 11)");
    REQUIRE(std::holds_alternative<RefusedPlugin>(answers[1]));
    CHECK(std::get<RefusedPlugin>(answers[1]).reason.starts_with("exited with status 0 while being loaded"));
    REQUIRE(std::holds_alternative<ProbedPlugin>(answers[2]));
    const ProbedPlugin &good = std::get<ProbedPlugin>(answers[2]);
    CHECK(good.id == "fixture-good");
    CHECK(good.version == "1.2.3");
    CHECK(good.kinds() == "framework");
    CHECK(good.path == files[2]);

    // The registry finds the good one without ever loading the others here (this test would die).
    PluginRegistry registry({{dir.path, "dir"}}, environment, OFFLOAD_BINARY);
    REQUIRE(registry.find(PluginKind::Framework, "fixture-good"));
    CHECK(registry.refused().size() == 2);
    CHECK(registry.find(PluginKind::Framework, "fixture-crashing-init") == nullptr);
}

TEST_CASE("a file that is not a plugin is refused by its probe with load_plugin's reason")
{
    PluginDir dir({"fixture_wrong_abi.so", "fixture_failing_init.so"}, "refusals");
    ProbeOptions options;
    options.executable = OFFLOAD_BINARY;
    options.project_dir = fs::current_path();
    std::vector<ProbeAnswer> answers = probe_plugins(
        {dir.path / "fixture_failing_init.so", dir.path / "fixture_wrong_abi.so"}, "test", options);
    REQUIRE(answers.size() == 2);
    REQUIRE(std::holds_alternative<RefusedPlugin>(answers[0]));
    CHECK(std::get<RefusedPlugin>(answers[0]).reason ==
          "init failed: the license server fixture.example is unreachable");
    REQUIRE(std::holds_alternative<RefusedPlugin>(answers[1]));
    CHECK(std::get<RefusedPlugin>(answers[1]).reason == refusal("fixture_wrong_abi.so"));
}
