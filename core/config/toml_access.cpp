#include "config/toml_access.hpp"

#include <algorithm>
#include <numeric>

namespace offload {

namespace {

Location location_of_region(const toml::source_region &source, const std::string &fallback_file)
{
    Location location;
    location.file = source.path ? *source.path : fallback_file;
    location.line = source.begin.line;
    location.column = source.begin.column;
    return location;
}

} // namespace

Location location_of(const toml::node &node, const std::string &fallback_file)
{
    return location_of_region(node.source(), fallback_file);
}

Location location_of(const toml::key &key, const std::string &fallback_file)
{
    return location_of_region(key.source(), fallback_file);
}

std::string_view type_description(toml::node_type type)
{
    switch (type) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    }
    return "a value";
}

Expected<std::vector<PathSegment>> parse_key_path(std::string_view path)
{
    std::vector<PathSegment> segments;
    size_t i = 0;
    auto fail = [&](std::string_view why) {
        return failure(std::string(why) + " at position " + std::to_string(i + 1) + " of key \"" +
                       std::string(path) + "\"");
    };
    if (path.empty())
        return segments; // the root itself
    bool expect_key = true;
    while (i < path.size()) {
        char c = path[i];
        if (c == '[') {
            size_t close = path.find(']', i);
            if (close == std::string_view::npos || close == i + 1)
                return fail("unterminated or empty index");
            size_t index = 0;
            for (size_t j = i + 1; j < close; ++j) {
                if (path[j] < '0' || path[j] > '9')
                    return fail("index must be a number");
                index = index * 10 + size_t(path[j] - '0');
            }
            if (expect_key && !segments.empty())
                return fail("index after '.'");
            segments.emplace_back(index);
            i = close + 1;
            expect_key = false;
        } else if (c == '.') {
            if (expect_key)
                return fail("empty key segment");
            expect_key = true;
            ++i;
        } else {
            if (!expect_key)
                return fail("expected '.' or '['");
            std::string key;
            if (c == '"') {
                ++i;
                bool closed = false;
                while (i < path.size()) {
                    char k = path[i++];
                    if (k == '\\' && i < path.size()) {
                        key += path[i++];
                    } else if (k == '"') {
                        closed = true;
                        break;
                    } else {
                        key += k;
                    }
                }
                if (!closed)
                    return fail("unterminated quoted key");
            } else {
                while (i < path.size() && path[i] != '.' && path[i] != '[')
                    key += path[i++];
            }
            segments.emplace_back(std::move(key));
            expect_key = false;
        }
    }
    if (expect_key)
        return fail("key ends with '.'");
    return segments;
}

const toml::node *find_node(const toml::node &root, const std::vector<PathSegment> &path)
{
    const toml::node *node = &root;
    for (const PathSegment &segment : path) {
        if (const std::string *key = std::get_if<std::string>(&segment)) {
            const toml::table *table = node->as_table();
            node = table ? table->get(*key) : nullptr;
        } else {
            const toml::array *array = node->as_array();
            size_t index = std::get<size_t>(segment);
            node = array && index < array->size() ? array->get(index) : nullptr;
        }
        if (!node)
            return nullptr;
    }
    return node;
}

std::string describe_key(std::string_view section, std::string_view key)
{
    std::string text = "[" + std::string(section) + "]";
    if (!key.empty())
        text += " " + std::string(key);
    return text;
}

} // namespace offload
