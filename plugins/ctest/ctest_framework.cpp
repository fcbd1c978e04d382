// The ctest framework: the tests of a configured CMake build directory, run by ctest itself, so
// that every test property means what it means to ctest (WILL_FAIL, DISABLED, SKIP_RETURN_CODE,
// TIMEOUT, ENVIRONMENT, WORKING_DIRECTORY, fixtures).
//
// Discovery is `ctest --show-only=json-v1` (ctest_listing.hpp); a test's id is its ctest name. A
// batch is one ctest run selecting exactly its tests with -R (names quoted as regular-expression
// literals), writing ctest's JUnit file (ctest_results.hpp); ctest adds the setup and cleanup tests
// of the fixtures they require by itself, and only the batch's own tests are reported. Each test is
// a process of its own under ctest, so a crash fails that test alone, with ctest's reason.
// RESOURCE_LOCK and RUN_SERIAL hold across sandboxes of one machine: a batch runs ctest under
// flock(1) on a file per lock in the build directory (exclusive for a RUN_SERIAL test, shared
// otherwise), always in the same order, so that no two batches that share a lock overlap.
// With expand_gtest, the ctest tests whose program is a GoogleTest binary are offered case by case
// (ctest_gtest.hpp).
#include "common/command.hpp"
#include "common/framed_parts.hpp"
#include "common/text.hpp"
#include "ctest_gtest.hpp"
#include "ctest_listing.hpp"
#include "ctest_results.hpp"

#include <offload/plugin.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace offload::sdk;
using namespace offload::ctest;
using namespace offload::common;

struct offload_framework_instance {
    const offload_host *host;
    std::string build_dir; // relative to the project, or absolute
    std::string build_command;
    std::string labels, exclude_labels; // ctest -L / -LE regular expressions; empty: none
    std::vector<std::string> extra_args;
    bool expand_gtest = false;
    // The suite and expansion of the last discovery: set by parse_discovery (main thread, before any
    // batch), read by batches.
    mutable std::mutex mutex;
    mutable std::shared_ptr<const CTestSuite> suite;
    mutable std::shared_ptr<const Expansion> expansion; // empty without expand_gtest
    mutable size_t longest_name = 0;

    std::pair<std::shared_ptr<const CTestSuite>, std::shared_ptr<const Expansion>> current() const
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!suite)
            throw std::runtime_error("the ctest framework ran a batch before discovery");
        return {suite, expansion};
    }
};

