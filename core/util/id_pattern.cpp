#include "util/id_pattern.hpp"

namespace offload {

bool IdPattern::matches(std::string_view id) const
{
    std::string_view pattern = m_text;
    // Greedy matching with one point to come back to (the last `*`): linear in practice, and at
    // worst the pattern's length times the id's, with no recursion.
    size_t p = 0, i = 0;
    size_t star = std::string_view::npos, resume = 0;
    while (i < id.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = i;
        } else if (p < pattern.size() && pattern[p] == id[i]) {
            ++p;
            ++i;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            i = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

} // namespace offload
