// Running one command of the run: building it, streaming its output to its log while records are
// taken out of it, feeding a worker its tests, acting on each record, and concluding when it ends.
#include "runner/runner.hpp"

#include "process/interrupt.hpp"
#include "protocol/test_records.hpp"
#include "runner/batch_output.hpp"
#include "runner/runner_state.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace offload {

namespace {

// Tests a worker is given ahead of the one it runs: it may wait for the next before starting one
// (pytest must know which fixtures to tear down), and one more covers the time to send it.
constexpr size_t worker_prefetch = 2;
// A test that this many commands in a row ended abnormally before it ran is reported, not rerun.
constexpr unsigned max_strikes = 3;
// What an attempt keeps of its output once another attempt followed it.
constexpr size_t earlier_attempt_output_bytes = 4 << 10;

Outcome outcome_of(const std::string &word)
{
    if (word == "passed")
        return Outcome::Passed;
    if (word == "skipped")
        return Outcome::Skipped;
    if (word == "error")
        return Outcome::Error;
    return Outcome::Failed;
}

// A batch's limit: each of its tests may take the per-test limit.
std::chrono::milliseconds batch_limit(std::chrono::milliseconds per_test, size_t tests)
{
    if (per_test.count() <= 0)
        return std::chrono::milliseconds(0);
    const auto max = std::numeric_limits<std::chrono::milliseconds::rep>::max();
    if (per_test.count() > max / std::chrono::milliseconds::rep(std::max<size_t>(1, tests)))
        return std::chrono::milliseconds(max);
    return per_test * std::chrono::milliseconds::rep(std::max<size_t>(1, tests));
}

ExecKind kind_of(TestCommandStyle style)
{
    switch (style) {
    case TestCommandStyle::Worker: return ExecKind::Worker;
    case TestCommandStyle::BatchWithRecords: return ExecKind::BatchWithRecords;
    case TestCommandStyle::Batch: break;
    }
    return ExecKind::Batch;
}

const char *end_word(const ExecResult &result, StopReason stop, bool crashed)
{
    if (result.status == ExecResult::Status::InfraFailed)
        return "sandbox failed";
    if (result.status == ExecResult::Status::Failed)
        return "not started";
    if (result.status == ExecResult::Status::Cancelled || stop != StopReason::None) {
        switch (stop) {
        case StopReason::TestTimeout: return "timed out";
        case StopReason::Stalled: return "stalled";
        case StopReason::LostRace: return "lost race";
        case StopReason::Moved: return "moved";
        case StopReason::StoppedEarly:
        case StopReason::KillRunning: return "stopped";
        default: return "cancelled";
        }
    }
    if (result.timed_out)
        return "timed out";
    return crashed ? "crashed" : "completed";
}

} // namespace

void Runner::give(Exec &exec, size_t test)
{
    exec.tracker.give(test);
    exec.ids.emplace(m_outcome.report.tests[test].id, test);
    if (!exec.copy_of)
        m_tests[test].owner = &exec;
    // A worker that asks for its tests gets each when it asks: until then the test is its own
    // (it runs nowhere else) but waits here.
    if (exec.pulls)
        exec.held.push_back(test);
    else if (exec.live_input)
        exec.input.write(worker_input_line(m_outcome.report.tests[test].id));
}

