// The runner against a fake executor and fake test commands, in-process: what the user sees when
// tests crash, hang, fail, are retried, hedged, or the run is interrupted — in milliseconds.
#include "process/cancel_token.hpp"
#include "process/interrupt.hpp"
#include "protocol/test_records.hpp"
#include "runner/runner.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <poll.h>
#include <set>
#include <thread>

using namespace offload;
using namespace std::chrono_literals;

namespace {

// What a fake test does when it runs.
struct Behaviour {
    // SlowFailFastPass: the first run fails after 3 s, the next passes at once (a copy wins);
    // SlowPassFastFail: the first run passes after 1.5 s, the next fails at once (a copy loses).
    enum Kind {
        Pass,
        Fail,
        Skip,
        Crash,
        ExitWithoutEnd,
        Hang,
        FailThenPass,
        SlowFailFastPass,
        SlowPassFastFail,
        LeavesServer,    // passes, and its command leaves a process running
        PassesWhenKilled // hangs; killed, it reports a pass (its child was killed first, say)
    } kind = Pass;
    std::chrono::milliseconds duration{5};
};

// A script of behaviours by test id, shared by every fake sandbox; counts what ran.
struct Script {
    std::map<std::string, Behaviour> tests;
    std::mutex mutex;
    std::map<std::string, int> runs;                  // starts per test
    std::map<std::string, std::vector<int>> execs_of; // per test, the command (1, 2...) of each start
    std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> start_times;
    std::atomic<int> infra_failures_left{0};
    std::atomic<int> create_failures_left{0};
    std::atomic<int> execs{0};
    bool asks = false;        // the fake worker writes `next` before it reads a test
    bool reads_ahead = false; // ...it waits for the test after one (or the end) before starting it
    // Workers started with OFFLOAD_WORKER_LIST=1 list these ids (one per line), ending with this code,
    // after listing_delay; the first listers_dying of them die before they list.
    std::vector<std::string> listing;
    int listing_exit = 0;
    std::chrono::milliseconds listing_delay{0};
    std::atomic<int> listers_dying{0};
    std::atomic<int> listings{0};

    Behaviour behaviour(const std::string &id)
    {
        auto it = tests.find(id);
        return it == tests.end() ? Behaviour{} : it->second;
    }
    int started(const std::string &id, int exec)
    {
        std::lock_guard lock(mutex);
        start_times[id].push_back(std::chrono::steady_clock::now());
        execs_of[id].push_back(exec);
        return ++runs[id];
    }
    // Between the starts of a test's attempts.
    std::vector<double> gaps_secs(const std::string &id)
    {
        std::lock_guard lock(mutex);
        std::vector<double> gaps;
        const auto &starts = start_times[id];
        for (size_t i = 1; i < starts.size(); ++i)
            gaps.push_back(std::chrono::duration<double>(starts[i] - starts[i - 1]).count());
        return gaps;
    }
    int runs_of(const std::string &id)
    {
        std::lock_guard lock(mutex);
        return runs[id];
    }
};

// Waits up to `duration` unless the command is cancelled. Returns false when cancelled.
bool wait(const ExecRequest &request, std::chrono::milliseconds duration)
{
    pollfd fd{request.cancel->wait_fd(), POLLIN, 0};
    ::poll(&fd, 1, int(duration.count()));
    return request.cancel->level() == 0;
}

std::string env_value(const ExecRequest &request, const std::string &name)
{
    for (const std::string &entry : request.env)
        if (entry.rfind(name + "=", 0) == 0)
            return entry.substr(name.size() + 1);
    return {};
}

class FakeSandbox final : public Sandbox {
  public:
    FakeSandbox(Script &script, unsigned index) : m_script(script), m_index(index) {}
    unsigned index() const override { return m_index; }
    const std::string &work_dir() const override { return m_dir; }
    Expected<bool> download(const std::string &, const std::filesystem::path &) override { return false; }
    Expected<void> destroy() override { return {}; }

