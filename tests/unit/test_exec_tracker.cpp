#include "scheduler/exec_tracker.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace offload;

namespace {

using Parsed = std::vector<std::pair<size_t, ReportedResult>>;

ExecEnding ran(int exit_code, double at = 10)
{
    ExecEnding ending;
    ending.status = ExecEnding::Status::Ran;
    ending.exit_code = exit_code;
    ending.at = at;
    ending.test_timeout_secs = 3;
    return ending;
}

ExecEnding stopped(StopReason why)
{
    ExecEnding ending;
    ending.status = ExecEnding::Status::Cancelled;
    ending.stop = why;
    ending.test_timeout_secs = 3;
    return ending;
}

const TestVerdict *verdict_for(const std::vector<TestVerdict> &verdicts, size_t test)
{
    auto it =
        std::find_if(verdicts.begin(), verdicts.end(), [&](const TestVerdict &v) { return v.test == test; });
    return it == verdicts.end() ? nullptr : &*it;
}

const Rerun *rerun_of(const Conclusion &conclusion, size_t test)
{
    auto it = std::find_if(conclusion.rerun.begin(), conclusion.rerun.end(),
                           [&](const Rerun &r) { return r.test == test; });
    return it == conclusion.rerun.end() ? nullptr : &*it;
}

ReportedResult result(Outcome outcome, std::string message = {})
{
    ReportedResult r;
    r.outcome = outcome;
    r.message = std::move(message);
    r.duration_secs = 0.5;
    return r;
}

} // namespace

TEST_CASE("a worker that crashes: finished tests keep their results, the running one is charged, the rest "
          "run again")
{
    ExecTracker tracker(ExecKind::Worker, {0, 1, 2, 3});
    CHECK(tracker.start(0, 1.0));
    CHECK(tracker.end(0, Outcome::Passed, 0.2, {}, 1.2).first);
    CHECK(tracker.start(1, 1.3));
    tracker.add_stream_output("about to crash\n");
    CHECK(tracker.unstarted() == 2);

    ExecEnding ending = ran(139, 2.0);
    Conclusion c = tracker.conclude(ending, {});
    REQUIRE(c.charged.size() == 1);
    CHECK(c.charged[0].test == 1);
    CHECK(c.charged[0].outcome == Outcome::Failed);
    CHECK(c.charged[0].message ==
          "crashed: the worker running it ended (killed by signal 11 (SIGSEGV)) before the test did");
    CHECK(c.charged[0].output == "about to crash\n");
    CHECK(c.charged[0].duration_secs == doctest::Approx(0.7));
    REQUIRE(c.rerun.size() == 2);
    CHECK_FALSE(rerun_of(c, 2)->strike); // the crash is test 1's, not theirs
    CHECK(rerun_of(c, 3)->reached == Reached::NotStarted);
    CHECK(c.revised.empty());
}

TEST_CASE("os._exit(0) in a test is a crash too: a worker's exit code says nothing about its tests")
{
    ExecTracker tracker(ExecKind::Worker, {0, 1});
    tracker.start(0, 0);
    Conclusion c = tracker.conclude(ran(0), {});
    REQUIRE(c.charged.size() == 1);
    CHECK(c.charged[0].outcome == Outcome::Failed);
    CHECK(c.charged[0].message.find("exit code 0") != std::string::npos);
}

TEST_CASE("a worker that dies before its first test: its tests strike, with the reason")
{
    ExecTracker tracker(ExecKind::Worker, {0, 1});
    ExecEnding ending = ran(127);
    Conclusion c = tracker.conclude(ending, {});
    CHECK(c.charged.empty());
    REQUIRE(c.rerun.size() == 2);
    CHECK(c.rerun[0].strike);
    CHECK(c.rerun[0].reason == "its worker ended (exit code 127) before running it");
}

