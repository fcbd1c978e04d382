#include "report/run_record.hpp"

#include "report/summary.hpp"
#include "util/atomic_file.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace offload {

namespace {

std::string json_text(std::string_view text)
{
    std::string out;
    append_json_string(out, text);
    return out;
}

const char *boolean(bool value)
{
    return value ? "true" : "false";
}

// A duration or a time in seconds; null when unknown (negative).
std::string seconds(double value)
{
    return value < 0 ? std::string("null") : fmt::format("{:.3f}", value);
}

// The outcome words of the JSON events (docs/events.md).
std::string outcome_word(Outcome outcome)
{
    return outcome == Outcome::NotRun ? std::string("not-run") : std::string(outcome_name(outcome));
}

std::string string_array(const std::vector<std::string> &items)
{
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ',';
        append_json_string(out, items[i]);
    }
    return out + "]";
}

std::string header_json(const RunHeader &header)
{
    const Counts &counts = header.counts;
    const RecordSettings &settings = header.settings;
    std::string out = fmt::format("{{\"format\":{},\n", json_text(run_record_format));
    out += fmt::format("\"run\":{{\"started_at\":{},\"wall_secs\":{},\"interrupted\":{},\"stopped_early\":{},"
                       "\"exit_code\":{},\"sandboxes\":{},\"batches\":{},\"hedges_started\":{},"
                       "\"hedges_won\":{},\"incidents\":{}}},\n",
                       json_text(header.started_at), seconds(header.wall_secs), boolean(header.interrupted),
                       boolean(header.stopped_early), header.exit_code, header.sandboxes, header.batches,
                       header.hedges_started, header.hedges_won, string_array(header.incidents));
    out += fmt::format("\"counts\":{{\"total\":{},\"passed\":{},\"failed\":{},\"skipped\":{},\"not_run\":{},"
                       "\"flaky\":{},\"quarantined\":{}}},\n",
                       counts.total(), counts.passed, counts.failed, counts.skipped, counts.not_run,
                       counts.flaky, counts.quarantined);
    out += fmt::format("\"settings\":{{\"config_file\":{},\"provider\":{},\"framework\":{},\"parallel\":{},"
                       "\"retries\":{},\"test_timeout_secs\":{},\"slow_timeout_secs\":{},\"output_dir\":{},"
                       "\"command_line\":{}}},\n",
                       json_text(settings.config_file), json_text(settings.provider),
                       json_text(settings.framework), settings.parallel, settings.retries,
                       seconds(settings.test_timeout_secs), seconds(settings.slow_timeout_secs),
                       json_text(settings.output_dir), string_array(settings.command_line));
    out += "\"timeline\":{\"sandboxes\":[";
    for (size_t i = 0; i < header.timeline.sandboxes.size(); ++i) {
        const TimelineSandbox &sandbox = header.timeline.sandboxes[i];
        out += fmt::format("{}\n{{\"sandbox\":{},\"created\":{},\"destroyed\":{}}}", i ? "," : "",
                           sandbox.sandbox, seconds(sandbox.created_secs), seconds(sandbox.destroyed_secs));
    }
    out += "],\n\"batches\":[";
    for (size_t i = 0; i < header.timeline.batches.size(); ++i) {
        const TimelineBatch &batch = header.timeline.batches[i];
        out += fmt::format("{}\n{{\"batch\":{},\"sandbox\":{},\"attempt\":{},\"hedge\":{},\"worker\":{},"
                           "\"tests\":{},\"failed_tests\":{},\"start\":{},\"duration\":{},\"end\":{},\"exit_"
                           "code\":{},\"log\":{}}}",
                           i ? "," : "", batch.number, batch.sandbox, batch.attempt, boolean(batch.hedge),
                           boolean(batch.worker), batch.tests, batch.failed_tests, seconds(batch.start_secs),
                           seconds(batch.duration_secs), json_text(batch.end), batch.exit_code,
                           json_text(batch.log));
    }
    out += "]},\n";
    return out;
}

void append_test(std::string &out, const TestReport &test, const std::filesystem::path &output_dir)
{
    out += "{\"id\":";
    append_json_string(out, test.id);
    out += ",\"file\":";
    append_json_string(out, test.file);
    out += fmt::format(",\"outcome\":\"{}\",\"flaky\":{}", outcome_word(test.final_outcome()),
                       boolean(test.flaky()));
    if (!test.group.empty()) {
        out += ",\"group\":";
        append_json_string(out, test.group);
    }
    if (!test.quarantined.empty()) {
        out += ",\"quarantined\":";
        append_json_string(out, test.quarantined);
    }
    if (!test.not_run_reason.empty()) {
        out += ",\"not_run_reason\":";
        append_json_string(out, test.not_run_reason);
    }
    out += ",\"attempts\":[";
    for (size_t i = 0; i < test.attempts.size(); ++i) {
        const Attempt &attempt = test.attempts[i];
        out += fmt::format("{}{{\"outcome\":\"{}\",\"duration\":{},\"sandbox\":{},\"message\":", i ? "," : "",
                           outcome_word(attempt.outcome), seconds(attempt.duration_secs), attempt.sandbox);
        append_json_string(out, attempt.message);
        out += ",\"output\":";
        append_json_string(out, attempt.output);
        out += ",\"log\":";
        append_json_string(out, relative_to_output(attempt.log_path, output_dir));
        out += '}';
    }
    out += "]}";
}

} // namespace

