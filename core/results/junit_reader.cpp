#include "results/junit_reader.hpp"

#include "util/fd.hpp"
#include "util/read_file.hpp"
#include "util/utf8.hpp"
#include "util/xml_text.hpp"

#include <rapidxml/rapidxml.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace offload {
namespace {

using Node = rapidxml::xml_node<char>;
using Attribute = rapidxml::xml_attribute<char>;

// Non-destructive parsing leaves the buffer as it was, so that the position of a parse error maps to an exact
// line number; entity references are resolved by TextDecoder instead.
constexpr int parse_flags = rapidxml::parse_non_destructive | rapidxml::parse_no_element_values |
                            rapidxml::parse_validate_closing_tags;

constexpr size_t max_file_bytes = size_t{1} << 30;

// RapidXML stops at the first NUL, so NULs are replaced by this byte (never part of valid UTF-8) before
// parsing and turned back by TextDecoder, which knows where they were.
constexpr char nul_stand_in = '\xFF';

std::string_view name_of(const Node &node)
{
    return {node.name(), node.name_size()};
}

std::string_view name_of(const Attribute &attribute)
{
    return {attribute.name(), attribute.name_size()};
}

std::string_view value_of(const Node &node)
{
    return {node.value(), node.value_size()};
}

std::string_view value_of(const Attribute &attribute)
{
    return {attribute.value(), attribute.value_size()};
}

const Attribute *find_attribute(const Node &element, std::string_view name)
{
    for (const Attribute *attribute = element.first_attribute(); attribute;
         attribute = attribute->next_attribute())
        if (name_of(*attribute) == name)
            return attribute;
    return nullptr;
}

bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_xml_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_xml_space(text.back()))
        text.remove_suffix(1);
    return text;
}

// A resolved character reference, sanitized: a reference to a character XML forbids (&#27;, a
// surrogate) ends up as \xNN like the raw byte would.
void append_reference(std::string &out, char32_t code_point)
{
    std::string encoded;
    append_utf8(encoded, code_point);
    append_sanitized(out, encoded);
}

