// The cargo framework: the tests of a Rust crate or workspace, through `cargo test`.
//
// Discovery is one `cargo test ... -- --list --format terse` with cargo's JSON messages on, its
// stderr merged into stdout (see cargo_listing.hpp). It builds every test target, so the batches
// that follow find them fresh and only run them; only doc tests are compiled when they run
// (rustdoc has no way to build them ahead on stable Rust).
// A batch runs one `cargo test <target> -- --exact <names>` per target among its tests, one after
// the other in one shell command; each invocation is framed by marker lines and the batch's
// result is read from libtest's own output in the batch's log (see libtest_output.hpp).
// Test ids are described in test_ids.hpp.
//
// On a host that speaks offload.framework.live/1, tests run in workers instead: offload_worker.sh
// (embedded in the plugin) builds the test targets once, then runs each test it is sent in a
// process of its own and reports it with the records of docs/test-protocol.md.
#include "cargo_listing.hpp"
#include "cargo_worker_script.hpp"
#include "common/command.hpp"
#include "common/discovery_inputs.hpp"
#include "common/text.hpp"
#include "libtest_output.hpp"
#include "test_ids.hpp"

#include <offload/plugin.hpp>

#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace offload::sdk;
using namespace offload::cargo;
using namespace offload::common;

struct offload_framework_instance {
    const offload_host *host;
    std::string cargo;      // shell words, as the user wrote them
    std::string package;    // -p for every call; empty: cargo's default
    bool workspace = false; // discover every package of the workspace
    std::vector<std::string> features;
    std::vector<std::string> bins; // discovery only lists these binaries' tests
    bool include_ignored = false;
    bool per_test_process = true; // each test in a process of its own (a worker); else cargo test batches
    std::vector<std::string> extra_args; // more cargo options for every call
};

namespace {

// Options offload sets itself, or that would break reading cargo's or libtest's output, with
// what to do instead.
struct Forbidden {
    std::string_view option;
    bool prefix; // also forbids "--option=value" and the like
    std::string_view instead;
};
constexpr Forbidden forbidden_args[] = {
    {"-q", false, "libtest must print one line a test"},
    {"--quiet", false, "libtest must print one line a test"},
    {"--", false, "offload passes libtest's arguments itself"},
    {"--no-run", false, "offload builds and runs the tests itself"},
    {"--message-format", true, "offload sets it for discovery"},
    {"--color", true, "offload turns colours off to read the output"},
    {"--workspace", false, "use workspace = true"},
    {"--all", false, "use workspace = true"},
    {"--package", true, "use package = \"...\""},
    {"-p", true, "use package = \"...\""},
    {"--lib", false, "offload selects one target per cargo call"},
    {"--bins", false, "offload selects one target per cargo call"},
    {"--bin", true, "use bin = \"...\""},
    {"--tests", false, "offload selects one target per cargo call"},
    {"--test", true, "offload selects one target per cargo call"},
    {"--examples", false, "offload selects one target per cargo call"},
    {"--example", true, "offload selects one target per cargo call"},
    {"--benches", false, "offload selects one target per cargo call"},
    {"--bench", true, "offload selects one target per cargo call"},
    {"--all-targets", false, "offload selects one target per cargo call"},
    {"--doc", false, "offload selects one target per cargo call"},
};

// The start of every cargo call: the command, `test`, and the options every call shares.
std::vector<std::string> common_args(const offload_framework_instance &instance)
{
    std::vector<std::string> args = {"test", "--color", "never"};
    if (!instance.features.empty()) {
        args.emplace_back("--features");
        args.push_back(join(instance.features, ","));
    }
    args.insert(args.end(), instance.extra_args.begin(), instance.extra_args.end());
    return args;
}

offload_status create(const offload_host *host, const offload_config *config,
                      offload_framework_instance **out, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_framework_instance>();
        instance->host = host;
        Config settings(host, config);
        instance->cargo = settings.string("cargo").value_or("cargo");
        if (trim(instance->cargo).empty())
            settings.fail("cargo", "must name the cargo command, e.g. \"cargo\" or \"cargo +1.70.0\"");
        instance->package = settings.string("package").value_or("");
        instance->workspace = settings.boolean("workspace").value_or(false);
        if (instance->workspace && !instance->package.empty())
            settings.fail("workspace",
                          "cannot be combined with package: test one package, or the whole workspace");
        instance->features = settings.string_list("features").value_or(std::vector<std::string>{});
        instance->bins = settings.string_list("bin").value_or(std::vector<std::string>{});
        instance->include_ignored = settings.boolean("include_ignored").value_or(false);
        instance->per_test_process = settings.boolean("per_test_process").value_or(true);
        instance->extra_args = settings.string_list("extra_args").value_or(std::vector<std::string>{});
        for (const std::string &arg : instance->extra_args) {
            for (const Forbidden &forbidden : forbidden_args) {
                bool match =
                    arg == forbidden.option ||
                    (forbidden.prefix && arg.compare(0, forbidden.option.size(), forbidden.option) == 0 &&
                     (forbidden.option.substr(0, 2) != "--" || arg[forbidden.option.size()] == '='));
                if (match)
                    settings.fail("extra_args",
                                  "\"" + arg + "\" cannot be used here: " + std::string(forbidden.instead));
            }
        }
        *out = instance.release();
        return OFFLOAD_OK;
    });
}

