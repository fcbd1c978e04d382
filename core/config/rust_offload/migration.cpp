#include "config/rust_offload/migration.hpp"

#include "config/rust_offload/translator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace offload {

namespace {

using rust_offload::TablePath;

constexpr uint32_t end_of_file = std::numeric_limits<uint32_t>::max();

// The comments of a TOML text, by the content line they belong to.
struct Comments {
    std::map<uint32_t, std::vector<std::string>> above; // comment lines (and blank lines between them)
    std::map<uint32_t, std::string> after;              // "# ..." after the value on that line
    std::map<uint32_t, uint32_t> previous;              // content line -> the content line before it
};

std::string_view trim(std::string_view text)
{
    const size_t begin = text.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos)
        return {};
    return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

// Where a line's trailing comment starts (npos: none), minding strings; `open` is the delimiter
// of a multi-line string still open at the end of the line ("" when none), and its state on entry.
size_t comment_start(std::string_view line, std::string &open)
{
    for (size_t i = 0; i < line.size(); ++i) {
        if (!open.empty()) {
            if (open.size() == 1 && open == "\"" && line[i] == '\\') {
                ++i;
            } else if (line.compare(i, open.size(), open) == 0) {
                i += open.size() - 1;
                open.clear();
            } else if (open == "\"\"\"" && line[i] == '\\') {
                ++i;
            }
            continue;
        }
        if (line[i] == '#')
            return i;
        for (const char *delimiter : {"\"\"\"", "'''", "\"", "'"}) {
            if (line.compare(i, std::strlen(delimiter), delimiter) == 0) {
                open = delimiter;
                i += open.size() - 1;
                break;
            }
        }
    }
    // Single-line strings end with their line (an unclosed one is not valid TOML).
    if (open == "\"" || open == "'")
        open.clear();
    return std::string_view::npos;
}

Comments scan_comments(std::string_view text)
{
    Comments comments;
    std::vector<std::string> pending;
    std::string open;
    uint32_t number = 0;
    uint32_t last_content = 0;
    for (size_t begin = 0; begin <= text.size();) {
        size_t end = text.find('\n', begin);
        if (end == std::string_view::npos)
            end = text.size();
        const std::string_view line = text.substr(begin, end - begin);
        begin = end + 1;
        ++number;
        const bool inside_string = !open.empty();
        const size_t hash = comment_start(line, open);
        if (inside_string)
            continue;
        const std::string_view content = trim(hash == std::string_view::npos ? line : line.substr(0, hash));
        if (content.empty()) {
            if (hash != std::string_view::npos)
                pending.emplace_back(trim(line.substr(hash)));
            else if (!pending.empty() && !pending.back().empty())
                pending.emplace_back();
            continue;
        }
        // One blank line between a comment block and its line is kept.
        const bool gap = !pending.empty() && pending.back().empty();
        while (!pending.empty() && pending.back().empty())
            pending.pop_back();
        if (gap && !pending.empty())
            pending.emplace_back();
        if (!pending.empty())
            comments.above[number] = std::move(pending);
        pending.clear();
        comments.previous[number] = last_content;
        last_content = number;
        if (hash != std::string_view::npos)
            comments.after[number] = std::string(trim(line.substr(hash)));
        if (end == text.size())
            break;
    }
    while (!pending.empty() && pending.back().empty())
        pending.pop_back();
    if (!pending.empty())
        comments.above[end_of_file] = std::move(pending);
    return comments;
}

class Writer {
  public:
    Writer(const RustOffloadConfig &config, std::string_view original)
        : m_config(config), m_comments(scan_comments(original))
    {
        for (const RustOffloadEntry &entry : config.entries) {
            m_anchored.insert(entry.origin_line);
            m_anchored.insert(entry.more_origins.begin(), entry.more_origins.end());
        }
        for (const RustOffloadNote &note : config.notes)
            m_anchored.insert(note.origin_line);
    }

