// offload run, offload collect.
#include "cli/commands.hpp"

#include "cli/run_lock.hpp"
#include "discovery/discovery.hpp"
#include "discovery/discovery_cache.hpp"
#include "flaky/quarantine.hpp"
#include "groups/test_groups.hpp"
#include "history/history.hpp"
#include "history/history_import.hpp"
#include "report/github_actions.hpp"
#include "report/html_report.hpp"
#include "report/json_events.hpp"
#include "report/junit_writer.hpp"
#include "report/run_record.hpp"
#include "report/summary.hpp"
#include "report/terminal_reporter.hpp"
#include "report/trace_writer.hpp"
#include "results/rerun_list.hpp"
#include "runner/runner.hpp"
#include "scheduler/estimates.hpp"
#include "util/error.hpp"
#include "util/json.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string_view>
#include <sys/resource.h>

namespace offload {

namespace {

// Where a run leaves the ids --rerun-failed runs next time.
std::filesystem::path rerun_list_of(const Settings &settings)
{
    return settings.output_dir / "rerun-list";
}

std::chrono::milliseconds seconds(double value)
{
    return std::chrono::milliseconds(int64_t(value * 1000.0));
}

// Discovery gets the limit of one test: it is the same kind of command.
std::chrono::milliseconds batch_timeout(const Settings &settings)
{
    return seconds(settings.test_timeout_secs);
}

// Discovery often builds the tests first (cargo test --no-run, go test -list, an npm install), which
// takes longer than one test may: its limit is test_timeout_secs, but never less than 30 minutes.
std::chrono::milliseconds discovery_timeout(const Settings &settings)
{
    return std::max<std::chrono::milliseconds>(batch_timeout(settings), std::chrono::minutes(30));
}

// batch-<digits>.log or batch-<digits>.junit.xml: a file name offload gives a batch's log or result.
bool is_batch_log_name(std::string_view name)
{
    if (!name.starts_with("batch-"))
        return false;
    name.remove_prefix(6);
    const size_t digits = name.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string_view::npos)
        return false;
    name.remove_prefix(digits);
    return name == ".log" || name == ".junit.xml";
}

// Logs of an earlier run would be mistaken for this run's. Only files offload writes are removed:
// output_dir may be a directory the user keeps other things in. Under the run lock: no other run
// writes there meanwhile.
void remove_old_batch_logs(const std::filesystem::path &dir)
{
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(dir, error))
        if (entry.is_regular_file(error) && is_batch_log_name(entry.path().filename().string()))
            std::filesystem::remove(entry.path(), error);
}

// Adds this run's durations: of every test that ran to an outcome (its last attempt), and of
// every batch's fixed cost; and how each test that passed or failed ended, for its flakiness.
void save_history(History &history, const RunOutcome &outcome, const std::filesystem::path &file)
{
    // started_at is UTC in JUnit's form, without a zone; the history says so.
    const std::string started_at = outcome.report.started_at + "Z";
    for (const TestReport &test : outcome.report.tests) {
        if (!test.attempts.empty() && test.attempts.back().duration_secs >= 0 &&
            test.attempts.back().outcome != Outcome::NotRun)
            history.record_test(test.id, test.attempts.back().duration_secs);
        switch (test.final_outcome()) {
        case Outcome::Passed:
            history.record_outcome(test.id, test.flaky() ? History::Mark::Flaky : History::Mark::Passed,
                                   started_at);
            break;
        case Outcome::Failed:
        case Outcome::Error:
            // Not after Ctrl-C or --max-fail: a test stopped halfway says nothing of itself.
            if (!outcome.interrupted && !outcome.stopped_early)
                history.record_outcome(test.id, History::Mark::Failed, started_at);
            break;
        case Outcome::Skipped:
        case Outcome::NotRun: break;
        }
    }
    for (double overhead : outcome.batch_overheads)
        history.record_batch_overhead(overhead);
    if (Expected<void> saved = history.save(file); !saved)
        log::warning("the timing history was not saved: " + saved.error());
}