namespace {

// ctest options offload sets itself, with what to do instead.
constexpr std::pair<std::string_view, std::string_view> forbidden_args[] = {
    {"-R", "offload selects the tests"},
    {"--tests-regex", "offload selects the tests"},
    {"-E", "offload selects the tests"},
    {"--exclude-regex", "offload selects the tests"},
    {"-I", "offload selects the tests"},
    {"--tests-information", "offload selects the tests"},
    {"-U", "offload selects the tests"},
    {"--union", "offload selects the tests"},
    {"--rerun-failed", "use offload run --rerun-failed"},
    {"-L", "use labels = \"...\""},
    {"--label-regex", "use labels = \"...\""},
    {"-LE", "use exclude_labels = \"...\""},
    {"--label-exclude", "use exclude_labels = \"...\""},
    {"-FA", "offload relies on ctest adding the fixtures' setup and cleanup tests"},
    {"-FS", "offload relies on ctest adding the fixtures' setup and cleanup tests"},
    {"-FC", "offload relies on ctest adding the fixtures' setup and cleanup tests"},
    {"--fixture-exclude-any", "offload relies on ctest adding the fixtures' setup and cleanup tests"},
    {"--fixture-exclude-setup", "offload relies on ctest adding the fixtures' setup and cleanup tests"},
    {"--fixture-exclude-cleanup", "offload relies on ctest adding the fixtures' setup and cleanup tests"},
    {"--output-junit", "offload reads the JUnit file it asks for"},
    {"-N", "offload lists and runs the tests itself"},
    {"--show-only", "offload lists and runs the tests itself"},
    {"--test-dir", "use build_dir = \"...\""},
    {"-V", "a test's output is in its result; the batch log keeps ctest's lines readable"},
    {"-VV", "a test's output is in its result; the batch log keeps ctest's lines readable"},
    {"--verbose", "a test's output is in its result; the batch log keeps ctest's lines readable"},
    {"--extra-verbose", "a test's output is in its result; the batch log keeps ctest's lines readable"},
    {"-Q", "offload reads ctest's console lines"},
    {"--quiet", "offload reads ctest's console lines"},
    {"-D", "offload runs tests, not dashboards"},
    {"-T", "offload runs tests, not dashboards"},
    {"-S", "offload runs tests, not dashboards"},
};

offload_status create(const offload_host *host, const offload_config *config,
                      offload_framework_instance **out, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_framework_instance>();
        instance->host = host;
        Config settings(host, config);
        instance->build_dir = settings.string("build_dir").value_or("");
        if (trim(instance->build_dir).empty() || instance->build_dir.find('\n') != std::string::npos)
            settings.fail("build_dir",
                          "is required: the configured CMake build directory that ctest runs in, "
                          "relative to the project, e.g. \"build\"");
        instance->build_command = settings.string("build_command").value_or("");
        if (settings.has("build_command") && trim(instance->build_command).empty())
            settings.fail("build_command",
                          "must not be empty: a command that configures and builds the project");
        instance->labels = settings.string("labels").value_or("");
        instance->exclude_labels = settings.string("exclude_labels").value_or("");
        instance->extra_args = settings.string_list("extra_args").value_or(std::vector<std::string>{});
        instance->expand_gtest = settings.boolean("expand_gtest").value_or(false);
        for (const std::string &arg : instance->extra_args)
            for (const auto &[option, instead] : forbidden_args)
                if (arg == option ||
                    (option.size() > 2 && arg.compare(0, option.size() + 1, std::string(option) + "=") == 0))
                    settings.fail("extra_args",
                                  "\"" + arg + "\" cannot be used here: " + std::string(instead));
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
        "# The configured CMake build directory ctest runs in (relative to this file); test ids are\n"
        "# ctest's test names. Test properties keep their meaning: WILL_FAIL, DISABLED (skipped),\n"
        "# SKIP_RETURN_CODE, TIMEOUT, fixtures (ctest adds a test's setup and cleanup tests),\n"
        "# RESOURCE_LOCK and RUN_SERIAL (held across the sandboxes of one machine). Needs CMake 3.21+.\n"
        "build_dir = \"build\"\n"
        "# Runs in the project directory before discovery, e.g. to configure and build:\n"
        "# build_command = \"cmake -S . -B build && cmake --build build\"\n"
        "# Only the tests whose labels match (ctest -L), or none whose labels match (ctest -LE):\n"
        "# labels = \"unit\"\n"
        "# exclude_labels = \"slow|network\"\n"
        "# More ctest options for every batch (not test selection), e.g. ctest's own parallelism\n"
        "# inside a batch, which honours RESOURCE_LOCK too:\n"
        "# extra_args = [\"--parallel\", \"2\"]\n"
        "# Offer each case of a ctest test whose program is a GoogleTest binary (a plain add_test, not\n"
        "# gtest_discover_tests) as a test of its own, id CTESTNAME/Suite.Case, run many per process in\n"
        "# the test's WORKING_DIRECTORY with its ENVIRONMENT, arguments, fixtures and locks:\n"
        "# expand_gtest = true\n");
}

// cmsys regular expressions, which ctest -R compiles, refuse programs over 32 KiB.
constexpr size_t regex_bytes_per_batch = 24 * 1024;

size_t max_batch_size(const offload_framework_instance *instance)
{
    std::lock_guard<std::mutex> lock(instance->mutex);
    // A quoted name is at most twice as long, plus its '|'.
    return instance->longest_name == 0
               ? 0
               : std::max<size_t>(1, regex_bytes_per_batch / (2 * instance->longest_name + 1));
}

std::string quoted(const offload_framework_instance &instance, const std::string &word)
{
    return shell_quote(instance.host, word);
}