// Parses the entity reference at the start of text ("&amp;", "&#10;", "&#x1F600;"): returns its length and
// sets code_point, or returns 0 when text does not start with a reference XML defines; such text is kept
// literally, as RapidXML itself would keep it.
size_t parse_reference(std::string_view text, char32_t &code_point)
{
    const size_t semicolon = text.substr(0, 12).find(';');
    if (semicolon == std::string_view::npos)
        return 0;
    const std::string_view body = text.substr(1, semicolon - 1);
    if (body.size() >= 2 && body[0] == '#') {
        const bool hex = body[1] == 'x';
        const std::string_view digits = body.substr(hex ? 2 : 1);
        uint32_t value = 0;
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
        if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
            value > 0x10FFFF)
            return 0;
        code_point = value;
        return semicolon + 1;
    }
    static constexpr std::pair<std::string_view, char32_t> named[] = {
        {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    for (const auto &[name, character] : named) {
        if (body == name) {
            code_point = character;
            return semicolon + 1;
        }
    }
    return 0;
}

// Turns raw document text into what is handed out: references resolved (not in CDATA), NULs restored,
// everything sanitized.
class TextDecoder {
  public:
    TextDecoder(const char *buffer, std::vector<size_t> nul_offsets)
        : m_buffer(buffer), m_nul_offsets(std::move(nul_offsets))
    {
    }

    void append(std::string &out, std::string_view raw, bool resolve_references) const
    {
        const char *p = raw.data();
        const char *const end = p + raw.size();
        const char *run = p;
        while (p < end) {
            if (*p == '&' && resolve_references) {
                char32_t code_point;
                if (const size_t length = parse_reference({p, static_cast<size_t>(end - p)}, code_point)) {
                    append_sanitized(out, {run, static_cast<size_t>(p - run)});
                    append_reference(out, code_point);
                    p += length;
                    run = p;
                    continue;
                }
            } else if (*p == nul_stand_in && was_nul(p)) {
                append_sanitized(out, {run, static_cast<size_t>(p - run)});
                append_sanitized(out, std::string_view("\0", 1));
                ++p;
                run = p;
                continue;
            }
            ++p;
        }
        append_sanitized(out, {run, static_cast<size_t>(end - run)});
    }

    std::string attribute(const Node &element, std::string_view name) const
    {
        std::string out;
        if (const Attribute *attribute = find_attribute(element, name))
            append(out, value_of(*attribute), true);
        return out;
    }

  private:
    bool was_nul(const char *p) const
    {
        return !m_nul_offsets.empty() && std::binary_search(m_nul_offsets.begin(), m_nul_offsets.end(),
                                                            static_cast<size_t>(p - m_buffer));
    }

    const char *m_buffer;
    std::vector<size_t> m_nul_offsets; // sorted
};

// Keeps the head and the tail, cut at character boundaries (details is valid UTF-8 by then).
void bound_details(std::string &details)
{
    if (details.size() <= details_max_bytes)
        return;
    size_t head_end = details_head_bytes;
    while (head_end > 0 && is_utf8_continuation(details[head_end]))
        --head_end;
    size_t tail_begin = details.size() - (details_max_bytes - details_head_bytes);
    while (tail_begin < details.size() && is_utf8_continuation(details[tail_begin]))
        ++tail_begin;
    std::string bounded;
    bounded.reserve(details_max_bytes + 64);
    bounded.append(details, 0, head_end);
    bounded += "\n[... " + std::to_string(tail_begin - head_end) + " bytes omitted ...]\n";
    bounded.append(details, tail_begin);
    details = std::move(bounded);
}

double parse_seconds(std::string_view text)
{
    text = trim(text);
    double value = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return -1;
    return value;
}

class CaseWalker {
  public:
    CaseWalker(const TextDecoder &decoder, const std::function<void(const JunitCase &)> &on_case)
        : m_decoder(decoder), m_on_case(on_case)
    {
    }

    size_t cases() const { return m_cases; }

    // Reports the testcases among the descendants of parent; suite is the innermost enclosing testsuite's
    // name.
    void walk(const Node &parent, const std::string &suite)
    {
        for (const Node *child = parent.first_node(); child; child = child->next_sibling()) {
            if (child->type() != rapidxml::node_element)
                continue;
            const std::string_view name = name_of(*child);
            if (name == "testcase")
                report_case(*child, suite);
            else if (name == "testsuite")
                walk(*child, m_decoder.attribute(*child, "name"));
            else
                walk(*child, suite);
        }
    }

  private:
    // The text content of a <failure>, <system-out>...: its data and CDATA children. (RapidXML makes no data
    // node of whitespace that only separates elements, so the writer's indentation does not show up here.)
    std::string text_of(const Node &element) const
    {
        std::string text;
        for (const Node *child = element.first_node(); child; child = child->next_sibling()) {
            if (child->type() == rapidxml::node_cdata)
                m_decoder.append(text, value_of(*child), false);
            else if (child->type() == rapidxml::node_data)
                m_decoder.append(text, value_of(*child), true);
        }
        return text;
    }

    // Appends part without its leading blank lines and trailing whitespace (pretty-printing, or the newline
    // that ends all output), keeping the indentation of its first line.
    static void append_part(std::string &details, std::string_view part)
    {
        const size_t first_visible = part.find_first_not_of(" \t\r\n");
        if (first_visible == std::string_view::npos)
            return;
        const size_t last_newline = part.find_last_of('\n', first_visible);
        part.remove_prefix(last_newline == std::string_view::npos ? 0 : last_newline + 1);
        part.remove_suffix(part.size() - 1 - part.find_last_not_of(" \t\r\n"));
        if (!details.empty())
            details += "\n\n";
        details += part;
    }

    void report_case(const Node &testcase, const std::string &suite)
    {
        JunitCase result;
        result.suite = suite;
        for (const Attribute *attribute = testcase.first_attribute(); attribute;
             attribute = attribute->next_attribute()) {
            const std::string_view name = name_of(*attribute);
            if (name == "classname")
                m_decoder.append(result.classname, value_of(*attribute), true);
            else if (name == "name")
                m_decoder.append(result.name, value_of(*attribute), true);
            else if (name == "file")
                m_decoder.append(result.file, value_of(*attribute), true);
            else if (name == "time")
                result.time_secs = parse_seconds(value_of(*attribute));
        }

        // The first <failure> or <error> decides, else a <skipped>. Surefire's flaky*/rerun* children record
        // earlier runs and do not change the outcome.
        const Node *decider = nullptr;
        const Node *skipped = nullptr;
        const Attribute *first_message = nullptr;
        std::string problems, output, errors, earlier;
        for (const Node *child = testcase.first_node(); child; child = child->next_sibling()) {
            if (child->type() != rapidxml::node_element)
                continue;
            const std::string_view name = name_of(*child);
            if (name == "flakyFailure" || name == "flakyError" || name == "rerunFailure" ||
                name == "rerunError") {
                ++result.earlier_failures;
                std::string text;
                if (const Attribute *attribute = find_attribute(*child, "message"))
                    m_decoder.append(text, value_of(*attribute), true);
                for (const Node *part = child->first_node(); part; part = part->next_sibling())
                    if (part->type() == rapidxml::node_element)
                        append_part(text, text_of(*part));
                append_part(earlier, "earlier attempt: " + text);
                continue;
            }
            const bool problem = name == "failure" || name == "error";
            if (problem || name == "skipped") {
                if (problem && !decider)
                    decider = child;
                if (!problem && !skipped)
                    skipped = child;
                if (!first_message)
                    first_message = find_attribute(*child, "message");
            }
            if (problem)
                append_part(problems, text_of(*child));
            else if (name == "system-out")
                append_part(output, text_of(*child));
            else if (name == "system-err")
                append_part(errors, text_of(*child));
        }
        if (decider)
            result.outcome = name_of(*decider) == "failure" ? Outcome::Failed : Outcome::Error;
        else if (skipped)
            result.outcome = Outcome::Skipped;
        const Node *outcome_element = decider ? decider : skipped;
        const Attribute *message = outcome_element ? find_attribute(*outcome_element, "message") : nullptr;
        if (!message)
            message = first_message;
        if (message)
            m_decoder.append(result.message, value_of(*message), true);

        append_part(result.details, problems);
        append_part(result.details, output);
        append_part(result.details, errors);
        append_part(result.details, earlier);
        bound_details(result.details);

        m_on_case(result);
        ++m_cases;
    }

    const TextDecoder &m_decoder;
    const std::function<void(const JunitCase &)> &m_on_case;
    size_t m_cases = 0;
};

tl::unexpected<std::string> malformed(std::string error)
{
    return failure(std::move(error));
}

size_t line_of(const std::string &text, const char *where)
{
    return 1 + std::count(text.data(), where, '\n');
}

std::string too_big(uint64_t size)
{
    char gib[32];
    const auto end = std::to_chars(gib, gib + sizeof gib, static_cast<double>(size) / double(1 << 30),
                                   std::chars_format::fixed, 1)
                         .ptr;
    return "file is " + std::string(gib, end) + " GiB, over the 1 GiB limit for JUnit reports";
}

// Where elements first nest deeper than max_depth, in the order RapidXML would open them; nullptr
// when they never do. RapidXML recurses once per level, so a document nested 100,000 deep would
// exhaust the stack: it is measured first, in one pass and without recursion. The scan skips what
// RapidXML skips (comments, CDATA, processing instructions, <!...> declarations, quoted attribute
// values) so that it counts at least the levels RapidXML would descend.
const char *too_deep(std::string_view text, size_t max_depth)
{
    const auto skip_past = [&](size_t from, std::string_view end) {
        const size_t at = text.find(end, from);
        return at == std::string_view::npos ? text.size() : at + end.size();
    };
    size_t depth = 0;
    size_t at = text.find('<');
    while (at < text.size()) {
        const std::string_view rest = text.substr(at);
        if (rest.starts_with("</")) {
            depth -= depth > 0;
            at += 2;
        } else if (rest.starts_with("<!--")) {
            at = skip_past(at + 4, "-->");
        } else if (rest.starts_with("<![CDATA[")) {
            at = skip_past(at + 9, "]]>");
        } else if (rest.starts_with("<!DOCTYPE") && rest.size() > 9 && is_xml_space(rest[9])) {
            // As RapidXML reads a DOCTYPE: to the first > outside [...], nested brackets counted.
            size_t brackets = 0;
            for (at += 9; at < text.size() && (text[at] != '>' || brackets > 0); ++at) {
                if (text[at] == '[')
                    ++brackets;
                else if (text[at] == ']' && brackets > 0)
                    --brackets;
            }
            ++at;
        } else if (rest.starts_with("<!")) {
            at = skip_past(at + 2, ">");
        } else if (rest.starts_with("<?")) {
            at = skip_past(at + 2, "?>");
        } else {
            // A start tag: up to the > outside quotes; "/>" closes it at once.
            const size_t start = at;
            char quote = 0;
            for (++at; at < text.size(); ++at) {
                const char c = text[at];
                if (quote)
                    quote = c == quote ? 0 : quote;
                else if (c == '"' || c == '\'')
                    quote = c;
                else if (c == '>')
                    break;
            }
            if (at < text.size()) {
                if (depth + 1 > max_depth)
                    return text.data() + start;
                if (text[at - 1] != '/')
                    ++depth;
            }
            ++at;
        }
        at = text.find('<', at);
    }
    return nullptr;
}

} // namespace

