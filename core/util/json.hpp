// Minimal JSON output: strings escaped so that any bytes make a valid document.
#pragma once

#include <string>
#include <string_view>

namespace offload {

// Appends text as a JSON string literal, quotes included. Each byte that is not part of
// well-formed UTF-8 becomes the text \xNN (util/utf8.hpp), written "\\xNN" in JSON.
void append_json_string(std::string &out, std::string_view text);

} // namespace offload
