#include "util/regex.hpp"

#include <re2/re2.h>

namespace offload {

namespace {

// What RE2 can spend on one pattern's compiled program and its DFA caches. Above the default
// (8 MiB) so that a long alternation of ids (a pasted list) still compiles; a pattern beyond it
// is refused as too large rather than matched slowly.
constexpr int64_t max_memory_bytes = 64 << 20;

std::string hint_for(re2::RE2::ErrorCode code)
{
    switch (code) {
    case re2::RE2::ErrorBadPerlOp:
    case re2::RE2::ErrorBadEscape:
        return " (offload's regular expressions are RE2's: no lookahead, lookbehind or backreferences; "
               "--exclude REGEX leaves tests out)";
    case re2::RE2::ErrorPatternTooLarge:
        return " (the pattern is too large; list the ids as arguments instead)";
    default: return "";
    }
}

} // namespace

Expected<Regex> Regex::compile(std::string_view pattern)
{
    re2::RE2::Options options;
    options.set_log_errors(false); // the error is returned, for the caller to put in context
    options.set_max_mem(max_memory_bytes);
    auto compiled =
        std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
    if (!compiled->ok()) {
        // RE2 quotes the offending part, which may be most of a huge pattern.
        std::string why = compiled->error();
        if (why.size() > 300)
            why = why.substr(0, 300) + "...";
        return failure(why + hint_for(compiled->error_code()));
    }
    return Regex(std::move(compiled));
}

bool Regex::search(std::string_view text) const
{
    return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *m_compiled);
}

std::string invalid_pattern_message(std::string_view option, std::string_view pattern, const std::string &why)
{
    std::string shown(pattern.substr(0, 200));
    if (pattern.size() > 200)
        shown += "...";
    return std::string(option) + " \"" + shown + "\" is not a valid regular expression: " + why;
}

} // namespace offload