TEST_CASE("a worker that says done without running a test it was given: the test strikes")
{
    ExecTracker tracker(ExecKind::Worker, {0, 1});
    tracker.start(0, 0);
    tracker.end(0, Outcome::Passed, {}, {}, 1);
    tracker.done();
    Conclusion c = tracker.conclude(ran(0), {});
    REQUIRE(c.rerun.size() == 1);
    CHECK(c.rerun[0].test == 1);
    CHECK(c.rerun[0].strike);
    CHECK(c.incident.empty());
}

TEST_CASE("a test timeout charges the test that hung and nothing else")
{
    ExecTracker tracker(ExecKind::Worker, {0, 1, 2});
    tracker.start(0, 0);
    tracker.end(0, Outcome::Failed, 0.1, "boom", 0.1);
    tracker.start(1, 0.2);
    tracker.set_timed_out_test(1);
    Conclusion c = tracker.conclude(stopped(StopReason::TestTimeout), {});
    REQUIRE(c.charged.size() == 1);
    CHECK(c.charged[0].test == 1);
    CHECK(c.charged[0].message == "timeout: still running after 3 s, killed");
    REQUIRE(c.rerun.size() == 1);
    CHECK(c.rerun[0].test == 2);
    CHECK_FALSE(c.rerun[0].strike);
}

TEST_CASE("a pass reported while the timeout kills the test is not believed: it timed out")
{
    ExecTracker tracker(ExecKind::Worker, {0});
    tracker.start(0, 0);
    tracker.set_timed_out_test(0);
    const ExecTracker::Ended ended = tracker.end(0, Outcome::Passed, 3.1, {}, 3.1);
    CHECK_FALSE(ended.first);
    CHECK_FALSE(ended.changed);
    Conclusion c = tracker.conclude(stopped(StopReason::TestTimeout), {});
    REQUIRE(c.charged.size() == 1);
    CHECK(c.charged[0].outcome == Outcome::Failed);
    CHECK(c.charged[0].message == "timeout: still running after 3 s, killed");
}

TEST_CASE("what offload stops itself is never charged")
{
    for (StopReason why : {StopReason::LostRace, StopReason::Moved, StopReason::StoppedEarly,
                           StopReason::KillRunning, StopReason::Interrupted}) {
        ExecTracker tracker(ExecKind::Worker, {0, 1});
        tracker.start(0, 0);
        Conclusion c = tracker.conclude(stopped(why), {});
        CHECK(c.charged.empty());
        REQUIRE(c.rerun.size() == 2);
        CHECK(rerun_of(c, 0)->reached == Reached::Running);
        CHECK_FALSE(rerun_of(c, 0)->strike);
        CHECK(rerun_of(c, 1)->reached == Reached::NotStarted);
    }
}

TEST_CASE("a batch stopped before it reported anything may have been running any of its tests")
{
    ExecTracker silent(ExecKind::Batch, {0, 1});
    Conclusion c = silent.conclude(stopped(StopReason::Interrupted), {});
    REQUIRE(c.rerun.size() == 2);
    CHECK(rerun_of(c, 0)->reached == Reached::Unknown);
    CHECK(rerun_of(c, 1)->reached == Reached::Unknown);

    ExecTracker reporting(ExecKind::Batch, {0, 1});
    reporting.start(0, 0.5);
    c = reporting.conclude(stopped(StopReason::Interrupted), {});
    CHECK(rerun_of(c, 0)->reached == Reached::Running);
    CHECK(rerun_of(c, 1)->reached == Reached::NotStarted);
}

TEST_CASE("a worker that hangs before any test is stopped: its tests strike")
{
    ExecTracker tracker(ExecKind::Worker, {0});
    Conclusion c = tracker.conclude(stopped(StopReason::Stalled), {});
    REQUIRE(c.rerun.size() == 1);
    CHECK(c.rerun[0].strike);
    CHECK(c.rerun[0].reason == "its worker started no test within 3 s and was killed");
}