Expected<size_t> parse_junit(std::string text, const std::function<void(const JunitCase &)> &on_case)
{
    if (text.empty())
        return malformed("empty file");
    if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF"))
        return malformed("the file is UTF-16 encoded; JUnit XML must be UTF-8");

    std::vector<size_t> nul_offsets;
    for (size_t at = text.find('\0'); at != std::string::npos; at = text.find('\0', at + 1)) {
        nul_offsets.push_back(at);
        text[at] = nul_stand_in;
    }

    if (const char *where = too_deep(text, max_element_depth))
        return malformed("elements nest deeper than " + std::to_string(max_element_depth) +
                         " levels at line " + std::to_string(line_of(text, where)) +
                         ": a JUnit report needs a handful, and offload reads no deeper document");

    rapidxml::xml_document<char> document;
    try {
        document.parse<parse_flags>(text.data());
    } catch (const rapidxml::parse_error &error) {
        std::string message = "not well-formed XML";
        const char *where = error.where<char>();
        if (where && where >= text.data() && where <= text.data() + text.size())
            message += " at line " + std::to_string(line_of(text, where));
        return malformed(message + ": " + error.what());
    }

    const Node *root = nullptr;
    for (const Node *node = document.first_node(); node; node = node->next_sibling()) {
        if (node->type() != rapidxml::node_element)
            continue;
        if (root)
            return malformed("not well-formed XML at line " + std::to_string(line_of(text, node->name())) +
                             ": more than one root element");
        root = node;
    }
    if (!root)
        return malformed("no root element");

    const TextDecoder decoder(text.data(), std::move(nul_offsets));
    const std::string_view root_name = name_of(*root);
    if (root_name != "testsuites" && root_name != "testsuite") {
        std::string message = "root element is <";
        decoder.append(message, root_name, false);
        return malformed(message + ">, expected <testsuites> or <testsuite>");
    }

    CaseWalker walker(decoder, on_case);
    if (root_name == "testsuite") {
        // Walking from the document makes the root suite's name the suite of its cases.
        walker.walk(document, "");
    } else {
        walker.walk(*root, "");
    }
    return walker.cases();
}