// The peak resident memory of this program in kB: /proc/self/status's VmHWM, which starts again at
// exec. getrusage's ru_maxrss does not: it keeps the peak of the process before it ran offload, so
// offload started by a large process (a pytest worker) would be charged with that process's memory.
// nullopt when /proc cannot tell.
std::optional<double> own_peak_rss_kb()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) {
            try {
                return std::stod(line.substr(6));
            } catch (const std::exception &) {
                return std::nullopt;
            }
        }
    return std::nullopt;
}

// offload's own cost, without its children's (tests, scripts): for -v and the benchmarks.
void log_resource_use()
{
    rusage self{};
    if (getrusage(RUSAGE_SELF, &self) != 0)
        return;
    const double peak_kb = own_peak_rss_kb().value_or(double(self.ru_maxrss));
    auto seconds = [](const timeval &t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    log::debug(fmt::format("resource use of offload itself: {:.2f} s CPU ({:.2f} s user, {:.2f} s system), "
                           "{:.1f} MB peak RSS",
                           seconds(self.ru_utime) + seconds(self.ru_stime), seconds(self.ru_utime),
                           seconds(self.ru_stime), peak_kb / 1024.0));
}

// The history of [history] path, with the timings of [history] import for the tests it has none of.
// A file at [history] path that is not offload's is an error: the run would otherwise go on
// without saving its timings, and a user who meant to use it would not know why.
History load_history(const Settings &settings)
{
    if (!settings.history)
        return History();
    if (Expected<void> own = check_own_history(settings.history_file); !own)
        throw Error(own.error());
    Expected<History> loaded = History::load(settings.history_file);
    if (!loaded)
        log::warning(loaded.error());
    History history = loaded ? std::move(*loaded) : History();
    for (const std::filesystem::path &path : settings.history_imports) {
        Expected<size_t> added = import_timings(path, settings.config_file.filename().string(), history);
        if (!added)
            log::warning(fmt::format("[history] import: {}; its timings are not used", added.error()));
        else
            log::debug(fmt::format("[history] import: {} timings from {}", *added, path.string()));
    }
    return history;
}

// Where discovery runs, and its cache. A local provider's directory and environment reach discovery
// too (a src/ layout's PYTHONPATH).
DiscoveryRequest discovery_request(Session &session, bool rediscover)
{
    const Settings &settings = session.settings();
    DiscoveryPlace place{settings.project_dir, {}};
    if (std::optional<ProviderInstance::LocalContext> local = session.provider().local_context()) {
        if (!local->working_dir.empty())
            place.working_dir = std::filesystem::absolute(settings.project_dir / local->working_dir);
        place.env = std::move(local->env);
    }
    DiscoveryRequest request{place,      discovery_timeout(settings),     {},
                             rediscover, settings.discovery_cache_inputs, {}};
    if (settings.discovery_cache)
        request.cache_dir = settings.discovery_cache_dir;
    return request;
}

// The ids --rerun-failed runs: from the list the last run left; a run of an older offload left
// only its JUnit report. Empty without --rerun-failed.
std::vector<std::string> last_failed(const Settings &settings, const Selection &selection)
{
    if (!selection.rerun_failed)
        return {};
    Expected<std::optional<std::vector<std::string>>> listed = read_rerun_list(rerun_list_of(settings));
    if (!listed)
        throw Error("--rerun-failed: " + listed.error());
    return *listed ? std::move(**listed) : failed_in_report(settings.junit_file);
}

// The selection of the command line, applied to what discovery found.
std::vector<DiscoveredTest> apply_selection(std::vector<DiscoveredTest> tests, const Selection &selection,
                                            const std::vector<std::string> &failed)
{
    if (selection.empty())
        return tests;
    const size_t discovered = tests.size();
    tests = select_tests(std::move(tests), selection, failed);
    log::info(fmt::format("selected {} of {} tests", tests.size(), discovered));
    return tests;
}

// A run of several frameworks ([discovery.NAME] tables): each one's tests, discovered one after
// the other (each from the cache when it holds the list), with "NAME:" in front of their ids.
std::vector<DiscoveredTest> discover_several(Session &session, bool rediscover)
{
    std::vector<DiscoveredTest> all;
    const std::vector<FrameworkInstance *> frameworks = session.frameworks();
    for (size_t i = 0; i < frameworks.size(); ++i) {
        const std::string prefix = session.settings().suites[i].name + ":";
        for (DiscoveredTest &test :
             discover_tests(*frameworks[i], discovery_request(session, rediscover)).tests) {
            test.id = prefix + test.id;
            all.push_back(std::move(test));
        }
    }
    return all;
}

bool several_frameworks(const Settings &settings)
{
    return settings.suites.size() > 1 ||
           (settings.suites.size() == 1 && !settings.suites.front().name.empty());
}

// A run with [groups.NAME] tables: each group's tests, discovered with its filters from its
// framework (each from the cache when it holds the list), "NAME:" in front of their ids in a run
// of several frameworks; a test two groups found is an error.
std::vector<DiscoveredTest> discover_groups(Session &session, bool rediscover)
{
    const Settings &settings = session.settings();
    const std::vector<FrameworkInstance *> frameworks = session.frameworks();
    const bool several = several_frameworks(settings);
    std::vector<GroupTests> groups;
    for (const Settings::Group &group : settings.groups) {
        DiscoveryRequest request = discovery_request(session, rediscover);
        request.filters = group.filters;
        log::info(fmt::format("discovering the tests of [groups.{}]{}", group.name,
                              group.filters.empty() ? "" : fmt::format(" (filters: {})", group.filters)));
        std::vector<DiscoveredTest> tests;
        try {
            tests = discover_tests(*frameworks[group.suite], request).tests;
        } catch (const Error &error) {
            throw Error(fmt::format("[groups.{}]: {}", group.name, error.what()), error.exit_code());
        }
        if (several)
            for (DiscoveredTest &test : tests)
                test.id = settings.suites[group.suite].name + ":" + test.id;
        groups.push_back({group.name, std::move(tests)});
    }
    return merge_groups(std::move(groups));
}

// Per test of a run of several frameworks, the index of its framework: the name before the first ':'.
std::vector<size_t> suites_of(const std::vector<DiscoveredTest> &tests, const Settings &settings)
{
    std::vector<size_t> suite_of;
    for (const DiscoveredTest &test : tests) {
        const std::string name = test.id.substr(0, test.id.find(':'));
        size_t index = 0;
        while (index + 1 < settings.suites.size() && settings.suites[index].name != name)
            ++index;
        suite_of.push_back(index);
    }
    return suite_of;
}

// Discovery (from the cache when it holds the list), then the selection of the command line.
std::vector<DiscoveredTest> selected_tests(Session &session, const Selection &selection, bool rediscover)
{
    const std::vector<std::string> failed = last_failed(session.settings(), selection);
    if (!session.settings().groups.empty())
        return apply_selection(discover_groups(session, rediscover), selection, failed);
    if (several_frameworks(session.settings()))
        return apply_selection(discover_several(session, rediscover), selection, failed);
    return apply_selection(discover_tests(session.framework(), discovery_request(session, rediscover)).tests,
                           selection, failed);
}

// Per test, what the history says of it.
TestPlan plan_with_history(std::vector<DiscoveredTest> tests, const History &history)
{
    TestPlan plan;
    std::vector<TestReport> reports;
    for (const DiscoveredTest &test : tests)
        reports.push_back({test.id, test.file, {}, {}, {}, {}});
    plan.estimated_secs = estimate_durations(reports, history);
    plan.estimates_known = std::any_of(tests.begin(), tests.end(),
                                       [&](const DiscoveredTest &test) { return history.find(test.id); });
    plan.tests = std::move(tests);
    return plan;
}

// A first run's tests, from the first worker that lists them: the text the discovery command would
// print, read and cached as if it had run.
class ListingFromWorkers final : public TestListing {
  public:
    ListingFromWorkers(PendingDiscovery &pending, const Selection &selection, std::vector<std::string> failed,
                       const History &history)
        : m_pending(pending), m_selection(selection), m_failed(std::move(failed)), m_history(history)
    {
    }

    Expected<TestPlan> take(const std::string &listing, int exit_code, double secs) override
    {
        // A collection that failed is discovered again, for discovery's own account of it.
        if (exit_code != 0)
            return failure(fmt::format("its collection ended with exit code {}", exit_code));
        DiscoveryOutput output;
        output.stdout_text = listing;
        output.secs = secs;
        try {
            Discovery found = m_pending.finish(output);
            return plan_with_history(apply_selection(std::move(found.tests), m_selection, m_failed),
                                     m_history);
        } catch (const Error &error) {
            return failure(error.what());
        }
    }

  private:
    PendingDiscovery &m_pending;
    const Selection &m_selection;
    const std::vector<std::string> m_failed;
    const History &m_history;
};

// What the run record says of the settings: those of the file, as the command line changed them.
RecordSettings record_settings(const GlobalOptions &global, const Settings &settings,
                               const RunOptions &options)
{
    RecordSettings record;
    record.config_file = settings.config_file.string();
    record.provider = settings.provider_type;
    record.framework = settings.framework_type;
    record.parallel = options.parallel;
    record.retries = options.retry.count;
    record.test_timeout_secs = settings.test_timeout_secs;
    record.slow_timeout_secs = settings.slow_timeout_secs;
    record.output_dir = settings.output_dir.string();
    record.command_line = global.command_line;
    return record;
}

// output_dir/run.json, and report.html beside it when [report] html says so. Either failing is a
// warning: the run's result stands. Returns the HTML report's path, empty when none was written.
std::filesystem::path write_run_reports(const Settings &settings, const RunOutcome &outcome, RunHeader header)
{
    const std::filesystem::path record = settings.output_dir / "run.json";
    if (Expected<void> written =
            write_run_record_file(record, header, outcome.report.tests, settings.output_dir);
        !written) {
        log::warning(written.error());
        return {};
    }
    if (!settings.html)
        return {};
    const std::filesystem::path html = settings.output_dir / "report.html";
    if (Expected<void> written = write_html_report_file(record, html); !written) {
        log::warning(written.error());
        return {};
    }
    return html;
}

// A run that starts no test: an empty selection. The exit code, or an Error.
int nothing_selected(const std::string &no_tests)
{
    // A --filter with a typo in CI must not pass silently.
    if (no_tests == "fail")
        throw Error(
            "no test is selected: the selection (ids, --filter, --exclude, --rerun-failed, --partition) "
            "leaves none of the discovered tests; check it with `offload collect` and the same options, "
            "or pass --no-tests=pass (or warn) if an empty selection is expected");
    if (no_tests == "warn")
        log::warning("no test is selected: nothing to run");
    log::print("No test is selected: nothing to run.\n0 passed, 0 failed\n");
    return exit_passed;
}

} // namespace

