// What happens to a parsed configuration before its settings are read: a file in the Rust
// offload's form is translated into offload's (config/rust_offload), then ${VAR} references are
// expanded (config/env_expansion.hpp), in offload's files too.
#pragma once

#include "config/diagnostics.hpp"
#include "config/rust_offload/rust_offload_config.hpp"

#include <toml++/toml.h>

#include <memory>
#include <string>

namespace offload {

// Adapts document in place. Returns the translation (its document moved into `document`) when
// the file was in the Rust offload's form, after warning that it is and how to migrate; nullptr
// for offload's own files.
std::unique_ptr<RustOffloadConfig> adapt_document(toml::table &document, const std::string &file,
                                                  Diagnostics &diagnostics);

} // namespace offload
