#include "frames.hpp"

#include <charconv>

namespace offload::common {

Frames read_frames(std::string_view text)
{
    constexpr std::string_view header = "@offload-gtest ";
    Frames result;
    size_t at = 0;
    while (at < text.size()) {
        const size_t line_end = text.find('\n', at);
        const std::string_view line =
            text.substr(at, line_end == std::string_view::npos ? std::string_view::npos : line_end - at);
        const size_t space = line.rfind(' ');
        size_t bytes = 0;
        if (line_end == std::string_view::npos || line.substr(0, header.size()) != header ||
            space < header.size()) {
            result.error = "expected a frame header at byte " + std::to_string(at);
            return result;
        }
        const std::string_view count = line.substr(space + 1);
        const auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), bytes);
        if (error != std::errc() || end != count.data() + count.size() || count.empty()) {
            result.error = "a frame header without a length at byte " + std::to_string(at);
            return result;
        }
        const size_t data = line_end + 1;
        if (bytes > text.size() - data || data + bytes >= text.size() || text[data + bytes] != '\n') {
            result.error = "a frame cut off at byte " + std::to_string(at);
            return result;
        }
        result.frames.push_back(
            {std::string(line.substr(header.size(), space - header.size())), text.substr(data, bytes)});
        at = data + bytes + 1;
    }
    return result;
}

} // namespace offload::common
