#include "util/log.hpp"

#include "util/terminal_text.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace offload::log {

namespace {
std::atomic<Level> g_min_level{Level::Info};
std::mutex g_mutex;
} // namespace

void set_min_level(Level level)
{
    g_min_level = level;
}

bool enabled(Level level)
{
    return level >= g_min_level.load();
}

void write(Level level, std::string_view message)
{
    if (!enabled(level))
        return;
    std::string line = "offload: ";
    switch (level) {
    case Level::Debug: line += "debug: "; break;
    case Level::Info: break;
    case Level::Warning: line += "warning: "; break;
    case Level::Error: line += "error: "; break;
    }
    // Messages quote ids, output and plugins' words: escape sequences in them are shown, not obeyed.
    line += terminal_safe(message);
    line += '\n';
    std::lock_guard lock(g_mutex);
    std::fflush(stdout);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

void print_error_line(std::string_view line)
{
    std::lock_guard lock(g_mutex);
    std::fflush(stdout);
    const std::string safe = terminal_safe(line);
    std::fwrite(safe.data(), 1, safe.size(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

void print(std::string_view text)
{
    std::lock_guard lock(g_mutex);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

} // namespace offload::log
