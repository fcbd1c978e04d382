// The ids the cargo framework gives tests, and the cargo target each id names.
//
//   [PACKAGE/]TARGET::NAME
//   TARGET = lib | doc | bin(NAME) | test(NAME) | example(NAME) | bench(NAME)
//
// NAME is libtest's own name of the test: `tests::adds` in the library's unit tests,
// `creates_user` in tests/api.rs, `src/lib.rs - add (line 5)` for a doc test. The PACKAGE/ prefix
// is there only when the suite's tests come from more than one package of a workspace. Target and
// package names never contain "::", "/" or parentheses, so an id splits at its first "::".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offload::cargo {

enum class TargetKind { Lib, Doc, Bin, Test, Example, Bench };

struct Target {
    TargetKind kind = TargetKind::Lib;
    std::string name;    // empty for Lib and Doc
    std::string package; // empty when the id carries no package prefix

    // `lib`, `bin(cli)`, `core/test(api)`... the part of an id before "::".
    std::string spec() const;
    // The cargo options that select this target: {"--lib"}, {"--test", "api"}...; with -p PACKAGE
    // first when the target names its package.
    std::vector<std::string> cargo_selection() const;
    bool operator==(const Target &other) const = default;
};

struct TestId {
    Target target;
    std::string name; // libtest's name of the test
};

std::string format_id(const Target &target, std::string_view name);
// nullopt when text is not an id of the form above.
std::optional<TestId> parse_id(std::string_view text);

// The target kind of a cargo target's "kind" (the first entry of target.kind in cargo's JSON
// messages): "lib", "rlib", "proc-macro"... are Lib; "custom-build" and unknown kinds nullopt.
std::optional<TargetKind> kind_from_cargo(std::string_view kind);

} // namespace offload::cargo
