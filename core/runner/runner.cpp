#include "runner/runner.hpp"

#include "process/interrupt.hpp"
#include "protocol/test_records.hpp"
#include "runner/runner_state.hpp"
#include "scheduler/batching.hpp"
#include "scheduler/hedging.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <numeric>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace offload {

namespace {

using namespace std::chrono_literals;

constexpr unsigned sandbox_create_attempts = 3;
// How often the main thread checks the time limits and redraws progress.
constexpr auto watch_interval = 100ms;
// How long an idle worker waits before it looks again for a straggler to duplicate.
constexpr auto idle_patience = 250ms;
// A static worker's input travels inside its command line: keep it well below the 128 KiB that
// Linux allows one argument (a provider script gets the command as one).
constexpr size_t max_fixed_input_bytes = 64 << 10;

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

// Cuts batches whose ids would not fit a static worker's input into smaller ones.
std::vector<std::vector<size_t>> split_by_bytes(std::vector<std::vector<size_t>> batches,
                                                const std::vector<TestReport> &tests, size_t limit)
{
    std::vector<std::vector<size_t>> result;
    for (std::vector<size_t> &batch : batches) {
        std::vector<size_t> part;
        size_t bytes = 0;
        for (size_t test : batch) {
            const size_t size = worker_input_line(tests[test].id).size();
            if (!part.empty() && bytes + size > limit) {
                result.push_back(std::move(part));
                part.clear();
                bytes = 0;
            }
            part.push_back(test);
            bytes += size;
        }
        if (!part.empty())
            result.push_back(std::move(part));
    }
    return result;
}

} // namespace

Runner::Runner(RunOptions options, const TestCommands &commands, Executor &executor,
               const std::vector<DiscoveredTest> &tests)
    : Runner(std::move(options), {SuiteCommands{&commands, ""}}, executor, tests,
             std::vector<size_t>(tests.size(), 0))
{
}

Runner::Runner(RunOptions options, std::vector<SuiteCommands> suites, Executor &executor,
               const std::vector<DiscoveredTest> &tests, std::vector<size_t> suite_of_test)
    : m_options(std::move(options)), m_executor(executor)
{
    m_workers_done_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    set_suites(suites);
    m_suite_of = std::move(suite_of_test);
    plan_tests(tests);
}

Runner::Runner(RunOptions options, const TestCommands &commands, Executor &executor, TestListing &listing)
    : m_options(std::move(options)), m_executor(executor)
{
    m_workers_done_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    m_listing_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    set_suites({SuiteCommands{&commands, ""}});
    m_listing = &listing;
    m_list_pending = true;
    m_listing_given.assign(std::max(1u, m_options.parallel), false);
}

void Runner::set_suites(const std::vector<SuiteCommands> &suites)
{
    m_all_live = true;
    for (const SuiteCommands &suite : suites) {
        const TestCommandStyle style = suite.commands->style();
        const bool live = style == TestCommandStyle::Worker && m_executor.feeds_input() && !suite.individual;
        m_suites.push_back({suite.commands, suite.id_prefix, style, live,
                            suite.keep_files_together && !suite.individual, suite.individual});
        m_all_live = m_all_live && live;
        const std::string name = suite.id_prefix.substr(0, suite.id_prefix.size() - 1);
        if (!suite.id_prefix.empty() &&
            std::find(m_outcome.report.suites.begin(), m_outcome.report.suites.end(), name) ==
                m_outcome.report.suites.end())
            m_outcome.report.suites.push_back(name);
    }
}

std::string Runner::native_id(size_t test) const
{
    return m_outcome.report.tests[test].id.substr(suite_of(test).id_prefix.size());
}

