#include "runner/runner.hpp"

#include "process/interrupt.hpp"
#include "process/stop_token.hpp"
#include "runner/batch_output.hpp"
#include "scheduler/batching.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <thread>

namespace offload {

namespace {

constexpr unsigned sandbox_create_attempts = 3;
constexpr unsigned max_infra_failures_per_batch = 3;

// Sleeps, but wakes at once on Ctrl-C. Returns false when interrupted.
bool sleep_unless_interrupted(std::chrono::milliseconds duration)
{
    pollfd fd{Interrupt::wait_fd(), POLLIN, 0};
    poll(&fd, 1, int(duration.count()));
    return Interrupt::level() == 0;
}

std::string iso8601_now()
{
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    return buffer;
}

bool needs_retry(Outcome outcome) { return outcome == Outcome::Failed || outcome == Outcome::Error || outcome == Outcome::NotRun; }

} // namespace

Runner::Runner(RunOptions options, const FrameworkInstance &framework, ProviderInstance &provider,
               const std::vector<DiscoveredTest> &tests)
    : m_options(std::move(options)), m_framework(framework), m_provider(provider)
{
    m_outcome.report.tests.reserve(tests.size());
    for (const DiscoveredTest &test : tests) {
        TestReport report;
        report.id = test.id;
        report.file = test.file;
        m_outcome.report.tests.push_back(std::move(report));
    }
    std::vector<double> estimates = m_options.estimated_secs;
    if (estimates.size() != tests.size())
        estimates.assign(tests.size(), 1.0);
    for (std::vector<size_t> &tests_of_batch :
         plan_batches(estimates, m_options.parallel, framework.max_batch_size(), m_options.batch_overhead_secs,
                      m_options.estimates_known)) {
        Batch batch;
        batch.number = m_next_batch_number++;
        batch.tests = std::move(tests_of_batch);
        m_queue.push(std::move(batch));
    }
}

RunOutcome Runner::run()
{
    m_start = std::chrono::steady_clock::now();
    m_outcome.report.started_at = iso8601_now();
    size_t batch_count = m_next_batch_number - 1;
    unsigned workers = unsigned(std::min<size_t>(m_options.parallel, batch_count));
    for (RunObserver *observer : m_observers)
        observer->run_started(m_outcome.report.tests.size(), batch_count, workers, m_provider.plugin().id);

    m_workers_left = workers;
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < workers; ++i)
        threads.emplace_back([this, i] { worker(i); });

    bool announced = false;
    while (m_workers_left > 0) {
        pollfd fds[] = {{Interrupt::wait_fd(), POLLIN, 0}, {m_workers_done.wait_fd(), POLLIN, 0}};
        poll(fds, 2, announced ? 100 : 250);
        if (Interrupt::level() > 0 && !announced) {
            announced = true;
            m_queue.close();
            log::warning("interrupted: stopping the running batches and destroying every sandbox "
                         "(interrupt again to kill at once)");
        }
        RunProgress now = progress();
        for (RunObserver *observer : m_observers)
            observer->tick(now);
    }
    for (std::thread &thread : threads)
        thread.join();

    // Whatever is still queued never ran: say why.
    std::string reason = Interrupt::level() > 0 ? "the run was interrupted before it ran"
                         : m_stopped_early
                             ? fmt::format("the run stopped early: {} test{} failed (--max-fail {})",
                                           m_settled.failed, m_settled.failed == 1 ? "" : "s", m_options.max_fail)
                         : m_last_sandbox_error.empty() ? "it was never scheduled"
                                                        : "no sandbox could be created: " + m_last_sandbox_error;
    for (const Batch &batch : m_queue.take_remaining())
        for (size_t test : batch.tests)
            if (m_outcome.report.tests[test].attempts.empty())
                m_outcome.report.tests[test].not_run_reason = reason;
    for (TestReport &test : m_outcome.report.tests)
        if (test.attempts.empty() && test.not_run_reason.empty())
            test.not_run_reason = reason;

    m_outcome.interrupted = Interrupt::level() > 0;
    m_outcome.stopped_early = m_stopped_early;
    m_outcome.report.wall_secs = seconds_since_start();
    for (RunObserver *observer : m_observers)
        observer->run_finished(m_outcome);
    return std::move(m_outcome);
}

