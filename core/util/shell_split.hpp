// Splitting a command line into words as sh does, for the command lines of configurations.
#pragma once

#include "util/expected.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace offload {

// The words of text: blanks separate, 'single' and "double" quotes and backslashes quote as in
// sh. No expansion ($VAR stays as it is). A failure names an unclosed quote.
Expected<std::vector<std::string>> shell_split(std::string_view text);

} // namespace offload
