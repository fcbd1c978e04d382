// Building commands in the shipped plugins: words quoted for sh through the host, and the
// NULL-terminated string arrays of the process services. Not part of the ABI (see text.hpp).
#pragma once

#include <offload/plugin.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offload::common {

// The words quoted for sh (host->shell_quote) and joined with spaces.
std::string shell_words(const offload_host *host, const std::vector<std::string> &words);

// The words quoted for sh, each after a space ("" for none): arguments to append to a command.
std::string shell_args(const offload_host *host, const std::vector<std::string> &words);

// The words of text as sh would split a simple command: blanks separate words; '...' keeps its
// text as is; "..." keeps it but for \", \\, \$ and \` escapes; a backslash outside quotes
// keeps the next character. Nothing is expanded: $, *, ~ and ` are literal text. For filters a
// user writes in offload.toml ([groups.NAME] filters), which then reach a tool as data. Throws
// std::invalid_argument saying what is wrong (an unclosed quote, a trailing backslash).
std::vector<std::string> split_shell_words(std::string_view text);

// A group's filters as words (split_shell_words), or nullopt after telling error why they cannot
// be split; `what` says what the words are ("pytest arguments").
std::optional<std::vector<std::string>> filter_words(const char *filters, const offload_text_sink *error,
                                                     std::string_view what);

// The one pattern of filters that select tests with one option of a tool: "PATTERN" (not starting
// with "--"), "OPTION=PATTERN" or "OPTION PATTERN" (words as split_shell_words() splits them). Throws
// std::invalid_argument saying what it takes, with `example`, for anything else.
std::string single_pattern_filter(std::string_view filters, std::string_view option,
                                  std::string_view example);

// Pointers to strings' texts, then NULL: an argv or env list for the host's run_process. Borrows
// strings, which must outlive the result and not change.
std::vector<const char *> c_strings(const std::vector<std::string> &strings);

} // namespace offload::common
