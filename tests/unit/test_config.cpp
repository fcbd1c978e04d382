#include "config/settings.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;

namespace {

struct TempConfig {
    fs::path dir;
    fs::path file;
    explicit TempConfig(const std::string &text)
    {
        dir = fs::temp_directory_path() /
              ("offload-test-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::create_directories(dir);
        file = dir / "offload.toml";
        std::ofstream(file) << text;
    }
    ~TempConfig() { fs::remove_all(dir); }
    static inline int counter = 0;
};

bool any_contains(const std::vector<std::string> &lines, const std::string &part)
{
    for (const std::string &line : lines)
        if (line.find(part) != std::string::npos)
            return true;
    return false;
}

const char *minimal = R"(
[provider]
type = "process"
[discovery]
type = "generic"
)";

} // namespace

TEST_CASE("defaults fill what the file leaves out")
{
    TempConfig config(minimal);
    offload::Diagnostics diagnostics;
    auto settings = offload::load_settings(config.file, diagnostics);
    CHECK(settings->max_parallel == std::max(1u, std::thread::hardware_concurrency()));
    CHECK(settings->test_timeout_secs == 900);
    CHECK(settings->retry.count == 0);
    CHECK(settings->project_dir == config.dir);
    CHECK(settings->output_dir == config.dir / "test-results");
    CHECK(settings->junit_file == config.dir / "test-results" / "junit.xml");
    CHECK(settings->provider_type == "process");
    CHECK(settings->framework_type == "generic");
    CHECK(diagnostics.messages().empty());
}

TEST_CASE("values are read and paths resolved against the config's directory")
{
    TempConfig config(std::string(R"(
[offload]
max_parallel = 3
test_timeout_secs = 2.5
retry_count = 2
plugin_paths = ["tools/plugins"]
[report]
output_dir = "out"
junit = false
junit_file = "/abs/j.xml"
)") + minimal);
    offload::Diagnostics diagnostics;
    auto settings = offload::load_settings(config.file, diagnostics);
    CHECK(settings->max_parallel == 3);
    CHECK(settings->test_timeout_secs == 2.5);
    CHECK(settings->retry.count == 2);
    CHECK(settings->plugin_paths == std::vector<fs::path>{config.dir / "tools/plugins"});
    CHECK(settings->output_dir == config.dir / "out");
    CHECK_FALSE(settings->junit);
    CHECK(settings->junit_file == "/abs/j.xml");
}

TEST_CASE("wrong types and ranges are errors with file:line:column and the key")
{
    TempConfig config(
        std::string("[offload]\nmax_parallel = \"4\"\nretry_count = -1\ntest_timeout_secs = 0\n") + minimal);
    offload::Diagnostics diagnostics;
    CHECK_THROWS_AS(offload::load_settings(config.file, diagnostics), offload::Error);
    auto messages = diagnostics.messages();
    CHECK(diagnostics.error_count() == 3);
    std::string file = config.file.string();
    CHECK(any_contains(messages,
                       file + ":2:16: error: [offload] max_parallel must be an integer from 1 to 4096, "
                              "not a string"));
    CHECK(any_contains(messages, file + ":3:15: error: [offload] retry_count must be from 0 to 100, not -1"));
    CHECK(any_contains(messages, ":4:21: error: [offload] test_timeout_secs must be a number of seconds"));
}

TEST_CASE("unknown keys and sections warn, with a hint for near misses")
{
    TempConfig config(std::string("[offload]\nmax_paralel = 4\n[reprt]\nx = 1\n") + minimal);
    offload::Diagnostics diagnostics;
    auto settings = offload::load_settings(config.file, diagnostics);
    auto messages = diagnostics.messages();
    CHECK(diagnostics.error_count() == 0);
    CHECK(any_contains(messages, ":2:1: warning: unknown key [offload] max_paralel is ignored; did you mean "
                                 "max_parallel?"));
    CHECK(any_contains(messages, "warning: unknown section [reprt] is ignored"));
}

TEST_CASE("a missing provider or type is an error that says what to add")
{
    TempConfig config("[discovery]\ntype = \"generic\"\n");
    offload::Diagnostics diagnostics;
    CHECK_THROWS_AS(offload::load_settings(config.file, diagnostics), offload::Error);
    CHECK(
        any_contains(diagnostics.messages(), "section [provider] is missing; add e.g. `type = \"process\"`"));

    TempConfig no_type("[provider]\nshell = \"sh\"\n[discovery]\ntype = \"generic\"\n");
    offload::Diagnostics more;
    CHECK_THROWS_AS(offload::load_settings(no_type.file, more), offload::Error);
    CHECK(any_contains(more.messages(), "[provider] type is missing"));
}

TEST_CASE("invalid TOML names the position")
{
    TempConfig config("[offload\nmax_parallel = 2\n");
    offload::Diagnostics diagnostics;
    CHECK_THROWS_WITH_AS(offload::load_settings(config.file, diagnostics),
                         doctest::Contains("is not valid TOML"), offload::Error);
    CHECK(any_contains(diagnostics.messages(), config.file.string() + ":1:"));
}

TEST_CASE("a missing file says how to create one")
{
    offload::Diagnostics diagnostics;
    CHECK_THROWS_WITH_AS(offload::load_settings("/nonexistent/offload.toml", diagnostics),
                         doctest::Contains("offload init"), offload::Error);
}

TEST_CASE("describe_settings shows defaults and plugin tables")
{
    TempConfig config(minimal);
    offload::Diagnostics diagnostics;
    auto settings = offload::load_settings(config.file, diagnostics);
    std::string text = offload::describe_settings(*settings);
    CHECK(text.find("test_timeout_secs = 900") != std::string::npos);
    CHECK(text.find("[provider]\ntype = 'process'") != std::string::npos);
}

TEST_CASE("keep_files_together is the core's key of each framework's table: a boolean, default false")
{
    {
        TempConfig config("[provider]\ntype = \"process\"\n[discovery.py]\ntype = \"pytest\"\n"
                          "keep_files_together = true\n[discovery.cc]\ntype = \"doctest\"\n");
        offload::Diagnostics diagnostics;
        auto settings = offload::load_settings(config.file, diagnostics);
        REQUIRE(settings->suites.size() == 2);
        CHECK(settings->suites[0].keep_files_together);
        CHECK_FALSE(settings->suites[1].keep_files_together);
    }
    {
        TempConfig config("[provider]\ntype = \"process\"\n[discovery]\ntype = \"pytest\"\n"
                          "keep_files_together = \"yes\"\n");
        offload::Diagnostics diagnostics;
        CHECK_THROWS_AS(offload::load_settings(config.file, diagnostics), offload::Error);
        CHECK(any_contains(diagnostics.messages(), ":5:23: error: [discovery] keep_files_together must be"));
    }
}