std::unique_ptr<Sandbox> Runner::create_sandbox_with_retries(std::string &error)
{
    std::chrono::milliseconds backoff{500};
    for (unsigned attempt = 1; attempt <= sandbox_create_attempts; ++attempt) {
        if (Interrupt::level() > 0)
            return nullptr;
        unsigned index = m_next_sandbox_index++;
        ProviderInstance::Creation creation = m_provider.create_sandbox(index);
        if (creation.sandbox) {
            {
                std::lock_guard lock(m_mutex);
                ++m_outcome.sandboxes_created;
            }
            for (RunObserver *observer : m_observers)
                observer->sandbox_created(index, seconds_since_start());
            return std::move(creation.sandbox);
        }
        error = creation.error;
        if (creation.status == OFFLOAD_CANCELLED)
            return nullptr;
        log::warning(fmt::format("sandbox {} could not be created (attempt {} of {}): {}", index, attempt,
                                 sandbox_create_attempts, error));
        if (attempt < sandbox_create_attempts && !sleep_unless_interrupted(backoff))
            return nullptr;
        backoff *= 2;
    }
    return nullptr;
}

void Runner::worker(unsigned worker_index)
{
    using namespace std::chrono_literals;
    std::unique_ptr<Sandbox> sandbox;
    auto destroy_sandbox = [&] {
        std::string error;
        if (!sandbox->destroy(error))
            note_incident(fmt::format("sandbox {}: {}", sandbox->index(), error));
        for (RunObserver *observer : m_observers)
            observer->sandbox_destroyed(sandbox->index(), seconds_since_start());
        sandbox.reset();
    };
    auto replace_sandbox = [&](const std::string &why, size_t batch_number) {
        note_incident(fmt::format("sandbox {} failed under batch {}: {}", sandbox->index(), batch_number, why));
        destroy_sandbox();
    };
    for (;;) {
        Batch batch;
        // An idle worker with a sandbox looks for stragglers to duplicate while it waits.
        const bool may_hedge = m_options.tail_hedging && m_options.estimates_known && sandbox;
        WorkQueue::Pop pop = may_hedge ? m_queue.pop_for(worker_index, 250ms, batch) : m_queue.pop(worker_index, batch);
        if (pop == WorkQueue::Pop::Finished)
            break;
        if (pop == WorkQueue::Pop::Idle) {
            std::string sandbox_error;
            if (Interrupt::level() == 0 && !try_hedge(worker_index, *sandbox, sandbox_error))
                replace_sandbox(sandbox_error, 0);
            continue;
        }
        if (Interrupt::level() > 0) {
            m_queue.push(std::move(batch));
            m_queue.finished();
            break;
        }
        if (!sandbox) {
            std::string error;
            sandbox = create_sandbox_with_retries(error);
            if (!sandbox) {
                if (Interrupt::level() == 0) {
                    {
                        std::lock_guard lock(m_mutex);
                        m_last_sandbox_error = error;
                    }
                    note_incident(fmt::format("a sandbox could not be created after {} attempts: {}",
                                              sandbox_create_attempts, error));
                }
                m_queue.push(std::move(batch));
                m_queue.finished();
                break;
            }
        }
        std::string sandbox_error;
        bool carried_elsewhere = false;
        auto race = std::make_shared<Race>(batch.number);
        BatchEnd end = run_batch(batch, worker_index, *sandbox, race, Role::Original, sandbox_error, carried_elsewhere);
        if (end == BatchEnd::SandboxFailed) {
            replace_sandbox(sandbox_error, batch.number);
            if (!carried_elsewhere) {
                Batch again = std::move(batch);
                again.avoid_sandbox = int(worker_index);
                if (++again.infra_failures < max_infra_failures_per_batch)
                    m_queue.push(std::move(again));
                else
                    lose_batch(again, sandbox_error);
            }
        } else if (end == BatchEnd::Cancelled) {
            m_queue.push(std::move(batch));
        }
        m_queue.finished();
        if (end == BatchEnd::Cancelled)
            break;
    }
    if (sandbox)
        destroy_sandbox();
    // When the last worker gives up, nothing can take what is queued.
    if (--m_workers_left == 0) {
        m_queue.close();
        m_workers_done.request();   // wakes run() at once
    }
}

void Runner::lose_batch(const Batch &batch, const std::string &sandbox_error)
{
    std::lock_guard lock(m_mutex);
    for (size_t test : batch.tests) {
        m_outcome.report.tests[test].not_run_reason = fmt::format(
            "its batch was lost with {} sandboxes in a row; last: {}", max_infra_failures_per_batch, sandbox_error);
        settle(Outcome::NotRun);
    }
}