TEST_CASE("a sandbox failure strikes the running test, and the others only when nothing ran")
{
    ExecEnding infra;
    infra.status = ExecEnding::Status::InfraFailed;
    infra.failure = "host h2 is down";
    ExecTracker busy(ExecKind::Worker, {0, 1});
    busy.start(0, 0);
    Conclusion c = busy.conclude(infra, {});
    CHECK(rerun_of(c, 0)->strike);
    CHECK_FALSE(rerun_of(c, 1)->strike);
    CHECK(rerun_of(c, 0)->reason == "its sandbox failed under it: host h2 is down");

    ExecTracker idle(ExecKind::Worker, {0, 1});
    c = idle.conclude(infra, {});
    CHECK(rerun_of(c, 0)->strike);
    CHECK(rerun_of(c, 1)->strike);
}

TEST_CASE("two ends of one test combine by severity: a pass never covers a failure")
{
    ExecTracker tracker(ExecKind::Worker, {0});
    tracker.start(0, 0);
    auto first = tracker.end(0, Outcome::Failed, 0.1, "assertion", 0.1);
    CHECK(first.first);
    auto forged = tracker.end(0, Outcome::Passed, 0.1, {}, 0.2);
    CHECK_FALSE(forged.first);
    CHECK_FALSE(forged.changed);
    CHECK(forged.verdict.outcome == Outcome::Failed);
    auto worse = tracker.end(0, Outcome::Error, {}, "teardown", 0.3);
    CHECK(worse.changed);
    CHECK(worse.verdict.outcome == Outcome::Error);
    CHECK(worse.verdict.message == "teardown");
}

TEST_CASE("records for tests the command was not given change nothing")
{
    ExecTracker tracker(ExecKind::Worker, {0});
    CHECK_FALSE(tracker.start(5, 0));
    CHECK_FALSE(tracker.end(5, Outcome::Passed, {}, {}, 0).first);
    CHECK(tracker.start(0, 0));
    CHECK_FALSE(tracker.start(0, 1)); // a second start is ignored
    CHECK(tracker.running().size() == 1);
    CHECK(tracker.running()[0].started_at == 0);
}

TEST_CASE("a batch exiting non-zero while every test passed vouches for none of them")
{
    ExecTracker tracker(ExecKind::Batch, {0, 1});
    Parsed parsed = {{0, result(Outcome::Passed)}, {1, result(Outcome::Skipped)}};
    Conclusion c = tracker.conclude(ran(139), parsed);
    REQUIRE(c.charged.size() == 2);
    CHECK(verdict_for(c.charged, 0)->outcome == Outcome::Error);
    CHECK(verdict_for(c.charged, 0)->message ==
          "the batch exited with killed by signal 11 (SIGSEGV) although its tests reported passing; offload "
          "cannot vouch for the result");
    CHECK(verdict_for(c.charged, 1)->outcome == Outcome::Skipped);

    // A failure explains the exit code: the passes stand.
    ExecTracker explained(ExecKind::Batch, {0, 1});
    c = explained.conclude(ran(1), {{0, result(Outcome::Passed)}, {1, result(Outcome::Failed)}});
    CHECK(verdict_for(c.charged, 0)->outcome == Outcome::Passed);
    CHECK(verdict_for(c.charged, 1)->outcome == Outcome::Failed);

    // A zero exit never turns a failure into a pass.
    ExecTracker zero(ExecKind::Batch, {0});
    c = zero.conclude(ran(0), {{0, result(Outcome::Failed)}});
    CHECK(verdict_for(c.charged, 0)->outcome == Outcome::Failed);
}

