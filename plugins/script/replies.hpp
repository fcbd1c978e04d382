// The replies of a provider script: lines "WORD VALUE" on its stdout (protocol 1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct Reply {
    std::string word;
    std::string value; // the rest of the line, without the separating blanks; may be empty
};

// Splits stdout into replies. Blank lines are skipped; trailing CR and blanks are dropped; a line
// of a single word has an empty value. Never fails: unknown words are the caller's to ignore.
std::vector<Reply> parse_replies(std::string_view text);

// The value of the first reply with this word.
std::optional<std::string> find_reply(const std::vector<Reply> &replies, std::string_view word);

// The words of a space-separated list value ("prepare upload stop").
std::vector<std::string> split_words(std::string_view value);
