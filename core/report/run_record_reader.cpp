// Reading a run record back (run_record.hpp): strictly as JSON, leniently as content (unknown keys are
// skipped, missing ones keep their defaults), with errors that name the file.
#include "report/run_record.hpp"

#include "util/json_reader.hpp"
#include "util/read_file.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <system_error>

namespace offload {

namespace {

using Kind = JsonReader::Kind;

// A number of seconds, or -1 for null.
double seconds(JsonReader &json)
{
    if (json.peek() == Kind::Null) {
        json.null();
        return -1;
    }
    return json.number();
}

template <typename Integer> Integer integer(JsonReader &json)
{
    const double value = json.number();
    if (value != std::floor(value) || value < double(std::numeric_limits<Integer>::min()) ||
        value > double(std::numeric_limits<Integer>::max()))
        json.fail(fmt::format("expected an integer, not {}", value));
    return Integer(value);
}

std::vector<std::string> strings(JsonReader &json)
{
    std::vector<std::string> out;
    json.begin_array();
    while (json.next_element())
        out.push_back(json.string());
    return out;
}

// Calls field(key) for each key of the next object; field returns false for a key it does not know,
// which is then skipped.
template <typename Field> void object(JsonReader &json, Field field)
{
    std::string key;
    json.begin_object();
    while (json.next_key(key))
        if (!field(key))
            json.skip();
}

template <typename Element> void array(JsonReader &json, Element element)
{
    json.begin_array();
    while (json.next_element())
        element();
}

Outcome outcome(JsonReader &json)
{
    const std::string word = json.string();
    for (Outcome known : {Outcome::Passed, Outcome::Failed, Outcome::Skipped, Outcome::Error})
        if (word == outcome_name(known))
            return known;
    if (word == "not-run")
        return Outcome::NotRun;
    json.fail(fmt::format("\"{}\" is not an outcome", word));
}

void read_run(JsonReader &json, RunHeader &header)
{
    object(json, [&](const std::string &key) {
        if (key == "started_at")
            header.started_at = json.string();
        else if (key == "wall_secs")
            header.wall_secs = seconds(json);
        else if (key == "interrupted")
            header.interrupted = json.boolean();
        else if (key == "stopped_early")
            header.stopped_early = json.boolean();
        else if (key == "exit_code")
            header.exit_code = integer<int>(json);
        else if (key == "sandboxes")
            header.sandboxes = integer<unsigned>(json);
        else if (key == "batches")
            header.batches = integer<size_t>(json);
        else if (key == "hedges_started")
            header.hedges_started = integer<size_t>(json);
        else if (key == "hedges_won")
            header.hedges_won = integer<size_t>(json);
        else if (key == "incidents")
            header.incidents = strings(json);
        else
            return false;
        return true;
    });
}

void read_settings(JsonReader &json, RecordSettings &settings)
{
    object(json, [&](const std::string &key) {
        if (key == "config_file")
            settings.config_file = json.string();
        else if (key == "provider")
            settings.provider = json.string();
        else if (key == "framework")
            settings.framework = json.string();
        else if (key == "parallel")
            settings.parallel = integer<unsigned>(json);
        else if (key == "retries")
            settings.retries = integer<unsigned>(json);
        else if (key == "test_timeout_secs")
            settings.test_timeout_secs = seconds(json);
        else if (key == "slow_timeout_secs")
            settings.slow_timeout_secs = seconds(json);
        else if (key == "output_dir")
            settings.output_dir = json.string();
        else if (key == "command_line")
            settings.command_line = strings(json);
        else
            return false;
        return true;
    });
}

TimelineBatch read_batch(JsonReader &json)
{
    TimelineBatch batch;
    object(json, [&](const std::string &key) {
        if (key == "batch")
            batch.number = integer<size_t>(json);
        else if (key == "sandbox")
            batch.sandbox = integer<unsigned>(json);
        else if (key == "attempt")
            batch.attempt = integer<unsigned>(json);
        else if (key == "hedge")
            batch.hedge = json.boolean();
        else if (key == "worker")
            batch.worker = json.boolean();
        else if (key == "tests")
            batch.tests = integer<size_t>(json);
        else if (key == "failed_tests")
            batch.failed_tests = integer<size_t>(json);
        else if (key == "start")
            batch.start_secs = seconds(json);
        else if (key == "duration")
            batch.duration_secs = seconds(json);
        else if (key == "end")
            batch.end = json.string();
        else if (key == "exit_code")
            batch.exit_code = integer<int>(json);
        else if (key == "log")
            batch.log = json.string();
        else
            return false;
        return true;
    });
    return batch;
}

void read_timeline(JsonReader &json, Timeline &timeline)
{
    object(json, [&](const std::string &key) {
        if (key == "sandboxes") {
            array(json, [&] {
                TimelineSandbox sandbox;
                object(json, [&](const std::string &field) {
                    if (field == "sandbox")
                        sandbox.sandbox = integer<unsigned>(json);
                    else if (field == "created")
                        sandbox.created_secs = seconds(json);
                    else if (field == "destroyed")
                        sandbox.destroyed_secs = seconds(json);
                    else
                        return false;
                    return true;
                });
                timeline.sandboxes.push_back(sandbox);
            });
        } else if (key == "batches") {
            array(json, [&] { timeline.batches.push_back(read_batch(json)); });
        } else {
            return false;
        }
        return true;
    });
}

Attempt read_attempt(JsonReader &json)
{
    Attempt attempt;
    object(json, [&](const std::string &key) {
        if (key == "outcome")
            attempt.outcome = outcome(json);
        else if (key == "duration")
            attempt.duration_secs = seconds(json);
        else if (key == "sandbox")
            attempt.sandbox = integer<unsigned>(json);
        else if (key == "message")
            attempt.message = json.string();
        else if (key == "output")
            attempt.output = json.string();
        else if (key == "log")
            attempt.log_path = json.string();
        else
            return false;
        return true;
    });
    return attempt;
}

// The test's outcome and flakiness follow from its attempts; the written ones are for other readers.
TestReport read_test(JsonReader &json)
{
    TestReport test;
    object(json, [&](const std::string &key) {
        if (key == "id")
            test.id = json.string();
        else if (key == "file")
            test.file = json.string();
        else if (key == "group")
            test.group = json.string();
        else if (key == "quarantined")
            test.quarantined = json.string();
        else if (key == "not_run_reason")
            test.not_run_reason = json.string();
        else if (key == "attempts")
            array(json, [&] { test.attempts.push_back(read_attempt(json)); });
        else
            return false;
        return true;
    });
    return test;
}

// The first key must be "format", with the version this offload reads.
void check_format(JsonReader &json, const std::string &name)
{
    if (json.peek() != Kind::Object)
        throw JsonError(
            fmt::format("{}: not an offload run record (a JSON document, but not an object)", name));
    std::string key;
    json.begin_object();
    if (!json.next_key(key) || key != "format")
        throw JsonError(fmt::format("{}: not an offload run record (no \"format\" key first)", name));
    const std::string format = json.peek() == Kind::String ? json.string() : "";
    if (format != run_record_format)
        throw JsonError(fmt::format("{}: not an offload run record (format \"{}\"; this offload reads {})",
                                    name, format, run_record_format));
}

} // namespace

Expected<RunRecord> parse_run_record(std::string_view text, const std::string &name)
{
    RunRecord record;
    try {
        JsonReader json(text);
        try {
            check_format(json, name);
        } catch (const JsonError &error) {
            const std::string what = error.what();
            if (what.rfind(name + ": ", 0) == 0)
                throw;
            throw JsonError(fmt::format("{}: not an offload run record (not valid JSON: {})", name, what));
        }
        std::string key;
        while (json.next_key(key)) {
            if (key == "run")
                read_run(json, record.header);
            else if (key == "settings")
                read_settings(json, record.header.settings);
            else if (key == "timeline")
                read_timeline(json, record.header.timeline);
            else if (key == "tests")
                array(json, [&] { record.tests.push_back(read_test(json)); });
            else
                json.skip();
        }
        json.finish();
    } catch (const JsonError &error) {
        const std::string what = error.what();
        if (what.rfind(name + ": ", 0) == 0)
            return failure(what);
        return failure(fmt::format("{}: a damaged run record: {}", name, what));
    }
    RunReport report;
    report.tests = std::move(record.tests);
    record.header.counts = count(report);
    record.tests = std::move(report.tests);
    return record;
}

Expected<std::string> read_run_record_text(const std::filesystem::path &path)
{
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
        return failure(fmt::format("{}: a directory, not a run record", path.string()));
    std::string text;
    Expected<void> read = read_file_chunks(path, [&](std::string_view chunk) {
        text.append(chunk);
        return true;
    });
    if (!read)
        return failure(read.error());
    return text;
}

Expected<RunRecord> read_run_record_file(const std::filesystem::path &path)
{
    Expected<std::string> text = read_run_record_text(path);
    if (!text)
        return failure(text.error());
    return parse_run_record(*text, path.string());
}

} // namespace offload
