// The output of one batch: all of it streamed to the batch's log file on disk, the last part
// kept in memory for failure messages. Memory stays bounded however much a test prints.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace offload {

class BatchOutput {
  public:
    static constexpr size_t tail_limit = 64 << 10;

    // Opens (creates) the log file. When it cannot be opened, output is only kept in memory and
    // error() says why. Thread: the worker running the batch, for every member.
    explicit BatchOutput(std::filesystem::path log_path);
    ~BatchOutput();
    BatchOutput(const BatchOutput &) = delete;
    BatchOutput &operator=(const BatchOutput &) = delete;

    void write(std::string_view data);

    const std::filesystem::path &log_path() const { return m_log_path; }
    const std::string &error() const { return m_error; }
    // The last tail_limit bytes written.
    std::string tail() const;
    size_t total_bytes() const { return m_total; }

  private:
    std::filesystem::path m_log_path;
    std::FILE *m_file = nullptr;
    std::string m_error;
    std::string m_ring;      // circular buffer of the last tail_limit bytes
    size_t m_ring_start = 0; // index of the oldest byte once the ring is full
    size_t m_total = 0;
};

} // namespace offload
