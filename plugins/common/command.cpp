#include "common/command.hpp"

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

std::vector<const char *> c_strings(const std::vector<std::string> &strings)
{
    std::vector<const char *> pointers;
    pointers.reserve(strings.size() + 1);
    for (const std::string &text : strings)
        pointers.push_back(text.c_str());
    pointers.push_back(nullptr);
    return pointers;
}

} // namespace offload::common