TEST_CASE("a batch with records: live results, what the framework read, and the exit status combine")
{
    ExecTracker tracker(ExecKind::BatchWithRecords, {0, 1, 2, 3});
    tracker.start(0, 0);
    tracker.end(0, Outcome::Passed, 1, {}, 1);
    tracker.start(1, 1);
    tracker.end(1, Outcome::Passed, 1, {}, 2);
    tracker.start(2, 2);
    // 0: JUnit says failed -> revised; 1: nothing more; 2: crashed while running; 3: never started.
    Conclusion c = tracker.conclude(ran(1, 3), {{0, result(Outcome::Failed, "junit says so")}});
    REQUIRE(c.revised.size() == 1);
    CHECK(c.revised[0].test == 0);
    CHECK(c.revised[0].outcome == Outcome::Failed);
    CHECK(c.revised[0].message == "junit says so");
    REQUIRE(c.charged.size() == 1);
    CHECK(c.charged[0].test == 2);
    CHECK(c.charged[0].message == "crashed: its batch ended (exit code 1) while the test ran");
    REQUIRE(c.rerun.size() == 1);
    CHECK(c.rerun[0].test == 3);
    CHECK(c.rerun[0].strike);
}

TEST_CASE("a batch with records whose every test passed but which exits 1: the live passes are retracted")
{
    ExecTracker tracker(ExecKind::BatchWithRecords, {0, 1});
    for (size_t test : {0, 1}) {
        tracker.start(test, 0);
        tracker.end(test, Outcome::Passed, 1, {}, 1);
    }
    Conclusion c = tracker.conclude(ran(1), {});
    REQUIRE(c.revised.size() == 2);
    CHECK(c.revised[0].outcome == Outcome::Error);
    CHECK(c.revised[1].outcome == Outcome::Error);
}

TEST_CASE(
    "a batch without records that timed out: its unfinished tests run again alone; one alone is charged")
{
    ExecEnding timeout = ran(143);
    timeout.timed_out = true;
    ExecTracker many(ExecKind::Batch, {0, 1, 2});
    Conclusion c = many.conclude(timeout, {{0, result(Outcome::Passed)}});
    CHECK(c.rerun_alone == std::vector<size_t>{1, 2});
    CHECK(verdict_for(c.charged, 0)->outcome == Outcome::Passed); // a timeout explains the exit code

    ExecTracker one(ExecKind::Batch, {0});
    c = one.conclude(timeout, {});
    REQUIRE(c.charged.size() == 1);
    CHECK(c.charged[0].outcome == Outcome::Failed);
    CHECK(c.charged[0].message == "timeout: still running after 3 s, killed");
}

TEST_CASE("a batch without records that left a test unreported: not run, with its exit code")
{
    ExecTracker tracker(ExecKind::Batch, {0, 1});
    Conclusion c = tracker.conclude(ran(2), {{0, result(Outcome::Passed)}});
    const TestVerdict *missing = verdict_for(c.charged, 1);
    REQUIRE(missing);
    CHECK(missing->outcome == Outcome::NotRun);
    CHECK(missing->message == "no result: its batch exited with code 2 without reporting this test");
    CHECK(verdict_for(c.charged, 0)->outcome == Outcome::Passed); // the missing test explains the exit code
}

TEST_CASE("a test's output is bounded, and a passing test's is dropped")
{
    ExecTracker tracker(ExecKind::Worker, {0, 1});
    tracker.start(0, 0);
    tracker.add_stream_output(std::string(ExecTracker::max_output_bytes + 100, 'x'));
    tracker.add_output(0, "traceback");
    tracker.set_log_path("logs/batch-0001.log");
    auto failed = tracker.end(0, Outcome::Failed, {}, "boom", 1);
    const std::string note = "[... 110 bytes omitted; all of it is in logs/batch-0001.log ...]\n";
    CHECK(failed.verdict.output.size() == ExecTracker::max_output_bytes + note.size());
    CHECK(failed.verdict.output.rfind(note + "traceback\n", 0) == 0);
    tracker.start(1, 1);
    tracker.add_stream_output("noise");
    CHECK(tracker.end(1, Outcome::Passed, {}, {}, 2).verdict.output.empty());
}

TEST_CASE("exit descriptions name the signal")
{
    CHECK(describe_exit(134) == "killed by signal 6 (SIGABRT)");
    CHECK(describe_exit(1) == "exit code 1");
}