void Runner::feed(Exec &exec, bool asked)
{
    if (!exec.live_input || exec.input.closed())
        return;
    if (m_interrupted || m_stopped_early || exec.stop_after_test || exec.stop != StopReason::None) {
        exec.input.close();
        return;
    }
    if (exec.copy_of && !exec.pulls) {
        exec.input.close(); // its one test was written: nothing more
        return;
    }
    if (exec.pulls) {
        // A copy runs its one test, and has nothing more for its next `next`.
        if (exec.copy_of && exec.held.empty() && asked) {
            exec.input.close();
            return;
        }
        // One test for each `next`, none ahead: no test waits behind a slow one.
        if (!asked)
            return;
        if (exec.held.empty()) {
            // Never a test it ran already (a retry of its own): a command reports each test once.
            std::optional<size_t> test =
                m_queue.take_test(exec.worker, true, [&](size_t test) { return !exec.tracker.given(test); });
            if (!test) {
                exec.input.close();
                return;
            }
            give(exec, *test);
        }
        exec.input.write(worker_input_line(m_outcome.report.tests[exec.held.front()].id));
        exec.held.erase(exec.held.begin());
        return;
    }
    // Workers without a job take what is queued first: a busy worker takes ahead only what they
    // leave over, so that the last tests spread over every sandbox instead of waiting in line.
    const size_t idle_workers = m_workers_left - std::min<size_t>(m_workers_left, m_busy_workers);
    while (exec.tracker.unstarted() < worker_prefetch && m_queue.test_count() > idle_workers) {
        std::optional<size_t> test =
            m_queue.take_test(exec.worker, true, [&](size_t test) { return !exec.tracker.given(test); });
        if (!test)
            break;
        give(exec, *test);
    }
    // Nothing more for it now: the worker finishes what it has (it may be waiting for the next test
    // before it starts the one it holds). Tests queued later go to another worker.
    if (exec.tracker.unstarted() < worker_prefetch)
        exec.input.close();
}

