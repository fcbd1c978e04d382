// Foreign text (test ids, output, messages of tests and plugins) made safe to print on a terminal:
// escape sequences in it cannot move the cursor, recolor or retitle the terminal, or hide lines.
#pragma once

#include <string>
#include <string_view>

namespace offload {

// text with every control character escaped as "\xNN" per byte (backslash, x, two uppercase hex
// digits, as util/utf8.hpp's policy writes bytes that are not UTF-8, which are escaped too): C0
// controls but TAB and LF (and CR where it ends a line as CR LF), DEL, and the C1 controls
// U+0080-U+009F (a terminal may take U+009B for CSI). Everything else, valid multi-byte UTF-8
// included, passes unchanged.
std::string terminal_safe(std::string_view text);

} // namespace offload
