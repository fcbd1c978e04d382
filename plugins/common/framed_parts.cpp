#include "common/framed_parts.hpp"

#include <charconv>

namespace offload::common {

namespace {
constexpr std::string_view header_word = "offload-part ";
}

FramedParts read_framed_parts(std::string_view text)
{
    FramedParts result;
    size_t at = 0;
    while (at < text.size()) {
        const size_t end = text.find('\n', at);
        const std::string_view line =
            text.substr(at, end == std::string_view::npos ? text.size() - at : end - at);
        if (end == std::string_view::npos || line.substr(0, header_word.size()) != header_word) {
            result.damage = "expected a part header at byte " + std::to_string(at) + ", found \"" +
                            std::string(line.substr(0, 80)) + "\"";
            return result;
        }
        std::vector<std::string> words;
        size_t start = header_word.size();
        while (start < line.size()) {
            size_t space = line.find(' ', start);
            if (space == std::string_view::npos)
                space = line.size();
            if (space > start)
                words.emplace_back(line.substr(start, space - start));
            start = space + 1;
        }
        size_t size = 0;
        const std::string &size_text = words.empty() ? std::string() : words.back();
        auto [ptr, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
        if (words.empty() || ec != std::errc() || ptr != size_text.data() + size_text.size()) {
            result.damage = "a part header without its size: \"" + std::string(line.substr(0, 80)) + "\"";
            return result;
        }
        words.pop_back();
        const size_t body = end + 1;
        if (text.size() - body < size + 1 || text[body + size] != '\n') {
            result.damage = "the part \"" + std::string(line) + "\" is cut short";
            return result;
        }
        result.parts.push_back({std::move(words), std::string(text.substr(body, size))});
        at = body + size + 1;
    }
    return result;
}

const FramedPart *find_part(const std::vector<FramedPart> &parts, const char *kind)
{
    for (const FramedPart &part : parts)
        if (!part.fields.empty() && part.fields[0] == kind)
            return &part;
    return nullptr;
}

std::string framed_part_functions()
{
    // The last argument is the file (or text); the ones before it are the header's fields.
    return "offload_part() {\n"
           "  offload_fields=\n"
           "  while [ $# -gt 1 ]; do offload_fields=\"$offload_fields$1 \"; shift; done\n"
           "  if [ -f \"$1\" ]; then offload_size=$(wc -c <\"$1\" | tr -d ' '); else offload_size=0; fi\n"
           "  printf 'offload-part %s%s\\n' \"$offload_fields\" \"$offload_size\"\n"
           "  if [ -f \"$1\" ]; then cat \"$1\"; fi\n"
           "  printf '\\n'\n"
           "}\n"
           "offload_text() {\n"
           "  offload_fields=\n"
           "  while [ $# -gt 1 ]; do offload_fields=\"$offload_fields$1 \"; shift; done\n"
           "  offload_size=$(printf '%s' \"$1\" | wc -c | tr -d ' ')\n"
           "  printf 'offload-part %s%s\\n%s\\n' \"$offload_fields\" \"$offload_size\" \"$1\"\n"
           "}\n";
}

} // namespace offload::common