offload_status discover_command(const offload_framework_instance *instance, const offload_text_sink *command,
                                const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::string dir = quoted(*instance, instance->build_dir);
        std::string text;
        // The build's output goes to stderr: stdout holds the listing alone.
        if (!instance->build_command.empty())
            text += "{ " + instance->build_command + "\n} >&2 || exit $?\n";
        text += "command -v ctest >/dev/null 2>&1 || { echo 'offload: ctest is not installed or not on PATH "
                "(it comes with CMake; on Debian: apt-get install cmake)' >&2; exit 3; }\n";
        text += "offload_v=$(ctest --version | sed -n 's/^ctest version \\([0-9]*\\)\\.\\([0-9]*\\).*/\\1 "
                "\\2/p')\n"
                "set -- $offload_v\n"
                "if [ \"${1:-0}\" -lt 3 ] || { [ \"$1\" = 3 ] && [ \"${2:-0}\" -lt 21 ]; }; then "
                "echo \"offload: ctest $1.$2 is too old: the ctest framework needs CMake 3.21 or later "
                "(for --output-junit)\" >&2; exit 3; fi\n";
        text +=
            "if [ ! -d " + dir +
            " ]; then printf 'offload: there is no build directory %s in %s ([discovery] "
            "build_dir): configure and build the project first (cmake -S . -B %s && cmake --build %s), or "
            "set build_command\\n' " +
            dir + " \"$PWD\" " + dir + " " + dir + " >&2; exit 3; fi\n";
        text += "if [ ! -f " + dir +
                "/CTestTestfile.cmake ]; then printf 'offload: %s is not a CMake build "
                "directory with tests: it has no CTestTestfile.cmake (configure it with CMake, and call "
                "enable_testing() or include(CTest) in the project)\\n' " +
                dir + " >&2; exit 3; fi\n";
        std::string listing = "ctest --test-dir " + dir + " --show-only=json-v1";
        if (!instance->labels.empty())
            listing += " -L " + quoted(*instance, instance->labels);
        if (!instance->exclude_labels.empty())
            listing += " -LE " + quoted(*instance, instance->exclude_labels);
        text += instance->expand_gtest ? expanding_discovery(listing) : listing + "\n";
        append_text(command, text);
        return OFFLOAD_OK;
    });
}

offload_status parse_discovery(const offload_framework_instance *instance,
                               const offload_discovery_output *output, const offload_test_sink *tests,
                               const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::string_view out(output->stdout_text, output->stdout_length);
        const std::string_view err(output->stderr_text, output->stderr_length);
        if (output->exit_code != 0) {
            const std::string tail = last_lines(err, 30);
            if (output->exit_code == 3 && tail.rfind("offload: ", 0) == 0)
                append_text(error, tail.substr(9));
            else
                offload_text_printf(error, "%s failed with exit code %d:\n%s",
                                    instance->build_command.empty() ? "listing the tests with ctest"
                                                                    : "[discovery] build_command",
                                    output->exit_code, tail.c_str());
            return OFFLOAD_ERROR;
        }
        CTestListing listing;
        std::shared_ptr<Expansion> expansion;
        try {
            if (instance->expand_gtest) {
                expansion = std::make_shared<Expansion>(read_expansion(instance->host, out));
                listing = read_listing(expansion->listing);
            } else {
                listing = read_listing(out);
            }
        } catch (const std::exception &e) {
            offload_text_printf(error, "cannot read ctest's listing of %s: %s\n%s",
                                instance->build_dir.c_str(), e.what(),
                                last_lines(std::string(out) + std::string(err), 20).c_str());
            return OFFLOAD_ERROR;
        }
        for (const std::string &name : listing.repeats)
            log(instance->host, OFFLOAD_LOG_WARNING,
                "ctest lists more than one test named \"" + name +
                    "\" (from different directories): offload runs them as one test, the worse result "
                    "standing");
        size_t longest = 0;
        auto add = [&](const std::string &id) {
            longest = std::max(longest, id.size());
            offload_discovered_test discovered{sizeof discovered, id.c_str(), nullptr};
            tests->add(tests->context, &discovered);
        };
        std::set<std::string> names;
        for (const CTestTest &test : listing.tests)
            names.insert(test.name);
        for (const CTestTest &test : listing.tests) {
            const GtestTest *expanded = find_expanded(expansion.get(), test.name);
            if (!expanded) {
                add(test.name);
                continue;
            }
            for (const std::string &name : expanded->cases) {
                const std::string id = case_id(test.name, name);
                if (names.count(id)) {
                    log(instance->host, OFFLOAD_LOG_WARNING,
                        "the GoogleTest case " + id +
                            " has the name of a ctest test: only the ctest test is offered");
                    expansion->cases.erase(id);
                    continue;
                }
                add(id);
            }
        }
        if (expansion)
            for (const std::string &note : expansion->notes)
                log(instance->host, OFFLOAD_LOG_WARNING, "expand_gtest: " + note);
        std::lock_guard<std::mutex> lock(instance->mutex);
        instance->suite = std::make_shared<const CTestSuite>(std::move(listing));
        instance->expansion = std::move(expansion);
        instance->longest_name = longest;
        return OFFLOAD_OK;
    });
}

