// `offload migrate`: a file of the Rust offload's form, rewritten in offload's own. toml++ keeps no
// comments, so they are carried over from the text: each comment line goes with the key or table
// header below it (a comment after a value, with that key), and is written where that key went.
#pragma once

#include "config/rust_offload/rust_offload_config.hpp"

#include <string>
#include <string_view>

namespace offload {

// The text of the translated configuration. original: the text of their file; name: how the
// header comment calls it.
std::string write_migrated_config(const RustOffloadConfig &config, std::string_view original,
                                  const std::string &name);

} // namespace offload
