#include "scheduler/test_queue.hpp"

#include <algorithm>
#include <iterator>

namespace offload {

void TestQueue::push_back(Batch batch)
{
    if (!batch.tests.empty())
        m_batches.push_back(std::move(batch));
}

void TestQueue::push_front(Batch batch)
{
    if (!batch.tests.empty())
        m_batches.push_front(std::move(batch));
}

size_t TestQueue::test_count() const
{
    size_t count = 0;
    for (const Batch &batch : m_batches)
        count += batch.tests.size();
    return count;
}

std::deque<Batch>::iterator TestQueue::find(unsigned worker, bool avoided_too)
{
    auto it = std::find_if(m_batches.begin(), m_batches.end(),
                           [worker](const Batch &batch) { return batch.avoid_worker != int(worker); });
    if (it == m_batches.end() && avoided_too)
        it = m_batches.begin();
    return it;
}

std::optional<Batch> TestQueue::take_batch(unsigned worker, bool avoided_too)
{
    auto it = find(worker, avoided_too);
    if (it == m_batches.end())
        return std::nullopt;
    Batch batch = std::move(*it);
    m_batches.erase(it);
    return batch;
}

std::optional<Batch> TestQueue::take_job(unsigned worker, bool avoided_too,
                                         const std::function<bool(size_t suite)> &one_at_a_time)
{
    auto it = find(worker, avoided_too);
    if (it == m_batches.end())
        return std::nullopt;
    if (!one_at_a_time(it->suite)) {
        Batch batch = std::move(*it);
        m_batches.erase(it);
        return batch;
    }
    Batch one;
    one.tests = {it->tests.front()};
    one.avoid_worker = it->avoid_worker;
    one.suite = it->suite;
    it->tests.erase(it->tests.begin());
    if (it->tests.empty())
        m_batches.erase(it);
    return one;
}

std::optional<size_t> TestQueue::take_test(unsigned worker, bool avoided_too,
                                           const std::function<bool(size_t)> &acceptable)
{
    for (bool avoided : {false, true}) {
        if (avoided && !avoided_too)
            break;
        for (auto batch = m_batches.begin(); batch != m_batches.end(); ++batch) {
            if ((batch->avoid_worker == int(worker)) != avoided)
                continue;
            for (auto test = batch->tests.begin(); test != batch->tests.end(); ++test) {
                if (acceptable && !acceptable(*test))
                    continue;
                const size_t taken = *test;
                batch->tests.erase(test);
                if (batch->tests.empty())
                    m_batches.erase(batch);
                return taken;
            }
        }
    }
    return std::nullopt;
}

bool TestQueue::has_work_for(unsigned worker) const
{
    return std::any_of(m_batches.begin(), m_batches.end(),
                       [worker](const Batch &batch) { return batch.avoid_worker != int(worker); });
}

std::vector<Batch> TestQueue::take_all()
{
    std::vector<Batch> all(std::make_move_iterator(m_batches.begin()),
                           std::make_move_iterator(m_batches.end()));
    m_batches.clear();
    return all;
}

} // namespace offload
