// Configuration files of the Rust offload (github.com/imbue-ai/offload), read as they are: both of
// its eras are translated into offload's own form before the settings are read, and every old key
// says what it became. Early era: [groups.NAME] tables that each hold a framework (`type`, `paths`,
// `python`, `markers`...). Current era (v0.9): one [framework] plus [groups.NAME] with `filters`,
// `retry_count`, `schedule_individual`. Their provider types `local`, `default` (`remote` early)
// and `modal` become offload's `process`, inline-command `script` and `modal` providers.
#pragma once

#include "config/diagnostics.hpp"

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace offload {

// What one key (or table) of their file became.
struct RustOffloadMapping {
    Location where;         // the old key in the file
    std::string from;       // `[groups.unit] markers = "not slow"`
    std::string to;         // `[groups.unit] filters = "-m 'not slow'"`, or why it has no effect
    bool has_effect = true; // false: accepted, but nothing of offload's behaviour depends on it
};

// Where a table or key of the translated document came from: the line of the old key, so that
// `offload migrate` can put the comments written above it above the new one.
struct RustOffloadEntry {
    std::vector<std::string> table;     // ["groups", "unit"]
    std::string key;                    // empty: the table's header
    uint32_t origin_line = 0;           // 0: made up (a default of theirs spelled out)
    std::vector<uint32_t> more_origins; // other old keys that went into the same key
};

// A comment line `offload migrate` writes in a table for a key that has no effect here.
struct RustOffloadNote {
    std::vector<std::string> table;
    std::string text;
    uint32_t origin_line = 0;
};

struct RustOffloadConfig {
    std::string era;      // "early" or "current"
    toml::table document; // offload's form; string values not yet ${VAR}-expanded
    std::vector<RustOffloadMapping> mappings;
    std::vector<RustOffloadEntry> entries; // in the order `offload migrate` writes them
    std::vector<RustOffloadNote> notes;
};

// True when the document is in one of their forms: it has no [discovery] (offload's files always
// have one) and it has a [framework] table, a [groups.NAME] table holding a `type`, or a provider
// of their types (`local`, `default`, `remote`).
bool is_rust_offload_config(const toml::table &document);

// Their document in offload's form. Keys that change behaviour offload lacks (checkpoints, image
// overrides, patches, cost estimates) are errors in diagnostics, unknown keys warnings; the
// result is then incomplete, and the caller stops at diagnostics.throw_if_errors.
RustOffloadConfig translate_rust_offload_config(const toml::table &document, const std::string &file,
                                                Diagnostics &diagnostics);

// "offload-local.toml:12:1: [groups.unit] markers = \"not slow\" → [groups.unit] filters = ..."
std::string describe_mapping(const RustOffloadMapping &mapping);

} // namespace offload
