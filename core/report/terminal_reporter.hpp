// What a person sees while a run goes on: failures as they happen (with the end of their
// output), flaky tests, incidents, and the progress - a status line redrawn in place on a
// terminal, plain lines every few seconds otherwise (CI, pipes, --ci).
#pragma once

#include "runner/run_observer.hpp"

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace offload {

struct TerminalOptions {
    bool color = false;       // ANSI colors on the lines
    bool status_line = false; // redraw one status line on stderr (an interactive terminal)
    std::FILE *out = stdout;  // where failure lines go (stderr when stdout carries JSON events)
};

// Decides colors and the status line from --color, --ci, NO_COLOR, CI and whether the streams are
// terminals.
TerminalOptions terminal_options(const std::string &color, bool ci, bool json_events);

class TerminalReporter : public RunObserver {
  public:
    explicit TerminalReporter(TerminalOptions options) : m_options(options) {}

    void run_started(size_t tests, size_t batches, unsigned max_sandboxes,
                     const std::string &provider) override;
    void batch_finished(const BatchEvent &batch) override;
    void test_finished(const TestEvent &test) override;
    void test_slow(const TestSlowEvent &test) override;
    void incident(const std::string &text) override;
    void tick(const RunProgress &progress) override;
    void run_finished(const RunOutcome &outcome) override;

  private:
    // Per batch: identical failures (a broken tool fails every test alike) are shown once.
    struct BatchLines {
        std::string last_message, last_output;
        size_t same = 0, hidden_failures = 0, not_run = 0;
    };
    void write(const std::string &text); // caller holds m_mutex
    void clear_status();                 // caller holds m_mutex
    std::string paint(const char *code, const std::string &text) const;

    TerminalOptions m_options;
    std::mutex m_mutex;
    std::map<size_t, BatchLines> m_batches;
    std::string m_status; // the status line on screen, "" if none
    double m_last_plain_line = 0;
};

} // namespace offload