void destroy(offload_framework_instance *instance)
{
    delete instance;
}

void config_template(const offload_text_sink *toml)
{
    append_text(
        toml,
        "# Runs `cargo test` in the project directory: unit tests of the library and binaries,\n"
        "# integration tests (tests/*.rs) and doc tests. Test ids name the target, then libtest's name:\n"
        "#   lib::tests::adds   bin(cli)::tests::parses   test(api)::creates_user\n"
        "#   doc::src/lib.rs - add (line 5)\n"
        "# and start with \"PACKAGE/\" when the tests come from several packages of a workspace.\n"
        "# The cargo command, as shell words (e.g. \"cargo +1.70.0\"):\n"
        "# cargo = \"cargo\"\n"
        "# One package of a workspace (cargo -p), or every package:\n"
        "# package = \"my-crate\"\n"
        "# workspace = true\n"
        "# Features to enable (cargo --features):\n"
        "# features = [\"serde\"]\n"
        "# Only the unit tests of these binaries (cargo --bin):\n"
        "# bin = [\"cli\"]\n"
        "# Run #[ignore] tests too (cargo test -- --include-ignored); otherwise they are skipped:\n"
        "# include_ignored = true\n"
        "# Each test runs in a process of its own (as cargo-nextest does): a crash or abort() fails that\n"
        "# test alone, and its exit status decides its outcome. false runs `cargo test` batches instead\n"
        "# (for suites whose tests rely on sharing one process):\n"
        "# per_test_process = false\n"
        "# More cargo options for every cargo call (not target selection):\n"
        "# extra_args = [\"--release\", \"--locked\"]\n");
}

size_t max_batch_size(const offload_framework_instance *)
{
    return 0;
}

// What [discovery] selects: --workspace, --package, --bin.
std::vector<std::string> configured_targets(const offload_framework_instance &instance)
{
    std::vector<std::string> args;
    if (instance.workspace)
        args.emplace_back("--workspace");
    if (!instance.package.empty())
        args.insert(args.end(), {"--package", instance.package});
    for (const std::string &bin : instance.bins)
        args.insert(args.end(), {"--bin", bin});
    return args;
}