void Runner::plan_tests(const std::vector<DiscoveredTest> &tests)
{
    m_outcome.report.tests.reserve(tests.size());
    for (const DiscoveredTest &test : tests) {
        TestReport report;
        report.id = test.id;
        report.file = test.file;
        report.group = test.group;
        if (m_options.quarantine)
            report.quarantined = m_options.quarantine(test.id);
        m_outcome.report.tests.push_back(std::move(report));
    }
    m_tests.resize(tests.size());
    if (m_suite_of.size() != tests.size())
        m_suite_of.assign(tests.size(), 0);
    m_hedging = m_options.tail_hedging.value_or(m_executor.cheap_duplicates()) && m_options.estimates_known;
    if (m_options.estimated_secs.size() != tests.size())
        m_options.estimated_secs.assign(tests.size(), 1.0);

    // Each suite on its own: batches hold tests of one framework. Planned batches are queued
    // first (coarse work starts early), then the tests of suites whose workers take them one by
    // one (fine work fills the end), the suite with the most work first.
    std::vector<Batch> batches; // planned, of every suite
    std::vector<Batch> live;
    std::vector<double> live_secs;
    for (size_t suite = 0; suite < m_suites.size(); ++suite) {
        std::vector<size_t> members;
        for (size_t test = 0; test < tests.size(); ++test)
            if (m_suite_of[test] == suite)
                members.push_back(test);
        if (members.empty())
            continue;
        if (m_suites[suite].live_input && !m_suites[suite].keep_files_together) {
            // Workers take tests one by one: a queue in the order they should start, the longest
            // first when a history tells.
            Batch all;
            all.number = 0;
            all.suite = suite;
            all.tests = std::move(members);
            if (m_options.estimates_known)
                std::stable_sort(all.tests.begin(), all.tests.end(), [&](size_t a, size_t b) {
                    return m_options.estimated_secs[a] > m_options.estimated_secs[b];
                });
            double secs = 0;
            for (size_t test : all.tests)
                secs += m_options.estimated_secs[test];
            live_secs.push_back(secs);
            live.push_back(std::move(all));
            continue;
        }
        std::vector<double> estimates;
        std::vector<std::string> files;
        for (size_t test : members) {
            estimates.push_back(m_options.estimated_secs[test]);
            files.push_back(tests[test].file);
        }
        const size_t max_batch_size = m_suites[suite].commands->max_batch_size();
        std::vector<std::vector<size_t>> planned =
            m_suites[suite].keep_files_together
                ? plan_file_batches(files, estimates, m_options.parallel, max_batch_size,
                                    m_options.batch_overhead_secs, m_options.estimates_known)
                : plan_batches(estimates, m_options.parallel, m_suites[suite].individual ? 1 : max_batch_size,
                               m_options.batch_overhead_secs, m_options.estimates_known);
        for (std::vector<size_t> &batch : planned)
            for (size_t &test : batch)
                test = members[test];
        if (m_suites[suite].style == TestCommandStyle::Worker)
            planned = split_by_bytes(std::move(planned), m_outcome.report.tests, max_fixed_input_bytes);
        m_planned_batches += planned.size();
        for (std::vector<size_t> &tests_of_batch : planned) {
            Batch batch;
            batch.suite = suite;
            batch.tests = std::move(tests_of_batch);
            batches.push_back(std::move(batch));
        }
    }
    // With a history, the longest batches start first whatever their framework (each suite's
    // plan is longest first already); without one, the suites' batches go in the file's order.
    if (m_options.estimates_known && m_suites.size() > 1) {
        auto work = [&](const Batch &batch) {
            double secs = 0;
            for (size_t test : batch.tests)
                secs += m_options.estimated_secs[test];
            return secs;
        };
        std::vector<double> secs;
        for (const Batch &batch : batches)
            secs.push_back(work(batch));
        std::vector<size_t> by_work(batches.size());
        std::iota(by_work.begin(), by_work.end(), size_t{0});
        std::stable_sort(by_work.begin(), by_work.end(),
                         [&](size_t a, size_t b) { return secs[a] > secs[b]; });
        std::vector<Batch> sorted;
        for (size_t i : by_work)
            sorted.push_back(std::move(batches[i]));
        batches = std::move(sorted);
    }
    for (Batch &batch : batches) {
        batch.number = m_next_batch_number++;
        m_queue.push_back(std::move(batch));
    }
    std::vector<size_t> order(live.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return live_secs[a] > live_secs[b]; });
    for (size_t i : order)
        m_queue.push_back(std::move(live[i]));
}

