// Reading what `go test -list . -json` prints (test2json events, one JSON object a line), and the
// ids of go tests: PACKAGE::NAME, where PACKAGE is the import path (which cannot hold ':') and NAME
// a top-level test, example or fuzz target (a Go identifier); subtests are part of their test.
#pragma once

#include <offload/offload.h>

#include <string>
#include <string_view>
#include <vector>

namespace offload::go {

// The separator of PACKAGE and NAME in an id.
inline constexpr std::string_view id_separator = "::";

struct TestId {
    std::string package;
    std::string name;
};

std::string format_id(const std::string &package, const std::string &name);
// An id split at its first "::"; false when it is not PACKAGE::NAME with both parts non-empty.
bool parse_id(std::string_view id, TestId &out);

// text as a regular expression (RE2 syntax, as Go's regexp.QuoteMeta) that matches only itself.
std::string quote_regexp(std::string_view text);

struct Listing {
    std::vector<TestId> tests; // in the order go listed them
    size_t events = 0;         // test2json events seen: none means the command was not `go test -json`
    std::vector<std::string> other_lines; // lines that were not events: the go command's messages
};

// Reads `go test -list REGEXP -json PACKAGES`: each package's listed names arrive as its output
// lines. Benchmarks are left out (-run does not run them); the package's own lines (`ok  pkg 0.1s`,
// `?  pkg [no test files]`) are not names.
Listing read_listing(std::string_view text);

} // namespace offload::go