int command_run(const GlobalOptions &global, const RunCommandOptions &options)
{
    Session session(global);
    session.create_instances();
    Settings &settings = session.settings();
    FrameworkInstance &framework = session.framework();
    ProviderInstance &provider = session.provider();
    if (options.record_history && !settings.history)
        throw Error(fmt::format("--record-history: {} turns the history off ([history] enabled = false); "
                                "offload records every run's history when it is on",
                                settings.config_file.string()),
                    exit_usage);

    // Everything the run reads from and writes to output_dir (--rerun-failed's report, the logs, the
    // report) is this run's alone, from before discovery to the summary; and what a killed run in
    // this directory left running is ended first.
    const std::unique_ptr<RunLock> lock = RunLock::acquire(settings.output_dir);

    History history = load_history(settings);
    const bool grouped = !settings.groups.empty();
    const bool several = several_frameworks(settings) || grouped;
    // A run of several frameworks, or with groups, discovers each one's tests below.
    DiscoveryLookup lookup = several
                                 ? DiscoveryLookup{}
                                 : look_up_tests(framework, discovery_request(session, options.rediscover));
    const std::vector<std::string> failed = last_failed(settings, options.selection);

    RunOptions run_options;
    run_options.parallel = options.parallel.value_or(settings.max_parallel);
    run_options.test_timeout = seconds(settings.test_timeout_secs);
    run_options.slow_timeout = seconds(settings.slow_timeout_secs);
    run_options.retry = settings.retry;
    add_group_retries(settings, run_options.retry);
    if (options.retries) { // the command line's count is every test's
        run_options.retry.count = *options.retries;
        run_options.retry.overrides.clear();
        run_options.retry.group_counts.clear();
    }
    run_options.output_dir = settings.output_dir;
    // Duplicates cost little where sandboxes are local processes (the provider says so); elsewhere
    // they may cost money.
    run_options.tail_hedging = settings.tail_hedging;
    run_options.batch_overhead_secs = history.batch_overhead_secs().value_or(0);
    run_options.max_fail = options.max_fail.value_or(0);
    run_options.kill_running = options.kill_running;
    run_options.env = options.env;
    // From the history as it was before this run: a test's failure now does not quarantine it now.
    if (!settings.quarantine.listed.empty() || settings.quarantine.rate)
        run_options.quarantine = [&](const std::string &id) {
            return quarantine_reason(settings.quarantine, id, history.flakiness(id));
        };

    TerminalOptions terminal = terminal_options(options.color, options.ci, options.json_events);
    TerminalReporter reporter(terminal);
    std::optional<JsonEvents> events;
    if (options.json_events)
        events.emplace();
    std::optional<TraceWriter> trace;
    if (!options.trace_file.empty())
        trace.emplace(options.trace_file);
    else if (options.trace_in_output_dir)
        trace.emplace(settings.output_dir / "trace.json");
    std::optional<RunRecorder> recorder;
    auto run = [&](Runner &runner) {
        recorder.emplace(settings.output_dir);
        runner.add_observer(*recorder);
        runner.add_observer(reporter);
        if (events)
            runner.add_observer(*events);
        if (trace)
            runner.add_observer(*trace);
        return runner.run();
    };
    bool prepared = false;
    auto prepare = [&] {
        remove_old_batch_logs(settings.output_dir / "logs");
        provider.prepare(settings.project_dir.string(), run_options.parallel);
        if (unsigned capacity = provider.sandbox_capacity();
            capacity > 0 && capacity < run_options.parallel) {
            log::info(fmt::format("the {} provider has room for {} sandbox{}: running {} at once, not {}",
                                  provider.plugin().id, capacity, capacity == 1 ? "" : "es", capacity,
                                  run_options.parallel));
            run_options.parallel = capacity;
        }
        prepared = true;
    };

    // A first run: the workers collect the tests anyway, so the first of them to list them replaces
    // discovery, and every sandbox collects once, at the same time. When that fails (a collection
    // error, a crash) discovery runs after all, and says what went wrong in its own words.
    std::optional<RunOutcome> outcome;
    // Workers that list take tests one by one: not for files kept together.
    if (!several && !lookup.found && !settings.suites.front().keep_files_together &&
        framework.prepare_listing())
        prepare(); // the provider says whether it feeds input once it is prepared
    if (prepared && provider.feeds_input()) {
        log::info("listing the tests in the workers (a first run: they collect them anyway)");
        ListingFromWorkers listing(*lookup.pending, options.selection, failed, history);
        Runner runner(run_options, framework, provider, listing);
        outcome = run(runner);
        if (!outcome->listing_failed.empty()) {
            if (outcome->interrupted)
                throw Error("interrupted during test discovery", exit_interrupted);
            log::info(fmt::format("the workers' list of tests is not used ({}): discovering them",
                                  outcome->listing_failed));
            outcome.reset();
            // Their logs are not this run's: the run's batches are numbered from 1 again.
            remove_old_batch_logs(settings.output_dir / "logs");
        } else if (outcome->report.tests.empty()) {
            return nothing_selected(options.no_tests);
        }
    }
    if (!outcome) {
        std::vector<DiscoveredTest> discovered = grouped   ? discover_groups(session, options.rediscover)
                                                 : several ? discover_several(session, options.rediscover)
                                                 : lookup.found ? std::move(lookup.found->tests)
                                                                : lookup.pending->run().tests;
        TestPlan plan =
            plan_with_history(apply_selection(std::move(discovered), options.selection, failed), history);
        if (plan.tests.empty())
            return nothing_selected(options.no_tests);
        run_options.estimated_secs = std::move(plan.estimated_secs);
        run_options.estimates_known = plan.estimates_known;
        if (!prepared)
            prepare();
        if (grouped) {
            const GroupEntries entries = group_entries(settings);
            const std::vector<FrameworkInstance *> frameworks = session.frameworks();
            std::vector<SuiteCommands> suites;
            for (const GroupEntries::Entry &entry : entries.entries) {
                const std::string &name = settings.suites[entry.suite].name;
                SuiteCommands suite{frameworks[entry.suite], name.empty() ? "" : name + ":"};
                suite.keep_files_together = settings.suites[entry.suite].keep_files_together;
                suite.individual = entry.individual;
                suites.push_back(std::move(suite));
            }
            Runner runner(run_options, std::move(suites), provider, plan.tests,
                          entries_of(plan.tests, settings, entries));
            outcome = run(runner);
        } else if (several) {
            std::vector<SuiteCommands> suites;
            const std::vector<FrameworkInstance *> frameworks = session.frameworks();
            for (size_t i = 0; i < frameworks.size(); ++i)
                suites.push_back(
                    {frameworks[i], settings.suites[i].name + ":", settings.suites[i].keep_files_together});
            Runner runner(run_options, std::move(suites), provider, plan.tests,
                          suites_of(plan.tests, settings));
            outcome = run(runner);
        } else {
            Runner runner(run_options,
                          {SuiteCommands{&framework, "", settings.suites.front().keep_files_together}},
                          provider, plan.tests, std::vector<size_t>(plan.tests.size(), 0));
            outcome = run(runner);
        }
    }

    if (options.selection.empty())
        for (const std::string &unused : unmatched_entries(settings.quarantine, outcome->report))
            log::warning(
                fmt::format("[flaky] quarantine: \"{}\" names none of this run's tests; remove it once "
                            "its test is gone or fixed",
                            unused));
    if (settings.history)
        save_history(history, *outcome, settings.history_file);

    if (Expected<void> listed = write_rerun_list(rerun_list_of(settings), outcome->report); !listed)
        log::warning("the list of tests for --rerun-failed was not written: " + listed.error());

    std::filesystem::path junit_file;
    if (settings.junit) {
        junit_file = settings.junit_file;
        JunitOptions junit_options;
        // GitLab links a failure's attachment, relative to the directory its artifacts come from.
        if (const char *gitlab = std::getenv("GITLAB_CI"); gitlab && std::string_view(gitlab) == "true")
            if (const char *project = std::getenv("CI_PROJECT_DIR"); project && *project)
                junit_options.attachments_dir = project;
        if (Expected<void> written = write_junit_file(junit_file.string(), outcome->report, junit_options);
            !written)
            throw Error(written.error());
    }
    const std::filesystem::path html_file = write_run_reports(
        settings, *outcome,
        record_header(*outcome, record_settings(global, settings, run_options), recorder->timeline()));
    // Before the summary, whose last line stays the counts.
    if (github_reporting_on(settings.github, std::getenv("GITHUB_ACTIONS")))
        report_to_github(*outcome, settings.project_dir, terminal.out);
    std::string summary = format_summary(*outcome, junit_file, html_file);
    // With JSON events on stdout, the human summary goes to stderr.
    std::fwrite(summary.data(), 1, summary.size(), terminal.out);
    std::fflush(terminal.out);
    log_resource_use();
    return exit_code_for(*outcome);
}