Runner::~Runner() = default;

double Runner::seconds_since_start() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
}

double Runner::estimate(size_t test) const
{
    return test < m_options.estimated_secs.size() ? m_options.estimated_secs[test] : 1.0;
}

RunOutcome Runner::run()
{
    m_start = std::chrono::steady_clock::now();
    m_outcome.report.started_at = iso8601_now();
    // Before the tests are known, every sandbox starts a worker to list them.
    size_t work_units = m_list_pending ? m_options.parallel : m_planned_batches;
    if (!m_list_pending)
        for (size_t test = 0; test < m_suite_of.size(); ++test)
            work_units += suite_of(test).live_input ? 1 : 0;
    const unsigned workers = unsigned(std::max<size_t>(1, std::min<size_t>(m_options.parallel, work_units)));
    if (!m_list_pending)
        for (RunObserver *observer : m_observers)
            observer->run_started(m_outcome.report.tests.size(), m_all_live ? 0 : m_planned_batches, workers,
                                  m_executor.name());

    m_workers_left = workers;
    // Each worker thread starts one worker to list the tests: counted from the start, so that one
    // that ends before another thread got going does not look like the last.
    if (m_list_pending)
        m_listers = workers;
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < workers; ++i)
        threads.emplace_back([this, i] { worker(i); });

    bool announced = false;
    while (m_workers_left > 0) {
        pollfd fds[] = {{Interrupt::wait_fd(), POLLIN, 0},
                        {m_listing_fd ? m_listing_fd.get() : -1, POLLIN, 0},
                        {m_workers_done_fd.get(), POLLIN, 0}};
        poll(fds, announced ? 2 : 3, int(watch_interval.count()));
        if (m_listing)
            take_listing();
        if (Interrupt::level() > 0 && !announced) {
            announced = true;
            {
                std::lock_guard lock(m_mutex);
                m_interrupted = true;
                for (const std::shared_ptr<Exec> &exec : m_execs)
                    stop_exec(*exec, StopReason::Interrupted);
            }
            m_changed.notify_all();
            log::warning("interrupted: stopping the running batches and destroying every sandbox "
                         "(interrupt again to kill at once)");
        }
        watch();
        RunProgress now = progress();
        if (!listing_unsettled())
            for (RunObserver *observer : m_observers)
                observer->tick(now);
    }
    for (std::thread &thread : threads)
        thread.join();

    // Whatever is still queued never ran: say why.
    std::lock_guard lock(m_mutex);
    for (auto &[due, batch] : m_backing_off)
        m_queue.push_back(std::move(batch));
    m_backing_off.clear();
    for (const Batch &batch : m_queue.take_all())
        for (size_t test : batch.tests)
            if (!m_tests[test].settled)
                settle_not_run(test, stopped_reason(Reached::NotStarted));
    for (size_t test = 0; test < m_tests.size(); ++test)
        if (!m_tests[test].settled && m_outcome.report.tests[test].attempts.empty())
            settle_not_run(test, stopped_reason(Reached::NotStarted));

    if (m_list_pending) {
        m_observers_muted = true;
        m_outcome.listing_failed = m_interrupted || Interrupt::level() > 0
                                       ? "the run was interrupted"
                                       : "no worker listed the tests: " + m_last_sandbox_error;
    }
    m_outcome.interrupted = Interrupt::level() > 0;
    m_outcome.stopped_early = m_stopped_early;
    m_outcome.report.wall_secs = seconds_since_start();
    // A listing not used, or one that left nothing to run: nothing ran, and the caller runs again or
    // says so (observers saw nothing of it).
    if (!m_observers_muted)
        for (RunObserver *observer : m_observers)
            observer->run_finished(m_outcome);
    return std::move(m_outcome);
}