    ExecResult exec(const ExecRequest &request) override
    {
        const int serial = ++m_script.execs;
        ExecResult result;
        result.status = ExecResult::Status::Ran;
        result.exit_code = 0;
        if (m_script.infra_failures_left.fetch_sub(1) > 0) {
            result.status = ExecResult::Status::InfraFailed;
            result.error = "the fake host went away";
            return result;
        }
        const std::string mark = env_value(request, "OFFLOAD_EVENT_MARK");
        auto record = [&](const std::string &text) { request.on_output(1, mark + " " + text + "\n"); };
        if (env_value(request, "OFFLOAD_WORKER_LIST") == "1") {
            if (!wait(request, m_script.listing_delay)) {
                result.status = ExecResult::Status::Cancelled;
                return result;
            }
            if (m_script.listers_dying.fetch_sub(1) > 0) {
                result.exit_code = 139;
                return result;
            }
            std::string text;
            for (const std::string &id : m_script.listing)
                text += id + "\n";
            // In pieces, as a long listing comes.
            for (size_t at = 0; at < text.size(); at += 7)
                record("list data=" + percent_encode(text.substr(at, 7)));
            record("listed exit=" + std::to_string(m_script.listing_exit));
            ++m_script.listings;
        }

        // The tests: from the command (a batch, or a worker's fixed input), else from stdin.
        std::vector<std::string> given;
        std::string input;
        const std::string fixed = "run id=";
        for (size_t at = 0; (at = request.command.find(fixed, at)) != std::string::npos;) {
            size_t end = request.command.find('\n', at);
            given.push_back(
                percent_decode(request.command.substr(at + fixed.size(), end - at - fixed.size())));
            at = end;
        }
        size_t next = 0;
        bool input_ended = request.input == nullptr;
        bool asked = false;
        for (;;) {
            const bool enough =
                next < given.size() && (!m_script.reads_ahead || next + 1 < given.size() || input_ended);
            if (!enough) {
                if (input_ended)
                    break;
                if (m_script.asks && !asked) {
                    record("next");
                    asked = true;
                }
                // Reads the worker's input until a line or its end arrives.
                pollfd fds[] = {{request.input->ready_fd, POLLIN, 0}, {request.cancel->wait_fd(), POLLIN, 0}};
                ::poll(fds, 2, 1000);
                if (request.cancel->level() > 0) {
                    result.status = ExecResult::Status::Cancelled;
                    return result;
                }
                char buffer[4096];
                const int64_t count = request.input->read(request.input, buffer, sizeof buffer);
                if (count == 0)
                    input_ended = true;
                if (count > 0)
                    input.append(buffer, size_t(count));
                for (size_t newline; (newline = input.find('\n')) != std::string::npos;) {
                    std::string line = input.substr(0, newline);
                    input.erase(0, newline + 1);
                    if (line.rfind(fixed, 0) == 0) {
                        given.push_back(percent_decode(line.substr(fixed.size())));
                        asked = false;
                    }
                }
                continue;
            }
            const std::string id = given[next++];
            const Behaviour behaviour = m_script.behaviour(id);
            const int run = m_script.started(id, serial);
            record("start id=" + percent_encode(id));
            request.on_output(1, "output of " + id + "\n");
            std::string outcome = "passed";
            switch (behaviour.kind) {
            case Behaviour::Crash: result.exit_code = 139; return result;
            case Behaviour::ExitWithoutEnd: return result;
            case Behaviour::Hang:
                wait(request, 60s);
                result.status = ExecResult::Status::Cancelled;
                return result;
            case Behaviour::PassesWhenKilled:
                wait(request, 60s);
                record("end id=" + percent_encode(id) + " outcome=passed");
                result.status = ExecResult::Status::Cancelled;
                return result;
            case Behaviour::Fail: outcome = "failed"; break;
            case Behaviour::Skip: outcome = "skipped"; break;
            case Behaviour::FailThenPass: outcome = run == 1 ? "failed" : "passed"; break;
            case Behaviour::SlowFailFastPass: outcome = run == 1 ? "failed" : "passed"; break;
            case Behaviour::SlowPassFastFail: outcome = run == 1 ? "passed" : "failed"; break;
            case Behaviour::LeavesServer: result.leaked.push_back("4242 (server --port 1)"); break;
            case Behaviour::Pass: break;
            }
            std::chrono::milliseconds duration = behaviour.duration;
            if (run == 1 && behaviour.kind == Behaviour::SlowFailFastPass)
                duration = 3000ms;
            if (run == 1 && behaviour.kind == Behaviour::SlowPassFastFail)
                duration = 1500ms;
            if (!wait(request, duration)) {
                result.status = ExecResult::Status::Cancelled;
                return result;
            }
            record("end id=" + percent_encode(id) + " outcome=" + outcome + " message=m");
        }
        record("done");
        return result;
    }

  private:
    Script &m_script;
    unsigned m_index;
    std::string m_dir = "/fake";
};

class FakeExecutor final : public Executor {
  public:
    FakeExecutor(Script &script, bool feeds_input) : m_script(script), m_feeds_input(feeds_input) {}
    std::string name() const override { return "fake"; }
    bool feeds_input() const override { return m_feeds_input; }
    bool cheap_duplicates() const override { return true; }
    Expected<std::unique_ptr<Sandbox>> create_sandbox(unsigned index) override
    {
        if (m_script.create_failures_left.fetch_sub(1) > 0)
            return failure("no room on the fake cloud");
        return std::unique_ptr<Sandbox>(std::make_unique<FakeSandbox>(m_script, index));
    }

  private:
    Script &m_script;
    bool m_feeds_input;
};

class FakeCommands final : public TestCommands {
  public:
    explicit FakeCommands(TestCommandStyle style, bool pulls = false) : m_style(style), m_pulls(pulls) {}
    bool worker_pulls() const override { return m_pulls; }
    std::string name() const override { return "fake"; }
    TestCommandStyle style() const override { return m_style; }
    size_t max_batch_size() const override { return 0; }
    Expected<std::string> batch_command(const std::vector<std::string> &ids,
                                        const std::string &) const override
    {
        std::string command = "batch\n";
        for (const std::string &id : ids)
            command += worker_input_line(id);
        return command;
    }
    Expected<std::string> worker_command(const std::vector<std::string> *, unsigned) const override
    {
        return std::string("worker");
    }
    Expected<std::vector<ReportedResult>> parse_results(const BatchRunFacts &) const override
    {
        return std::vector<ReportedResult>{};
    }

