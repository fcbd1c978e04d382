#include "common/command.hpp"

#include <stdexcept>

namespace offload::common {

std::string shell_words(const offload_host *host, const std::vector<std::string> &words)
{
    std::string line;
    for (const std::string &word : words) {
        if (!line.empty())
            line += ' ';
        line += offload::sdk::shell_quote(host, word);
    }
    return line;
}

std::string shell_args(const offload_host *host, const std::vector<std::string> &words)
{
    return words.empty() ? std::string() : " " + shell_words(host, words);
}

std::optional<std::vector<std::string>> filter_words(const char *filters, const offload_text_sink *error,
                                                     std::string_view what)
{
    try {
        return split_shell_words(filters ? filters : "");
    } catch (const std::invalid_argument &e) {
        offload::sdk::append_text(error,
                                  "they are " + std::string(what) + ", split as sh would, but " + e.what());
        return std::nullopt;
    }
}

std::string single_pattern_filter(std::string_view filters, std::string_view option, std::string_view example)
{
    const std::vector<std::string> words = split_shell_words(filters);
    const std::string prefix = std::string(option) + "=";
    if (words.size() == 1 && words[0].rfind(prefix, 0) == 0 && words[0].size() > prefix.size())
        return words[0].substr(prefix.size());
    // Not another option; a lone "-..." is a pattern (GoogleTest's "-Slow*" leaves those out).
    if (words.size() == 1 && !words[0].empty() && words[0].rfind("--", 0) != 0 && words[0] != option)
        return words[0];
    if (words.size() == 2 && words[0] == option && !words[1].empty())
        return words[1];
    throw std::invalid_argument("they are one pattern, as " + std::string(option) + " takes it: PATTERN or " +
                                prefix + "PATTERN (e.g. \"" + std::string(example) + "\")");
}

std::vector<const char *> c_strings(const std::vector<std::string> &strings)
{
    std::vector<const char *> pointers;
    pointers.reserve(strings.size() + 1);
    for (const std::string &text : strings)
        pointers.push_back(text.c_str());
    pointers.push_back(nullptr);
    return pointers;
}

std::vector<std::string> split_shell_words(std::string_view text)
{
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word)
                words.push_back(std::move(word));
            word.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '\'') {
            const size_t end = text.find('\'', i + 1);
            if (end == std::string_view::npos)
                throw std::invalid_argument("the ' at character " + std::to_string(i + 1) +
                                            " is never closed");
            word.append(text.substr(i + 1, end - i - 1));
            i = end;
        } else if (c == '"') {
            size_t j = i + 1;
            for (; j < text.size() && text[j] != '"'; ++j) {
                if (text[j] == '\\' && j + 1 < text.size() &&
                    std::string_view("\"\\$`").find(text[j + 1]) != std::string_view::npos)
                    ++j;
                word += text[j];
            }
            if (j == text.size())
                throw std::invalid_argument("the \" at character " + std::to_string(i + 1) +
                                            " is never closed");
            i = j;
        } else if (c == '\\') {
            if (i + 1 == text.size())
                throw std::invalid_argument("it ends with a backslash that escapes nothing");
            word += text[++i];
        } else {
            word += c;
        }
    }
    if (in_word)
        words.push_back(std::move(word));
    return words;
}

} // namespace offload::common
