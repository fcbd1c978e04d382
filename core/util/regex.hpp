// Regular expressions that users give (--filter, --exclude, --grep), matched against text that
// tests produce: ids, messages and output of any size. RE2 does the work: matching takes time
// linear in the text and memory bounded by the pattern, with no backtracking and no recursion, so
// neither a huge text nor a pathological pattern can exhaust the stack or hang offload.
//
// The syntax is RE2's (https://github.com/google/re2/wiki/Syntax): Perl's and ECMAScript's common
// core (classes, \d \w \s \b, repetition, alternation, non-greedy operators, (?i) flags, named
// groups) without backreferences or lookaround. `.` does not match a newline, and ^ $ match only at
// the ends of the text unless the pattern starts with (?m).
#pragma once

#include "util/expected.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace offload {

// An immutable compiled pattern. Copies share it. Thread-safe: search() may be called from any
// number of threads at once.
class Regex {
  public:
    // The pattern compiled, or why it is not valid, in RE2's words with the offending part
    // ("missing ): (abc"), plus a hint when it uses a feature RE2 does not have.
    static Expected<Regex> compile(std::string_view pattern);

    // True when the pattern matches somewhere in text (a search, not a full match). Text that is
    // not valid UTF-8 is matched byte by byte where it is not.
    bool search(std::string_view text) const;

  private:
    explicit Regex(std::shared_ptr<const re2::RE2> compiled) : m_compiled(std::move(compiled)) {}
    std::shared_ptr<const re2::RE2> m_compiled;
};

// "OPTION \"PATTERN\" is not a valid regular expression: WHY", the pattern cut to 200 bytes: the
// message a command-line option gives when compile() fails.
std::string invalid_pattern_message(std::string_view option, std::string_view pattern,
                                    const std::string &why);

} // namespace offload