// The listing of every test binary, each given `filters` (libtest's own: name substrings,
// --exact, --skip).
std::string listing_command(const offload_framework_instance &instance,
                            const std::vector<std::string> &filters)
{
    std::vector<std::string> args = common_args(instance);
    args.emplace_back("--message-format=json-render-diagnostics");
    const std::vector<std::string> targets = configured_targets(instance);
    args.insert(args.end(), targets.begin(), targets.end());
    args.insert(args.end(), {"--", "--list", "--format", "terse"});
    args.insert(args.end(), filters.begin(), filters.end());
    // One stream: cargo's headers (stderr) stay in front of the listings they introduce.
    return instance.cargo + shell_args(instance.host, args) + " 2>&1";
}

// A group's filters are libtest's selection: words that a test's name must contain (any of them),
// --exact (the whole name instead), --skip WORD (leave out names containing it). Other options
// would change what the listing is, and are refused.
offload_status filtered_discover_command(const offload_framework_instance *instance, const char *filters,
                                         const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::optional<std::vector<std::string>> words =
            filter_words(filters, error, "libtest name filters");
        if (!words)
            return OFFLOAD_ERROR;
        for (size_t i = 0; i < words->size(); ++i) {
            const std::string &word = (*words)[i];
            if (word == "--skip" && i + 1 == words->size()) {
                append_text(error, "--skip needs the text of the names to leave out: --skip slow_");
                return OFFLOAD_ERROR;
            }
            if (word == "--skip") {
                ++i;
                continue;
            }
            if (!word.empty() && word[0] == '-' && word != "--exact" && word.rfind("--skip=", 0) != 0) {
                offload_text_printf(
                    error,
                    "%s is not a libtest name filter: a group of cargo tests takes words its "
                    "tests' names contain, --exact and --skip WORD (e.g. \"net:: --skip slow_\")",
                    word.c_str());
                return OFFLOAD_ERROR;
            }
        }
        append_text(command, listing_command(*instance, *words));
        return OFFLOAD_OK;
    });
}

offload_status discover_command(const offload_framework_instance *instance, const offload_text_sink *command,
                                const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        append_text(command, listing_command(*instance, {}));
        return OFFLOAD_OK;
    });
}

offload_status parse_discovery(const offload_framework_instance *instance,
                               const offload_discovery_output *output, const offload_test_sink *tests,
                               const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        std::string_view out(output->stdout_text, output->stdout_length);
        std::string_view err(output->stderr_text, output->stderr_length);
        if (output->exit_code != 0) {
            // The compiler's (or cargo's) own message, without the JSON lines around it.
            LastLines tail(40);
            for_each_line(out, [&](std::string_view line) {
                if (line.empty() || line.front() != '{')
                    tail.add(line);
            });
            for_each_line(err, [&](std::string_view line) { tail.add(line); });
            offload_text_printf(error, "`%s test` failed with exit code %d while listing the tests%s:\n%s",
                                instance->cargo.c_str(), output->exit_code,
                                output->exit_code == 127 ? " (is cargo installed? see [discovery] cargo)"
                                                         : "",
                                tail.text().c_str());
            return OFFLOAD_ERROR;
        }
        Listing listing = read_listing(out);
        if (!listing.unplaced.empty()) {
            offload_text_printf(
                error,
                "cargo ran test binaries that its JSON messages did not describe, so their tests "
                "cannot be named (is `%s` a cargo that prints compiler-artifact messages?):\n  %s",
                instance->cargo.c_str(), join(listing.unplaced, "\n  ").c_str());
            return OFFLOAD_ERROR;
        }
        for (const ListedTest &listed : listing.tests) {
            std::string id = format_id(listed.target, listed.name);
            offload_discovered_test test{sizeof(offload_discovered_test), id.c_str(),
                                         listed.file.empty() ? nullptr : listed.file.c_str()};
            tests->add(tests->context, &test);
        }
        return OFFLOAD_OK;
    });
}

