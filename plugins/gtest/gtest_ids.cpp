#include "gtest_ids.hpp"

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

} // namespace offload::gtest
