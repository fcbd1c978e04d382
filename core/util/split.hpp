// Splitting text at a separator.
#pragma once

#include <string_view>
#include <vector>

namespace offload {

// The pieces of text between separators; an empty piece where two separators meet, and one piece
// (maybe empty) after the last separator.
std::vector<std::string_view> split(std::string_view text, char separator);

} // namespace offload
