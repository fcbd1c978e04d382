// Splitting text at a separator.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace offload {

// The pieces of text between separators; an empty piece where two separators meet, and one piece
// (maybe empty) after the last separator.
std::vector<std::string_view> split(std::string_view text, char separator);

// The text up to its first newline (all of it when there is none).
std::string first_line(const std::string &text);

} // namespace offload