// The lock file of a RESOURCE_LOCK: its name hex-encoded, so that any name is a safe file name.
std::string lock_file(const std::string &name)
{
    std::string file = "lock-";
    for (unsigned char c : name) {
        char hex[3];
        std::snprintf(hex, sizeof hex, "%02x", c);
        file += hex;
    }
    return file;
}

// The flock(1) words that run the rest of a command line under the batch's locks, in one global
// order (run-serial first, then the resource locks by file name) so that batches cannot deadlock.
std::string lock_prefix(const offload_framework_instance &instance, const CTestSuite &suite,
                        const std::vector<std::string> &names, const std::string &lock_dir)
{
    std::vector<std::pair<std::string, bool>> held; // file, exclusive
    if (suite.any_run_serial())
        held.emplace_back("run-serial", suite.run_serial(names));
    std::vector<std::string> files;
    for (const std::string &name : suite.locks(names))
        files.push_back(lock_file(name));
    std::sort(files.begin(), files.end());
    for (const std::string &file : files)
        held.emplace_back(file, true);
    std::string prefix;
    for (const auto &[file, exclusive] : held)
        prefix += std::string("flock ") + (exclusive ? "-x " : "-s ") + lock_dir + "/" +
                  quoted(instance, file) + " ";
    return prefix;
}

// A batch's tests: the plain ctest tests, and the cases of each expanded test in order of first
// appearance.
struct BatchTests {
    std::vector<std::string> plain;
    std::vector<const char *> plain_ids;
    struct Group {
        size_t test; // in the expansion
        std::vector<std::string> names;
        std::vector<const char *> ids;
    };
    std::vector<Group> groups;
};

BatchTests split_batch(const Expansion *expansion, const char *const *ids, size_t count)
{
    BatchTests batch;
    std::map<size_t, size_t> group_of;
    for (size_t i = 0; i < count; ++i) {
        const ExpandedCase *found = find_case(expansion, ids[i]);
        if (!found) {
            batch.plain.emplace_back(ids[i]);
            batch.plain_ids.push_back(ids[i]);
            continue;
        }
        const auto &[test, name] = *found;
        const auto [at, added] = group_of.emplace(test, batch.groups.size());
        if (added)
            batch.groups.push_back({test, {}, {}});
        batch.groups[at->second].names.push_back(name);
        batch.groups[at->second].ids.push_back(ids[i]);
    }
    return batch;
}

// The fixture tests ctest runs with name, split into setups and cleanups.
std::pair<std::vector<std::string>, std::vector<std::string>> fixture_tests(const CTestSuite &suite,
                                                                            const std::string &name)
{
    std::vector<std::string> setups, cleanups;
    for (const std::string &other : suite.with_fixtures({name})) {
        const CTestTest *test = suite.find(other);
        if (other == name || !test)
            continue;
        (test->fixtures_setup.empty() ? cleanups : setups).push_back(other);
    }
    return {setups, cleanups};
}