  private:
    TestCommandStyle m_style;
    bool m_pulls;
};

// Reads a fake worker's listing: one id per line; exit code 0 only.
class FakeListing final : public TestListing {
  public:
    Expected<TestPlan> take(const std::string &listing, int exit_code, double) override
    {
        ++calls;
        if (exit_code != 0)
            return failure("its collection ended with exit code " + std::to_string(exit_code));
        TestPlan plan;
        size_t at = 0;
        for (size_t end; (end = listing.find('\n', at)) != std::string::npos; at = end + 1)
            if (listing.compare(at, end - at, "skip-me") != 0)
                plan.tests.push_back({listing.substr(at, end - at), ""});
        return plan;
    }
    int calls = 0;
};

// What observers hear, in order.
class RecordingObserver final : public RunObserver {
  public:
    void run_started(size_t tests, size_t, unsigned, const std::string &) override
    {
        add("run_started " + std::to_string(tests));
    }
    void sandbox_created(unsigned, double) override { add("sandbox_created"); }
    void batch_started(const BatchEvent &) override { add("batch_started"); }
    void test_finished(const TestEvent &event) override { add("test_finished " + event.id); }
    void run_finished(const RunOutcome &) override { add("run_finished"); }
    std::vector<std::string> heard()
    {
        std::lock_guard lock(m_mutex);
        return m_heard;
    }

  private:
    void add(std::string text)
    {
        std::lock_guard lock(m_mutex);
        m_heard.push_back(std::move(text));
    }
    std::mutex m_mutex;
    std::vector<std::string> m_heard;
};

struct Run {
    RunOutcome outcome;
    std::map<std::string, Outcome> final;
    std::map<std::string, std::string> message;
    std::map<std::string, size_t> attempts;
};

std::filesystem::path scratch()
{
    static std::filesystem::path dir = [] {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "offload-runner-test-XXXXXX").string();
        return std::filesystem::path(::mkdtemp(pattern.data()));
    }();
    return dir;
}

Run run(Script &script, std::vector<std::string> ids, RunOptions options = {},
        TestCommandStyle style = TestCommandStyle::Worker, bool feeds_input = true, bool pulls = false)
{
    std::vector<DiscoveredTest> tests;
    for (const std::string &id : ids)
        tests.push_back({id, ""});
    if (options.parallel == 1)
        options.parallel = 2;
    options.output_dir = scratch();
    FakeExecutor executor(script, feeds_input);
    FakeCommands commands(style, pulls);
    Runner runner(options, commands, executor, tests);
    Run result;
    result.outcome = runner.run();
    for (const TestReport &test : result.outcome.report.tests) {
        result.final[test.id] = test.final_outcome();
        result.message[test.id] = test.attempts.empty() ? test.not_run_reason : test.attempts.back().message;
        result.attempts[test.id] = test.attempts.size();
    }
    return result;
}

std::vector<std::string> many(const std::string &prefix, int count)
{
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i)
        ids.push_back(prefix + std::to_string(i));
    return ids;
}

} // namespace

TEST_CASE("workers fed live run every test once, on every sandbox")
{
    Script script;
    Run r = run(script, many("t", 30));
    for (int i = 0; i < 30; ++i) {
        CHECK(r.final["t" + std::to_string(i)] == Outcome::Passed);
        CHECK(script.runs_of("t" + std::to_string(i)) == 1);
    }
    CHECK(r.outcome.sandboxes_created == 2);
}

TEST_CASE("workers that ask for each test, and workers that read a test ahead, all get their tests")
{
    // A framework that says its workers ask (pulls) may still meet a worker that does not.
    for (bool pulls : {false, true})
        for (auto [asks, reads_ahead] :
             {std::pair{true, false}, std::pair{false, true}, std::pair{true, true}}) {
            CAPTURE(pulls);
            CAPTURE(asks);
            CAPTURE(reads_ahead);
            Script script;
            script.asks = asks;
            script.reads_ahead = reads_ahead;
            const auto start = std::chrono::steady_clock::now();
            Run r = run(script, many("t", 12), {}, TestCommandStyle::Worker, true, pulls);
            CHECK(std::chrono::steady_clock::now() - start < 8s);
            for (int i = 0; i < 12; ++i)
                CHECK(r.final["t" + std::to_string(i)] == Outcome::Passed);
        }
}

TEST_CASE("a worker that asks is never handed a test it did not ask for: a slow test holds back no other")
{
    Script script;
    script.asks = true;
    script.tests["slow"] = {Behaviour::Pass, 1500ms};
    const auto start = std::chrono::steady_clock::now();
    Run r = run(script, {"slow", "a", "b", "c", "d", "e", "f"});
    // Sandbox 0 runs the slow test while sandbox 1 runs the six others, 5 ms each.
    CHECK(std::chrono::steady_clock::now() - start < 1400ms + 600ms);
    CHECK(script.runs_of("f") == 1);
}

