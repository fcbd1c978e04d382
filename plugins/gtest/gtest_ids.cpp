#include "gtest_ids.hpp"

#include <cstdio>

namespace offload::gtest {

std::string format_id(std::string_view binary, std::string_view name)
{
    std::string id(binary);
    id += "::";
    id += name;
    return id;
}

std::optional<CaseId> parse_id(std::string_view id)
{
    const size_t separator = id.rfind("::");
    if (separator == std::string_view::npos || separator == 0 || separator + 2 == id.size())
        return std::nullopt;
    return CaseId{std::string(id.substr(0, separator)), std::string(id.substr(separator + 2))};
}

bool is_disabled(std::string_view name)
{
    // GoogleTest's own test, on the suite's name and the case's: "DISABLED_*:*/DISABLED_*".
    auto matches = [](std::string_view part) {
        return part.substr(0, 9) == "DISABLED_" || part.find("/DISABLED_") != std::string_view::npos;
    };
    const size_t dot = name.find('.');
    if (dot == std::string_view::npos)
        return matches(name);
    return matches(name.substr(0, dot)) || matches(name.substr(dot + 1));
}

std::string percent_encode(std::string_view text)
{
    std::string encoded;
    for (char c : text) {
        if (c == '%' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            char escape[4];
            std::snprintf(escape, sizeof escape, "%%%02X", static_cast<unsigned char>(c));
            encoded += escape;
        } else {
            encoded += c;
        }
    }
    return encoded;
}

} // namespace offload::gtest