offload_status batch_command(const offload_framework_instance *instance, const offload_batch *batch,
                             const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const auto [suite, expansion] = instance->current();
        const BatchTests tests = split_batch(expansion.get(), batch->test_ids, batch->test_count);
        const std::string dir = quoted(*instance, instance->build_dir);
        const std::string extra = shell_args(instance->host, instance->extra_args);
        std::string text = framed_part_functions();
        text += "offload_r=" + quoted(*instance, batch->result_file) +
                "\ncase $offload_r in /*) ;; *) offload_r=$PWD/$offload_r ;; esac\n"
                ": >\"$offload_r\" || exit 1\n"
                "offload_t=$(mktemp -d \"${TMPDIR:-/tmp}/offload-ctest.XXXXXX\") || exit 1\n"
                "case $offload_t in /*) ;; *) offload_t=$PWD/$offload_t ;; esac\n"
                "trap 'rm -rf \"$offload_t\"' EXIT\n"
                "offload_mark=${OFFLOAD_EVENT_MARK-}\nunset OFFLOAD_EVENT_MARK\noffload_s=0\n";
        const std::string lock_dir = "\"$offload_locks\"";
        bool locked = false;
        auto locks = [&](const std::vector<std::string> &names) {
            const std::string prefix = lock_prefix(*instance, *suite, names, lock_dir);
            if (!prefix.empty() && !locked) {
                locked = true;
                text += "command -v flock >/dev/null 2>&1 || { echo 'offload: flock is not installed "
                        "(util-linux): the ctest framework needs it for tests with RESOURCE_LOCK or "
                        "RUN_SERIAL'; exit 127; }\n"
                        "offload_locks=" +
                        dir + "/.offload-locks\nmkdir -p \"$offload_locks\" || exit 1\n";
            }
            return prefix;
        };
        if (!tests.plain.empty())
            text +=
                "{ " + locks(tests.plain) + "ctest --test-dir " + dir +
                " --no-tests=error --output-junit \"$offload_t/junit.xml\" -R " +
                quoted(*instance, names_regex(tests.plain)) + extra +
                " </dev/null 2>&1; echo $? >\"$offload_t/code\"; } | tee \"$offload_t/console\"\n"
                "offload_e=$(cat \"$offload_t/code\" 2>/dev/null || echo 1)\n"
                "{ offload_text exit \"$offload_e\"; offload_part console \"$offload_t/console\"\n"
                "  if [ -f \"$offload_t/junit.xml\" ]; then offload_part junit \"$offload_t/junit.xml\"; fi\n"
                "} >>\"$offload_r\"\n"
                // ctest's 8 says that some test failed: the results tell which. Anything else, or
                // no JUnit file, is ctest's own failure.
                "if [ ! -f \"$offload_t/junit.xml\" ] ||\n"
                "  { [ \"$offload_e\" != 0 ] && [ \"$offload_e\" != 8 ]; }; then\n"
                "  offload_s=$offload_e; [ \"$offload_s\" != 0 ] || offload_s=1\nfi\n";
        if (!tests.groups.empty())
            text += "offload_gtest=" + quoted(*instance, gtest_functions()) + "\n";
        for (size_t k = 0; k < tests.groups.size(); ++k) {
            const BatchTests::Group &group = tests.groups[k];
            const GtestTest &gtest = expansion->tests[group.test];
            const CTestTest *test = suite->find(gtest.name);
            if (!test)
                throw std::runtime_error("the expanded test " + gtest.name + " is not in ctest's listing");
            const auto [setups, cleanups] = fixture_tests(*suite, gtest.name);
            const std::string frames = "\"$offload_t/gtest-" + std::to_string(k) + "\"";
            text += "offload_g=" +
                    quoted(*instance, group_script(instance->host, *test, gtest, group.names, dir, setups,
                                                   cleanups, extra)) +
                    "\nOFFLOAD_EVENT_MARK=$offload_mark " + locks({gtest.name}) +
                    "sh -c \"$offload_gtest$offload_g\" offload-ctest " + frames +
                    "\noffload_e=$?\noffload_part gtest " + std::to_string(k) + " " + frames +
                    " >>\"$offload_r\"\n[ \"$offload_e\" = 0 ] || [ \"$offload_s\" != 0 ] || "
                    "offload_s=$offload_e\n";
        }
        append_text(command, text + "exit \"$offload_s\"\n");
        return OFFLOAD_OK;
    });
}

