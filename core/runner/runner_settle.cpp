// What the records of a command and its end mean for the run: each test's attempt settled or
// revised, its retry queued, hedged copies that pass, tests run again elsewhere.
#include "runner/runner.hpp"

#include "process/interrupt.hpp"
#include "protocol/test_records.hpp"
#include "runner/runner_state.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace offload {

namespace {

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

} // namespace

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
        // One that asks first never lists (a wrapper that does not know the variable, say).
        if (exec.lists) {
            exec.lists = false;
            lister_gone(
                fmt::format("the last, on sandbox {}, asked for a test without listing them", exec.sandbox));
        }
        exec.asked = true;
        exec.pulls = exec.live_input; // it asks: from now on it gets tests only when it does
        if (m_list_pending)
            exec.next_waiting = true; // answered once the tests are known
        else
            feed(exec, true);
        return;
    }
    if (record.verb == Verb::List) {
        if (exec.lists)
            exec.listing += record.data;
        return;
    }
    if (record.verb == Verb::Listed) {
        on_listed(exec, int(*record.exit));
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
        count_settled(test, report.final_outcome(), -1);
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
                       report.attempts.size() <= m_options.retry.retries_for(report.id, report.group) &&
                       !m_stopped_early && !m_interrupted && Interrupt::level() == 0;
    if (retry) {
        Batch again;
        again.number = suite_of(test).live_input ? 0 : m_next_batch_number++;
        again.suite = m_suite_of[test];
        again.tests = {test};
        again.avoid_worker = int(exec.worker);
        const double backoff = m_options.retry.delay_before(
            unsigned(report.attempts.size()), std::uniform_real_distribution<double>(0, 1)(m_jitter));
        if (backoff > 0)
            m_backing_off.emplace_back(std::chrono::steady_clock::now() +
                                           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                               std::chrono::duration<double>(backoff)),
                                       std::move(again));
        else
            m_queue.push_back(std::move(again));
    } else {
        if (attempt.outcome == Outcome::NotRun)
            report.not_run_reason = attempt.message;
        state.settled = true;
        count_settled(test, attempt.outcome, +1);
    }
    TestEvent event;
    event.id = report.id;
    event.attempt = attempt;
    event.attempt_number = unsigned(report.attempts.size());
    event.flaky = !retry && report.flaky();
    event.batch = exec.number;
    event.will_retry = retry;
    event.quarantined = !report.quarantined.empty();
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
            settle_not_run(rerun.test, stopped_reason(rerun.reached));
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
            batch.number = m_suites[exec.suite].live_input ? 0 : m_next_batch_number++;
            batch.suite = exec.suite;
            batch.tests = std::move(tests);
            batch.avoid_worker = avoid ? int(exec.worker) : -1;
            m_queue.push_front(std::move(batch));
        };
        if (exec.stop == StopReason::Moved && again.size() >= 2 && !m_suites[exec.suite].live_input) {
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
        alone.suite = exec.suite;
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
