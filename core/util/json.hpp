// Minimal JSON output: strings escaped so that any bytes make a valid document.
#pragma once

#include <string>
#include <string_view>

namespace offload {

// Appends text as a JSON string literal, quotes included. Invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string &out, std::string_view text);

} // namespace offload