offload_status batch_command(const offload_framework_instance *instance, const offload_batch *batch,
                             const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        Grouping grouping = group_by_target(batch->test_ids, batch->test_count);
        if (!grouping.malformed.empty()) {
            offload_text_printf(error,
                                "not a cargo test id (expected TARGET::NAME, e.g. lib::tests::adds): %s",
                                batch->test_ids[grouping.malformed.front()]);
            return OFFLOAD_ERROR;
        }
        const offload_host *host = instance->host;
        // Every target's cargo call runs, whatever the ones before did; the batch fails if any did.
        std::string text = "offload_status=0\n";
        for (size_t g = 0; g < grouping.groups.size(); ++g) {
            const Group &group = grouping.groups[g];
            std::vector<std::string> args = common_args(*instance);
            if (group.target.package.empty() && !instance->package.empty())
                args.insert(args.end(), {"--package", instance->package});
            std::vector<std::string> selection = group.target.cargo_selection();
            args.insert(args.end(), selection.begin(), selection.end());
            // libtest colours its output when it thinks it writes to a terminal (a provider's pty).
            args.insert(args.end(), {"--", "--color", "never"});
            if (group.target.kind == TargetKind::Doc) {
                // Substring filters, see doc_test_filter(); each once.
                std::set<std::string> filters;
                for (const std::string &name : group.names)
                    if (std::string filter = doc_test_filter(name); filters.insert(filter).second)
                        args.push_back(filter);
            } else {
                args.emplace_back("--exact");
                args.insert(args.end(), group.names.begin(), group.names.end());
            }
            if (instance->include_ignored)
                args.emplace_back("--include-ignored");
            const std::string marker(group_marker);
            text += "echo " +
                    shell_quote(host, marker + std::to_string(g) + " begin " + group.target.spec()) + "\n";
            text += instance->cargo + shell_args(host, args) + " 2>&1\n";
            text += "offload_code=$?\n";
            text += "echo \"" + marker + std::to_string(g) + " exit $offload_code\"\n";
            text += "[ \"$offload_code\" -eq 0 ] || offload_status=$offload_code\n";
        }
        append_text(command, text + "exit $offload_status\n");
        return OFFLOAD_OK;
    });
}

offload_status parse_results(const offload_framework_instance *, const offload_batch_run *run,
                             const offload_result_sink *results, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        Grouping grouping = group_by_target(run->test_ids, run->test_count);
        BatchReader reader(grouping);
        // The log holds the whole output; the tail in memory is the fallback when it cannot be read.
        std::ifstream log;
        if (run->log_path && *run->log_path)
            log.open(run->log_path, std::ios::binary);
        if (log) {
            std::string line;
            while (std::getline(log, line)) {
                if (!line.empty() && line.back() == '\r')
                    line.pop_back();
                reader.line(line);
            }
        } else {
            for_each_line({run->output_tail, run->output_tail_length},
                          [&](std::string_view line) { reader.line(line); });
        }
        for (const GroupResult &found : reader.results()) {
            offload_test_result result{
                sizeof(offload_test_result), run->test_ids[found.id], found.outcome,
                found.duration_secs,         found.message.c_str(),   found.output.c_str()};
            results->report(results->context, &result);
        }
        return OFFLOAD_OK;
    });
}

// The cargo options that select what a worker builds before its first test: what discovery built
// when any test may come; else the targets of the given tests. nullopt: nothing to build, the
// tests are all doc tests (cargo builds those when they run).
std::optional<std::vector<std::string>> worker_build_selection(const offload_framework_instance &instance,
                                                               const offload_worker_request *request)
{
    std::vector<std::string> args;
    if (!request || !request->test_ids)
        return configured_targets(instance);
    // cargo applies each target option to every selected package that has the target.
    std::set<std::vector<std::string>> packages, targets;
    for (const Group &group : group_by_target(request->test_ids, request->test_count).groups) {
        if (group.target.kind == TargetKind::Doc)
            continue;
        if (!group.target.package.empty())
            packages.insert({"--package", group.target.package});
        else if (!instance.package.empty())
            packages.insert({"--package", instance.package});
        else if (instance.workspace)
            packages.insert({"--workspace"});
        Target target = group.target;
        target.package.clear();
        targets.insert(target.cargo_selection());
    }
    if (targets.empty())
        return std::nullopt;
    for (const auto *options : {&packages, &targets})
        for (const std::vector<std::string> &option : *options)
            args.insert(args.end(), option.begin(), option.end());
    return args;
}

