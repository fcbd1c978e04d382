// A run that starts before its tests are known (Runner with a TestListing): every sandbox starts a
// worker that lists the tests it collected; the first complete listing is read on the main thread
// and planned, and the listing workers get their tests. When no listing can be used, every worker
// stops and nothing of the attempt reaches the observers (the caller discovers as usual).
#include "runner/runner.hpp"

#include "process/interrupt.hpp"
#include "runner/runner_state.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace offload {

bool Runner::listing_unsettled()
{
    std::lock_guard lock(m_mutex);
    return m_list_pending || m_observers_muted;
}

void Runner::end_listing()
{
    m_list_pending = false;
    m_observers_muted = true;
    for (const std::shared_ptr<Exec> &exec : m_execs)
        stop_exec(*exec, StopReason::Unneeded);
    m_deferred.clear();
    m_changed.notify_all();
}

void Runner::lister_gone(std::string why)
{
    if (--m_listers == 0 && m_list_pending && !m_listing_taken && !m_interrupted && Interrupt::level() == 0)
        fail_listing("no worker listed the tests (" + why + ")");
}

void Runner::fail_listing(std::string why)
{
    if (!m_list_pending)
        return;
    m_outcome.listing_failed = std::move(why);
    end_listing();
}

void Runner::on_listed(Exec &exec, int exit_code)
{
    if (!exec.lists)
        return;
    exec.lists = false;
    std::string listing = std::move(exec.listing);
    if (m_list_pending && !m_listing_taken) {
        m_listing_taken = true;
        m_first_listing = listing;
        m_listing_ready =
            Listing{std::move(listing), exit_code, seconds_since_start() - exec.started_at, exec.sandbox};
        uint64_t one = 1;
        [[maybe_unused]] ssize_t written = ::write(m_listing_fd.get(), &one, sizeof one);
        return;
    }
    if (listing != m_first_listing)
        log::warning(fmt::format(
            "the worker on sandbox {} collected other tests than the worker whose list this run uses "
            "(does the collection change from one run to the next?); a test it did not collect is "
            "reported as an error if it gets one",
            exec.sandbox));
}

void Runner::take_listing()
{
    std::optional<Listing> listing;
    {
        std::lock_guard lock(m_mutex);
        if (!m_listing_ready)
            return;
        listing = std::move(m_listing_ready);
        m_listing_ready.reset();
        uint64_t count = 0;
        [[maybe_unused]] ssize_t read = ::read(m_listing_fd.get(), &count, sizeof count);
    }
    Expected<TestPlan> plan = m_listing->take(listing->text, listing->exit_code, listing->secs);
    std::lock_guard lock(m_mutex);
    if (!m_list_pending || m_interrupted || Interrupt::level() > 0)
        return; // interrupted meanwhile: nothing is planned
    if (!plan) {
        fail_listing(plan.error());
        return;
    }
    if (plan->tests.empty()) {
        end_listing(); // nothing to run: the caller says so
        return;
    }
    m_options.estimated_secs = std::move(plan->estimated_secs);
    m_options.estimates_known = plan->estimates_known;
    plan_tests(plan->tests);
    m_list_pending = false;
    m_outcome.listing_secs = listing->secs;
    // Observers hear of the run now, then of what happened while the tests were listed; under the
    // lock, so that nothing a worker does next comes before.
    for (RunObserver *observer : m_observers)
        observer->run_started(m_outcome.report.tests.size(), 0, unsigned(m_listing_given.size()),
                              m_executor.name());
    for (auto &note : m_deferred)
        note();
    m_deferred.clear();
    // The listing workers get their tests: one that asked meanwhile is answered.
    const double now = seconds_since_start();
    for (const std::shared_ptr<Exec> &exec : m_execs) {
        exec->ready_at = now;
        const bool asked = exec->next_waiting;
        exec->next_waiting = false;
        feed(*exec, asked);
    }
    m_changed.notify_all();
}

} // namespace offload
