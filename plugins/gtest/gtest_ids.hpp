// Test ids of the gtest framework: BINARY::FULL_NAME, where BINARY is the test executable's path as
// `binaries` matched it (relative to the project) and FULL_NAME GoogleTest's own name of the case,
// as --gtest_filter takes it: Suite.Case, TypedSuite/0.Case, Instance/Suite.Case/3. GoogleTest
// names hold no ':', so the last "::" separates the two. Not part of the ABI.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace offload::gtest {

struct CaseId {
    std::string binary;
    std::string name; // Suite.Case
};

std::string format_id(std::string_view binary, std::string_view name);

// nullopt when id has no "::" or an empty side.
std::optional<CaseId> parse_id(std::string_view id);

} // namespace offload::gtest
