#include "report/trace_writer.hpp"

#include "util/json.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace offload {

namespace {
constexpr int batches_process = 1;
constexpr int sandboxes_process = 2;
} // namespace

void TraceWriter::sandbox_created(unsigned sandbox, double at_secs)
{
    std::lock_guard lock(m_mutex);
    m_sandbox_starts.emplace_back(sandbox, at_secs);
}

void TraceWriter::sandbox_destroyed(unsigned sandbox, double at_secs)
{
    std::lock_guard lock(m_mutex);
    auto found = std::find_if(m_sandbox_starts.begin(), m_sandbox_starts.end(),
                              [&](const auto &start) { return start.first == sandbox; });
    if (found == m_sandbox_starts.end())
        return;
    m_spans.push_back(
        {fmt::format("sandbox {}", sandbox), sandbox + 1000000u, found->second, at_secs - found->second, ""});
    m_sandbox_starts.erase(found);
}

void TraceWriter::batch_finished(const BatchEvent &batch)
{
    std::string args = fmt::format("\"tests\":{},\"attempt\":{},\"end\":\"{}\",\"exit_code\":{}",
                                   batch.test_ids.size(), batch.attempt + 1, batch.end, batch.exit_code);
    if (batch.test_ids.size() <= 50) {
        args += ",\"ids\":[";
        for (size_t i = 0; i < batch.test_ids.size(); ++i) {
            if (i > 0)
                args += ',';
            append_json_string(args, batch.test_ids[i]);
        }
        args += ']';
    }
    std::lock_guard lock(m_mutex);
    m_spans.push_back({fmt::format("batch {}{} ({} test{})", batch.number, batch.hedge ? " (hedge)" : "",
                                   batch.test_ids.size(), batch.test_ids.size() == 1 ? "" : "s"),
                       batch.sandbox, batch.at_secs - batch.duration_secs, batch.duration_secs, args});
}

std::string TraceWriter::render() const
{
    std::lock_guard lock(m_mutex);
    std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
    out += fmt::format("{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"args\":{{\"name\":\"batches by "
                       "sandbox\"}}}}",
                       batches_process);
    out += fmt::format(",\n{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"args\":{{\"name\":\"sandbox "
                       "lifetimes\"}}}}",
                       sandboxes_process);
    std::set<unsigned> tracks;
    for (const Span &span : m_spans) {
        bool lifetime = span.track >= 1000000u;
        unsigned track = lifetime ? span.track - 1000000u : span.track;
        int pid = lifetime ? sandboxes_process : batches_process;
        if (tracks.insert(track * 2 + (lifetime ? 1 : 0)).second)
            out += fmt::format(
                ",\n{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":"
                "\"sandbox {}\"}}}}",
                pid, track, track);
        std::string name;
        append_json_string(name, span.name);
        out += fmt::format(
            ",\n{{\"ph\":\"X\",\"name\":{},\"pid\":{},\"tid\":{},\"ts\":{:.0f},\"dur\":{:.0f},\"args\":"
            "{{{}}}}}",
            name, pid, track, std::max(0.0, span.start) * 1e6, std::max(0.0, span.duration) * 1e6, span.args);
    }
    out += "\n]}\n";
    return out;
}

void TraceWriter::run_finished(const RunOutcome &)
{
    std::string text = render();
    std::error_code error;
    if (m_file.has_parent_path())
        std::filesystem::create_directories(m_file.parent_path(), error);
    std::FILE *out = std::fopen(m_file.c_str(), "we");
    bool written = out && std::fwrite(text.data(), 1, text.size(), out) == text.size();
    if (out)
        written = std::fclose(out) == 0 && written;
    if (!written)
        log::warning(fmt::format("the trace could not be written to {}", m_file.string()));
}

} // namespace offload
