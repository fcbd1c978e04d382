#include "replies.hpp"

namespace {

bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

} // namespace

std::vector<Reply> parse_replies(std::string_view text)
{
    std::vector<Reply> replies;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        while (!line.empty() && is_blank(line.back()))
            line.remove_suffix(1);
        while (!line.empty() && is_blank(line.front()))
            line.remove_prefix(1);
        if (line.empty())
            continue;
        size_t gap = 0;
        while (gap < line.size() && !is_blank(line[gap]))
            ++gap;
        Reply reply{std::string(line.substr(0, gap)), ""};
        while (gap < line.size() && is_blank(line[gap]))
            ++gap;
        reply.value = std::string(line.substr(gap));
        replies.push_back(std::move(reply));
    }
    return replies;
}

std::optional<std::string> find_reply(const std::vector<Reply> &replies, std::string_view word)
{
    for (const Reply &reply : replies)
        if (reply.word == word)
            return reply.value;
    return std::nullopt;
}

std::vector<std::string> split_words(std::string_view value)
{
    std::vector<std::string> words;
    size_t start = 0;
    while (start < value.size()) {
        while (start < value.size() && is_blank(value[start]))
            ++start;
        size_t end = start;
        while (end < value.size() && !is_blank(value[end]))
            ++end;
        if (end > start)
            words.emplace_back(value.substr(start, end - start));
        start = end;
    }
    return words;
}
