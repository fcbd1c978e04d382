// The tests waiting to run, in the order they should start: batches as planned, retries and tests
// that must run again. A plain data structure: the runner guards it with its own lock.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace offload {

struct Batch {
    size_t number = 0;         // unique within the run, 1-based, for logs
    std::vector<size_t> tests; // indices into the run's test list
    int avoid_worker = -1;     // prefers another worker than this one (a retry, a crash's rerun)
    size_t suite = 0;          // the framework all its tests belong to (a run of several)
};

class TestQueue {
  public:
    void push_back(Batch batch);
    // Ahead of everything: tests that were already started elsewhere and must go on first.
    void push_front(Batch batch);

    bool empty() const { return m_batches.empty(); }
    size_t test_count() const;

    // The first batch that does not avoid `worker`; else, if avoided_too, the first batch.
    std::optional<Batch> take_batch(unsigned worker, bool avoided_too);
    // Likewise, one test: the first test of that batch (the rest stays queued, in order); with
    // `acceptable`, the first one it accepts.
    std::optional<size_t> take_test(unsigned worker, bool avoided_too,
                                    const std::function<bool(size_t)> &acceptable = nullptr);
    // The first batch take_batch would take, whole; or, when one_at_a_time says so of its suite,
    // its first test alone (a batch of one, numbered 0: the rest stays queued, in order).
    std::optional<Batch> take_job(unsigned worker, bool avoided_too,
                                  const std::function<bool(size_t suite)> &one_at_a_time);
    // Whether take_batch(worker, false) would find something.
    bool has_work_for(unsigned worker) const;

    std::vector<Batch> take_all();

  private:
    std::deque<Batch>::iterator find(unsigned worker, bool avoided_too);

    std::deque<Batch> m_batches; // never holds an empty batch
};

} // namespace offload
