#include "config/rust_offload/migration.hpp"
#include "config/rust_offload/rust_offload_config.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace offload;

namespace {

toml::table parse(std::string_view text)
{
    return toml::parse(text, std::string_view("offload.toml"));
}

struct Translated {
    RustOffloadConfig config;
    std::vector<std::string> messages;
    size_t errors = 0;
    std::string text;

    // A mapping line that contains both parts.
    bool maps(const std::string &from, const std::string &to) const
    {
        return std::any_of(config.mappings.begin(), config.mappings.end(), [&](const RustOffloadMapping &m) {
            return m.from.find(from) != std::string::npos && m.to.find(to) != std::string::npos;
        });
    }
    std::string get(const std::string &path) const
    {
        auto node = config.document.at_path(path);
        if (auto *s = node.as_string())
            return s->get();
        return node ? "<not a string>" : "<none>";
    }
};

Translated translate(const std::string &text)
{
    Translated out;
    out.text = text;
    toml::table document = parse(text);
    REQUIRE(is_rust_offload_config(document));
    Diagnostics diagnostics(false);
    out.config = translate_rust_offload_config(document, "offload.toml", diagnostics);
    out.messages = diagnostics.messages();
    out.errors = diagnostics.error_count();
    return out;
}

} // namespace

TEST_CASE("detection: their forms, never offload's")
{
    CHECK(is_rust_offload_config(parse("[framework]\ntype = \"pytest\"\n")));
    CHECK(is_rust_offload_config(parse("[groups.all]\ntype = \"cargo\"\n")));
    CHECK(is_rust_offload_config(parse("[provider]\ntype = \"local\"\n")));
    CHECK(!is_rust_offload_config(parse("[provider]\ntype = \"process\"\n[discovery]\ntype = \"pytest\"\n")));
    CHECK(!is_rust_offload_config(parse("[provider]\ntype = \"local\"\n[discovery]\ntype = \"pytest\"\n")));
    CHECK(!is_rust_offload_config(
        parse("[provider]\ntype = \"modal\"\n[discovery]\ntype = \"pytest\"\n[groups.a]\nfilters = \"\"\n")));
}

TEST_CASE("early era, one group: its framework is [discovery]; python and extra_args are the interpreter")
{
    Translated t = translate(R"([offload]
max_parallel = 2
stream_output = true

[provider]
type = "local"
shell = "/bin/sh"

[groups.unit]
type = "pytest"
paths = ["examples/tests"]
markers = "not slow"
python = "python3"
extra_args = ["-s"]  # -s disables output capture
)");
    CHECK(t.errors == 0);
    CHECK(t.config.era == "early");
    CHECK(t.get("provider.type") == "process");
    CHECK(t.get("provider.shell") == "/bin/sh");
    CHECK(t.get("discovery.type") == "pytest");
    CHECK(t.get("discovery.markers") == "not slow");
    CHECK(t.get("discovery.python[0]") == "python3");
    CHECK(t.get("discovery.python[1]") == "-s");
    CHECK(t.config.document["offload"]["retry_count"].value_or(0) == 3); // their early default
    CHECK(t.config.document["offload"]["max_parallel"].value_or(0) == 2);
    CHECK(t.maps("[provider] type = \"local\"", "[provider] type = \"process\""));
    CHECK(t.maps("[groups.unit] extra_args = [\"-s\"]", "[discovery] python = [\"python3\", \"-s\"]"));
    CHECK(t.maps("[offload] stream_output = true", "no effect here"));
    CHECK(!t.config.document.contains("groups"));

    const std::string migrated = write_migrated_config(t.config, t.text, "offload-local.toml");
    CHECK(migrated.find("# -s disables output capture\npython = [") != std::string::npos);
    CHECK(migrated.find("# [offload] stream_output = true (Rust offload): no effect here") !=
          std::string::npos);
    CHECK(parse(migrated) == t.config.document);
}

TEST_CASE("early era, groups that share a framework: one [discovery], markers become filters")
{
    Translated t = translate(R"([offload]
retry_count = 2
[provider]
type = "default"
create_command = "uv run @modal_sandbox.py create default"
exec_command = "uv run @modal_sandbox.py exec {sandbox_id} {command}"
destroy_command = "uv run @modal_sandbox.py destroy {sandbox_id}"
timeout_secs = 600
[groups.unit]
type = "pytest"
paths = ["tests"]
markers = "not slow"
python = "uv"
extra_args = ["run", "--with=pytest"]
[groups.slow]
type = "pytest"
paths = ["tests"]
markers = "slow"
python = "uv"
extra_args = ["run", "--with=pytest"]
)");
    CHECK(t.errors == 0);
    CHECK(t.get("provider.type") == "modal");
    CHECK(t.get("provider.add_python") == "3.11");
    CHECK(t.config.document["provider"]["call_timeout_secs"].value_or(0) == 600);
    CHECK(t.get("discovery.python[3]") == "python");
    CHECK(t.get("groups.unit.filters") == "-m 'not slow'");
    CHECK(t.get("groups.slow.filters") == "-m slow");
    CHECK(t.maps("[groups.unit] markers = \"not slow\"", "[groups.unit] filters = \"-m 'not slow'\""));
    CHECK(t.maps("exec_command", "offload's modal provider, verb exec"));
}

