#include "scheduler/work_queue.hpp"

namespace offload {

void WorkQueue::push(Batch batch)
{
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(batch));
    }
    m_changed.notify_all();
}

std::optional<Batch> WorkQueue::pop(unsigned worker)
{
    Batch batch;
    if (pop_until(worker, std::nullopt, batch) != Pop::Got)
        return std::nullopt;
    return batch;
}

WorkQueue::Pop WorkQueue::pop_for(unsigned worker, std::chrono::milliseconds patience, Batch &batch)
{
    return pop_until(worker, std::chrono::steady_clock::now() + patience, batch);
}

WorkQueue::Pop WorkQueue::pop_until(unsigned worker, std::optional<std::chrono::steady_clock::time_point> deadline,
                                    Batch &batch)
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (m_closed)
            return Pop::Finished;
        auto chosen = m_queue.end();
        for (auto it = m_queue.begin(); it != m_queue.end(); ++it) {
            if (it->avoid_sandbox != int(worker)) {
                chosen = it;
                break;
            }
        }
        if (chosen == m_queue.end() && !m_queue.empty() && m_waiting == 0)
            chosen = m_queue.begin();
        if (chosen != m_queue.end()) {
            batch = std::move(*chosen);
            m_queue.erase(chosen);
            ++m_in_flight;
            // Someone else may be able to take what this worker left.
            m_changed.notify_all();
            return Pop::Got;
        }
        if (m_queue.empty() && m_in_flight == 0)
            return Pop::Finished;
        if (deadline && std::chrono::steady_clock::now() >= *deadline)
            return Pop::Idle;
        if (!m_queue.empty())
            m_changed.notify_all();   // the waiting workers can take what this one leaves
        ++m_waiting;
        if (deadline)
            m_changed.wait_until(lock, *deadline);
        else
            m_changed.wait(lock);
        --m_waiting;
    }
}

void WorkQueue::finished()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_in_flight > 0)
            --m_in_flight;
    }
    m_changed.notify_all();
}

void WorkQueue::close()
{
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_changed.notify_all();
}

bool WorkQueue::closed() const
{
    std::lock_guard lock(m_mutex);
    return m_closed;
}

std::vector<Batch> WorkQueue::take_remaining()
{
    std::lock_guard lock(m_mutex);
    std::vector<Batch> remaining(std::make_move_iterator(m_queue.begin()), std::make_move_iterator(m_queue.end()));
    m_queue.clear();
    return remaining;
}

} // namespace offload