// Why a test did not run (or was stopped while it ran), as the run stands.
std::string Runner::stopped_reason(Reached reached) const
{
    const char *when = reached == Reached::Running   ? "while it ran"
                       : reached == Reached::Unknown ? "while its batch ran"
                                                     : "before it ran";
    if (Interrupt::level() > 0 || m_interrupted)
        return fmt::format("the run was interrupted {}", when);
    if (m_stopped_early) {
        std::string why = fmt::format("the run stopped early: {} test{} failed (--max-fail {})",
                                      m_settled.failed, m_settled.failed == 1 ? "" : "s", m_options.max_fail);
        return reached == Reached::NotStarted ? why
                                              : fmt::format("stopped {}: {}, --kill-running", when, why);
    }
    if (!m_last_sandbox_error.empty())
        return "no sandbox could be created: " + m_last_sandbox_error;
    return "it was never scheduled";
}

void Runner::settle_not_run(size_t test, std::string reason)
{
    TestState &state = m_tests[test];
    if (state.settled)
        return;
    TestReport &report = m_outcome.report.tests[test];
    if (report.attempts.empty())
        report.not_run_reason = std::move(reason);
    state.settled = true;
    state.owner = nullptr;
    count_settled(test, report.attempts.empty() ? Outcome::NotRun : report.final_outcome(), +1);
}

void Runner::count_settled(size_t test, Outcome outcome, int delta)
{
    size_t *counter = nullptr;
    switch (outcome) {
    case Outcome::Passed: counter = &m_settled.passed; break;
    case Outcome::Skipped: counter = &m_settled.skipped; break;
    case Outcome::NotRun: counter = &m_settled.not_run; break;
    default:
        counter =
            m_outcome.report.tests[test].quarantined.empty() ? &m_settled.failed : &m_settled.quarantined;
        break;
    }
    *counter = size_t(std::max<long long>(0, (long long)*counter + delta));
}

std::unique_ptr<Sandbox> Runner::create_sandbox(std::string &error, bool &cancelled)
{
    std::chrono::milliseconds backoff{500};
    for (unsigned attempt = 1; attempt <= sandbox_create_attempts; ++attempt) {
        if (Interrupt::level() > 0) {
            cancelled = true;
            return nullptr;
        }
        const unsigned index = m_next_sandbox_index++;
        Expected<std::unique_ptr<Sandbox>> created = m_executor.create_sandbox(index);
        if (created) {
            Notes notes;
            {
                std::lock_guard lock(m_mutex);
                ++m_outcome.sandboxes_created;
            }
            notes.push_back([this, index, at = seconds_since_start()] {
                for (RunObserver *observer : m_observers)
                    observer->sandbox_created(index, at);
            });
            run_notes(notes);
            return std::move(*created);
        }
        error = created.error();
        if (Interrupt::level() > 0) {
            cancelled = true;
            return nullptr;
        }
        log::warning(fmt::format("sandbox {} could not be created (attempt {} of {}): {}", index, attempt,
                                 sandbox_create_attempts, error));
        if (attempt < sandbox_create_attempts && !sleep_unless_interrupted(backoff)) {
            cancelled = true;
            return nullptr;
        }
        backoff *= 2;
    }
    return nullptr;
}