bool Runner::run_job(unsigned worker, Sandbox &sandbox, Job job)
{
    const ExecKind kind =
        job.copy_of && m_style == TestCommandStyle::Batch ? ExecKind::Batch : kind_of(m_style);
    auto exec =
        std::make_shared<Exec>(job.batch.number, worker, sandbox.index(), kind, std::vector<size_t>{});
    exec->live_input = kind == ExecKind::Worker && m_live_input;
    exec->pulls = exec->live_input && m_commands.worker_pulls();
    exec->copy_of = job.copy_of;
    exec->mark = new_event_mark();
    const std::string stem = fmt::format("batch-{:04}", exec->number);
    const std::filesystem::path log_dir = m_options.output_dir / "logs";
    exec->log_path = (log_dir / (stem + ".log")).string();
    exec->tracker.set_log_path(exec->log_path);
    const std::string remote_result = sandbox.work_dir() + "/offload-" + stem + ".xml";
    const std::filesystem::path local_result = log_dir / (stem + ".junit.xml");

    Notes notes;
    std::vector<std::string> initial_ids;
    unsigned attempt = 1;
    {
        std::lock_guard lock(m_mutex);
        exec->started_at = seconds_since_start();
        for (size_t test : job.batch.tests) {
            give(*exec, test);
            initial_ids.push_back(m_outcome.report.tests[test].id);
            attempt = std::max<unsigned>(attempt, unsigned(m_outcome.report.tests[test].attempts.size() + 1));
        }
        m_execs.push_back(exec);
        --m_jobs_starting;
        ++m_outcome.batches_run;
        if (job.copy_of)
            m_tests[*job.copy_of].copy = exec;
        // A worker starts with its first test alone: one that asks for tests (`next`) gets no more
        // until it asks, one that reads ahead gets a second when it starts the first or after
        // a second (see watch()). A copy gets its one test and the end of its input.
        if (job.copy_of || m_queue.empty())
            feed(*exec);
        if (exec->live_input)
            for (size_t test : exec->tracker.tests())
                if (std::find(job.batch.tests.begin(), job.batch.tests.end(), test) == job.batch.tests.end())
                    initial_ids.push_back(m_outcome.report.tests[test].id);
        // Taken just before --max-fail or Ctrl-C stopped the run: stopped like the running ones.
        if (m_stopped_early && m_options.kill_running)
            stop_exec(*exec, StopReason::KillRunning);
    }

    // The command.
    Expected<std::string> command = failure("");
    if (kind == ExecKind::Worker) {
        command = exec->live_input ? m_commands.worker_command(nullptr, sandbox.index())
                                   : m_commands.worker_command(&initial_ids, sandbox.index());
        if (command && !exec->live_input)
            command =
                command_with_fixed_input(*command, initial_ids, exec->mark.substr(exec->mark.find(':') + 1));
    } else {
        command = m_commands.batch_command(initial_ids, remote_result);
    }

    BatchOutput output(exec->log_path);
    if (!output.error().empty())
        log::warning(output.error());
    BatchEvent event;
    event.number = exec->number;
    event.sandbox = sandbox.index();
    event.attempt = attempt - 1;
    event.test_ids = initial_ids;
    event.hedge = job.copy_of.has_value();
    event.at_secs = exec->started_at;
    event.log_path = exec->log_path;
    event.worker = kind == ExecKind::Worker;
    for (RunObserver *observer : m_observers)
        observer->batch_started(event);

    ExecResult result;
    if (command) {
        log::debug(fmt::format("{} {} ({} tests{}) on sandbox {}: {}", event.worker ? "worker" : "batch",
                               exec->number, initial_ids.size(), exec->live_input ? " to start with" : "",
                               sandbox.index(), *command));
        RecordReader reader(
            exec->mark,
            [&](int, std::string_view data) {
                output.write(data);
                std::lock_guard lock(m_mutex);
                exec->tracker.add_stream_output(data);
            },
            [&](int, const TestRecord &record) {
                Notes record_notes;
                {
                    std::lock_guard lock(m_mutex);
                    if (exec->copy_of)
                        on_copy_record(*exec, record, record_notes);
                    else
                        on_record(*exec, record, record_notes);
                    if (!record.problem.empty())
                        output.write(fmt::format("\n[offload] a malformed test-protocol record: {}\n",
                                                 record.problem));
                    else if (record.verb == TestRecord::Verb::Start)
                        output.write(fmt::format("\n[offload] start {}\n", record.id));
                    else if (record.verb == TestRecord::Verb::End)
                        output.write(fmt::format("\n[offload] end {}: {}\n", record.id, record.outcome));
                    else if (record.verb == TestRecord::Verb::Output)
                        output.write(record.data);
                }
                m_changed.notify_all();
                run_notes(record_notes);
            });
        ExecRequest request;
        request.command = *command;
        request.env = {"OFFLOAD_EVENT_MARK=" + exec->mark, fmt::format("OFFLOAD_BATCH={}", exec->number),
                       fmt::format("OFFLOAD_ATTEMPT={}", attempt)};
        request.timeout = kind == ExecKind::Batch ? batch_limit(m_options.test_timeout, initial_ids.size())
                                                  : std::chrono::milliseconds(0);
        request.input = exec->live_input ? exec->input.view() : nullptr;
        request.cancel = &exec->cancel;
        request.on_output = [&reader](int stream, std::string_view data) { reader.feed(stream, data); };
        result = sandbox.exec(request);
        reader.finish();
    } else {
        // The framework cannot build it: that will not change, so the tests get the error now.
        std::lock_guard lock(m_mutex);
        for (size_t test : exec->tracker.tests()) {
            if (m_tests[test].owner != exec.get())
                continue;
            m_tests[test].owner = nullptr;
            TestVerdict verdict;
            verdict.test = test;
            verdict.outcome = Outcome::Error;
            verdict.message = "the framework could not build the command: " + command.error();
            settle_attempt(test, verdict, *exec, notes);
        }
        result.status = ExecResult::Status::Ran;
    }

    // Batches: what the framework reads from the results.
    std::vector<std::pair<size_t, ReportedResult>> parsed;
    if (kind != ExecKind::Worker && command && result.status == ExecResult::Status::Ran) {
        BatchRunFacts facts;
        facts.test_ids = &initial_ids;
        facts.exit_code = result.exit_code;
        facts.timed_out = result.timed_out;
        facts.duration_ms = uint64_t(result.duration.count());
        facts.log_path = exec->log_path;
        facts.output_tail = output.tail();
        // Whatever sits at our copy's name (an old copy, a planted symlink) goes first: the
        // provider writes a new file, never through a link.
        std::error_code ignored;
        std::filesystem::remove(local_result, ignored);
        Expected<bool> downloaded = sandbox.download(remote_result, local_result);
        if (downloaded && *downloaded)
            facts.result_file = local_result.string();
        else if (!downloaded)
            log::warning(fmt::format("batch {}: the result file could not be fetched: {}", exec->number,
                                     downloaded.error()));
        Expected<std::vector<ReportedResult>> results = m_commands.parse_results(facts);
        if (!results) {
            log::warning(fmt::format("batch {}: the {} framework could not read the results: {}",
                                     exec->number, m_commands.name(), results.error()));
        } else {
            double reported_secs = 0;
            bool all_timed = results->size() == initial_ids.size() && !result.timed_out;
            for (ReportedResult &reported : *results) {
                all_timed = all_timed && reported.duration_secs >= 0;
                reported_secs += std::max(0.0, reported.duration_secs);
                std::lock_guard lock(m_mutex);
                if (auto it = exec->ids.find(reported.id); it != exec->ids.end())
                    parsed.emplace_back(it->second, std::move(reported));
            }
            if (all_timed && !parsed.empty()) {
                std::lock_guard lock(m_mutex);
                m_outcome.batch_overheads.push_back(
                    std::max(0.0, std::chrono::duration<double>(result.duration).count() - reported_secs));
            }
        }
    }

    ExecEnding ending;
    switch (result.status) {
    case ExecResult::Status::Ran: ending.status = ExecEnding::Status::Ran; break;
    case ExecResult::Status::Cancelled: ending.status = ExecEnding::Status::Cancelled; break;
    case ExecResult::Status::InfraFailed: ending.status = ExecEnding::Status::InfraFailed; break;
    case ExecResult::Status::Failed: ending.status = ExecEnding::Status::NotStarted; break;
    }
    ending.exit_code = result.exit_code;
    ending.timed_out = result.timed_out;
    ending.failure = result.error;
    ending.output_tail = output.tail();
    ending.test_timeout_secs = std::chrono::duration<double>(m_options.test_timeout).count();
    {
        std::lock_guard lock(m_mutex);
        ending.at = seconds_since_start();
        if (result.status == ExecResult::Status::Cancelled && exec->stop == StopReason::None)
            exec->stop =
                m_interrupted || Interrupt::level() > 0 ? StopReason::Interrupted : StopReason::KillRunning;
        ending.stop = exec->stop;
        // A command that ended by itself after offload had asked it to stop: the stop decides.
        if (ending.status == ExecEnding::Status::Ran && exec->stop != StopReason::None)
            ending.status = ExecEnding::Status::Cancelled;
        const Conclusion conclusion = exec->tracker.conclude(ending, parsed);
        const bool crashed =
            !conclusion.charged.empty() &&
            std::any_of(conclusion.charged.begin(), conclusion.charged.end(),
                        [](const TestVerdict &v) { return v.message.rfind("crashed", 0) == 0; });
        apply(*exec, conclusion, notes);
        if (exec->first_start && !exec->copy_of && kind == ExecKind::Worker)
            m_outcome.batch_overheads.push_back(*exec->first_start - exec->started_at);
        m_execs.erase(std::find(m_execs.begin(), m_execs.end(), exec));
        event.end = end_word(result, exec->stop, crashed);
    }
    if (result.status == ExecResult::Status::InfraFailed || result.status == ExecResult::Status::Failed) {
        std::lock_guard lock(m_mutex);
        incident(result.status == ExecResult::Status::InfraFailed
                     ? fmt::format("sandbox {} failed under batch {}: {}", sandbox.index(), exec->number,
                                   result.error)
                     : fmt::format("batch {} could not be started on sandbox {}: {}", exec->number,
                                   sandbox.index(), result.error),
                 notes);
    }
    m_changed.notify_all();
    run_notes(notes);
    event.duration_secs = seconds_since_start() - event.at_secs;
    event.at_secs = seconds_since_start();
    event.exit_code = result.exit_code;
    event.timed_out = result.timed_out || exec->stop == StopReason::TestTimeout;
    for (RunObserver *observer : m_observers)
        observer->batch_finished(event);
    return result.status != ExecResult::Status::InfraFailed;
}

