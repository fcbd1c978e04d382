#include "scheduler/retry_policy.hpp"

#include <doctest/doctest.h>

using namespace offload;

TEST_CASE("without backoff a retry waits for nothing")
{
    RetryPolicy policy;
    policy.count = 3;
    CHECK(policy.delay_before(1, 0.5) == 0);
    CHECK(policy.delay_before(3, 0.5) == 0);
}

TEST_CASE("fixed backoff waits the same each time; exponential doubles up to its cap")
{
    RetryPolicy fixed;
    fixed.backoff = Backoff::Fixed;
    fixed.delay_secs = 2;
    CHECK(fixed.delay_before(1, 0) == 2);
    CHECK(fixed.delay_before(5, 0) == 2);

    RetryPolicy exponential;
    exponential.backoff = Backoff::Exponential;
    exponential.delay_secs = 0.5;
    exponential.max_delay_secs = 3;
    CHECK(exponential.delay_before(1, 0) == 0.5);
    CHECK(exponential.delay_before(2, 0) == 1);
    CHECK(exponential.delay_before(3, 0) == 2);
    CHECK(exponential.delay_before(4, 0) == 3);
    CHECK(exponential.delay_before(100, 0) == 3);
    CHECK(exponential.delay_before(4000000000u, 0) == 3);
}

TEST_CASE("jitter takes each wait down to between half and all of it")
{
    RetryPolicy policy;
    policy.backoff = Backoff::Exponential;
    policy.delay_secs = 4;
    policy.max_delay_secs = 100;
    policy.jitter = true;
    CHECK(policy.delay_before(2, 0) == 4);
    CHECK(policy.delay_before(2, 0.5) == 6);
    CHECK(policy.delay_before(2, 0.999999) == doctest::Approx(8));
    CHECK(policy.delay_before(2, 7) == 8); // a draw out of range is clamped
}

TEST_CASE("overrides: the first that names a test decides its retries, else the run's count")
{
    RetryPolicy policy;
    policy.count = 1;
    policy.overrides = {{{IdPattern("tests/net/test_dns.py::test_a")}, 0},
                        {{IdPattern("tests/net/*"), IdPattern("*::test_flaky_*")}, 4}};
    CHECK(policy.retries_for("tests/net/test_dns.py::test_a") == 0);
    CHECK(policy.retries_for("tests/net/test_dns.py::test_b") == 4);
    CHECK(policy.retries_for("tests/db.py::test_flaky_lock") == 4);
    CHECK(policy.retries_for("tests/db.py::test_lock") == 1);
}

TEST_CASE("a group's retry_count is its tests', over the run's; a matching override still wins")
{
    RetryPolicy policy;
    policy.count = 1;
    policy.overrides = {{{IdPattern("tests/net/*")}, 0}};
    policy.group_counts = {{"flaky", 3}, {"unit", 0}};
    CHECK(policy.retries_for("tests/db.py::test_lock", "flaky") == 3);
    CHECK(policy.retries_for("tests/db.py::test_lock", "unit") == 0);
    CHECK(policy.retries_for("tests/db.py::test_lock", "slow") == 1); // a group that gives none
    CHECK(policy.retries_for("tests/db.py::test_lock") == 1);         // no group
    CHECK(policy.retries_for("tests/net/test_dns.py::test_a", "flaky") == 0);
}
