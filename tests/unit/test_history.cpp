#include "history/history.hpp"
#include "scheduler/estimates.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;
using offload::History;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() /
                    ("offload-history-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    static inline int counter = 0;
};

History saved_and_loaded(const History &run, const fs::path &file)
{
    const offload::Expected<void> saved = run.save(file);
    REQUIRE_MESSAGE(saved, (saved ? "" : saved.error()));
    offload::Expected<History> loaded = History::load(file);
    REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error()));
    return *loaded;
}

} // namespace

TEST_CASE("a missing file is an empty history")
{
    offload::Expected<History> history = History::load("/nonexistent/offload/history");
    REQUIRE(history);
    CHECK(history->size() == 0);
    CHECK_FALSE(history->batch_overhead_secs());
}

TEST_CASE("a file that cannot be a history is not read: a device, a FIFO, over 1 GiB")
{
    TempDir dir;
    const fs::path fifo = dir.path / "fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    for (const fs::path &path : {fs::path("/dev/zero"), fifo}) {
        offload::Expected<History> history = History::load(path);
        REQUIRE_FALSE(history);
        CHECK(history.error().find("it is not a regular file") != std::string::npos);
    }
    const fs::path huge = dir.path / "huge";
    {
        std::ofstream(huge) << "offload-history 1\n";
    }
    fs::resize_file(huge, (uint64_t{1} << 30) + 1); // sparse
    offload::Expected<History> history = History::load(huge);
    REQUIRE_FALSE(history);
    CHECK(history.error() == "ignoring " + huge.string() +
                                 ": it is 1073741825 bytes, more than a history of 500000 tests can be; it "
                                 "is left as it is, and this run's timings are not saved: set [history] "
                                 "path to a file of offload's own (e.g. \".offload/history\")");
}

TEST_CASE("durations and overheads survive a save, ids of any bytes included")
{
    TempDir dir;
    History run;
    run.record_test("plain", 1.5);
    run.record_test("tab\there\nnewline\\back", 0.25);
    run.record_test("ünï ✓ [param]", 3);
    run.record_batch_overhead(0.3);
    run.record_batch_overhead(0.1);
    run.record_batch_overhead(0.2);
    run.record_batch_overhead(4.0); // measured while the machine was busy
    History loaded = saved_and_loaded(run, dir.path / "history");
    REQUIRE(loaded.find("plain"));
    CHECK(loaded.find("plain")->mean_secs == doctest::Approx(1.5));
    REQUIRE(loaded.find("tab\there\nnewline\\back"));
    CHECK(loaded.find("ünï ✓ [param]")->mean_secs == doctest::Approx(3));
    CHECK(*loaded.batch_overhead_secs() == doctest::Approx(0.2)); // the lower quartile
    CHECK(loaded.runs() == 1);
}

TEST_CASE("later runs weigh in, and concurrent saves lose nothing")
{
    TempDir dir;
    fs::path file = dir.path / "history";
    History first;
    first.record_test("t", 10);
    saved_and_loaded(first, file);
    std::vector<std::thread> runs;
    for (int i = 0; i < 8; ++i)
        runs.emplace_back([&, i] {
            History run = History::load(file).value();
            run.record_test("only-" + std::to_string(i), 1);
            run.record_test("t", 0);
            CHECK(run.save(file));
        });
    for (auto &thread : runs)
        thread.join();
    History merged = History::load(file).value();
    CHECK(merged.runs() == 9);
    for (int i = 0; i < 8; ++i)
        CHECK(merged.find("only-" + std::to_string(i)));
    // Each run moved the mean 30% of the way to 0.
    CHECK(merged.find("t")->mean_secs < 10 * 0.7 * 0.7);
    CHECK(merged.find("t")->samples == 9);
}

