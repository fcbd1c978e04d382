// offload's own messages to the user, on stderr. Thread-safe: lines from workers never interleave.
#pragma once

#include <string_view>

namespace offload::log {

enum class Level { Debug, Info, Warning, Error };

// Messages below this level are dropped. Main thread, before workers start.
void set_min_level(Level level);
bool enabled(Level level);

// Writes "offload: warning: <message>" (or error:/nothing for info, debug:) as one line.
void write(Level level, std::string_view message);
inline void debug(std::string_view message)
{
    write(Level::Debug, message);
}
inline void info(std::string_view message)
{
    write(Level::Info, message);
}
inline void warning(std::string_view message)
{
    write(Level::Warning, message);
}
inline void error(std::string_view message)
{
    write(Level::Error, message);
}

// Writes one line to stderr as is, without the "offload: " prefix (for located diagnostics).
void print_error_line(std::string_view line);

// Writes text to stdout as is, under the same lock (for progress and summary lines).
void print(std::string_view text);

} // namespace offload::log
