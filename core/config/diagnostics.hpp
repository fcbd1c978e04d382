// Located messages about the user's input (offload.toml): "offload.toml:3:15: error: ...".
// They are printed as they are found, so a user sees every problem of a file in one go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

struct Location {
    std::string file;
    uint32_t line = 0; // 1-based; 0 when unknown
    uint32_t column = 0;

    // "file:line:column", or just "file" when the position is unknown.
    std::string to_string() const;
};

// Thread-safe.
class Diagnostics {
  public:
    // print: write each message to stderr as it comes (off for fuzzing and tools that only collect).
    explicit Diagnostics(bool print = true) : m_print(print) {}

    void error(const Location &where, std::string_view message);
    void warning(const Location &where, std::string_view message);

    size_t error_count() const;
    // Every message reported so far, as printed ("file:line:col: error: ..."), in order.
    std::vector<std::string> messages() const;
    // Throws offload::Error saying how many errors were reported for file, when there were any.
    void throw_if_errors(std::string_view file) const;

  private:
    mutable std::mutex m_mutex;
    bool m_print;
    size_t m_errors = 0;
    std::vector<std::string> m_messages;
};

} // namespace offload
