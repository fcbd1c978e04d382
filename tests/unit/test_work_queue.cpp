#include "scheduler/work_queue.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using offload::Batch;
using offload::WorkQueue;

namespace {
Batch batch(size_t number, int avoid = -1)
{
    Batch b;
    b.number = number;
    b.tests = {number};
    b.avoid_sandbox = avoid;
    return b;
}
} // namespace

TEST_CASE("pop returns batches in order and ends when nothing is queued or in flight")
{
    WorkQueue queue;
    queue.push(batch(1));
    queue.push(batch(2));
    CHECK(queue.pop(0)->number == 1);
    queue.finished();
    CHECK(queue.pop(0)->number == 2);
    queue.finished();
    CHECK_FALSE(queue.pop(0));
}

TEST_CASE("a waiting worker gets the retry pushed by a busy one")
{
    WorkQueue queue;
    queue.push(batch(1));
    auto first = queue.pop(0);
    REQUIRE(first);
    std::atomic<size_t> got{0};
    std::thread other([&] {
        auto b = queue.pop(1);   // blocks: queue empty, one batch in flight
        got = b ? b->number : 999;
        if (b)
            queue.finished();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(got == 0);
    queue.push(batch(2, 0));     // a retry that avoids worker 0
    queue.finished();
    other.join();
    CHECK(got == 2);
}

TEST_CASE("a retry avoids its sandbox while another worker waits, but never idles")
{
    WorkQueue queue;
    queue.push(batch(7, 0));
    // Nobody else is waiting: worker 0 takes it rather than leave it.
    auto taken = queue.pop(0);
    REQUIRE(taken);
    CHECK(taken->number == 7);
    queue.finished();
    CHECK_FALSE(queue.pop(0));
}

TEST_CASE("close wakes everyone and keeps the rest for the report")
{
    WorkQueue queue;
    queue.push(batch(1));
    auto first = queue.pop(0);   // in flight: a second pop blocks
    REQUIRE(first);
    std::atomic<int> waiter_result{-1};
    std::thread waiter([&] { waiter_result = queue.pop(1).has_value() ? 1 : 0; });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(waiter_result == -1);
    queue.close();
    waiter.join();
    CHECK(waiter_result == 0);
    queue.push(batch(2));        // e.g. a batch given back by a worker that was interrupted
    CHECK_FALSE(queue.pop(0));
    auto rest = queue.take_remaining();
    REQUIRE(rest.size() == 1);
    CHECK(rest[0].number == 2);
}

TEST_CASE("many workers drain the queue with each batch taken once")
{
    WorkQueue queue;
    for (size_t i = 1; i <= 500; ++i)
        queue.push(batch(i));
    std::atomic<size_t> sum{0}, count{0};
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < 8; ++w)
        workers.emplace_back([&, w] {
            while (auto b = queue.pop(w)) {
                sum += b->number;
                ++count;
                queue.finished();
            }
        });
    for (auto &t : workers)
        t.join();
    CHECK(count == 500);
    CHECK(sum == 500 * 501 / 2);
}
