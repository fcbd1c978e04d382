// --trace FILE: a Chrome/Perfetto trace (the JSON "traceEvents" format; open it in
// ui.perfetto.dev or chrome://tracing) with one track per sandbox and a span per batch.
#pragma once

#include "runner/run_observer.hpp"

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace offload {

class TraceWriter : public RunObserver {
  public:
    explicit TraceWriter(std::filesystem::path file) : m_file(std::move(file)) {}

    void sandbox_created(unsigned sandbox, double at_secs) override;
    void sandbox_destroyed(unsigned sandbox, double at_secs) override;
    void batch_finished(const BatchEvent &batch) override;
    // Writes the file. A failure to write is a warning, not a failed run.
    void run_finished(const RunOutcome &outcome) override;

    // The trace as text (also for tests).
    std::string render() const;

  private:
    struct Span {
        std::string name;
        unsigned track;
        double start, duration; // seconds
        std::string args;       // JSON object members, without braces
    };
    std::filesystem::path m_file;
    mutable std::mutex m_mutex;
    std::vector<Span> m_spans;
    std::vector<std::pair<unsigned, double>> m_sandbox_starts;
};

} // namespace offload