void RunRecorder::sandbox_created(unsigned sandbox, double at_secs)
{
    std::lock_guard lock(m_mutex);
    m_timeline.sandboxes.push_back({sandbox, at_secs, -1});
}

void RunRecorder::sandbox_destroyed(unsigned sandbox, double at_secs)
{
    std::lock_guard lock(m_mutex);
    // The latest creation of that number: a number may be used again after its sandbox is gone.
    auto found = std::find_if(m_timeline.sandboxes.rbegin(), m_timeline.sandboxes.rend(),
                              [&](const TimelineSandbox &known) { return known.sandbox == sandbox; });
    if (found != m_timeline.sandboxes.rend() && found->destroyed_secs < 0)
        found->destroyed_secs = at_secs;
}

void RunRecorder::batch_finished(const BatchEvent &batch)
{
    TimelineBatch record;
    record.number = batch.number;
    record.sandbox = batch.sandbox;
    record.attempt = batch.attempt + 1;
    record.hedge = batch.hedge;
    record.worker = batch.worker;
    record.tests = batch.test_ids.size();
    record.start_secs = std::max(0.0, batch.at_secs - batch.duration_secs);
    record.duration_secs = std::max(0.0, batch.duration_secs);
    record.end = batch.end;
    record.exit_code = batch.exit_code;
    record.log = relative_to_output(batch.log_path, m_output_dir);
    std::lock_guard lock(m_mutex);
    m_timeline.batches.push_back(std::move(record));
}

void RunRecorder::test_finished(const TestEvent &test)
{
    std::lock_guard lock(m_mutex);
    Ended &ended = m_ended[test.batch];
    ++ended.tests;
    if (test.attempt.outcome == Outcome::Failed || test.attempt.outcome == Outcome::Error)
        ++ended.failed;
}

Timeline RunRecorder::timeline() const
{
    std::lock_guard lock(m_mutex);
    Timeline timeline = m_timeline;
    for (TimelineBatch &batch : timeline.batches)
        if (auto found = m_ended.find(batch.number); found != m_ended.end()) {
            batch.tests = std::max(batch.tests, found->second.tests);
            batch.failed_tests = found->second.failed;
        }
    return timeline;
}

RunHeader record_header(const RunOutcome &outcome, RecordSettings settings, Timeline timeline)
{
    RunHeader header;
    header.started_at = outcome.report.started_at;
    header.wall_secs = outcome.report.wall_secs;
    header.interrupted = outcome.interrupted;
    header.stopped_early = outcome.stopped_early;
    header.exit_code = exit_code_for(outcome);
    header.sandboxes = outcome.sandboxes_created;
    header.batches = outcome.batches_run;
    header.hedges_started = outcome.hedges_started;
    header.hedges_won = outcome.hedges_won;
    header.incidents = outcome.incidents;
    header.counts = count(outcome.report);
    header.settings = std::move(settings);
    header.timeline = std::move(timeline);
    return header;
}

std::string relative_to_output(const std::string &path, const std::filesystem::path &output_dir)
{
    if (path.empty() || output_dir.empty())
        return path;
    const std::filesystem::path relative =
        std::filesystem::path(path).lexically_normal().lexically_relative(output_dir.lexically_normal());
    if (relative.empty() || *relative.begin() == "..")
        return path;
    return relative.string();
}

void write_run_record(const std::function<void(std::string_view)> &write, const RunHeader &header,
                      const std::vector<TestReport> &tests, const std::filesystem::path &output_dir)
{
    constexpr size_t flush_bytes = 1 << 16;
    std::string out = header_json(header);
    out += "\"tests\":[";
    for (size_t i = 0; i < tests.size(); ++i) {
        out += i ? ",\n" : "\n";
        append_test(out, tests[i], output_dir);
        if (out.size() >= flush_bytes) {
            write(out);
            out.clear();
        }
    }
    out += "\n]}\n";
    write(out);
}

Expected<void> write_run_record_file(const std::filesystem::path &path, const RunHeader &header,
                                     const std::vector<TestReport> &tests,
                                     const std::filesystem::path &output_dir)
{
    Expected<AtomicFile> file = AtomicFile::create(path);
    if (!file)
        return failure("cannot write the run record: " + file.error());
    write_run_record([&](std::string_view piece) { file->write(piece); }, header, tests, output_dir);
    if (Expected<void> committed = file->commit(); !committed)
        return failure("cannot write the run record: " + committed.error());
    return {};
}

} // namespace offload