bool Runner::try_hedge(unsigned worker, Sandbox &sandbox, std::string &sandbox_error)
{
    Batch duplicate;
    std::shared_ptr<Race> race;
    double elapsed = 0, estimate = 0;
    {
        std::lock_guard lock(m_mutex);
        auto now = std::chrono::steady_clock::now();
        std::vector<RunningBatch> running;
        for (const auto &[number, batch] : m_running)
            running.push_back({number, batch.worker, std::chrono::duration<double>(now - batch.started).count(),
                               batch.estimated_secs, batch.race->hedged});
        std::optional<size_t> chosen = choose_straggler(running, worker);
        if (!chosen)
            return true;
        Running &straggler = m_running.at(*chosen);
        race = straggler.race;
        race->hedged = true;
        ++race->running;
        duplicate = straggler.batch;
        duplicate.number = m_next_batch_number++;
        elapsed = std::chrono::duration<double>(now - straggler.started).count();
        estimate = straggler.estimated_secs;
        ++m_outcome.hedges_started;
    }
    log::debug(fmt::format("batch {} still runs after {:.1f}s (estimated {:.1f}s): running it again as batch {} on "
                           "sandbox {}; the first to finish counts",
                           race->number, elapsed, estimate, duplicate.number, sandbox.index()));
    bool carried_elsewhere = false;
    BatchEnd end = run_batch(duplicate, worker, sandbox, race, Role::Hedge, sandbox_error, carried_elsewhere);
    if (end != BatchEnd::SandboxFailed)
        return true;
    // The duplicate's sandbox failed. The original carries the batch unless it is gone too.
    if (!carried_elsewhere) {
        Batch again = std::move(duplicate);
        again.avoid_sandbox = int(worker);
        if (++again.infra_failures < max_infra_failures_per_batch)
            m_queue.push(std::move(again));
        else
            lose_batch(again, sandbox_error);
    }
    return false;
}

bool Runner::finish_run(Race &race, Role role, bool completed, bool &carried_elsewhere)
{
    std::lock_guard lock(m_mutex);
    --race.running;
    if (role == Role::Original)
        m_running.erase(race.number);
    carried_elsewhere = race.settled || race.running > 0;
    if (race.settled || !completed)
        return false;
    race.settled = true;
    if (race.hedged)
        (role == Role::Original ? race.hedge_stop : race.original_stop).request();
    if (role == Role::Hedge)
        ++m_outcome.hedges_won;
    return true;
}

