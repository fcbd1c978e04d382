// Running one command of the run: building it, streaming its output to its log while records are
// taken out of it, feeding a worker its tests, and concluding when it ends (what the records and
// the end mean for each test is runner_settle.cpp).
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
    exec.ids.emplace(native_id(test), test);
    if (!exec.copy_of)
        m_tests[test].owner = &exec;
    // A worker that asks for its tests gets each when it asks: until then the test is its own
    // (it runs nowhere else) but waits here.
    if (exec.pulls)
        exec.held.push_back(test);
    else if (exec.live_input)
        exec.input.write(worker_input_line(native_id(test)));
}

void Runner::feed(Exec &exec, bool asked)
{
    release_due_retries();
    if (!exec.live_input || exec.input.closed() || m_list_pending)
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
        if (exec.held.empty() && m_suites[exec.suite].keep_files_together) {
            exec.input.close(); // its batch's files are done; other files are other workers'
            return;
        }
        if (exec.held.empty()) {
            // Never a test it ran already (a retry of its own): a command reports each test once.
            std::optional<size_t> test = m_queue.take_test(exec.worker, true, [&](size_t test) {
                return m_suite_of[test] == exec.suite && !exec.tracker.given(test);
            });
            if (!test) {
                exec.input.close();
                return;
            }
            give(exec, *test);
        }
        exec.input.write(worker_input_line(native_id(exec.held.front())));
        exec.held.erase(exec.held.begin());
        return;
    }
    // Workers without a job take what is queued first: a busy worker takes ahead only what they
    // leave over, so that the last tests spread over every sandbox instead of waiting in line.
    const size_t idle_workers = m_workers_left - std::min<size_t>(m_workers_left, m_busy_workers);
    while (!m_suites[exec.suite].keep_files_together && exec.tracker.unstarted() < worker_prefetch &&
           m_queue.test_count() > idle_workers) {
        std::optional<size_t> test = m_queue.take_test(exec.worker, true, [&](size_t test) {
            return m_suite_of[test] == exec.suite && !exec.tracker.given(test);
        });
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
    const Suite &suite = m_suites[job.batch.suite];
    const TestCommands &commands = *suite.commands;
    const ExecKind kind =
        job.copy_of && suite.style == TestCommandStyle::Batch ? ExecKind::Batch : kind_of(suite.style);
    auto exec =
        std::make_shared<Exec>(job.batch.number, worker, sandbox.index(), kind, std::vector<size_t>{});
    exec->suite = job.batch.suite;
    exec->live_input = kind == ExecKind::Worker && suite.live_input;
    exec->pulls = exec->live_input && commands.worker_pulls();
    exec->copy_of = job.copy_of;
    exec->mark = new_event_mark();
    const std::string stem = fmt::format("batch-{:04}", exec->number);
    const std::filesystem::path log_dir = m_options.output_dir / "logs";
    exec->log_path = (log_dir / (stem + ".log")).string();
    exec->tracker.set_log_path(exec->log_path);
    const std::string remote_result = sandbox.work_dir() + "/offload-" + stem + ".xml";
    const std::filesystem::path local_result = log_dir / (stem + ".junit.xml");

    Notes notes;
    std::vector<std::string> initial_ids; // as the run reports them
    std::vector<std::string> native_ids;  // ...and as the framework's commands and results name them
    unsigned attempt = 1;
    {
        std::lock_guard lock(m_mutex);
        exec->started_at = seconds_since_start();
        exec->ready_at = exec->started_at;
        exec->lists = m_list_pending && job.batch.tests.empty() && !job.copy_of;
        for (size_t test : job.batch.tests) {
            give(*exec, test);
            initial_ids.push_back(m_outcome.report.tests[test].id);
            native_ids.push_back(native_id(test));
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
                if (std::find(job.batch.tests.begin(), job.batch.tests.end(), test) ==
                    job.batch.tests.end()) {
                    initial_ids.push_back(m_outcome.report.tests[test].id);
                    native_ids.push_back(native_id(test));
                }
        // Taken just before --max-fail or Ctrl-C stopped the run: stopped like the running ones.
        if (m_stopped_early && m_options.kill_running)
            stop_exec(*exec, StopReason::KillRunning);
    }

    // The command.
    Expected<std::string> command = failure("");
    if (kind == ExecKind::Worker) {
        command = exec->live_input ? commands.worker_command(nullptr, sandbox.index())
                                   : commands.worker_command(&native_ids, sandbox.index());
        if (command && !exec->live_input)
            command =
                command_with_fixed_input(*command, native_ids, exec->mark.substr(exec->mark.find(':') + 1));
    } else {
        command = commands.batch_command(native_ids, remote_result);
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
    notes.push_back([this, event] {
        for (RunObserver *observer : m_observers)
            observer->batch_started(event);
    });
    run_notes(notes);

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
        if (exec->lists)
            request.env.push_back("OFFLOAD_WORKER_LIST=1");
        // The user's first: offload's own variables, the live records' mark among them, win.
        request.env.insert(request.env.begin(), m_options.env.begin(), m_options.env.end());
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
        facts.test_ids = &native_ids;
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
        Expected<std::vector<ReportedResult>> results = commands.parse_results(facts);
        if (!results) {
            log::warning(fmt::format("batch {}: the {} framework could not read the results: {}",
                                     exec->number, commands.name(), results.error()));
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
        // A command that ran to its end (a crash included) and left processes behind; one killed
        // with its sandbox, or by offload, leaves no leak of its own.
        if (result.status == ExecResult::Status::Ran && !result.leaked.empty())
            incident(leak_text(*exec, result.leaked), notes);
        if (exec->first_start && !exec->copy_of && kind == ExecKind::Worker)
            m_outcome.batch_overheads.push_back(*exec->first_start - exec->started_at);
        m_execs.erase(std::find(m_execs.begin(), m_execs.end(), exec));
        event.end = end_word(result, exec->stop, crashed);
        // A worker that ended before it listed the tests: when none is left to list them, the run
        // discovers them otherwise.
        if (exec->lists)
            lister_gone(fmt::format("the last, on sandbox {}, ended before it did: {}{}", sandbox.index(),
                                    result.status == ExecResult::Status::Ran
                                        ? fmt::format("exit code {}", result.exit_code)
                                        : std::string(event.end),
                                    result.error.empty() ? "" : ": " + result.error));
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
    notes.push_back([this, event] {
        for (RunObserver *observer : m_observers)
            observer->batch_finished(event);
    });
    run_notes(notes);
    return result.status != ExecResult::Status::InfraFailed;
}

std::string Runner::leak_text(const Exec &exec, const std::vector<std::string> &leaked) const
{
    const std::vector<size_t> &tests = exec.tracker.tests();
    std::string whose;
    if (tests.size() == 1)
        whose = "test " + m_outcome.report.tests[tests.front()].id;
    else if (std::optional<size_t> last = exec.tracker.last_started())
        whose =
            fmt::format("{} tests, the last to start: {}", tests.size(), m_outcome.report.tests[*last].id);
    else
        whose = fmt::format("{} tests", tests.size());
    constexpr size_t shown = 5;
    std::string processes;
    for (size_t i = 0; i < leaked.size() && i < shown; ++i)
        processes += (i ? ", " : "") + leaked[i];
    if (leaked.size() > shown)
        processes += fmt::format(" and {} more", leaked.size() - shown);
    return fmt::format("LEAK: batch {} ({}) left {} running after it exited; offload ended {}: {}",
                       exec.number, whose,
                       leaked.size() == 1 ? "1 process" : fmt::format("{} processes", leaked.size()),
                       leaked.size() == 1 ? "it" : "them", processes);
}

} // namespace offload