int command_collect(const GlobalOptions &global, const Selection &selection, bool rediscover,
                    CollectFormat format)
{
    Session session(global);
    const std::vector<DiscoveredTest> tests = selected_tests(session, selection, rediscover);
    std::string out;
    if (format == CollectFormat::Json) {
        out += "[\n";
        for (size_t i = 0; i < tests.size(); ++i) {
            out += "  {\"id\": ";
            append_json_string(out, tests[i].id);
            if (!tests[i].file.empty()) {
                out += ", \"file\": ";
                append_json_string(out, tests[i].file);
            }
            if (!tests[i].group.empty()) {
                out += ", \"group\": ";
                append_json_string(out, tests[i].group);
            }
            out += i + 1 < tests.size() ? "},\n" : "}\n";
        }
        out += "]\n";
    } else if (!session.settings().groups.empty()) {
        // Group by group, each under its table's name, in the file's order.
        for (const Settings::Group &group : session.settings().groups) {
            out += out.empty() ? "" : "\n";
            out += "[groups." + group.name + "]\n";
            for (const DiscoveredTest &test : tests)
                if (test.group == group.name)
                    out += test.id + '\n';
        }
    } else {
        for (const DiscoveredTest &test : tests) {
            out += test.id;
            out += '\n';
        }
    }
    log::print(out);
    return 0;
}

} // namespace offload