TEST_CASE("a test that crashes its worker fails alone; the tests after it run elsewhere, uncharged")
{
    Script script;
    script.tests["crash"] = {Behaviour::Crash};
    script.tests["exit0"] = {Behaviour::ExitWithoutEnd};
    std::vector<std::string> ids = many("t", 20);
    ids.insert(ids.begin() + 5, "crash");
    ids.insert(ids.begin() + 12, "exit0");
    Run r = run(script, ids);
    CHECK(r.final["crash"] == Outcome::Failed);
    CHECK(r.message["crash"].find("killed by signal 11 (SIGSEGV)") != std::string::npos);
    CHECK(r.final["exit0"] == Outcome::Failed);
    CHECK(r.message["exit0"].find("exit code 0") != std::string::npos);
    for (int i = 0; i < 20; ++i) {
        CAPTURE(i);
        CHECK(r.final["t" + std::to_string(i)] == Outcome::Passed);
        CHECK(r.attempts["t" + std::to_string(i)] == 1);
    }
    CHECK(r.attempts["crash"] == 1); // no retry configured
}

TEST_CASE("a test that hangs is killed at its own timeout while the others run on")
{
    Script script;
    script.tests["hang"] = {Behaviour::Hang};
    RunOptions options;
    options.test_timeout = 300ms;
    const auto start = std::chrono::steady_clock::now();
    Run r = run(script, {"a", "hang", "b", "c", "d"}, options);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(r.final["hang"] == Outcome::Failed);
    CHECK(r.message["hang"] == "timeout: still running after 0.3 s, killed");
    for (const char *id : {"a", "b", "c", "d"})
        CHECK(r.final[id] == Outcome::Passed);
}

TEST_CASE("a test that reports a pass once its time limit killed it has timed out, not passed")
{
    // pytest running `subprocess.run(["sleep", "300"])`: the kill ends sleep first, the test
    // returns, and pytest reports a pass before it is killed too.
    Script script;
    script.tests["hang"] = {Behaviour::PassesWhenKilled};
    RunOptions options;
    options.test_timeout = 300ms;
    Run r = run(script, {"hang", "b"}, options);
    CHECK(r.final["hang"] == Outcome::Failed);
    CHECK(r.message["hang"] == "timeout: still running after 0.3 s, killed");
    CHECK(r.final["b"] == Outcome::Passed);
}

TEST_CASE("a failing test is retried on another sandbox and, passing then, is flaky")
{
    Script script;
    script.tests["flaky"] = {Behaviour::FailThenPass};
    script.tests["broken"] = {Behaviour::Fail};
    RunOptions options;
    options.retry.count = 2;
    Run r = run(script, {"flaky", "broken", "fine"}, options);
    CHECK(r.final["flaky"] == Outcome::Passed);
    CHECK(r.attempts["flaky"] == 2);
    CHECK(r.outcome.report.tests[0].flaky());
    CHECK(r.final["broken"] == Outcome::Failed);
    CHECK(r.attempts["broken"] == 3);
    CHECK(r.final["fine"] == Outcome::Passed);
}

TEST_CASE("retries wait out their backoff, exponentially, in every command style")
{
    for (TestCommandStyle style : {TestCommandStyle::Worker, TestCommandStyle::Batch}) {
        CAPTURE(int(style));
        Script script;
        script.tests["broken"] = {Behaviour::Fail};
        RunOptions options;
        options.parallel = 2;
        options.retry.count = 2;
        options.retry.backoff = Backoff::Exponential;
        options.retry.delay_secs = 0.3;
        Run r = run(script, {"broken", "fine"}, options, style, style == TestCommandStyle::Worker);
        CHECK(r.final["broken"] == Outcome::Failed);
        CHECK(r.attempts["broken"] == 3);
        const std::vector<double> gaps = script.gaps_secs("broken");
        REQUIRE(gaps.size() == 2);
        CHECK(gaps[0] >= 0.3);
        CHECK(gaps[1] >= 0.6);
        CHECK(gaps[1] < 5);
    }
}

TEST_CASE("a retry's backoff holds no sandbox: other tests run meanwhile")
{
    Script script;
    script.tests["flaky"] = {Behaviour::FailThenPass};
    for (const char *id : {"b", "c", "d"})
        script.tests[id] = {Behaviour::Pass, 150ms};
    RunOptions options;
    options.retry.count = 1;
    options.retry.backoff = Backoff::Fixed;
    options.retry.delay_secs = 0.5;
    const auto start = std::chrono::steady_clock::now();
    Run r = run(script, {"flaky", "b", "c", "d"}, options);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.final["flaky"] == Outcome::Passed);
    CHECK(r.outcome.report.tests[0].flaky());
    for (const char *id : {"b", "c", "d"})
        CHECK(r.final[id] == Outcome::Passed);
    // One sandbox: b, c and d (0.45 s) run during the 0.5 s wait, not after it.
    CHECK(secs < 0.5 + 0.45 + 0.3);
}