Runner::BatchEnd Runner::run_batch(const Batch &batch, unsigned worker, Sandbox &sandbox,
                                   const std::shared_ptr<Race> &race, Role role, std::string &sandbox_error,
                                   bool &carried_elsewhere)
{
    std::vector<std::string> ids;
    ids.reserve(batch.tests.size());
    for (size_t test : batch.tests)
        ids.push_back(m_outcome.report.tests[test].id);

    const std::string stem = fmt::format("batch-{:04}", batch.number);
    const std::filesystem::path log_dir = m_options.output_dir / "logs";
    const std::string remote_result = sandbox.work_dir() + "/offload-" + stem + ".xml";
    const std::filesystem::path local_result = log_dir / (stem + ".junit.xml");

    BatchRunFacts facts;
    facts.test_ids = &ids;
    std::string error;
    std::optional<std::string> command = m_framework.batch_command(ids, remote_result, error);
    if (!command) {
        std::vector<ReportedResult> results;
        for (const std::string &id : ids)
            results.push_back({id, Outcome::Error, -1, "the framework could not build the command: " + error, ""});
        if (finish_run(*race, role, true, carried_elsewhere))
            settle_batch(batch, worker, sandbox.index(), results, facts, 0);
        return BatchEnd::Done;
    }

    BatchOutput output(log_dir / (stem + ".log"));
    if (!output.error().empty())
        log::warning(output.error());
    {
        std::lock_guard lock(m_mutex);
        ++m_running_batches;
        ++m_outcome.batches_run;
        if (role == Role::Original) {
            // What the batch should take, its fixed cost included.
            double estimate = m_options.batch_overhead_secs;
            for (size_t test : batch.tests)
                estimate += test < m_options.estimated_secs.size() ? m_options.estimated_secs[test] : 0;
            m_running.emplace(batch.number, Running{batch, worker, std::chrono::steady_clock::now(), estimate, race});
        }
        // Taken from the queue just before --max-fail closed it: stopped like the running ones.
        if (m_stopped_early && m_options.kill_running)
            (role == Role::Original ? race->original_stop : race->hedge_stop).request();
    }
    log::debug(fmt::format("batch {} ({} tests, attempt {}) on sandbox {}: {}", batch.number, ids.size(),
                           batch.attempt + 1, sandbox.index(), *command));
    BatchEvent event;
    event.number = batch.number;
    event.sandbox = sandbox.index();
    event.attempt = batch.attempt;
    event.test_ids = ids;
    event.hedge = role == Role::Hedge;
    event.at_secs = seconds_since_start();
    event.log_path = output.log_path().string();
    for (RunObserver *observer : m_observers)
        observer->batch_started(event);
    auto finished = [&](const char *end, const ExecOutcome &exec) {
        event.duration_secs = seconds_since_start() - event.at_secs;
        event.at_secs = seconds_since_start();
        event.exit_code = exec.exit_code;
        event.timed_out = exec.timed_out;
        event.end = end;
        for (RunObserver *observer : m_observers)
            observer->batch_finished(event);
    };
    std::vector<std::string> env = {fmt::format("OFFLOAD_BATCH={}", batch.number),
                                    fmt::format("OFFLOAD_ATTEMPT={}", batch.attempt + 1)};
    ExecOutcome exec;
    {
        // Commands of this run stop when the other run of a hedged batch wins.
        StopToken::Scope scope(role == Role::Original ? &race->original_stop : &race->hedge_stop);
        exec = sandbox.exec(*command, env, m_options.batch_timeout,
                            [&output](int, std::string_view data) { output.write(data); });
    }
    {
        std::lock_guard lock(m_mutex);
        --m_running_batches;
    }
    const bool counts = finish_run(*race, role, exec.status == OFFLOAD_OK, carried_elsewhere);
    if (exec.status == OFFLOAD_CANCELLED) {
        // Ctrl-C; else the other run of a hedged batch won, or --max-fail stopped it.
        finished(Interrupt::level() > 0 ? "cancelled" : race->settled ? "lost race" : "stopped", exec);
        return Interrupt::level() > 0 ? BatchEnd::Cancelled : BatchEnd::Done;
    }
    if (exec.status != OFFLOAD_OK) {
        finished("sandbox failed", exec);
        sandbox_error = exec.error;
        return BatchEnd::SandboxFailed;
    }
    if (!counts) {
        finished("lost race", exec);
        return BatchEnd::Done;   // the other run of this batch finished first
    }

    facts.exit_code = exec.exit_code;
    facts.timed_out = exec.timed_out;
    facts.duration_ms = exec.duration_ms;
    facts.log_path = output.log_path().string();
    facts.output_tail = output.tail();
    std::string download_error;
    offload_status download = sandbox.download(remote_result, local_result.string(), download_error);
    if (download == OFFLOAD_OK)
        facts.result_file = local_result.string();
    else if (download != OFFLOAD_NOT_FOUND)
        log::warning(fmt::format("batch {}: the result file could not be fetched: {}", batch.number, download_error));

    std::vector<ReportedResult> results;
    if (!m_framework.parse_results(facts, results, error)) {
        log::warning(fmt::format("batch {}: the {} framework could not read the results: {}", batch.number,
                                 m_framework.plugin().id, error));
    }
    note_batch_overhead(facts, results);
    settle_batch(batch, worker, sandbox.index(), results, facts,
                 std::chrono::duration<double>(m_options.batch_timeout).count());
    finished(exec.timed_out ? "timed out" : "completed", exec);
    return BatchEnd::Done;
}

