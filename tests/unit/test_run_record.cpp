#include "report/run_record.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace offload;
using namespace std::string_literals;

namespace {

const std::filesystem::path output_dir = "/work/out";

std::string record_text(const RunHeader &header, const std::vector<TestReport> &tests)
{
    std::string text;
    write_run_record([&](std::string_view piece) { text.append(piece); }, header, tests, output_dir);
    return text;
}

RunRecord round_trip(const RunHeader &header, const std::vector<TestReport> &tests)
{
    Expected<RunRecord> record = parse_run_record(record_text(header, tests), "run.json");
    REQUIRE_MESSAGE(record, record.error());
    return *record;
}

Attempt attempt(Outcome outcome, std::string message = {}, std::string log = {})
{
    Attempt made;
    made.outcome = outcome;
    made.duration_secs = 0.25;
    made.message = std::move(message);
    made.output = "output of " + made.message;
    made.log_path = std::move(log);
    made.sandbox = 3;
    return made;
}

struct TempDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("offload-run-record-" + std::to_string(getpid()));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() { std::filesystem::remove_all(path); }
};

} // namespace

TEST_CASE("a record reads back as written: run, settings, timeline, tests and every attempt")
{
    RunHeader header;
    header.started_at = "2025-01-02T03:04:05Z";
    header.wall_secs = 12.5;
    header.interrupted = true;
    header.exit_code = 130;
    header.sandboxes = 2;
    header.batches = 3;
    header.hedges_started = 1;
    header.incidents = {"LEAK: batch 3 left 1 process"};
    header.settings = {"/p/offload.toml", "process",         "pytest", 4, 2, 900, 60,
                       "/work/out",       {"offload", "run"}};
    header.timeline.sandboxes = {{0, 0.1, 12.0}, {1, 0.2, -1}};
    header.timeline.batches = {
        {7, 1, 2, true, false, 5, 1, 1.5, 2.25, "timed out", -9, "logs/batch-0007.log"}};

    std::vector<TestReport> tests(4);
    tests[0].id = "tests/a.py::test_flaky";
    tests[0].file = "tests/a.py";
    tests[0].attempts = {attempt(Outcome::Failed, "boom", "/work/out/logs/batch-0001.log"),
                         attempt(Outcome::Passed, "", "/elsewhere/batch.log")};
    tests[1].id = "tests/a.py::test_quarantined";
    tests[1].quarantined = "listed in [flaky] quarantine";
    tests[1].group = "net";
    tests[1].attempts = {attempt(Outcome::Error, "crashed")};
    tests[2].id = "never";
    tests[2].not_run_reason = "the run was interrupted before it ran";
    tests[3].id = "skipped";
    tests[3].attempts = {attempt(Outcome::Skipped, "not on this platform")};
    RunReport report;
    report.tests = tests;
    header.counts = count(report);

    const RunRecord record = round_trip(header, tests);
    CHECK(record.header.started_at == header.started_at);
    CHECK(record.header.wall_secs == 12.5);
    CHECK(record.header.interrupted);
    CHECK(record.header.exit_code == 130);
    CHECK(record.header.hedges_started == 1);
    CHECK(record.header.incidents == header.incidents);
    CHECK(record.header.settings.framework == "pytest");
    CHECK(record.header.settings.parallel == 4);
    CHECK(record.header.settings.command_line == header.settings.command_line);
    REQUIRE(record.header.timeline.sandboxes.size() == 2);
    CHECK(record.header.timeline.sandboxes[1].destroyed_secs < 0);
    REQUIRE(record.header.timeline.batches.size() == 1);
    const TimelineBatch &batch = record.header.timeline.batches[0];
    CHECK(batch.number == 7);
    CHECK(batch.hedge);
    CHECK(batch.failed_tests == 1);
    CHECK(batch.end == "timed out");
    CHECK(batch.exit_code == -9);
    CHECK(batch.log == "logs/batch-0007.log");

    REQUIRE(record.tests.size() == 4);
    CHECK(record.tests[0].flaky());
    CHECK(record.tests[0].file == "tests/a.py");
    REQUIRE(record.tests[0].attempts.size() == 2);
    CHECK(record.tests[0].attempts[0].message == "boom");
    CHECK(record.tests[0].attempts[0].output == "output of boom");
    CHECK(record.tests[0].attempts[0].sandbox == 3);
    CHECK(record.tests[0].attempts[0].duration_secs == 0.25);
    // Inside output_dir: relative, so that the report's links work wherever the directory goes.
    CHECK(record.tests[0].attempts[0].log_path == "logs/batch-0001.log");
    CHECK(record.tests[0].attempts[1].log_path == "/elsewhere/batch.log");
    CHECK(record.tests[1].final_outcome() == Outcome::Error);
    CHECK(record.tests[1].quarantined == "listed in [flaky] quarantine");
    CHECK(record.tests[1].group == "net");
    CHECK(record.tests[0].group.empty());
    CHECK(record.tests[2].final_outcome() == Outcome::NotRun);
    CHECK(record.tests[2].not_run_reason == "the run was interrupted before it ran");
    // A quarantined failure and a test not run never count as passed.
    CHECK(record.header.counts.passed == 1);
    CHECK(record.header.counts.quarantined == 1);
    CHECK(record.header.counts.not_run == 1);
    CHECK(record.header.counts.skipped == 1);
    CHECK(record.header.counts.flaky == 1);
}

