#include "config/rust_offload/translator.hpp"

#include "config/toml_access.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace offload::rust_offload {

namespace {

bool bare_key(const std::string &key)
{
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-';
    });
}

} // namespace

std::string describe_table(const TablePath &table)
{
    std::string out;
    for (const std::string &part : table)
        out += (out.empty() ? "" : ".") + toml_key(part);
    return "[" + out + "]";
}

std::string toml_key(const std::string &key)
{
    if (bare_key(key))
        return key;
    return toml_text(toml::value<std::string>(key));
}

std::string toml_text(const toml::node &node)
{
    if (const toml::array *array = node.as_array()) {
        std::string out = "[";
        for (const toml::node &element : *array)
            out += (out.size() > 1 ? ", " : "") + toml_text(element);
        return out + "]";
    }
    if (const toml::table *table = node.as_table()) {
        std::string out;
        for (const auto &[key, value] : *table)
            out += (out.empty() ? "" : ", ") + toml_key(std::string(key.str())) + " = " + toml_text(value);
        return out.empty() ? "{}" : "{ " + out + " }";
    }
    std::ostringstream out;
    node.visit([&](auto &&value) { out << toml::toml_formatter(value, toml::format_flags::none); });
    return out.str();
}

std::string OldKey::describe() const
{
    if (key.empty())
        return "[" + section + "]";
    std::string value = node ? toml_text(*node) : "";
    if (value.size() > 100)
        value = value.substr(0, 97) + "...";
    return fmt::format("[{}] {} = {}", section, toml_key(key), value);
}

std::optional<std::string> OldKey::string() const
{
    if (node && node->as_string())
        return node->as_string()->get();
    return std::nullopt;
}

OldKey Translator::section(const toml::table &document, const std::string &name) const
{
    OldKey old{name, "", document.get(name), Location{m_file, 0, 0}};
    for (const auto &[key, node] : document)
        if (key.str() == name && node.as_table())
            old.where = {m_file, node.source().begin.line, 1}; // the header
    return old;
}

std::vector<OldKey> Translator::keys_of(const OldKey &table) const
{
    std::vector<OldKey> keys;
    if (!table.table())
        return keys;
    for (const auto &[key, node] : *table.table())
        keys.push_back({table.section, std::string(key.str()), &node, location_of(key, m_file)});
    std::stable_sort(keys.begin(), keys.end(), [](const OldKey &a, const OldKey &b) {
        return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
    });
    return keys;
}

void Translator::put_node(const TablePath &table, const std::string &key, const toml::node &value,
                          const OldKey &from, std::string why)
{
    value.visit([&](auto &&concrete) {
        using T = std::decay_t<decltype(concrete)>;
        put(table, key, T(concrete), from, std::move(why));
    });
}

void Translator::mapped(const OldKey &from, std::string to, std::string why)
{
    m_out.mappings.push_back(
        {from.where, from.describe(), why.empty() ? std::move(to) : to + " (" + why + ")", true});
}

void Translator::also_from(const TablePath &table, const std::string &key, const OldKey &from,
                           std::string why)
{
    for (RustOffloadEntry &entry : m_out.entries)
        if (entry.table == table && entry.key == key)
            entry.more_origins.push_back(from.where.line);
    mapped(from, describe_new(table, key), std::move(why));
}

void Translator::header(const TablePath &table, const OldKey &from)
{
    table_at(table);
    for (const RustOffloadEntry &entry : m_out.entries)
        if (entry.table == table && entry.key.empty())
            return;
    m_out.entries.push_back({table, "", from.where.line, {}});
}

void Translator::no_effect(const OldKey &from, const TablePath &table, const std::string &why)
{
    m_out.mappings.push_back({from.where, from.describe(), "no effect here: " + why, false});
    m_out.notes.push_back(
        {table, from.describe() + " (Rust offload): no effect here: " + why, from.where.line});
}

void Translator::unsupported(const OldKey &from, const std::string &why)
{
    m_diagnostics.error(from.where,
                        fmt::format("{}: not supported by this offload: {}", from.describe(), why));
}

void Translator::unknown(const OldKey &from, const std::string &known)
{
    m_diagnostics.warning(from.where,
                          fmt::format("unknown key {} is ignored (the Rust offload's [{}] has {})",
                                      describe_key(from.section, from.key), from.section, known));
}

void Translator::invalid(const OldKey &from, const std::string &expected)
{
    m_diagnostics.error(from.where,
                        fmt::format("{} must be {}, not {}", describe_key(from.section, from.key), expected,
                                    from.node ? type_description(from.node->type()) : "nothing"));
}

toml::table &Translator::table_at(const TablePath &table)
{
    toml::table *current = &m_out.document;
    for (const std::string &part : table) {
        toml::node *child = current->get(part);
        if (!child || !child->as_table()) {
            current->insert_or_assign(part, toml::table{});
            child = current->get(part);
        }
        current = child->as_table();
    }
    return *current;
}

const toml::node *Translator::get(const TablePath &table, const std::string &key) const
{
    const toml::table *current = &m_out.document;
    for (const std::string &part : table) {
        const toml::node *child = current->get(part);
        if (!child || !child->as_table())
            return nullptr;
        current = child->as_table();
    }
    return current->get(key);
}

void Translator::erase(const TablePath &table, const std::string &key)
{
    table_at(table).erase(key);
    std::erase_if(m_out.entries,
                  [&](const RustOffloadEntry &entry) { return entry.table == table && entry.key == key; });
}

std::string Translator::describe_new(const TablePath &table, const std::string &key) const
{
    const toml::node *node = get(table, key);
    return fmt::format("{} {} = {}", describe_table(table), toml_key(key), node ? toml_text(*node) : "?");
}

} // namespace offload::rust_offload