TEST_CASE("early era, groups with different frameworks: one [discovery.NAME] each")
{
    Translated t = translate(R"([offload]
[provider]
type = "remote"
create_command = "make-sandbox"
exec_command = "run-in {sandbox_id} {command}"
destroy_command = "drop {sandbox_id}"
working_dir = "ci"
[groups.py]
type = "pytest"
markers = "fast"
[groups.rs]
type = "cargo"
package = "core"
)");
    CHECK(t.errors == 0);
    CHECK(t.get("provider.type") == "script");
    CHECK(t.get("provider.destroy_command") == "cd ci && drop {sandbox_id}");
    CHECK(t.get("discovery.py.type") == "pytest");
    CHECK(t.get("discovery.py.markers") == "fast");
    CHECK(t.get("discovery.rs.type") == "cargo");
    CHECK(t.get("discovery.rs.package") == "core");
}

TEST_CASE("current era: [framework] is [discovery], groups stay, command gives the Python")
{
    Translated t = translate(R"([offload]
max_parallel = 4
sandbox_repo_root = "."
[provider]
type = "local"
[framework]
type = "pytest"
paths = ["examples/tests"]
command = "uv run --with=pytest pytest"
run_args = "--tb=line"
test_id_format = "{name}"
[groups.unit]
retry_count = 0
filters = "-m 'not slow'"
[groups.flaky]
retry_count = 5
filters = "-k test_flaky"
schedule_individual = true
[report]
download_globs = ["out/**"]
[history]
path = "offload-history.jsonl"
reservoir_size = 20
)");
    CHECK(t.errors == 0);
    CHECK(t.config.era == "current");
    CHECK(t.get("discovery.python[3]") == "python");
    CHECK(t.get("discovery.extra_args[0]") == "--tb=line");
    CHECK(t.get("groups.unit.filters") == "-m 'not slow'");
    CHECK(t.config.document["groups"]["flaky"]["retry_count"].value_or(0) == 5);
    CHECK(t.config.document["groups"]["flaky"]["schedule_individual"].value_or(false));
    CHECK(t.get("history.import[0]") == "offload-history.jsonl");
    CHECK(t.maps("[offload] sandbox_repo_root = \".\"", "no effect here"));
    CHECK(t.maps("[report] download_globs", "no effect here"));
    CHECK(t.maps("[framework] test_id_format", "node ids"));
}

TEST_CASE("current era, one group: folded into the run (retry_count, pytest filters as extra_args)")
{
    Translated t = translate(R"([offload]
[provider]
type = "local"
[framework]
type = "pytest"
[groups.all]
retry_count = 2
filters = "-k 'test_produces'"
)");
    CHECK(t.errors == 0);
    CHECK(t.config.document["offload"]["retry_count"].value_or(0) == 2);
    CHECK(t.get("discovery.extra_args[1]") == "test_produces");
    CHECK(!t.config.document.contains("groups"));
}

TEST_CASE("modal: their keys onto offload's modal provider")
{
    Translated t = translate(R"([offload]
sandbox_repo_root = "/app"
sandbox_init_cmd = "apt-get install -y rsync"
[provider]
type = "modal"
dockerfile = ".devcontainer/Dockerfile"
include_cwd = true
copy_dirs = ["data:/data"]
cpu_cores = 2.0
memory_gb = 1.5
env = { A = "1" }
[framework]
type = "nextest"
[groups.all]
retry_count = 1
)");
    CHECK(t.errors == 0);
    CHECK(t.get("provider.type") == "modal");
    CHECK(t.get("provider.workdir") == "/app");
    CHECK(t.get("provider.init_command") == "apt-get install -y rsync");
    CHECK(t.get("provider.copy_dirs[0]") == "data:/data");
    CHECK(t.config.document["provider"]["memory"].value_or(0) == 1536);
    CHECK(t.config.document["provider"]["cpu"].value_or(0.0) == 2.0);
    CHECK(t.config.document["provider"]["upload_project"].value_or(false));
    CHECK(t.get("discovery.type") == "cargo");
}

TEST_CASE("what offload lacks is an error naming it; unknown keys are warnings")
{
    Translated t = translate(R"([offload]
post_patch_cmd = "make"
bogus = 1
[provider]
type = "default"
create_command = "uv run @modal_sandbox.py create --from-somewhere {image_id}"
exec_command = "uv run @modal_sandbox.py exec {sandbox_id} {command}"
destroy_command = "uv run @modal_sandbox.py destroy {sandbox_id}"
[framework]
type = "pytest"
[groups.all]
[checkpoint]
build_inputs = ["Dockerfile"]
)");
    CHECK(t.errors == 3);
    auto has = [&](const std::string &text) {
        return std::any_of(t.messages.begin(), t.messages.end(),
                           [&](const std::string &m) { return m.find(text) != std::string::npos; });
    };
    CHECK(has("offload.toml:2:1: error: [offload] post_patch_cmd = \"make\": not supported"));
    CHECK(has("[checkpoint]: not supported"));
    CHECK(has("--from-somewhere"));
    CHECK(has("offload.toml:3:1: warning: unknown key [offload] bogus"));
}