void Runner::on_record(Exec &exec, const TestRecord &record, Notes &notes)
{
    using Verb = TestRecord::Verb;
    if (!record.problem.empty()) {
        if (!exec.problem_reported) {
            exec.problem_reported = true;
            log::warning(fmt::format("batch {}: a malformed test-protocol record was ignored: {}",
                                     exec.number, record.problem));
        }
        return;
    }
    if (record.verb == Verb::Done) {
        exec.tracker.done();
        return;
    }
    if (record.verb == Verb::Next) {
        exec.pulls = exec.live_input; // it asks: from now on it gets tests only when it does
        feed(exec, true);
        return;
    }
    if (record.verb != Verb::Start && record.verb != Verb::End && record.verb != Verb::Output)
        return;
    auto found = exec.ids.find(record.id);
    if (found == exec.ids.end()) {
        log::warning(fmt::format("batch {} reported a test it was not given (\"{}\"); ignored", exec.number,
                                 record.id.substr(0, 200)));
        return;
    }
    const size_t test = found->second;
    TestState &state = m_tests[test];
    const double now = seconds_since_start();
    switch (record.verb) {
    case Verb::Start:
        if (state.owner != &exec || !exec.tracker.start(test, now))
            return;
        state.strikes = 0;
        if (!exec.first_start)
            exec.first_start = now;
        notes.push_back([this, event = TestStartEvent{
                                   record.id, exec.number, exec.sandbox,
                                   unsigned(m_outcome.report.tests[test].attempts.size() + 1), false, now}] {
            for (RunObserver *observer : m_observers)
                observer->test_started(event);
        });
        feed(exec); // a worker that keeps one ahead gets it now; one that pulls asks for it
        return;
    case Verb::Output: exec.tracker.add_output(test, record.data); return;
    case Verb::End: {
        if (state.owner != &exec && state.last_exec != exec.number)
            return; // settled elsewhere (a copy won), or moved on
        const bool first = state.owner == &exec;
        ExecTracker::Ended ended =
            exec.tracker.end(test, outcome_of(record.outcome), record.secs, record.message, now);
        if (ended.first && first) {
            state.owner = nullptr;
            settle_attempt(test, ended.verdict, exec, notes);
            if (state.copy)
                stop_exec(*state.copy, StopReason::LostRace);
        } else if (ended.changed && state.last_exec == exec.number) {
            revise_attempt(test, ended.verdict, exec, notes);
        }
        if (exec.stop_after_test && exec.tracker.running().empty())
            stop_exec(exec, exec.stop_after);
        return;
    }
    default: return;
    }
}

