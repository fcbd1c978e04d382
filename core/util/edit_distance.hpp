// How far apart two words are, for "did you mean" hints.
#pragma once

#include <cstddef>
#include <string_view>

namespace offload {

// The Levenshtein distance: the fewest single-byte insertions, deletions and substitutions that
// turn a into b.
size_t edit_distance(std::string_view a, std::string_view b);

} // namespace offload