// ctest's verdict, with the reason told the way offload tells it where ctest is terse.
std::string message_of(const CTestTest *test, const CTestResult &result)
{
    if (!test || result.status != "fail")
        return result.message;
    if (result.message == "Timeout" && test->timeout_secs)
        return "timeout: ctest killed it at its TIMEOUT of " + toml_float(*test->timeout_secs) + " s";
    if (result.message == "Timeout")
        return "timeout: ctest killed it at its timeout";
    if (result.message == "Failed" && test->will_fail)
        return "Failed: its WILL_FAIL property expects it to fail, and it passed";
    return result.message;
}

offload_status parse_results(const offload_framework_instance *instance, const offload_batch_run *run,
                             const offload_result_sink *results, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        // No result file: the batch was killed before ctest ended (a timeout); offload runs its tests
        // again, or charges them.
        if (!run->result_file)
            return OFFLOAD_OK;
        std::ifstream file(run->result_file, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        const FramedParts parts = read_framed_parts(text);
        const FramedPart *exit = find_part(parts.parts, "exit");
        const FramedPart *console = find_part(parts.parts, "console");
        const FramedPart *junit = find_part(parts.parts, "junit");
        const auto [suite, expansion] = instance->current();
        const BatchTests tests = split_batch(expansion.get(), run->test_ids, run->test_count);
        for (size_t k = 0; k < tests.groups.size(); ++k) {
            const BatchTests::Group &group = tests.groups[k];
            const CTestTest *test = suite->find(expansion->tests[group.test].name);
            if (!test)
                continue;
            const GtestCases cases = batch_cases(*test, group.names, group.ids);
            report_disabled_cases(
                cases, "add --gtest_also_run_disabled_tests to the ctest test's arguments to run it",
                results);
            const std::string *frames = nullptr;
            for (const FramedPart &part : parts.parts)
                if (part.fields.size() == 2 && part.fields[0] == "gtest" &&
                    part.fields[1] == std::to_string(k))
                    frames = &part.body;
            report_group(instance->host, cases, frames, results);
        }
        if (tests.plain.empty() || !exit || !console)
            return OFFLOAD_OK;
        if (!junit) {
            const std::string why =
                "ctest ended (exit code " + exit->body + ") without writing its JUnit file";
            for (const char *id : tests.plain_ids)
                report_result(results, id, OFFLOAD_OUTCOME_ERROR, -1, why, last_lines(console->body, 30));
            return OFFLOAD_OK;
        }
        const CTestRun ctest = read_ctest_run(junit->body, console->body);
        for (const char *id : tests.plain_ids) {
            auto found = ctest.tests.find(id);
            if (found != ctest.tests.end()) {
                const CTestResult &result = found->second;
                report_result(results, id, result.outcome, result.secs, message_of(suite->find(id), result),
                              result.output);
            } else if (!ctest.whole) {
                report_result(results, id, OFFLOAD_OUTCOME_ERROR, -1, ctest.error,
                              last_lines(console->body, 30));
            } else {
                report_result(
                    results, id, OFFLOAD_OUTCOME_ERROR, -1,
                    "ctest (exit code " + exit->body +
                        ") reported no result for it: was it renamed or removed? `offload collect` lists the "
                        "tests again",
                    last_lines(console->body, 30));
            }
        }
        return OFFLOAD_OK;
    });
}

// Records only when a GoogleTest process of an expanded test dies: the case it was running ends
// failed.
uint32_t capabilities(const offload_framework_instance *instance)
{
    return instance->expand_gtest ? OFFLOAD_LIVE_EVENTS : 0;
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

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "ctest",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "CTest projects: every ctest test, run by ctest with its properties",
};

} // namespace

const offload_framework_live_v1 live_interface = {
    .struct_size = sizeof(offload_framework_live_v1),
    .capabilities = capabilities,
    .worker_command = nullptr,
};

OFFLOAD_PLUGIN(plugin_info, framework_interface, live_interface)
