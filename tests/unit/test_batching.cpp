#include "scheduler/batching.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

using offload::plan_batches;
using offload::plan_file_batches;

namespace {

std::vector<double> equal(size_t count)
{
    return std::vector<double>(count, 1.0);
}

// Every test exactly once.
void check_cover(const std::vector<std::vector<size_t>> &batches, size_t count)
{
    std::vector<size_t> all;
    for (const auto &batch : batches) {
        CHECK_FALSE(batch.empty());
        all.insert(all.end(), batch.begin(), batch.end());
    }
    std::sort(all.begin(), all.end());
    std::vector<size_t> expected(count);
    std::iota(expected.begin(), expected.end(), size_t{0});
    CHECK(all == expected);
}

double secs_of(const std::vector<size_t> &batch, const std::vector<double> &secs)
{
    double total = 0;
    for (size_t test : batch)
        total += secs[test];
    return total;
}

} // namespace

TEST_CASE("every test lands in exactly one batch")
{
    for (size_t count : {1u, 2u, 7u, 100u, 1001u}) {
        for (unsigned parallel : {1u, 2u, 8u}) {
            CAPTURE(count);
            CAPTURE(parallel);
            check_cover(plan_batches(equal(count), parallel, 0, 0), count);
        }
    }
    CHECK(plan_batches({}, 4, 0, 0).empty());
}

TEST_CASE("without history, consecutive tests stay together and batches shrink toward the tail")
{
    auto batches = plan_batches(equal(1000), 4, 0, 0);
    CHECK(batches.front().size() == 125); // 1000 / (2 * 4)
    CHECK(batches.front().front() == 0);
    CHECK(batches.front().back() == 124); // in discovery order
    CHECK(batches.back().size() == 1);
    for (size_t i = 1; i < batches.size(); ++i)
        CHECK(batches[i].size() <= batches[i - 1].size());
    CHECK(batches.size() >= 8);
    CHECK(batches.size() < 100);
}

TEST_CASE("with history, the longest tests go first and the short ones fill the tail")
{
    std::vector<double> secs = {0.1, 8.0, 0.2, 5.0, 0.1, 0.3, 6.0, 0.1};
    auto batches = plan_batches(secs, 2, 0, 0);
    check_cover(batches, secs.size());
    CHECK(batches[0] == std::vector<size_t>{1}); // 8 s alone: larger than a share
    CHECK(batches[1] == std::vector<size_t>{6});
    CHECK(secs_of(batches.back(), secs) <= 0.3 + 1e-9);
    for (size_t i = 1; i < batches.size(); ++i)
        CHECK(secs_of(batches[i], secs) <= secs_of(batches[i - 1], secs) + 1e-9);
}

TEST_CASE("batch overhead keeps batches from getting too small to pay for themselves")
{
    auto without = plan_batches(equal(200), 4, 0, 0);
    auto with = plan_batches(equal(200), 4, 0, 5.0); // 5 s per batch: at least 20 tests of 1 s each
    check_cover(with, 200);
    CHECK(with.size() < without.size());
    for (size_t i = 0; i + 1 < with.size(); ++i)
        CHECK(with[i].size() >= 20);
}

TEST_CASE("a big batch overhead never leaves sandboxes idle")
{
    // 2 s of work, 0.6 s per batch, 2 sandboxes: one batch each, not one batch for all.
    std::vector<double> secs(2000, 0.001);
    auto batches = plan_batches(secs, 2, 0, 0.6);
    check_cover(batches, 2000);
    CHECK(batches.size() >= 2);
    CHECK(batches.size() <= 4);
    CHECK(batches[0].size() == 1000);
}