TEST_CASE("per-test retry counts: the first override naming a test decides")
{
    Script script;
    for (const char *id : {"net/a", "net/b", "db/c"})
        script.tests[id] = {Behaviour::Fail};
    RunOptions options;
    options.retry.count = 1;
    options.retry.overrides = {{{IdPattern("net/b")}, 0}, {{IdPattern("net/*")}, 3}};
    Run r = run(script, {"net/a", "net/b", "db/c"}, options);
    CHECK(r.attempts["net/a"] == 4);
    CHECK(r.attempts["net/b"] == 1);
    CHECK(r.attempts["db/c"] == 2);
}

TEST_CASE("a quarantined test's failure counts apart, and not towards --max-fail")
{
    Script script;
    script.tests["known"] = {Behaviour::Fail};
    script.tests["later"] = {Behaviour::Pass, 100ms};
    RunOptions options;
    options.max_fail = 1;
    options.quarantine = [](const std::string &id) { return id == "known" ? "listed" : ""; };
    Run r = run(script, {"known", "later"}, options);
    CHECK(r.final["known"] == Outcome::Failed);
    CHECK(r.outcome.report.tests[0].quarantined == "listed");
    CHECK(r.final["later"] == Outcome::Passed);
    CHECK_FALSE(r.outcome.stopped_early);
    const Counts counts = count(r.outcome.report);
    CHECK(counts.failed == 0);
    CHECK(counts.quarantined == 1);
}

// Every batch's tests, as observers hear of them.
class BatchRecorder final : public RunObserver {
  public:
    void batch_started(const BatchEvent &event) override
    {
        std::lock_guard lock(m_mutex);
        batches.push_back(event.test_ids);
    }
    std::vector<std::vector<std::string>> batches;

  private:
    std::mutex m_mutex;
};

TEST_CASE("a run of several frameworks: each command holds one framework's tests, by its own ids")
{
    Script script;
    script.tests["flaky"] = {Behaviour::FailThenPass};
    script.tests["broken"] = {Behaviour::Fail};
    script.tests["crash"] = {Behaviour::Crash};
    // The same native id in both suites is two tests.
    const std::vector<std::string> ids = {"py:a",      "py:flaky", "py:same", "cc:b",
                                          "cc:broken", "cc:same",  "cc:crash"};
    std::vector<DiscoveredTest> tests;
    std::vector<size_t> suite_of;
    for (const std::string &id : ids) {
        tests.push_back({id, ""});
        suite_of.push_back(id.starts_with("py:") ? 0 : 1);
    }
    RunOptions options;
    options.parallel = 2;
    options.retry.count = 1;
    options.output_dir = scratch();
    FakeExecutor executor(script, true);
    FakeCommands workers(TestCommandStyle::Worker);
    FakeCommands batches(TestCommandStyle::BatchWithRecords);
    Runner runner(options, {{&workers, "py:"}, {&batches, "cc:"}}, executor, tests, suite_of);
    BatchRecorder recorder;
    runner.add_observer(recorder);
    const RunOutcome outcome = runner.run();
    std::map<std::string, Outcome> final;
    for (const TestReport &test : outcome.report.tests)
        final[test.id] = test.final_outcome();
    CHECK(final["py:a"] == Outcome::Passed);
    CHECK(final["py:flaky"] == Outcome::Passed);
    CHECK(final["py:same"] == Outcome::Passed);
    CHECK(final["cc:b"] == Outcome::Passed);
    CHECK(final["cc:same"] == Outcome::Passed);
    CHECK(final["cc:broken"] == Outcome::Failed);
    CHECK(final["cc:crash"] == Outcome::Failed);
    CHECK(outcome.report.tests[1].flaky());
    CHECK(script.runs_of("same") == 2);
    // No command mixed the two frameworks' tests.
    for (const std::vector<std::string> &batch : recorder.batches) {
        CAPTURE(batch.size());
        const bool python = !batch.empty() && batch.front().starts_with("py:");
        for (const std::string &id : batch)
            CHECK(id.starts_with(python ? "py:" : "cc:"));
    }
}

TEST_CASE("with a history, the longest batches start first whatever their framework")
{
    for (bool history : {false, true}) {
        CAPTURE(history);
        Script script;
        const std::vector<DiscoveredTest> tests = {{"py:a", ""}, {"py:b", ""}, {"cc:long", ""}};
        RunOptions options;
        options.parallel = 1;
        options.estimates_known = history;
        options.estimated_secs = {0.01, 0.01, 100};
        options.output_dir = scratch();
        FakeExecutor executor(script, true);
        FakeCommands python(TestCommandStyle::BatchWithRecords);
        FakeCommands cpp(TestCommandStyle::BatchWithRecords);
        Runner runner(options, {{&python, "py:"}, {&cpp, "cc:"}}, executor, tests, {0, 0, 1});
        runner.run();
        const bool long_first = script.start_times["long"].front() < script.start_times["a"].front();
        // Without a history the file's order holds: its first framework first.
        CHECK(long_first == history);
    }
}

