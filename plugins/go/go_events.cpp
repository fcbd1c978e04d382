#include "go_events.hpp"

#include "common/json.hpp"
#include "common/text.hpp"

#include <optional>

namespace offload::go {

using offload::common::for_each_line;
using offload::common::Json;

std::string format_id(const std::string &package, const std::string &name)
{
    return package + std::string(id_separator) + name;
}

bool parse_id(std::string_view id, TestId &out)
{
    const size_t at = id.find(id_separator);
    if (at == std::string_view::npos || at == 0 || at + id_separator.size() >= id.size())
        return false;
    out.package = std::string(id.substr(0, at));
    out.name = std::string(id.substr(at + id_separator.size()));
    return true;
}

std::string quote_regexp(std::string_view text)
{
    std::string quoted;
    for (char c : text) {
        if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos)
            quoted += '\\';
        quoted += c;
    }
    return quoted;
}

namespace {

// A name `go test -list` prints for something -run selects.
bool is_runnable_name(std::string_view name)
{
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos)
        return false;
    for (std::string_view prefix : {"Test", "Example", "Fuzz"})
        if (name.substr(0, prefix.size()) == prefix)
            return true;
    return false;
}

// The event on line, when it is one: an object with a string Action.
std::optional<Json> event_of(std::string_view line)
{
    if (line.empty() || line.front() != '{')
        return std::nullopt;
    std::optional<Json> json = Json::parse(line);
    if (!json || !(*json)["Action"].is_string())
        return std::nullopt;
    return json;
}

} // namespace

Listing read_listing(std::string_view text)
{
    Listing listing;
    for_each_line(text, [&](std::string_view line) {
        std::optional<Json> event = event_of(line);
        if (!event) {
            if (!offload::common::trim(line).empty())
                listing.other_lines.emplace_back(line);
            return;
        }
        ++listing.events;
        const Json &package = (*event)["Package"];
        if ((*event)["Action"].string() != "output" || !package.is_string() || package.string().empty() ||
            (*event)["Test"].is_string())
            return;
        std::string_view name = offload::common::trim((*event)["Output"].string());
        if (is_runnable_name(name))
            listing.tests.push_back({package.string(), std::string(name)});
    });
    return listing;
}

} // namespace offload::go