TEST_CASE("with history, most of the work is packed into one balanced batch per sandbox")
{
    // A skewed suite: a few long tests, many short ones.
    std::vector<double> secs;
    for (int i = 0; i < 4; ++i)
        secs.push_back(5.0 + i);
    for (int i = 0; i < 200; ++i)
        secs.push_back(0.05 + 0.4 * double(i % 10) / 10.0);
    double total = 0;
    for (double s : secs)
        total += s;
    auto batches = plan_batches(secs, 8, 0, 0.3, true);
    check_cover(batches, secs.size());
    // One batch per sandbox, holding all the work, evenly.
    double body = 0, heaviest = 0, lightest = 1e9;
    for (size_t i = 0; i < 8; ++i) {
        double load = secs_of(batches[i], secs);
        body += load;
        heaviest = std::max(heaviest, load);
        lightest = std::min(lightest, load);
    }
    CHECK(batches.size() == 8);
    CHECK(body == doctest::Approx(total));
    CHECK(heaviest <= total / 8 + 1e-9 + 8.0); // no bin beyond the ideal plus its longest test
    CHECK(heaviest - lightest <= 8.0);
    auto plain = plan_batches(secs, 8, 0, 0.3, false);
    CHECK(batches.size() < plain.size());
}

TEST_CASE("with history, many equally tiny tests are split evenly, every one of them packed")
{
    auto batches = plan_batches(std::vector<double>(2001, 0.001), 2, 0, 0.3, true);
    check_cover(batches, 2001);
    REQUIRE(batches.size() == 2);
    CHECK(batches[0].size() == 1001);
    CHECK(batches[1].size() == 1000);
}

TEST_CASE("max_batch_size caps every batch")
{
    auto batches = plan_batches(equal(50), 2, 1, 0);
    CHECK(batches.size() == 50);
    batches = plan_batches(equal(100), 1, 7, 0);
    for (const auto &batch : batches)
        CHECK(batch.size() <= 7);
    check_cover(batches, 100);
}

namespace {

// The batch each test landed in.
std::vector<size_t> batch_of(const std::vector<std::vector<size_t>> &batches, size_t count)
{
    std::vector<size_t> of(count, size_t(-1));
    for (size_t b = 0; b < batches.size(); ++b)
        for (size_t test : batches[b])
            of[test] = b;
    return of;
}

} // namespace

TEST_CASE("keeping files together: a file's tests share one batch, in discovery order")
{
    // Interleaved on purpose: discovery order need not group files.
    const std::vector<std::string> files = {"a.py", "b.py", "a.py", "c.py", "b.py", "a.py", "", ""};
    for (bool history : {false, true})
        for (unsigned parallel : {1u, 2u, 4u}) {
            auto batches = plan_file_batches(files, equal(files.size()), parallel, 0, 0, history);
            check_cover(batches, files.size());
            const std::vector<size_t> of = batch_of(batches, files.size());
            CHECK(of[0] == of[2]);
            CHECK(of[0] == of[5]);
            CHECK(of[1] == of[4]);
            for (const auto &batch : batches) // a file's tests in discovery order
                for (size_t i = 0; i < batch.size(); ++i)
                    for (size_t j = i + 1; j < batch.size(); ++j)
                        if (files[batch[i]] == files[batch[j]])
                            CHECK(batch[i] < batch[j]);
        }
}

TEST_CASE("keeping files together: the longest file starts first, and files spread over sandboxes")
{
    const std::vector<std::string> files = {"short.py", "long.py", "long.py", "mid.py"};
    const std::vector<double> secs = {1, 10, 10, 5};
    auto batches = plan_file_batches(files, secs, 3, 0, 0, true);
    REQUIRE(batches.size() == 3);
    CHECK(batches[0] == std::vector<size_t>{1, 2});
    CHECK(batches[1] == std::vector<size_t>{3});
    CHECK(batches[2] == std::vector<size_t>{0});
}

TEST_CASE("keeping files together: tests without a file are units of their own")
{
    auto batches = plan_file_batches(std::vector<std::string>(6, ""), equal(6), 6, 0, 0, true);
    CHECK(batches.size() == 6);
}

TEST_CASE("keeping files together: max_batch_size still caps every batch, cutting only a file larger than it")
{
    const std::vector<std::string> files = {"a", "a", "a", "a", "a", "b", "b", "c"};
    auto batches = plan_file_batches(files, equal(files.size()), 1, 3, 0);
    check_cover(batches, files.size());
    for (const auto &batch : batches)
        CHECK(batch.size() <= 3);
    const std::vector<size_t> of = batch_of(batches, files.size());
    CHECK(of[5] == of[6]); // b fits in one batch: it stays whole
    CHECK(of[0] == of[1]);
    CHECK(of[1] == of[2]); // a's first run of three
}