void Runner::on_copy_record(Exec &copy, const TestRecord &record, Notes &notes)
{
    if (!record.problem.empty() || !copy.copy_of)
        return;
    auto found = copy.ids.find(record.id);
    if (found == copy.ids.end() || found->second != *copy.copy_of)
        return;
    const double now = seconds_since_start();
    if (record.verb == TestRecord::Verb::Start) {
        copy.tracker.start(*copy.copy_of, now);
        notes.push_back([this, event = TestStartEvent{record.id, copy.number, copy.sandbox, 0, true, now}] {
            for (RunObserver *observer : m_observers)
                observer->test_started(event);
        });
    } else if (record.verb == TestRecord::Verb::Output) {
        copy.tracker.add_output(*copy.copy_of, record.data);
    } else if (record.verb == TestRecord::Verb::End) {
        ExecTracker::Ended ended =
            copy.tracker.end(*copy.copy_of, outcome_of(record.outcome), record.secs, record.message, now);
        if (ended.first && ended.verdict.outcome == Outcome::Passed)
            copy_passed(copy, ended.verdict, notes);
        else if (ended.first)
            log::debug(fmt::format("the copy of {} ended {}; it does not count, the original goes on",
                                   record.id, record.outcome));
    }
}

// A hedged copy passed: if the original still runs, the copy's pass is the test's result and the
// original is stopped.
void Runner::copy_passed(Exec &copy, const TestVerdict &verdict, Notes &notes)
{
    const size_t test = *copy.copy_of;
    TestState &state = m_tests[test];
    Exec *original = state.owner;
    if (!original)
        return; // the original ended first
    state.owner = nullptr;
    TestVerdict won = verdict;
    won.message = fmt::format("passed in a duplicate run on sandbox {} (tail hedging)", copy.sandbox);
    settle_attempt(test, won, copy, notes);
    ++m_outcome.hedges_won;
    // The original's other tests go elsewhere; it ran the slow one.
    stop_exec(*original, StopReason::LostRace);
}

