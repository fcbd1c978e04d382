#include "report/json_events.hpp"

#include "report/summary.hpp"
#include "runner/runner.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

namespace offload {

namespace {

constexpr int format_version = 1;

std::string string_field(const char *name, const std::string &value)
{
    std::string out = fmt::format(",\"{}\":", name);
    append_json_string(out, value);
    return out;
}

std::string outcome_word(Outcome outcome)
{
    std::string word(outcome_name(outcome));
    return word == "not run" ? "not-run" : word;
}

} // namespace

void JsonEvents::emit(const std::string &type, double at_secs, const std::string &fields)
{
    std::lock_guard lock(m_mutex);
    m_last_time = std::max(m_last_time, at_secs);
    std::string line = fmt::format("{{\"type\":\"{}\",\"time\":{:.3f}{}}}\n", type, m_last_time, fields);
    std::fwrite(line.data(), 1, line.size(), m_out);
    std::fflush(m_out);
}

void JsonEvents::run_started(size_t tests, size_t batches, unsigned max_sandboxes,
                             const std::string &provider)
{
    emit("run-started", 0,
         fmt::format(",\"format\":{},\"tests\":{},\"batches\":{},\"max_sandboxes\":{}{}", format_version,
                     tests, batches, max_sandboxes, string_field("provider", provider)));
}

void JsonEvents::sandbox_created(unsigned sandbox, double at_secs)
{
    emit("sandbox-created", at_secs, fmt::format(",\"sandbox\":{}", sandbox));
}

void JsonEvents::sandbox_destroyed(unsigned sandbox, double at_secs)
{
    emit("sandbox-destroyed", at_secs, fmt::format(",\"sandbox\":{}", sandbox));
}

void JsonEvents::batch_started(const BatchEvent &batch)
{
    std::string tests = ",\"tests\":[";
    for (size_t i = 0; i < batch.test_ids.size(); ++i) {
        if (i > 0)
            tests += ',';
        append_json_string(tests, batch.test_ids[i]);
    }
    tests += ']';
    emit("batch-started", batch.at_secs,
         fmt::format(",\"batch\":{},\"sandbox\":{},\"attempt\":{},\"hedge\":{},\"worker\":{}{}", batch.number,
                     batch.sandbox, batch.attempt + 1, batch.hedge ? "true" : "false",
                     batch.worker ? "true" : "false", tests));
}

void JsonEvents::batch_finished(const BatchEvent &batch)
{
    emit("batch-finished", batch.at_secs,
         fmt::format(",\"batch\":{},\"sandbox\":{},\"end\":\"{}\",\"exit_code\":{},\"timed_out\":{},"
                     "\"duration\":{:.3f}{}",
                     batch.number, batch.sandbox, batch.end, batch.exit_code,
                     batch.timed_out ? "true" : "false", batch.duration_secs,
                     string_field("log", batch.log_path)));
}

void JsonEvents::test_started(const TestStartEvent &event)
{
    emit("test-started", event.at_secs,
         fmt::format("{},\"attempt\":{},\"batch\":{},\"sandbox\":{},\"hedge\":{}",
                     string_field("id", event.id), event.attempt_number, event.batch, event.sandbox,
                     event.hedge ? "true" : "false"));
}

void JsonEvents::test_slow(const TestSlowEvent &event)
{
    emit("test-slow", event.at_secs,
         fmt::format("{},\"running\":{:.3f},\"threshold\":{:.3f},\"batch\":{},\"sandbox\":{}",
                     string_field("id", event.id), event.running_secs, event.threshold_secs, event.batch,
                     event.sandbox));
}

void JsonEvents::test_finished(const TestEvent &event)
{
    const Attempt &attempt = event.attempt;
    std::string duration = attempt.duration_secs >= 0 ? fmt::format("{:.3f}", attempt.duration_secs) : "null";
    emit(event.will_retry ? "test-retry" : "test-finished", event.at_secs,
         fmt::format("{},\"outcome\":\"{}\",\"duration\":{},\"attempt\":{},\"batch\":{},\"sandbox\":{},"
                     "\"flaky\":{}{}{}",
                     string_field("id", event.id), outcome_word(attempt.outcome), duration,
                     event.attempt_number, event.batch, attempt.sandbox, event.flaky ? "true" : "false",
                     event.quarantined ? ",\"quarantined\":true" : "",
                     string_field("message", attempt.message)));
}

void JsonEvents::incident(const std::string &text)
{
    emit("incident", m_last_time, string_field("text", text));
}

void JsonEvents::run_finished(const RunOutcome &outcome)
{
    Counts counts = count(outcome.report);
    emit("run-finished", outcome.report.wall_secs,
         fmt::format(
             ",\"passed\":{},\"failed\":{},\"flaky\":{},\"skipped\":{},\"not_run\":{},\"quarantined\":{},"
             "\"interrupted\":{},\"stopped_early\":{},\"exit_code\":{},\"duration\":{:.3f}",
             counts.passed, counts.failed, counts.flaky, counts.skipped, counts.not_run, counts.quarantined,
             outcome.interrupted ? "true" : "false", outcome.stopped_early ? "true" : "false",
             exit_code_for(outcome), outcome.report.wall_secs));
}

} // namespace offload