TEST_CASE("tests not seen for a long time are forgotten")
{
    TempDir dir;
    fs::path file = dir.path / "history";
    History first;
    first.record_test("renamed-away", 1);
    first.record_test("stays", 1);
    saved_and_loaded(first, file);
    for (uint64_t i = 0; i < History::forget_after_runs + 1; ++i) {
        History run = History::load(file).value();
        run.record_test("stays", 1);
        REQUIRE(run.save(file));
    }
    History history = History::load(file).value();
    CHECK(history.find("stays"));
    CHECK_FALSE(history.find("renamed-away"));
}

TEST_CASE("a damaged history of ours is reported, never trusted, and kept aside when a new one is saved")
{
    TempDir dir;
    fs::path file = dir.path / "history";
    for (const char *text :
         {"offload-history 1\nt\tnot-a-number\t1\t1\tid\n", "offload-history 1\nt\t-1\t1\t1\tid\n",
          "offload-history 1\nt\t1\t1\t1\tbad\\q\n"}) {
        CAPTURE(text);
        std::ofstream(file) << text;
        const offload::Expected<History> history = History::load(file);
        REQUIRE_FALSE(history);
        CHECK(history.error().find("ignoring the timing history") != std::string::npos);
        CHECK(history.error().find("kept as history.corrupt") != std::string::npos);
        History run;
        run.record_test("fresh", 2);
        History loaded = saved_and_loaded(run, file);
        CHECK(loaded.find("fresh"));
        std::ifstream kept(file.string() + ".corrupt");
        CHECK(std::string(std::istreambuf_iterator<char>(kept), {}) == text);
    }
}

TEST_CASE("a file that is not a history of this offload is never replaced")
{
    TempDir dir;
    fs::path file = dir.path / "offload-history.jsonl";
    for (const char *text :
         {"{\"test_id\": \"a\", \"duration\": 1.5}\n", "offload-history 99\n", "garbage"}) {
        CAPTURE(text);
        std::ofstream(file) << text;
        const offload::Expected<History> history = History::load(file);
        REQUIRE_FALSE(history);
        CHECK(history.error().find("is left as it is") != std::string::npos);
        History run;
        run.record_test("fresh", 2);
        REQUIRE_FALSE(run.save(file));
        std::ifstream in(file);
        CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == text);
    }
}

TEST_CASE("outcomes: runs, failures and flakes add up over runs and concurrent saves, flakes dated")
{
    TempDir dir;
    const fs::path file = dir.path / "history";
    History first, second, third;
    first.record_outcome("t", History::Mark::Flaky, "2026-11-01T10:00:00Z");
    first.record_outcome("other", History::Mark::Passed, "2026-11-01T10:00:00Z");
    first.record_test("t", 1.5);
    second.record_outcome("t", History::Mark::Failed, "2026-11-02T10:00:00Z");
    third.record_outcome("t", History::Mark::Flaky, "2026-11-03T10:00:00Z");
    REQUIRE(first.save(file));
    REQUIRE(second.save(file)); // as if loaded before first saved: merged, not replaced
    const History loaded = saved_and_loaded(third, file);
    const History::Flakiness *t = loaded.flakiness("t");
    REQUIRE(t);
    CHECK(t->runs == 3);
    CHECK(t->failures == 1);
    CHECK(t->flaky == 2);
    CHECK(t->first_flake == "2026-11-01T10:00:00Z");
    CHECK(t->last_flake == "2026-11-03T10:00:00Z");
    CHECK(t->recent == "fFf");
    CHECK(loaded.find("t")->mean_secs == doctest::Approx(1.5));
    REQUIRE(loaded.flakiness("other"));
    CHECK(loaded.flakiness("other")->recent == "p");
    // A test known only by its outcomes has no timing: the scheduler does not take it for a 0 s one.
    CHECK_FALSE(loaded.find("other"));
}