void Runner::settle_batch(const Batch &batch, unsigned worker, unsigned sandbox,
                          const std::vector<ReportedResult> &results, const BatchRunFacts &facts, double timeout_secs)
{
    std::unordered_map<std::string_view, const ReportedResult *> by_id;
    for (const ReportedResult &result : results)
        by_id.emplace(result.id, &result);

    Batch retry;
    retry.attempt = batch.attempt + 1;
    retry.avoid_sandbox = int(worker);
    std::vector<size_t> unfinished;   // tests a timeout cut off, to run again on their own
    struct Ended {
        const TestReport *test;
        Attempt attempt;
        bool will_retry;
    };
    std::vector<Ended> ended;

    std::unique_lock lock(m_mutex);
    for (size_t test : batch.tests) {
        TestReport &report = m_outcome.report.tests[test];
        auto found = by_id.find(report.id);
        Attempt attempt;
        attempt.sandbox = sandbox;
        attempt.log_path = facts.log_path;
        if (found != by_id.end()) {
            const ReportedResult &result = *found->second;
            attempt.outcome = result.outcome;
            attempt.duration_secs = result.duration_secs;
            attempt.message = result.message;
            attempt.output = result.output;
        } else if (facts.timed_out && batch.tests.size() > 1) {
            unfinished.push_back(test);
            continue;
        } else if (facts.timed_out) {
            attempt.outcome = Outcome::Failed;
            attempt.duration_secs = timeout_secs;
            attempt.message = fmt::format("timeout: still running after {:g} s, killed", timeout_secs);
            attempt.output = facts.output_tail;
        } else {
            attempt.outcome = Outcome::NotRun;
            attempt.message = fmt::format("no result: its batch exited with code {} without reporting this test",
                                          facts.exit_code);
            attempt.output = facts.output_tail;
        }
        report.attempts.push_back(attempt);
        // Once --max-fail is reached, failed tests are not tried again either.
        bool retry_it = needs_retry(attempt.outcome) && report.attempts.size() <= m_options.retries && !m_stopped_early;
        if (retry_it) {
            retry.tests.push_back(test);
        } else {
            if (attempt.outcome == Outcome::NotRun)
                report.not_run_reason = attempt.message;
            settle(attempt.outcome);
        }
        ended.push_back({&report, std::move(attempt), retry_it});
    }
    lock.unlock();

    // The tests' attempts do not change until their retry is queued: the events may point at them.
    const double at = seconds_since_start();
    for (const Ended &end : ended)
        for (RunObserver *observer : m_observers)
            observer->test_finished({end.test, &end.attempt, batch.number, end.will_retry, at});
    if (!retry.tests.empty()) {
        retry.number = m_next_batch_number++;
        m_queue.push(std::move(retry));
    }
    for (size_t test : unfinished) {
        Batch alone;
        alone.number = m_next_batch_number++;
        alone.tests = {test};
        alone.attempt = batch.attempt;
        m_queue.push(std::move(alone));
    }
    if (!unfinished.empty())
        note_incident(fmt::format("batch {} timed out; its {} unfinished tests ran again one by one", batch.number,
                                  unfinished.size()));
}

void Runner::note_batch_overhead(const BatchRunFacts &facts, const std::vector<ReportedResult> &results)
{
    if (facts.timed_out || results.size() != facts.test_ids->size())
        return;
    double tests = 0;
    for (const ReportedResult &result : results) {
        if (result.duration_secs < 0)
            return;
        tests += result.duration_secs;
    }
    std::lock_guard lock(m_mutex);
    m_outcome.batch_overheads.push_back(std::max(0.0, double(facts.duration_ms) / 1000.0 - tests));
}

void Runner::note_incident(std::string text)
{
    for (RunObserver *observer : m_observers)
        observer->incident(text);
    std::lock_guard lock(m_mutex);
    m_outcome.incidents.push_back(std::move(text));
}

void Runner::settle(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Passed: ++m_settled.passed; break;
    case Outcome::Skipped: ++m_settled.skipped; break;
    case Outcome::NotRun: ++m_settled.not_run; break;
    default: ++m_settled.failed; break;
    }
    if (m_options.max_fail > 0 && !m_stopped_early && m_settled.failed >= m_options.max_fail) {
        // No new batches; the running ones finish, or stop when asked to.
        m_stopped_early = true;
        m_queue.close();
        if (m_options.kill_running)
            for (auto &[number, running] : m_running) {
                running.race->original_stop.request();
                running.race->hedge_stop.request();
            }
    }
}

RunProgress Runner::progress()
{
    std::lock_guard lock(m_mutex);
    RunProgress progress;
    progress.settled = m_settled;
    progress.total = m_outcome.report.tests.size();
    progress.running_batches = m_running_batches;
    progress.elapsed_secs = seconds_since_start();
    if (m_options.estimates_known) {
        // What is left of the estimated work, spread over the sandboxes.
        double left = 0;
        for (size_t i = 0; i < m_outcome.report.tests.size(); ++i)
            if (m_outcome.report.tests[i].attempts.empty() && i < m_options.estimated_secs.size())
                left += m_options.estimated_secs[i];
        progress.eta_secs = left / double(std::max(1u, m_options.parallel));
    }
    return progress;
}

double Runner::seconds_since_start() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
}

} // namespace offload