TEST_CASE("ids and output with quotes, newlines, NULs, </script> and invalid UTF-8 survive the record")
{
    std::vector<TestReport> tests(1);
    tests[0].id = "a\"b\nc\0d\xff</script>"s;
    tests[0].attempts = {attempt(Outcome::Failed, "line1\nline2\0\x01"s)};
    const std::string text = record_text({}, tests);
    CHECK(text.find('\0') == std::string::npos);
    const RunRecord record = round_trip({}, tests);
    // util/utf8.hpp's policy: the invalid byte becomes the text \xFF, the rest is kept.
    CHECK(record.tests[0].id == "a\"b\nc\0d\\xFF</script>"s);
    CHECK(record.tests[0].attempts[0].message == "line1\nline2\0\x01"s);
}

TEST_CASE("a run of no tests and a run of only skipped tests make valid records")
{
    CHECK(round_trip({}, {}).tests.empty());
    std::vector<TestReport> tests(2);
    tests[0].id = "one";
    tests[1].id = "two";
    for (TestReport &test : tests)
        test.attempts = {attempt(Outcome::Skipped)};
    const RunRecord record = round_trip({}, tests);
    CHECK(record.header.counts.skipped == 2);
    CHECK(record.header.counts.passed == 0);
    CHECK(record.header.counts.total() == 2);
}

TEST_CASE("what is not a run record is refused with the file's name and the reason")
{
    auto error = [](std::string_view text) {
        Expected<RunRecord> record = parse_run_record(text, "out/run.json");
        return record ? std::string() : record.error();
    };
    CHECK(error("{\"format\":\"offload-run 2\"}") == "out/run.json: not an offload run record (format "
                                                     "\"offload-run 2\"; this offload reads offload-run 1)");
    CHECK(error("{\"traceEvents\":[]}") ==
          "out/run.json: not an offload run record (no \"format\" key first)");
    CHECK(error("[1]") == "out/run.json: not an offload run record (a JSON document, but not an object)");
    CHECK(error("<html>").rfind("out/run.json: not an offload run record (not valid JSON: line 1, column 1",
                                0) == 0);
    const std::string cut = record_text({}, {}).substr(0, 60);
    CHECK(error(cut).rfind("out/run.json: a damaged run record: line ", 0) == 0);
    CHECK(error("{\"format\":\"offload-run 1\",\"tests\":[{\"attempts\":[{\"outcome\":\"great\"}]}]}")
              .find("\"great\" is not an outcome") != std::string::npos);
    CHECK(error("{\"format\":\"offload-run 1\",\"run\":{\"sandboxes\":-1}}").find("expected an integer") !=
          std::string::npos);
    // Keys a newer offload may add are skipped.
    CHECK(error("{\"format\":\"offload-run 1\",\"new\":{\"x\":[1]},\"tests\":[{\"id\":\"t\",\"more\":1}]}") ==
          "");
}

TEST_CASE("the record file is written atomically and read back; a directory or a missing file is an error")
{
    TempDir dir;
    std::vector<TestReport> tests(1);
    tests[0].id = "t";
    tests[0].attempts = {attempt(Outcome::Passed)};
    REQUIRE(write_run_record_file(dir.path / "run.json", {}, tests, dir.path));
    Expected<RunRecord> read = read_run_record_file(dir.path / "run.json");
    REQUIRE(read);
    CHECK(read->tests.size() == 1);
    std::filesystem::create_directory(dir.path / "dir.json");
    CHECK(read_run_record_file(dir.path / "dir.json").error().find("a directory, not a run record") !=
          std::string::npos);
    CHECK_FALSE(read_run_record_file(dir.path / "missing.json"));
    CHECK_FALSE(write_run_record_file(dir.path / "dir.json", {}, tests, dir.path));
}

TEST_CASE("the recorder keeps the timeline: sandboxes' lifetimes, batches with their tests and ends")
{
    RunRecorder recorder(output_dir);
    recorder.sandbox_created(0, 0.0);
    recorder.sandbox_created(1, 0.5);
    BatchEvent batch;
    batch.number = 4;
    batch.sandbox = 1;
    batch.attempt = 1;
    batch.worker = true;
    batch.at_secs = 3.0;
    batch.duration_secs = 2.0;
    batch.end = "completed";
    batch.log_path = "/work/out/logs/batch-0004.log";
    TestEvent ended;
    ended.batch = 4;
    ended.attempt.outcome = Outcome::Failed;
    recorder.test_finished(ended);
    ended.attempt.outcome = Outcome::Passed;
    recorder.test_finished(ended);
    recorder.batch_finished(batch);
    recorder.sandbox_destroyed(1, 3.5);
    const Timeline timeline = recorder.timeline();
    REQUIRE(timeline.sandboxes.size() == 2);
    CHECK(timeline.sandboxes[0].destroyed_secs < 0);
    CHECK(timeline.sandboxes[1].destroyed_secs == 3.5);
    REQUIRE(timeline.batches.size() == 1);
    CHECK(timeline.batches[0].start_secs == 1.0);
    CHECK(timeline.batches[0].attempt == 2);
    CHECK(timeline.batches[0].tests == 2);
    CHECK(timeline.batches[0].failed_tests == 1);
    CHECK(timeline.batches[0].log == "logs/batch-0004.log");
}