void Runner::settle_attempt(size_t test, const TestVerdict &verdict, const Exec &exec, Notes &notes,
                            bool may_retry)
{
    Attempt attempt;
    attempt.outcome = verdict.outcome;
    attempt.duration_secs = verdict.duration_secs;
    attempt.message = verdict.message;
    attempt.output = verdict.output;
    attempt.log_path = exec.log_path;
    attempt.sandbox = exec.sandbox;
    // Earlier attempts keep only the end of their output: memory stays bounded however often a
    // loud test fails (their whole output is in their logs).
    std::vector<Attempt> &attempts = m_outcome.report.tests[test].attempts;
    for (Attempt &earlier : attempts)
        if (earlier.output.size() > earlier_attempt_output_bytes)
            earlier.output = fmt::format("[... the whole output is in {} ...]\n", earlier.log_path) +
                             earlier.output.substr(earlier.output.size() - earlier_attempt_output_bytes);
    attempts.push_back(std::move(attempt));
    m_tests[test].last_exec = exec.number;
    decide(test, exec, may_retry, notes);
}

void Runner::revise_attempt(size_t test, const TestVerdict &verdict, const Exec &exec, Notes &notes)
{
    TestReport &report = m_outcome.report.tests[test];
    TestState &state = m_tests[test];
    if (report.attempts.empty())
        return;
    Attempt &last = report.attempts.back();
    if (severity(verdict.outcome) <= severity(last.outcome))
        return;
    if (state.settled) {
        count_settled(report.final_outcome(), -1);
        state.settled = false;
    } else if (needs_retry(last.outcome)) {
        last.outcome = verdict.outcome;
        last.message = verdict.message;
        return; // still failing; its retry is queued already
    }
    last.outcome = verdict.outcome;
    last.message = verdict.message;
    if (!verdict.output.empty())
        last.output = verdict.output;
    decide(test, exec, true, notes);
}

// The test's last attempt is final: settle the test, or queue its retry.
void Runner::decide(size_t test, const Exec &exec, bool may_retry, Notes &notes)
{
    TestReport &report = m_outcome.report.tests[test];
    TestState &state = m_tests[test];
    const Attempt &attempt = report.attempts.back();
    state.hedged = false;
    // Once --max-fail is reached (or Ctrl-C came), failed tests are not tried again.
    const bool retry = may_retry && needs_retry(attempt.outcome) &&
                       report.attempts.size() <= m_options.retries && !m_stopped_early && !m_interrupted &&
                       Interrupt::level() == 0;
    if (retry) {
        Batch again;
        again.number = m_live_input ? 0 : m_next_batch_number++;
        again.tests = {test};
        again.avoid_worker = int(exec.worker);
        m_queue.push_back(std::move(again));
    } else {
        if (attempt.outcome == Outcome::NotRun)
            report.not_run_reason = attempt.message;
        state.settled = true;
        count_settled(attempt.outcome, +1);
    }
    TestEvent event;
    event.id = report.id;
    event.attempt = attempt;
    event.attempt_number = unsigned(report.attempts.size());
    event.flaky = !retry && report.flaky();
    event.batch = exec.number;
    event.will_retry = retry;
    event.at_secs = seconds_since_start();
    notes.push_back([this, event = std::move(event)] {
        for (RunObserver *observer : m_observers)
            observer->test_finished(event);
    });
    if (!retry && (attempt.outcome == Outcome::Failed || attempt.outcome == Outcome::Error) &&
        m_options.max_fail > 0 && m_settled.failed >= m_options.max_fail)
        stop_early();
}