TEST_CASE("files kept together: each file's tests run in one command, in order, never duplicated")
{
    // Worker styles (asking, reading ahead, fixed up front) and batches with records.
    struct Style {
        TestCommandStyle style;
        bool feeds_input;
        bool pulls;
    };
    for (Style style :
         {Style{TestCommandStyle::Worker, true, true}, Style{TestCommandStyle::Worker, true, false},
          Style{TestCommandStyle::Worker, false, false},
          Style{TestCommandStyle::BatchWithRecords, true, false}}) {
        CAPTURE(int(style.style));
        CAPTURE(style.pulls);
        Script script;
        script.asks = style.pulls;
        std::vector<DiscoveredTest> tests;
        for (int i = 0; i < 24; ++i)
            tests.push_back({"t" + std::to_string(i), "file" + std::to_string(i % 5) + ".py"});
        tests.push_back({"lonely", ""});
        script.tests["t7"] = {Behaviour::FailThenPass};
        RunOptions options;
        options.parallel = 3;
        options.retry.count = 1;
        options.tail_hedging = true;
        options.estimates_known = true; // hedging needs estimates: none may start here
        options.estimated_secs.assign(tests.size(), 0.001);
        options.output_dir = scratch();
        FakeExecutor executor(script, style.feeds_input);
        FakeCommands commands(style.style, style.pulls);
        Runner runner(options, {SuiteCommands{&commands, "", true}}, executor, tests,
                      std::vector<size_t>(tests.size(), 0));
        const RunOutcome outcome = runner.run();
        CHECK(outcome.hedges_started == 0);
        for (const TestReport &test : outcome.report.tests)
            CHECK(test.final_outcome() == Outcome::Passed);
        // The first attempt of every test of a file ran in the same command; the retry of t7 in
        // a command of its own.
        std::map<std::string, std::set<int>> commands_of_file;
        for (int i = 0; i < 24; ++i) {
            const std::vector<int> &execs = script.execs_of["t" + std::to_string(i)];
            REQUIRE(!execs.empty());
            commands_of_file[tests[size_t(i)].file].insert(execs.front());
        }
        for (const auto &[file, execs] : commands_of_file) {
            CAPTURE(file);
            CHECK(execs.size() == 1);
        }
        CHECK(script.runs_of("t7") == 2);
    }
}

TEST_CASE("groups: each test's group retries it; an individual entry runs each of its tests alone")
{
    for (bool feeds_input : {true, false}) {
        CAPTURE(feeds_input);
        Script script;
        script.tests["flaky-net"] = {Behaviour::Fail};
        script.tests["unsteady"] = {Behaviour::FailThenPass};
        std::vector<DiscoveredTest> tests = {{"a", "", "unit"},      {"unsteady", "", "unit"},
                                             {"slow-1", "", "slow"}, {"slow-2", "", "slow"},
                                             {"slow-3", "", "slow"}, {"flaky-net", "", "flaky"},
                                             {"b", "", "unit"}};
        const std::vector<size_t> entry_of = {0, 0, 1, 1, 1, 0, 0};
        RunOptions options;
        options.parallel = 1; // one sandbox: only the individual entry keeps tests apart
        options.retry.count = 1;
        options.retry.group_counts = {{"unit", 0}, {"flaky", 2}};
        options.output_dir = scratch();
        FakeExecutor executor(script, feeds_input);
        FakeCommands workers(TestCommandStyle::Worker);
        Runner runner(options, {{&workers, ""}, {&workers, "", false, true}}, executor, tests, entry_of);
        const RunOutcome outcome = runner.run();
        std::map<std::string, const TestReport *> report;
        std::map<std::string, std::set<std::string>> tests_of_log;
        for (const TestReport &test : outcome.report.tests) {
            report[test.id] = &test;
            for (const Attempt &attempt : test.attempts)
                tests_of_log[attempt.log_path].insert(test.id);
        }
        CHECK(report["unsteady"]->group == "unit");
        CHECK(report["unsteady"]->attempts.size() == 1); // its group: no retry, over the run's 1
        CHECK(report["unsteady"]->final_outcome() == Outcome::Failed);
        CHECK(report["flaky-net"]->attempts.size() == 3); // its group: 2 retries
        CHECK(report["slow-1"]->attempts.size() == 1);
        for (const char *id : {"slow-1", "slow-2", "slow-3"}) {
            CAPTURE(id);
            CHECK(report[id]->final_outcome() == Outcome::Passed);
            CHECK(tests_of_log[report[id]->attempts.front().log_path] == std::set<std::string>{id});
        }
        // The other entry still puts several tests in one command.
        CHECK(tests_of_log[report["a"]->attempts.front().log_path].size() >= 2);
        CHECK(outcome.report.suites.empty());
    }
}

TEST_CASE("a command that leaves a process running is a LEAK incident naming its last test")
{
    Script script;
    script.tests["server"] = {Behaviour::LeavesServer};
    Run r = run(script, {"server"}, {}, TestCommandStyle::Batch, false);
    CHECK(r.final["server"] == Outcome::Passed);
    REQUIRE(r.outcome.incidents.size() == 1);
    CHECK(r.outcome.incidents[0] == "LEAK: batch 1 (test server) left 1 process running after it exited; "
                                    "offload ended it: 4242 (server --port 1)");
}