    std::string write(const std::string &name)
    {
        m_out =
            fmt::format("# offload configuration, migrated from the Rust offload's form of {} by `offload "
                        "migrate`.\n",
                        name);
        std::vector<TablePath> tables;
        for (const RustOffloadEntry &entry : m_config.entries)
            if (std::find(tables.begin(), tables.end(), entry.table) == tables.end())
                tables.push_back(entry.table);
        // Keys of the root come before any table header.
        std::stable_partition(tables.begin(), tables.end(), [](const TablePath &t) { return t.empty(); });
        for (const RustOffloadNote &note : m_config.notes)
            if (std::find(tables.begin(), tables.end(), note.table) == tables.end())
                tables.push_back(note.table);
        for (const TablePath &table : tables)
            write_table(table);
        std::vector<std::string> left;
        for (const auto &[line, lines] : m_comments.above)
            if (!m_emitted.count(line))
                left.insert(left.end(), lines.begin(), lines.end());
        for (const auto &[line, comment] : m_comments.after)
            if (!m_emitted.count(line))
                left.push_back(comment);
        if (!left.empty()) {
            m_out += "\n# Comments of the original file whose keys have no place here:\n";
            for (const std::string &line : left)
                m_out += line + "\n";
        }
        return m_out;
    }

  private:
    void comments_of(uint32_t line)
    {
        if (line == 0 || !m_emitted.insert(line).second)
            return;
        if (auto found = m_comments.above.find(line); found != m_comments.above.end())
            for (const std::string &comment : found->second)
                m_out += comment + "\n";
        if (auto found = m_comments.after.find(line); found != m_comments.after.end())
            m_out += found->second + "\n";
    }

    // After the key of old line `line`: the comments written above a line that went nowhere (a
    // table folded into another, say) and came right after this one, as they did in the file.
    void orphans_after(uint32_t line)
    {
        for (const auto &[anchor, lines] : m_comments.above) {
            auto previous = m_comments.previous.find(anchor);
            if (line == 0 || m_anchored.count(anchor) || previous == m_comments.previous.end() ||
                previous->second != line || !m_emitted.insert(anchor).second)
                continue;
            for (const std::string &comment : lines)
                if (!comment.empty())
                    m_out += comment + "\n";
        }
    }

    const toml::node *value(const TablePath &table, const std::string &key) const
    {
        const toml::node *node = &m_config.document;
        for (const std::string &part : table)
            node = node && node->as_table() ? node->as_table()->get(part) : nullptr;
        return node && node->as_table() ? node->as_table()->get(key) : nullptr;
    }

    void write_table(const TablePath &table)
    {
        std::vector<const RustOffloadEntry *> keys;
        const RustOffloadEntry *header = nullptr;
        for (const RustOffloadEntry &entry : m_config.entries) {
            if (entry.table != table)
                continue;
            if (entry.key.empty())
                header = &entry;
            else if (value(table, entry.key))
                keys.push_back(&entry);
        }
        m_out += "\n";
        if (header)
            comments_of(header->origin_line);
        if (!table.empty() && !keys.empty())
            m_out += rust_offload::describe_table(table) + "\n";
        else if (!table.empty())
            m_out += "# " + rust_offload::describe_table(table) + " of the Rust offload:\n";
        for (const RustOffloadEntry *entry : keys) {
            comments_of(entry->origin_line);
            for (uint32_t line : entry->more_origins)
                comments_of(line);
            m_out += rust_offload::toml_key(entry->key) + " = " +
                     rust_offload::toml_text(*value(table, entry->key)) + "\n";
            orphans_after(entry->origin_line);
            for (uint32_t line : entry->more_origins)
                orphans_after(line);
        }
        for (const RustOffloadNote &note : m_config.notes) {
            if (note.table != table)
                continue;
            comments_of(note.origin_line);
            m_out += "# " + note.text + "\n";
        }
    }

    const RustOffloadConfig &m_config;
    Comments m_comments;
    std::set<uint32_t> m_emitted;
    std::set<uint32_t> m_anchored; // old lines some key, header or note of the translation comes from
    std::string m_out;
};

} // namespace

std::string write_migrated_config(const RustOffloadConfig &config, std::string_view original,
                                  const std::string &name)
{
    return Writer(config, original).write(name);
}

} // namespace offload
