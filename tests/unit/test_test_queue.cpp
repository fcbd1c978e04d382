#include "scheduler/test_queue.hpp"

#include <doctest/doctest.h>

using offload::Batch;
using offload::TestQueue;

namespace {
Batch batch(size_t number, std::vector<size_t> tests, int avoid = -1)
{
    Batch b;
    b.number = number;
    b.tests = std::move(tests);
    b.avoid_worker = avoid;
    return b;
}
} // namespace

TEST_CASE("batches come out in order; single tests come out of the first batch in order")
{
    TestQueue queue;
    queue.push_back(batch(1, {10, 11}));
    queue.push_back(batch(2, {20}));
    CHECK(queue.test_count() == 3);
    CHECK(queue.take_test(0, false) == 10);
    CHECK(queue.take_test(0, false) == 11);
    CHECK(queue.take_batch(0, false)->number == 2);
    CHECK(queue.empty());
    CHECK_FALSE(queue.take_batch(0, true));
    CHECK_FALSE(queue.take_test(0, true));
}

TEST_CASE("work that avoids a worker is left to others unless it may take it anyway")
{
    TestQueue queue;
    queue.push_back(batch(1, {10}, 0));
    queue.push_back(batch(2, {20}));
    CHECK(queue.has_work_for(0));
    CHECK(queue.take_batch(0, false)->number == 2);
    CHECK_FALSE(queue.has_work_for(0));
    CHECK_FALSE(queue.take_batch(0, false));
    CHECK(queue.has_work_for(1));
    CHECK(queue.take_test(0, true) == 10);
}

TEST_CASE("tests that must go on first are put in front; empty batches are never queued")
{
    TestQueue queue;
    queue.push_back(batch(1, {10}));
    queue.push_front(batch(2, {20}));
    queue.push_back(batch(3, {}));
    auto all = queue.take_all();
    REQUIRE(all.size() == 2);
    CHECK(all[0].number == 2);
    CHECK(all[1].number == 1);
    CHECK(queue.empty());
}

TEST_CASE("a single test can be chosen: the first one acceptable, avoided ones last")
{
    TestQueue queue;
    queue.push_back(batch(1, {10}, 0));
    queue.push_back(batch(2, {20, 21}));
    auto not_20 = [](size_t test) { return test != 20; };
    CHECK(queue.take_test(0, true, not_20) == 21);
    CHECK(queue.take_test(0, true, not_20) == 10);
    CHECK_FALSE(queue.take_test(0, true, not_20));
    CHECK(queue.take_test(0, false) == 20);
    CHECK(queue.empty());
}
