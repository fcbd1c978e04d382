// Quoting for POSIX shells: how test ids and paths reach commands as data, never as code.
#pragma once

#include <string>
#include <string_view>

namespace offload {

// Returns word quoted so that sh passes it on as exactly one argument, byte for byte: words made
// only of [A-Za-z0-9_@%+=:,./-] are returned as they are, anything else in single quotes (a
// single quote inside becomes '\''), the empty word as ''.
std::string shell_quote(std::string_view word);

} // namespace offload
