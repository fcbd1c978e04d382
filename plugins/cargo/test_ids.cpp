#include "test_ids.hpp"

#include <array>
#include <utility>

namespace offload::cargo {

namespace {

struct KindName {
    TargetKind kind;
    std::string_view word;   // in ids
    std::string_view option; // cargo's option selecting it
};

constexpr std::array<KindName, 6> kinds = {{
    {TargetKind::Lib, "lib", "--lib"},
    {TargetKind::Doc, "doc", "--doc"},
    {TargetKind::Bin, "bin", "--bin"},
    {TargetKind::Test, "test", "--test"},
    {TargetKind::Example, "example", "--example"},
    {TargetKind::Bench, "bench", "--bench"},
}};

const KindName &describe(TargetKind kind)
{
    for (const KindName &entry : kinds)
        if (entry.kind == kind)
            return entry;
    return kinds[0];
}

bool has_name(TargetKind kind)
{
    return kind != TargetKind::Lib && kind != TargetKind::Doc;
}

// Cargo package and target names: letters, digits, '-' and '_' (cargo itself allows a little more
// in target names, but never ':', '/', '(' or ')', which is all the id format needs).
bool valid_name(std::string_view name)
{
    if (name.empty())
        return false;
    for (char c : name)
        if (c == ':' || c == '/' || c == '(' || c == ')' || c == ' ')
            return false;
    return true;
}

} // namespace

std::string Target::spec() const
{
    const KindName &entry = describe(kind);
    std::string text = package.empty() ? "" : package + "/";
    text += entry.word;
    if (has_name(kind))
        text += "(" + name + ")";
    return text;
}

std::vector<std::string> Target::cargo_selection() const
{
    std::vector<std::string> args;
    if (!package.empty())
        args = {"--package", package};
    args.emplace_back(describe(kind).option);
    if (has_name(kind))
        args.push_back(name);
    return args;
}

std::string format_id(const Target &target, std::string_view name)
{
    return target.spec() + "::" + std::string(name);
}

std::optional<TestId> parse_id(std::string_view text)
{
    size_t separator = text.find("::");
    if (separator == std::string_view::npos || separator + 2 >= text.size())
        return std::nullopt;
    TestId id;
    id.name = std::string(text.substr(separator + 2));
    std::string_view spec = text.substr(0, separator);
    if (size_t slash = spec.find('/'); slash != std::string_view::npos) {
        id.target.package = std::string(spec.substr(0, slash));
        if (!valid_name(id.target.package))
            return std::nullopt;
        spec.remove_prefix(slash + 1);
    }
    for (const KindName &entry : kinds) {
        if (spec.substr(0, entry.word.size()) != entry.word)
            continue;
        std::string_view rest = spec.substr(entry.word.size());
        if (!has_name(entry.kind)) {
            if (!rest.empty())
                continue;
        } else {
            if (rest.size() < 3 || rest.front() != '(' || rest.back() != ')')
                continue;
            id.target.name = std::string(rest.substr(1, rest.size() - 2));
            if (!valid_name(id.target.name))
                return std::nullopt;
        }
        id.target.kind = entry.kind;
        return id;
    }
    return std::nullopt;
}

std::optional<TargetKind> kind_from_cargo(std::string_view kind)
{
    if (kind == "bin")
        return TargetKind::Bin;
    if (kind == "test")
        return TargetKind::Test;
    if (kind == "example")
        return TargetKind::Example;
    if (kind == "bench")
        return TargetKind::Bench;
    if (kind == "lib" || kind == "rlib" || kind == "dylib" || kind == "cdylib" || kind == "staticlib" ||
        kind == "proc-macro")
        return TargetKind::Lib;
    return std::nullopt;
}

} // namespace offload::cargo
