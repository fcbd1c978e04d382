// How deep a TOML document nests its tables, measured before toml++ parses it. toml++ bounds the
// nesting of arrays and inline tables (256), but not that of dotted keys and table headers:
// `a.a.a...a = 1` with 100,000 segments overflows the stack inside toml::parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace offload {

// The deepest nesting a configuration may have. A real one needs 3 or 4 levels.
inline constexpr size_t max_toml_depth = 256;

struct TextPosition {
    uint32_t line = 0;   // 1-based
    uint32_t column = 0; // 1-based, in bytes
};

// Where the tables, arrays and inline tables of text first nest deeper than max_depth: the key
// segment, bracket or brace that goes one level too far. nullopt when they never do. Each dotted
// key segment, [table.header] segment, array and inline table is one level, as in toml++; strings
// and comments are skipped. (An [[array.of.tables]] segment is two levels in toml++ and counts
// one here: a document this lets through nests at most 2 * max_depth levels.) Text that is not
// valid TOML may be measured loosely: toml::parse then reports it.
std::optional<TextPosition> toml_too_deep(std::string_view text, size_t max_depth = max_toml_depth);

} // namespace offload