void Runner::worker(unsigned worker_index)
{
    std::unique_ptr<Sandbox> sandbox;
    auto destroy_sandbox = [&] {
        Notes notes;
        if (Expected<void> destroyed = sandbox->destroy(); !destroyed) {
            std::lock_guard lock(m_mutex);
            incident(fmt::format("sandbox {}: {}", sandbox->index(), destroyed.error()), notes);
        }
        notes.push_back([this, index = sandbox->index(), at = seconds_since_start()] {
            for (RunObserver *observer : m_observers)
                observer->sandbox_destroyed(index, at);
        });
        run_notes(notes);
        sandbox.reset();
    };
    for (;;) {
        std::optional<Job> job = next_job(worker_index, sandbox != nullptr);
        if (!job)
            break;
        if (!sandbox) {
            std::string error;
            bool cancelled = false;
            sandbox = create_sandbox(error, cancelled);
            if (!sandbox) {
                Notes notes;
                {
                    std::lock_guard lock(m_mutex);
                    --m_jobs_starting;
                    --m_busy_workers;
                    if (job->batch.tests.empty() && !job->copy_of) // a worker to list the tests
                        lister_gone("no sandbox could be created for the last: " + error);
                    else if (!job->copy_of)
                        m_queue.push_front(std::move(job->batch));
                    else
                        m_tests[*job->copy_of].hedged = false;
                    if (!cancelled) {
                        m_last_sandbox_error = error;
                        incident(fmt::format("a sandbox could not be created after {} attempts: {}",
                                             sandbox_create_attempts, error),
                                 notes);
                    }
                }
                m_changed.notify_all();
                run_notes(notes);
                break;
            }
        }
        const bool sandbox_ok = run_job(worker_index, *sandbox, std::move(*job));
        {
            std::lock_guard lock(m_mutex);
            --m_busy_workers;
        }
        if (!sandbox_ok)
            destroy_sandbox();
    }
    if (sandbox)
        destroy_sandbox();
    // When the last worker leaves, nothing can take what is queued.
    {
        std::lock_guard lock(m_mutex);
        if (--m_workers_left == 0) {
            uint64_t one = 1;
            [[maybe_unused]] ssize_t written = ::write(m_workers_done_fd.get(), &one, sizeof one);
        }
    }
    m_changed.notify_all();
}

std::optional<Runner::Job> Runner::next_job(unsigned worker, bool has_sandbox)
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (m_interrupted || Interrupt::level() > 0 || m_stopped_early || !m_outcome.listing_failed.empty())
            return std::nullopt;
        // Before the tests are known, each worker thread starts one worker to list them.
        if (m_list_pending && !has_sandbox && worker < m_listing_given.size() && !m_listing_given[worker]) {
            m_listing_given[worker] = true;
            Job job;
            job.batch.number = m_next_batch_number++;
            ++m_jobs_starting;
            ++m_busy_workers;
            return job;
        }
        const std::optional<std::chrono::steady_clock::duration> next_retry = release_due_retries();
        // Work that avoids this worker (a retry of what failed here) waits for another worker if
        // one is waiting; otherwise it is taken rather than left to idle.
        const bool avoided_too = m_waiting == 0;
        // A suite whose workers get their tests as they run: a worker starts with one test (with
        // files kept together: with its whole batch).
        if (std::optional<Batch> batch = m_queue.take_job(worker, avoided_too, [this](size_t suite) {
                return m_suites[suite].live_input && !m_suites[suite].keep_files_together;
            })) {
            Job job;
            job.batch = std::move(*batch);
            if (job.batch.number == 0)
                job.batch.number = m_next_batch_number++;
            ++m_jobs_starting;
            ++m_busy_workers;
            return job;
        }
        if (m_queue.empty() && m_backing_off.empty() && m_execs.empty() && m_jobs_starting == 0 &&
            !m_list_pending)
            return std::nullopt; // nothing runs that could queue more
        if (has_sandbox && m_queue.empty()) {
            if (move_work(worker)) {
                // The command giving up its tests stops at its next test's end; wait for them.
            } else if (std::optional<Job> copy = hedge_job(worker)) {
                ++m_jobs_starting;
                ++m_busy_workers;
                return copy;
            }
        }
        ++m_waiting;
        m_changed.wait_for(
            lock, next_retry ? std::min<std::chrono::steady_clock::duration>(*next_retry, idle_patience)
                             : std::chrono::steady_clock::duration(idle_patience));
        --m_waiting;
    }
}

std::optional<std::chrono::steady_clock::duration> Runner::release_due_retries()
{
    if (m_backing_off.empty())
        return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::duration> next;
    std::erase_if(m_backing_off, [&](auto &waiting) {
        if (waiting.first <= now) {
            m_queue.push_back(std::move(waiting.second));
            return true;
        }
        next = std::min(next.value_or(waiting.first - now), waiting.first - now);
        return false;
    });
    return next;
}