void Runner::apply(Exec &exec, const Conclusion &conclusion, Notes &notes)
{
    if (exec.copy_of) {
        TestState &state = m_tests[*exec.copy_of];
        // A copy run as a batch learns its result only now.
        for (const TestVerdict &verdict : conclusion.charged)
            if (verdict.test == *exec.copy_of && verdict.outcome == Outcome::Passed &&
                conclusion.revised.empty())
                copy_passed(exec, verdict, notes);
        if (state.copy.get() == &exec)
            state.copy.reset();
        return;
    }
    for (const TestVerdict &verdict : conclusion.charged) {
        if (m_tests[verdict.test].owner != &exec)
            continue;
        m_tests[verdict.test].owner = nullptr;
        settle_attempt(verdict.test, verdict, exec, notes);
    }
    for (const TestVerdict &verdict : conclusion.revised)
        if (m_tests[verdict.test].last_exec == exec.number)
            revise_attempt(verdict.test, verdict, exec, notes);

    std::vector<size_t> again;
    bool avoid = false;
    for (const Rerun &rerun : conclusion.rerun) {
        TestState &state = m_tests[rerun.test];
        if (state.owner != &exec)
            continue;
        state.owner = nullptr;
        if (state.copy)
            stop_exec(*state.copy, StopReason::LostRace);
        if (m_interrupted || Interrupt::level() > 0 || m_stopped_early) {
            settle_not_run(rerun.test, stopped_reason(rerun.was_running));
            continue;
        }
        if (rerun.strike && ++state.strikes >= max_strikes) {
            TestVerdict lost;
            lost.test = rerun.test;
            lost.outcome = rerun.never_ran ? Outcome::NotRun : Outcome::Error;
            lost.message = fmt::format("{} times in a row: {}", max_strikes, rerun.reason);
            lost.output = rerun.output;
            state.strikes = 0;
            if (rerun.never_ran)
                settle_not_run(rerun.test, lost.message);
            else
                settle_attempt(rerun.test, lost, exec, notes, /*may_retry=*/false);
            continue;
        }
        avoid = avoid || rerun.strike || exec.stop == StopReason::TestTimeout;
        again.push_back(rerun.test);
    }
    if (!again.empty()) {
        auto push = [&](std::vector<size_t> tests) {
            Batch batch;
            batch.number = m_live_input ? 0 : m_next_batch_number++;
            batch.tests = std::move(tests);
            batch.avoid_worker = avoid ? int(exec.worker) : -1;
            m_queue.push_front(std::move(batch));
        };
        if (exec.stop == StopReason::Moved && again.size() >= 2 && !m_live_input) {
            // Half for the idle sandbox that asked, half for this one.
            std::vector<size_t> second(again.begin() + long(again.size() / 2), again.end());
            again.resize(again.size() / 2);
            push(std::move(second));
        }
        push(std::move(again));
    }
    for (size_t test : conclusion.rerun_alone) {
        if (m_tests[test].owner != &exec)
            continue;
        m_tests[test].owner = nullptr;
        Batch alone;
        alone.number = m_next_batch_number++;
        alone.tests = {test};
        m_queue.push_back(std::move(alone));
    }
    if (!conclusion.rerun_alone.empty())
        incident(fmt::format("batch {} timed out; its {} unfinished tests ran again one by one", exec.number,
                             conclusion.rerun_alone.size()),
                 notes);
    if (!conclusion.incident.empty())
        incident(fmt::format("batch {} on sandbox {}: {}", exec.number, exec.sandbox, conclusion.incident),
                 notes);
    // Nothing of this command may stay responsible for a test.
    for (size_t test : exec.tracker.tests())
        if (m_tests[test].owner == &exec) {
            m_tests[test].owner = nullptr;
            if (!m_tests[test].settled)
                settle_not_run(test,
                               "its batch ended without a verdict for it (an offload bug: please report it)");
        }
}

} // namespace offload
