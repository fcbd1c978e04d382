// Percent-encoding of test ids and values where a line or a space would end them: the test
// protocol's records and worker input (docs/test-protocol.md), and files offload keeps of test ids.
#pragma once

#include <string>
#include <string_view>

namespace offload {

// %, space, tab, CR, LF, the other control bytes and DEL become %XX (upper-case hex); everything
// else (UTF-8 included) stays as it is.
std::string percent_encode(std::string_view bytes);
// %XX (hex, either case) becomes its byte; a % without two hex digits stands for itself.
std::string percent_decode(std::string_view text);

} // namespace offload