TEST_CASE("outcomes keep the last 100 runs' marks; a test whose runs stop is forgotten in time")
{
    TempDir dir;
    const fs::path file = dir.path / "history";
    for (int i = 0; i < 105; ++i) {
        History run;
        run.record_outcome("t", i < 5 ? History::Mark::Flaky : History::Mark::Passed, "2026-11-01T10:00:00Z");
        if (i < 3)
            run.record_outcome("gone", History::Mark::Failed, "2026-11-01T10:00:00Z");
        REQUIRE(run.save(file));
    }
    const History loaded = History::load(file).value();
    REQUIRE(loaded.flakiness("t"));
    CHECK(loaded.flakiness("t")->recent == std::string(100, 'p'));
    CHECK(loaded.flakiness("t")->flaky == 5);
    CHECK(loaded.flakiness("t")->runs == 105);
    CHECK_FALSE(loaded.flakiness("gone"));
}

TEST_CASE("a version 1 history is read and saved as version 2")
{
    TempDir dir;
    const fs::path file = dir.path / "history";
    std::ofstream(file) << "offload-history 1\nrun\t4\nt\t2.000000\t3\t4\ta.py::t\n";
    History run;
    run.record_outcome("a.py::t", History::Mark::Passed, "2026-11-01T10:00:00Z");
    const History loaded = saved_and_loaded(run, file);
    CHECK(loaded.find("a.py::t")->mean_secs == doctest::Approx(2));
    CHECK(loaded.flakiness("a.py::t")->runs == 1);
    std::ifstream in(file);
    std::string first_line;
    std::getline(in, first_line);
    CHECK(first_line == "offload-history 2");
}

TEST_CASE("damaged outcome lines are a damaged history")
{
    for (const char *text : {"offload-history 2\nf\t1\t2\t0\t-\t-\t1\tp\tid\n",    // more failures than runs
                             "offload-history 2\nf\t1\t0\t0\t-\t-\t1\tx\tid\n",    // an unknown mark
                             "offload-history 2\nf\t1\t0\t0\t-\t-\t1\tp\n",        // no id
                             "offload-history 1\nf\t1\t0\t0\t-\t-\t1\tp\tid\n"}) { // not in version 1
        CAPTURE(text);
        CHECK_FALSE(History::parse(text));
    }
}

TEST_CASE("estimates: own history, else the file's median, else everyone's, else the fallback")
{
    auto parsed = History::parse("offload-history 1\nrun\t1\n"
                                 "t\t4.000000\t1\t1\ta.py::one\nt\t6.000000\t1\t1\ta.py::two\n"
                                 "t\t1.000000\t1\t1\tb.py::one\n");
    REQUIRE(parsed);
    History history = *parsed;
    std::vector<offload::TestReport> tests = {{"a.py::one", "a.py", {}, {}, {}},
                                              {"a.py::two", "a.py", {}, {}, {}},
                                              {"a.py::new", "a.py", {}, {}, {}},
                                              {"c.py::new", "c.py", {}, {}, {}},
                                              {"b.py::one", "b.py", {}, {}, {}}};
    auto estimates = offload::estimate_durations(tests, history);
    CHECK(estimates[0] == doctest::Approx(4));
    CHECK(estimates[1] == doctest::Approx(6));
    CHECK(estimates[2] == doctest::Approx(6)); // median of a.py's {4, 6}: the upper middle
    CHECK(estimates[3] == doctest::Approx(4)); // median of {4, 6, 1}
    CHECK(estimates[4] == doctest::Approx(1));
    CHECK(offload::estimate_durations(tests, History(), 1.0) == std::vector<double>(5, 1.0));
}

TEST_CASE("estimates: a test recorded at 0 s still takes a little")
{
    auto parsed = History::parse("offload-history 1\nrun\t1\nt\t0.000000\t1\t1\ta.py::zero\n");
    REQUIRE(parsed);
    std::vector<offload::TestReport> tests = {{"a.py::zero", "a.py", {}, {}, {}},
                                              {"a.py::new", "a.py", {}, {}, {}}};
    auto estimates = offload::estimate_durations(tests, *parsed);
    CHECK(estimates[0] == doctest::Approx(offload::min_test_secs));
    CHECK(estimates[1] == doctest::Approx(offload::min_test_secs));
}