TEST_CASE("sandboxes that fail under a test three times in a row lose it, with the reason")
{
    Script script;
    script.infra_failures_left = 1000;
    Run r = run(script, {"a"});
    CHECK(r.final["a"] == Outcome::NotRun);
    CHECK(r.message["a"] == "3 times in a row: its sandbox failed before it ran: the fake host went away");
    CHECK(r.outcome.incidents.size() >= 3);
}

TEST_CASE("one sandbox failure moves its tests to a new sandbox without charging them")
{
    Script script;
    script.infra_failures_left = 1;
    Run r = run(script, many("t", 6));
    for (int i = 0; i < 6; ++i)
        CHECK(r.final["t" + std::to_string(i)] == Outcome::Passed);
    CHECK(r.outcome.sandboxes_created >= 3);
}

TEST_CASE("no sandbox at all: every test is not run, and says why")
{
    Script script;
    script.create_failures_left = 1000;
    Run r = run(script, {"a", "b"});
    CHECK(r.final["a"] == Outcome::NotRun);
    CHECK(r.message["a"] == "no sandbox could be created: no room on the fake cloud");
}

TEST_CASE("--max-fail stops inside workers: no test starts after the deciding failure")
{
    Script script;
    script.tests["t3"] = {Behaviour::Fail};
    RunOptions options;
    options.max_fail = 1;
    Run r = run(script, many("t", 40), options);
    CHECK(r.outcome.stopped_early);
    CHECK(r.final["t3"] == Outcome::Failed);
    int ran = 0;
    for (int i = 0; i < 40; ++i)
        ran += script.runs_of("t" + std::to_string(i));
    // t3 and what ran beside it on the other sandbox, and the one already started on its own
    CHECK(ran < 12);
    CHECK(r.message["t39"].find("the run stopped early") == 0);
}

TEST_CASE("Ctrl-C stops the running tests and says which ran and which never did")
{
    Script script;
    script.tests["slow"] = {Behaviour::Pass, 10s};
    std::thread interrupter([] {
        std::this_thread::sleep_for(300ms);
        Interrupt::request(1);
    });
    Run r = run(script, {"slow", "slow2", "a", "b"}, {});
    interrupter.join();
    Interrupt::reset_for_tests();
    CHECK(r.outcome.interrupted);
    CHECK(r.final["slow"] == Outcome::NotRun);
    CHECK(r.message["slow"] == "the run was interrupted while it ran");
}

TEST_CASE("a hedged copy of a straggler counts only if it passes; a failing copy never fails the original")
{
    SUBCASE("the copy passes first: the test passes, and the hedge is counted as won")
    {
        Script script;
        script.tests["slow"] = {Behaviour::SlowFailFastPass};
        RunOptions options;
        options.estimated_secs = {0.1, 0.1};
        options.estimates_known = true;
        options.tail_hedging = true;
        Run r = run(script, {"slow", "quick"}, options);
        CHECK(r.final["slow"] == Outcome::Passed);
        CHECK(r.outcome.hedges_started == 1);
        CHECK(r.outcome.hedges_won == 1);
        CHECK(r.message["slow"].find("tail hedging") != std::string::npos);
    }
    SUBCASE("the copy fails first (a fixed port, a lock file): ignored, and the original passes")
    {
        Script script;
        script.tests["slow"] = {Behaviour::SlowPassFastFail};
        RunOptions options;
        options.estimated_secs = {0.1, 0.1};
        options.estimates_known = true;
        options.tail_hedging = true;
        Run r = run(script, {"slow", "quick"}, options);
        CHECK(r.final["slow"] == Outcome::Passed);
        CHECK(r.attempts["slow"] == 1);
        CHECK(r.outcome.hedges_started == 1);
        CHECK(r.outcome.hedges_won == 0);
        CHECK_FALSE(r.outcome.report.tests[0].flaky());
    }
}

TEST_CASE("a batch without records whose exit status contradicts its results vouches for none")
{
    Script script;
    script.tests["a"] = {Behaviour::Pass};
    Run r = run(script, {"a"}, {}, TestCommandStyle::BatchWithRecords, false);
    CHECK(r.final["a"] == Outcome::Passed); // exits 0 after its record
}

TEST_CASE("static workers (a provider without stdin) get their tests up front and still isolate crashes")
{
    Script script;
    script.tests["crash"] = {Behaviour::Crash};
    std::vector<std::string> ids = many("t", 10);
    ids.insert(ids.begin() + 3, "crash");
    Run r = run(script, ids, {}, TestCommandStyle::Worker, false);
    CHECK(r.final["crash"] == Outcome::Failed);
    for (int i = 0; i < 10; ++i)
        CHECK(r.final["t" + std::to_string(i)] == Outcome::Passed);
}

namespace {

// A run whose workers list its tests first (see Script::listing).
Run run_listing(Script &script, FakeListing &listing, RecordingObserver &observer, bool pulls = true)
{
    RunOptions options;
    options.parallel = 2;
    options.output_dir = scratch();
    FakeExecutor executor(script, true);
    FakeCommands commands(TestCommandStyle::Worker, pulls);
    Runner runner(options, commands, executor, listing);
    runner.add_observer(observer);
    Run result;
    result.outcome = runner.run();
    for (const TestReport &test : result.outcome.report.tests) {
        result.final[test.id] = test.final_outcome();
        result.attempts[test.id] = test.attempts.size();
    }
    return result;
}

} // namespace