Expected<std::optional<size_t>> read_junit(const std::filesystem::path &path,
                                           const std::function<void(const JunitCase &)> &on_case)
{
    const auto failed = [&](const std::string &what) { return failure(path.string() + ": " + what); };

    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        const int error = errno;
        if (error == ENOENT || error == ENOTDIR)
            return std::nullopt;
        return failed(std::string("cannot open: ") + std::strerror(error));
    }
    struct stat status;
    if (::fstat(fd.get(), &status) != 0)
        return failed(std::string("cannot read: ") + std::strerror(errno));
    if (S_ISDIR(status.st_mode))
        return failed("is a directory, not a JUnit XML file");
    if (S_ISREG(status.st_mode) && static_cast<uint64_t>(status.st_size) > max_file_bytes)
        return failed(too_big(static_cast<uint64_t>(status.st_size)));

    std::string text;
    if (S_ISREG(status.st_mode))
        text.reserve(static_cast<size_t>(status.st_size));
    size_t refused_at = 0; // the size the file reached when it went over the limit
    const int read = read_chunks(fd.get(), [&](std::string_view chunk) {
        if (text.size() + chunk.size() > max_file_bytes) {
            refused_at = text.size() + chunk.size();
            return false;
        }
        text.append(chunk);
        return true;
    });
    if (read > 0)
        return failed(std::string("cannot read: ") + std::strerror(read));
    if (read < 0)
        return failed(too_big(refused_at));

    Expected<size_t> cases = parse_junit(std::move(text), on_case);
    if (!cases)
        return failed(cases.error());
    return *cases;
}

} // namespace offload