// A static worker (its tests fixed up front) that still has tests to start gives them up at its
// next test's end, for this idle worker. True when one was asked (or is giving up its tests).
bool Runner::move_work(unsigned worker)
{
    Exec *victim = nullptr;
    for (const std::shared_ptr<Exec> &exec : m_execs) {
        if (exec->stop_after_test && exec->stop_after == StopReason::Moved)
            return true; // one move at a time
        const Suite &suite = m_suites[exec->suite];
        if (suite.style != TestCommandStyle::Worker || suite.live_input || suite.keep_files_together)
            continue; // only a worker whose tests were fixed up front can give some up, if they
                      // are not a file's kept together
        if (exec->copy_of || exec->worker == worker || exec->stop != StopReason::None ||
            exec->stop_after_test)
            continue;
        const size_t left = exec->tracker.unstarted();
        if (left >= 2 && (!victim || left > victim->tracker.unstarted()))
            victim = exec.get();
    }
    if (!victim)
        return false;
    victim->stop_after_test = true;
    victim->stop_after = StopReason::Moved;
    if (victim->tracker.running().empty())
        stop_exec(*victim, StopReason::Moved);
    return true;
}

std::optional<Runner::Job> Runner::hedge_job(unsigned worker)
{
    if (!m_hedging)
        return std::nullopt;
    const double now = seconds_since_start();
    std::vector<RunningTestTiming> running;
    for (const std::shared_ptr<Exec> &exec : m_execs) {
        // A file kept together is never duplicated: its fixtures would be set up twice at once.
        if (exec->copy_of || exec->stop != StopReason::None || m_suites[exec->suite].keep_files_together)
            continue;
        if (exec->tracker.kind() == ExecKind::Batch) {
            // Without records a batch is seen whole: only a batch of one test is one test.
            if (exec->tracker.tests().size() == 1) {
                const size_t test = exec->tracker.tests().front();
                if (m_tests[test].owner == exec.get())
                    running.push_back({test, exec->worker, now - exec->started_at,
                                       estimate(test) + m_options.batch_overhead_secs, m_tests[test].hedged});
            }
            continue;
        }
        for (const ExecTracker::Running &test : exec->tracker.running())
            if (m_tests[test.test].owner == exec.get())
                running.push_back({test.test, exec->worker, now - test.started_at, estimate(test.test),
                                   m_tests[test.test].hedged});
    }
    std::optional<size_t> chosen = choose_straggler(running, worker);
    if (!chosen)
        return std::nullopt;
    m_tests[*chosen].hedged = true;
    ++m_outcome.hedges_started;
    Job job;
    job.batch.number = m_next_batch_number++;
    job.batch.tests = {*chosen};
    job.batch.suite = m_suite_of[*chosen];
    job.copy_of = *chosen;
    log::debug(
        fmt::format("{} still runs after its estimate ({:.1f}s): running a copy as batch {}; it counts only "
                    "if it passes first",
                    m_outcome.report.tests[*chosen].id, estimate(*chosen), job.batch.number));
    return job;
}

void Runner::stop_exec(Exec &exec, StopReason why)
{
    exec.input.close();
    if (exec.stop != StopReason::None)
        return;
    exec.stop = why;
    exec.cancel.request(1);
}

void Runner::stop_early()
{
    if (m_stopped_early)
        return;
    m_stopped_early = true;
    for (const std::shared_ptr<Exec> &exec : m_execs) {
        exec->input.close();
        if (m_options.kill_running) {
            stop_exec(*exec, StopReason::KillRunning);
        } else if (exec->tracker.kind() != ExecKind::Batch && !exec->copy_of) {
            // Tests already given but not started must not start: stop at the end of the running one.
            exec->stop_after_test = true;
            exec->stop_after = StopReason::StoppedEarly;
            if (exec->tracker.running().empty())
                stop_exec(*exec, StopReason::StoppedEarly);
        } else if (exec->copy_of) {
            stop_exec(*exec, StopReason::StoppedEarly);
        }
    }
    m_changed.notify_all();
}

