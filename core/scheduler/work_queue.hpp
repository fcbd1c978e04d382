// The one queue all sandboxes pull batches from. A fast sandbox never waits for a slow one: it
// simply pulls the next batch. Retries go back into the same queue.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace offload {

struct Batch {
    size_t number = 0;              // unique within the run, 1-based, for logs
    std::vector<size_t> tests;      // indices into the run's test list
    unsigned attempt = 0;           // 0 for the first run of these tests, n for the n-th retry
    int avoid_sandbox = -1;         // a retry prefers another sandbox than the one that failed
    unsigned infra_failures = 0;    // how often a sandbox failed under this batch
};

// Thread-safe.
class WorkQueue {
public:
    void push(Batch batch);

    // Blocks until a batch is available for this worker, and returns it, counting it as in
    // flight until finished() is called. Returns nullopt when the queue is closed, or when it is
    // empty and nothing is in flight (so no more work can appear).
    // A batch that avoids this worker's sandbox is left for another worker while another worker
    // is waiting for work; otherwise it is taken anyway rather than left to idle.
    std::optional<Batch> pop(unsigned worker);

    // Like pop(), but returns Idle after waiting `patience` while the queue holds nothing for this
    // worker and other batches are still in flight, so that the worker can do something else (run
    // a duplicate of a straggler) and ask again.
    enum class Pop { Got, Idle, Finished };
    Pop pop_for(unsigned worker, std::chrono::milliseconds patience, Batch &batch);
    // pop() into batch: Got or Finished.
    Pop pop(unsigned worker, Batch &batch) { return pop_until(worker, std::nullopt, batch); }

    // The batch returned by pop() is done; push follow-up work (retries) before calling this.
    void finished();

    // Makes every pop() return nullopt; queued batches stay for take_remaining().
    void close();
    bool closed() const;

    std::vector<Batch> take_remaining();

private:
    Pop pop_until(unsigned worker, std::optional<std::chrono::steady_clock::time_point> deadline, Batch &batch);

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Batch> m_queue;
    size_t m_in_flight = 0;
    size_t m_waiting = 0;
    bool m_closed = false;
};

} // namespace offload
