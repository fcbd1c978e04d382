// The pytest plugin's live interface (offload.framework.live/1) as a host uses it: the built plugin
// is loaded, created from an offload.toml table, fed a discovery, and the worker commands it builds
// are run with sh in a small project, with their tests on stdin.
#include "config/diagnostics.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/plugin_config.hpp"

#include <offload/plugin.hpp>

#include <doctest/doctest.h>

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace offload;

namespace {

const offload_plugin_descriptor &pytest_plugin()
{
    static const offload_plugin_descriptor *descriptor = [] {
        void *library = dlopen(OFFLOAD_PYTEST_PLUGIN, RTLD_NOW | RTLD_LOCAL);
        REQUIRE_MESSAGE(library, dlerror());
        void *entry = dlsym(library, OFFLOAD_PLUGIN_ENTRY_SYMBOL);
        REQUIRE(entry);
        return reinterpret_cast<offload_plugin_entry_fn>(entry)();
    }();
    return *descriptor;
}

void write_file(const fs::path &path, const std::string &text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

// A project directory with tests/test_a.py, tests/test_b.py and tests/test_c.py; importing
// test_c.py leaves a file "c imported" behind.
struct Project {
    fs::path dir = fs::temp_directory_path() / ("offload-pytest-plugin-" + std::to_string(getpid()));
    Project()
    {
        fs::remove_all(dir);
        write_file(dir / "tests/test_a.py", "import pytest\n"
                                            "def test_1():\n    pass\n"
                                            "@pytest.mark.parametrize('v', ['x y'])\n"
                                            "def test_2(v):\n    assert False\n");
        write_file(dir / "tests/test_b.py", "def test_3():\n    pass\n");
        write_file(dir / "tests/test_c.py", "open('c imported', 'w').close()\n"
                                            "def test_4():\n    pass\n");
    }
    ~Project() { fs::remove_all(dir); }

    // Runs a worker command in the project with these lines on its stdin; returns its stdout.
    std::string run(const std::string &command, const std::string &input) const
    {
        write_file(dir / "input", input);
        const std::string line = "cd '" + dir.string() + "' && export OFFLOAD_EVENT_MARK=@mark && " +
                                 command + " <input 2>/dev/null";
        std::string out;
        FILE *pipe = popen(line.c_str(), "r");
        REQUIRE(pipe);
        char buffer[4096];
        for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
            out.append(buffer, n);
        CHECK(pclose(pipe) == 0);
        return out;
    }
};

// One pytest framework instance, created from [discovery] and told what discovery printed.
struct Framework {
    HostEnvironment environment{fs::current_path()};
    HostServices services{"pytest", environment};
    toml::table document;
    Diagnostics diagnostics{false};
    offload_config config;
    const offload_framework_v1 *v1;
    const offload_framework_live_v1 *live;
    offload_framework_instance *instance = nullptr;

    Framework(const std::string &discovery, const std::string &listing)
        : document(toml::parse("[discovery]\ntype = \"pytest\"\n" + discovery)),
          config(*document["discovery"].as_table(), "discovery", "offload.toml", diagnostics),
          v1(static_cast<const offload_framework_v1 *>(
              pytest_plugin().get_interface(OFFLOAD_FRAMEWORK_INTERFACE_V1))),
          live(static_cast<const offload_framework_live_v1 *>(
              pytest_plugin().get_interface(OFFLOAD_FRAMEWORK_LIVE_V1)))
    {
        REQUIRE(v1);
        REQUIRE(live);
        std::string error;
        REQUIRE(v1->create(services.table(), &config, &instance, sdk::StringSink(error)) == OFFLOAD_OK);
        offload_discovery_output output{
            sizeof(offload_discovery_output), listing.data(), listing.size(), "", 0, 0};
        offload_test_sink sink{sizeof(offload_test_sink), nullptr,
                               [](void *, const offload_discovered_test *) {}};
        REQUIRE(v1->parse_discovery(instance, &output, &sink, sdk::StringSink(error)) == OFFLOAD_OK);
    }
    ~Framework() { v1->destroy(instance); }

    std::string worker_command(const std::vector<const char *> *ids) const
    {
        offload_worker_request request{sizeof(offload_worker_request), ids ? ids->data() : nullptr,
                                       ids ? ids->size() : 0, 0};
        std::string command, error;
        REQUIRE(live->worker_command(instance, &request, sdk::StringSink(command), sdk::StringSink(error)) ==
                OFFLOAD_OK);
        return command;
    }
};

std::string listing(const std::string &rootdir, const std::vector<std::string> &ids)
{
    std::string text = "collected\noffload-pytest-rootdir: " + rootdir +
                       "\noffload-pytest-inifile: \noffload-pytest-xdist: \n";
    for (const std::string &id : ids)
        text += id + "\n";
    return text + "offload-pytest-end\n";
}

const std::vector<std::string> all_ids = {"tests/test_a.py::test_1", "tests/test_a.py::test_2[x y]",
                                          "tests/test_b.py::test_3", "tests/test_c.py::test_4"};

bool has(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("the pytest framework offers workers")
{
    Framework framework("python = \"/usr/bin/python3\"\n", listing(".", all_ids));
    CHECK(framework.live->struct_size == sizeof(offload_framework_live_v1));
    CHECK(framework.live->capabilities(framework.instance) ==
          (OFFLOAD_LIVE_EVENTS | OFFLOAD_LIVE_WORKER | OFFLOAD_LIVE_PULL | OFFLOAD_LIVE_LISTS));
}

TEST_CASE("a worker with known tests collects only their files and reports them")
{
    Project project;
    Framework framework("python = \"/usr/bin/python3\"\n", listing(".", all_ids));
    const std::vector<const char *> ids = {"tests/test_b.py::test_3", "tests/test_a.py::test_2[x y]",
                                           "tests/test_a.py::test_1"};
    const std::string command = framework.worker_command(&ids);
    CHECK_FALSE(has(command, "test_3")); // ids travel on stdin only
    CHECK(has(command, " -- tests/test_b.py tests/test_a.py"));

    const std::string out =
        project.run(command, "run id=tests/test_b.py::test_3\nrun id=tests/test_a.py::test_2[x%20y]\n"
                             "run id=tests/test_a.py::test_1\n");
    CHECK(has(out, "@mark hello version=1\n"));
    CHECK(has(out, "@mark end id=tests/test_b.py::test_3 outcome=passed"));
    CHECK(has(out, "@mark end id=tests/test_a.py::test_2[x%20y] outcome=failed"));
    CHECK(has(out, "@mark end id=tests/test_a.py::test_1 outcome=passed"));
    CHECK(has(out, "@mark done count=3\n"));
    CHECK_FALSE(fs::exists(project.dir / "c imported"));
}

TEST_CASE("a worker with any test to come collects what discovery collected")
{
    Project project;
    Framework framework("python = \"/usr/bin/python3\"\npaths = [\"tests\"]\nextra_args = [\"-q\"]\n",
                        listing(".", all_ids));
    const std::string command = framework.worker_command(nullptr);
    CHECK(has(command, " -q --rootdir=. -- tests"));
    const std::string out = project.run(command, "run id=tests/test_c.py::test_4\n");
    CHECK(has(out, "@mark end id=tests/test_c.py::test_4 outcome=passed"));
    CHECK(fs::exists(project.dir / "c imported"));
}

TEST_CASE("the files of a worker's tests are found from pytest's rootdir")
{
    // pytest's rootdir one level up: its ids start with the project's own directory name.
    Framework framework("python = \"/usr/bin/python3\"\n", listing("..", {"proj/tests/test_a.py::test_1"}));
    const std::vector<const char *> ids = {"proj/tests/test_a.py::test_1", "proj/tests/test_a.py::test_9"};
    CHECK(has(framework.worker_command(&ids), " --rootdir=.. -- ../proj/tests/test_a.py"));
    CHECK_FALSE(has(framework.worker_command(&ids), "test_a.py ../proj")); // each file once
}
