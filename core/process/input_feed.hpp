// The stdin of a running command, written while it runs: how a test worker receives its tests.
// The runner writes, the command's supervisor (run_subprocess, or a provider with its own transport
// through the SDK's offload_input) reads.
#pragma once

#include <offload/input.h>

#include <mutex>
#include <string>
#include <string_view>

namespace offload {

// Thread-safe. Neither copyable nor movable: the reader holds a pointer to its C view.
class InputFeed {
  public:
    InputFeed();
    ~InputFeed();
    InputFeed(const InputFeed &) = delete;
    InputFeed &operator=(const InputFeed &) = delete;

    // Appends bytes to the input. Ignored once closed.
    void write(std::string_view bytes);
    // Ends the input: once what was written has been read, the reader sees the end. Idempotent.
    void close();
    bool closed() const;
    // Bytes written and not yet read.
    size_t pending() const;

    // The feed as the SDK's offload_input, valid as long as the feed. One reader at a time.
    const offload_input *view() const { return &m_view; }

  private:
    static int64_t read(const offload_input *input, char *buffer, size_t capacity);
    void signal_locked();
    void unsignal_locked();

    mutable std::mutex m_mutex;
    std::string m_buffer; // bytes not yet read start at m_offset
    size_t m_offset = 0;
    bool m_closed = false;
    bool m_signalled = false; // m_event_fd is readable
    int m_event_fd = -1;
    offload_input m_view;
};

} // namespace offload