TEST_CASE("a run started before its tests are known runs what the first worker lists, once each")
{
    for (bool asks : {true, false}) {
        CAPTURE(asks);
        Script script;
        script.asks = asks;
        script.listing = many("t", 20);
        script.listing.push_back("skip-me"); // the selection leaves it out
        script.tests["t3"] = {Behaviour::Fail};
        script.tests["t4"] = {Behaviour::Crash};
        FakeListing listing;
        RecordingObserver observer;
        const auto start = std::chrono::steady_clock::now();
        Run r = run_listing(script, listing, observer, asks);
        CHECK(std::chrono::steady_clock::now() - start < 8s);
        CHECK(r.outcome.listing_failed.empty());
        CHECK(r.outcome.listing_secs.has_value());
        CHECK(listing.calls == 1);
        CHECK(r.final.size() == 20);
        for (int i = 0; i < 20; ++i) {
            const std::string id = "t" + std::to_string(i);
            CHECK(r.final[id] == (i == 3 || i == 4 ? Outcome::Failed : Outcome::Passed));
            CHECK(script.runs_of(id) == 1);
        }
        CHECK(script.runs_of("skip-me") == 0);
        CHECK(r.outcome.sandboxes_created == 2);
        // Observers hear of the run first, with its number of tests, then of the sandboxes made
        // while the tests were listed.
        const std::vector<std::string> heard = observer.heard();
        REQUIRE(!heard.empty());
        CHECK(heard.front() == "run_started 20");
        CHECK(std::count(heard.begin(), heard.end(), "sandbox_created") == 2);
        CHECK(heard.back() == "run_finished");
    }
}

TEST_CASE("a listing that cannot be used stops every worker; nothing runs and observers hear nothing")
{
    Script script;
    script.asks = true;
    script.listing = many("t", 5);
    script.listing_exit = 2;
    FakeListing listing;
    RecordingObserver observer;
    Run r = run_listing(script, listing, observer);
    CHECK(r.outcome.listing_failed == "its collection ended with exit code 2");
    CHECK(r.outcome.report.tests.empty());
    CHECK(listing.calls == 1);
    CHECK(script.runs_of("t0") == 0);
    CHECK(observer.heard().empty());
}

TEST_CASE("workers that die before they list: the others list; when none is left, the listing fails")
{
    SUBCASE("one of two dies")
    {
        Script script;
        script.asks = true;
        script.listing = many("t", 6);
        script.listers_dying = 1;
        FakeListing listing;
        RecordingObserver observer;
        Run r = run_listing(script, listing, observer);
        CHECK(r.outcome.listing_failed.empty());
        for (int i = 0; i < 6; ++i)
            CHECK(r.final["t" + std::to_string(i)] == Outcome::Passed);
    }
    SUBCASE("both die")
    {
        Script script;
        script.asks = true;
        script.listing = many("t", 6);
        script.listers_dying = 2;
        FakeListing listing;
        RecordingObserver observer;
        Run r = run_listing(script, listing, observer);
        CHECK(r.outcome.listing_failed.find("no worker listed the tests (the last, on sandbox ") == 0);
        CHECK(r.outcome.listing_failed.find("ended before it did: exit code 139)") != std::string::npos);
        CHECK(listing.calls == 0);
        CHECK(r.outcome.report.tests.empty());
        CHECK(observer.heard().empty());
    }
    SUBCASE("no sandbox can be made")
    {
        Script script;
        script.listing = many("t", 2);
        script.create_failures_left = 100;
        FakeListing listing;
        RecordingObserver observer;
        Run r = run_listing(script, listing, observer);
        CHECK(r.outcome.listing_failed.find("no sandbox could be created") != std::string::npos);
        CHECK(r.outcome.report.tests.empty());
    }
}

TEST_CASE("a listing that leaves no test to run ends the workers quietly")
{
    Script script;
    script.asks = true;
    script.listing = {"skip-me"};
    FakeListing listing;
    RecordingObserver observer;
    Run r = run_listing(script, listing, observer);
    CHECK(r.outcome.listing_failed.empty());
    CHECK(r.outcome.report.tests.empty());
    CHECK(observer.heard().empty());
}

TEST_CASE("Ctrl-C while the workers list the tests stops them at once")
{
    Script script;
    script.listing = many("t", 2);
    script.listing_delay = 20s;
    FakeListing listing;
    RecordingObserver observer;
    std::thread interrupter([] {
        std::this_thread::sleep_for(200ms);
        Interrupt::request(1);
    });
    const auto start = std::chrono::steady_clock::now();
    Run r = run_listing(script, listing, observer);
    interrupter.join();
    Interrupt::reset_for_tests();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(r.outcome.interrupted);
    CHECK(r.outcome.listing_failed == "the run was interrupted");
    CHECK(listing.calls == 0);
}
