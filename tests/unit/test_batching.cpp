#include "scheduler/batching.hpp"

#include <doctest/doctest.h>

#include <numeric>

using offload::make_batches;

namespace {

// Every test exactly once, in order.
void check_cover(const std::vector<std::vector<size_t>> &batches, size_t count)
{
    size_t expected = 0;
    for (const auto &batch : batches)
        for (size_t test : batch)
            CHECK(test == expected++);
    CHECK(expected == count);
}

} // namespace

TEST_CASE("every test lands in exactly one batch, in order")
{
    for (size_t count : {1u, 2u, 7u, 100u, 1001u}) {
        for (unsigned parallel : {1u, 2u, 8u}) {
            CAPTURE(count);
            CAPTURE(parallel);
            check_cover(make_batches(count, parallel, 0), count);
        }
    }
    CHECK(make_batches(0, 4, 0).empty());
}

TEST_CASE("batches shrink toward the tail so sandboxes finish together")
{
    auto batches = make_batches(1000, 4, 0);
    CHECK(batches.front().size() == 125);   // 1000 / (2 * 4)
    CHECK(batches.back().size() == 1);
    for (size_t i = 1; i < batches.size(); ++i)
        CHECK(batches[i].size() <= batches[i - 1].size());
    // Enough batches that every sandbox has work, few enough to amortize per-batch cost.
    CHECK(batches.size() >= 8);
    CHECK(batches.size() < 100);
}

TEST_CASE("max_batch_size caps every batch")
{
    auto batches = make_batches(50, 2, 1);
    CHECK(batches.size() == 50);
    batches = make_batches(100, 1, 7);
    for (const auto &batch : batches)
        CHECK(batch.size() <= 7);
    check_cover(batches, 100);
}
