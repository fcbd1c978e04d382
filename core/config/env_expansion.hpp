// ${VAR} and ${VAR:-default} in the string values of a configuration, expanded when it is read.
// Keys whose value is a shell command line (`command`, `*_command`, `*_cmd`) are left alone: the
// shell that runs them expands variables itself, at the time and in the environment of the run.
#pragma once

#include "config/diagnostics.hpp"
#include "util/expected.hpp"

#include <toml++/toml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace offload {

// The value of an environment variable; nullopt when it is unset.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

// std::getenv.
VariableLookup process_environment();

// The text with ${NAME} replaced by the variable's value and ${NAME:-fallback} by the value or,
// when unset or empty, the fallback (itself literal). `$$` is one literal `$` (so `$${X}` is the
// text ${X}); any other `$` is literal. A failure says which variable is unset, or which
// reference is malformed (unclosed, empty or invalid name).
Expected<std::string> expand_variables(std::string_view text, const VariableLookup &lookup);

// True for the keys whose strings are shell command lines, never expanded.
bool is_shell_command_key(std::string_view key);

// Expands every string of the document (tables, arrays, nested), except below shell command keys.
// Each failure is an error at the string's file:line:column.
void expand_document_variables(toml::table &document, const std::string &file, Diagnostics &diagnostics,
                               const VariableLookup &lookup = process_environment());

} // namespace offload