// Per-test processes run in a worker that reports each test; otherwise `cargo test` batches are read
// when they end.
uint32_t capabilities(const offload_framework_instance *instance)
{
    return instance->per_test_process ? OFFLOAD_LIVE_EVENTS | OFFLOAD_LIVE_WORKER | OFFLOAD_LIVE_PULL : 0;
}

// `sh -c SCRIPT offload-cargo-worker OPTIONS`: the options are described in offload_worker.sh.
offload_status worker_command(const offload_framework_instance *instance,
                              const offload_worker_request *request, const offload_text_sink *command,
                              const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_host *host = instance->host;
        std::vector<std::string> options = {"--cargo", instance->cargo, "--common",
                                            shell_words(host, common_args(*instance))};
        if (std::optional<std::vector<std::string>> build = worker_build_selection(*instance, request))
            options.insert(options.end(), {"--build", shell_words(host, *build)});
        if (instance->workspace)
            options.emplace_back("--workspace");
        if (!instance->package.empty())
            options.insert(options.end(), {"--package", instance->package});
        if (instance->include_ignored)
            options.emplace_back("--include-ignored");
        append_text(command, "sh -c " + shell_quote(host, std::string(cargo_worker_script)) +
                                 " offload-cargo-worker" + shell_args(host, options));
        return OFFLOAD_OK;
    });
}

const offload_framework_v1 framework_interface = {
    .struct_size = sizeof(offload_framework_v1),
    .create = create,
    .destroy = destroy,
    .config_template = config_template,
    .max_batch_size = max_batch_size,
    .discover_command = discover_command,
    .parse_discovery = parse_discovery,
    .batch_command = batch_command,
    .parse_results = parse_results,
};

// What the list depends on: the sources of every package (test functions, doc comments, macros
// that generate tests), the manifests and lock file here and above (a workspace that adopts the
// crate), cargo's configuration and the toolchain. Discovery also builds; skipping it is safe
// because every batch and worker runs cargo, which rebuilds what changed.
offload_status discovery_inputs(const offload_framework_instance *instance,
                                const offload_discovery_input_sink *sink, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const DiscoveryInputs inputs(sink);
        for (const char *glob : {"**/*.rs", "**/Cargo.toml", "**/Cargo.lock", ".cargo/config.toml",
                                 ".cargo/config", "rust-toolchain", "rust-toolchain.toml"})
            inputs.glob(glob);
        inputs.files_above({"Cargo.toml", "Cargo.lock", ".cargo/config.toml", ".cargo/config",
                            "rust-toolchain", "rust-toolchain.toml"},
                           12);
        inputs.skip_directory("target");
        inputs.command(instance->cargo + " -V && rustc -vV");
        return OFFLOAD_OK;
    });
}

const offload_framework_discovery_inputs_v1 discovery_inputs_interface = {
    .struct_size = sizeof(offload_framework_discovery_inputs_v1),
    .inputs = discovery_inputs,
};

const offload_framework_filters_v1 filters_interface = {
    .struct_size = sizeof(offload_framework_filters_v1),
    .discover_command = filtered_discover_command,
};

const offload_framework_live_v1 live_interface = {
    .struct_size = sizeof(offload_framework_live_v1),
    .capabilities = capabilities,
    .worker_command = worker_command,
};

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "cargo",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "Rust tests through cargo test: unit, integration and doc tests, each with its own result",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_interface, live_interface, discovery_inputs_interface,
               filters_interface)