void Runner::incident(std::string text, Notes &notes)
{
    m_outcome.incidents.push_back(text);
    notes.push_back([this, text = std::move(text)] {
        for (RunObserver *observer : m_observers)
            observer->incident(text);
    });
}

void Runner::run_notes(Notes &notes)
{
    {
        // Before run_started (the tests are being listed) observers hear nothing; what happened
        // meanwhile follows run_started, or is dropped with a listing not used.
        std::lock_guard lock(m_mutex);
        if (m_list_pending || m_observers_muted) {
            std::move(notes.begin(), notes.end(), std::back_inserter(m_deferred));
            notes.clear();
            return;
        }
    }
    for (auto &note : notes)
        note();
    notes.clear();
}

void Runner::watch()
{
    Notes notes;
    {
        std::lock_guard lock(m_mutex);
        const double now = seconds_since_start();
        const double timeout = std::chrono::duration<double>(m_options.test_timeout).count();
        const double slow = std::chrono::duration<double>(m_options.slow_timeout).count();
        for (const std::shared_ptr<Exec> &exec : m_execs) {
            if (exec->tracker.kind() == ExecKind::Batch)
                continue; // no records: the command's own limit applies
            // A worker that neither asked for tests nor started one within a second of its start
            // does not ask (`next`), or reads ahead: it gets its test, or a second one, anyway,
            // and tests one ahead from then on. (One that starts a test gets more then.)
            if (exec->live_input && !exec->asked && !exec->first_start && !m_list_pending &&
                now - exec->ready_at > 1.0) {
                exec->pulls = false;
                for (size_t test : exec->held)
                    exec->input.write(worker_input_line(native_id(test)));
                exec->held.clear();
                feed(*exec);
            }
            const std::vector<ExecTracker::Running> running = exec->tracker.running();
            for (const ExecTracker::Running &test : running) {
                const double elapsed = now - test.started_at;
                if (timeout > 0 && elapsed > timeout && exec->stop == StopReason::None) {
                    exec->tracker.set_timed_out_test(test.test);
                    stop_exec(*exec, StopReason::TestTimeout);
                }
                if (slow > 0) {
                    const auto periods = unsigned(elapsed / slow);
                    unsigned &reported = exec->slow_reported[test.test];
                    if (periods > reported) {
                        reported = periods;
                        TestSlowEvent event{m_outcome.report.tests[test.test].id,
                                            exec->number,
                                            exec->sandbox,
                                            elapsed,
                                            periods * slow,
                                            now};
                        notes.push_back([this, event] {
                            for (RunObserver *observer : m_observers)
                                observer->test_slow(event);
                        });
                    }
                }
            }
            if (running.empty() && timeout > 0 && exec->stop == StopReason::None &&
                now - exec->tracker.last_activity(exec->started_at) > timeout)
                stop_exec(*exec, StopReason::Stalled);
        }
    }
    run_notes(notes);
}

RunProgress Runner::progress()
{
    std::lock_guard lock(m_mutex);
    RunProgress progress;
    progress.settled = m_settled;
    progress.total = m_outcome.report.tests.size();
    progress.running_batches = m_execs.size();
    progress.elapsed_secs = seconds_since_start();
    for (const std::shared_ptr<Exec> &exec : m_execs)
        for (const ExecTracker::Running &test : exec->tracker.running())
            progress.running.push_back(
                {m_outcome.report.tests[test.test].id, progress.elapsed_secs - test.started_at});
    std::sort(progress.running.begin(), progress.running.end(),
              [](const RunningTest &a, const RunningTest &b) { return a.running_secs > b.running_secs; });
    if (progress.running.size() > 8)
        progress.running.resize(8);
    if (m_options.estimates_known) {
        // What is left of the estimated work, spread over the sandboxes.
        double left = 0;
        for (size_t i = 0; i < m_outcome.report.tests.size(); ++i)
            if (!m_tests[i].settled && m_outcome.report.tests[i].attempts.empty())
                left += estimate(i);
        progress.eta_secs = left / double(std::max(1u, m_options.parallel));
    }
    return progress;
}

} // namespace offload
