// --message-format json: one JSON object per line on stdout as the run goes (docs/events.md).
#pragma once

#include "runner/run_observer.hpp"

#include <cstdio>
#include <mutex>
#include <string>

namespace offload {

class JsonEvents : public RunObserver {
  public:
    explicit JsonEvents(std::FILE *out = stdout) : m_out(out) {}

    void run_started(size_t tests, size_t batches, unsigned max_sandboxes,
                     const std::string &provider) override;
    void sandbox_created(unsigned sandbox, double at_secs) override;
    void sandbox_destroyed(unsigned sandbox, double at_secs) override;
    void batch_started(const BatchEvent &batch) override;
    void batch_finished(const BatchEvent &batch) override;
    void test_started(const TestStartEvent &test) override;
    void test_finished(const TestEvent &test) override;
    void test_slow(const TestSlowEvent &test) override;
    void incident(const std::string &text) override;
    void run_finished(const RunOutcome &outcome) override;

  private:
    void emit(const std::string &type, double at_secs, const std::string &fields);

    std::FILE *m_out;
    std::mutex m_mutex;
    double m_last_time = 0;
};

} // namespace offload
