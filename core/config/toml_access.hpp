// Small helpers over toml++: where a node is in the file, what its type is called, and the key
// paths plugins use to address values ("env.PATH", "hosts[2]", "env.\"a.b\"").
#pragma once

#include "config/diagnostics.hpp"
#include "util/expected.hpp"

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace offload {

// Where a value starts, or (for the key overload) where its key is written.
Location location_of(const toml::node &node, const std::string &fallback_file);
Location location_of(const toml::key &key, const std::string &fallback_file);

// "a string", "an integer", "a table"... for messages.
std::string_view type_description(toml::node_type type);

// One step of a key path: a table key or an array index.
using PathSegment = std::variant<std::string, size_t>;

// Parses a key path; "" is the root itself (no segments). On malformed input, says what and where:
// "index must be a number at position 7 of key \"hosts[x]\"".
Expected<std::vector<PathSegment>> parse_key_path(std::string_view path);

// The node at path below root, or nullptr if any step does not exist.
const toml::node *find_node(const toml::node &root, const std::vector<PathSegment> &path);

// "[provider] env.PATH" — how messages name a key.
std::string describe_key(std::string_view section, std::string_view key);

} // namespace offload
