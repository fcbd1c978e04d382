// The bookkeeping of a translation from the Rust offload's form: offload's document being built,
// and for every old key the line saying what it became. Internal to core/config/rust_offload.
#pragma once

#include "config/rust_offload/rust_offload_config.hpp"

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace offload::rust_offload {

using TablePath = std::vector<std::string>;

// "[discovery.python]", "[provider]"
std::string describe_table(const TablePath &table);
// A value as TOML writes it on one line: "\"x\"", "[\"a\", \"b\"]", "{ A = \"1\" }".
std::string toml_text(const toml::node &node);
// A key as TOML writes it: bare when it can be, else quoted.
std::string toml_key(const std::string &key);

// A key (or a table) of their file.
struct OldKey {
    std::string section;              // "provider", "groups.unit"
    std::string key;                  // empty: the table itself
    const toml::node *node = nullptr; // the value, or the table
    Location where;

    // "[provider] type = \"local\"", or "[groups.unit]" for a table.
    std::string describe() const;
    const toml::table *table() const { return node ? node->as_table() : nullptr; }
    std::optional<std::string> string() const;
    bool is(std::string_view key_name) const { return key == key_name; }
};

class Translator {
  public:
    Translator(RustOffloadConfig &out, std::string file, Diagnostics &diagnostics)
        : m_out(out), m_file(std::move(file)), m_diagnostics(diagnostics)
    {
    }

    const std::string &file() const { return m_file; }
    Diagnostics &diagnostics() { return m_diagnostics; }

    // The table [section] of their document as an OldKey (node null when absent).
    OldKey section(const toml::table &document, const std::string &section) const;
    // Its keys, in the order of the file.
    std::vector<OldKey> keys_of(const OldKey &table) const;

    // [table] key = value in offload's document, recorded as what `from` became (why: a note).
    template <typename T>
    void put(const TablePath &table, const std::string &key, T &&value, const OldKey &from,
             std::string why = {})
    {
        store(table, key, std::forward<T>(value), from.where.line);
        mapped(from, describe_new(table, key), std::move(why));
    }
    // The same with a copy of a node of their file.
    void put_node(const TablePath &table, const std::string &key, const toml::node &value, const OldKey &from,
                  std::string why = {});
    // A default of theirs that differs from offload's, spelled out; `their` names it for the line.
    template <typename T>
    void put_default(const TablePath &table, const std::string &key, T &&value, const OldKey &section,
                     const std::string &their, std::string why = {})
    {
        store(table, key, std::forward<T>(value), 0);
        m_out.mappings.push_back({section.where, "(unset) " + their,
                                  describe_new(table, key) + (why.empty() ? "" : " (" + why + ")"), true});
    }
    // `from` went into the key [table] key too (written already): a line, and its comments there.
    void also_from(const TablePath &table, const std::string &key, const OldKey &from, std::string why = {});
    // Records a line "from → to" without writing anything (what `to` describes is written elsewhere).
    void mapped(const OldKey &from, std::string to, std::string why = {});
    // The table's header comes from this old table (for its comments).
    void header(const TablePath &table, const OldKey &from);

    // Accepted, but nothing offload does depends on it here: why.
    void no_effect(const OldKey &from, const TablePath &table, const std::string &why);
    // Changes behaviour offload does not have: an error naming it.
    void unsupported(const OldKey &from, const std::string &why);
    // Neither theirs nor ours: a warning (as offload's reader warns about unknown keys).
    void unknown(const OldKey &from, const std::string &known);
    // A value of the wrong type or form: an error.
    void invalid(const OldKey &from, const std::string &expected);

    // "[discovery] python = [\"uv\", \"run\"]": a key already written.
    std::string describe_new(const TablePath &table, const std::string &key) const;
    toml::table &table_at(const TablePath &table);
    const toml::node *get(const TablePath &table, const std::string &key) const;
    bool has(const TablePath &table, const std::string &key) const { return get(table, key) != nullptr; }
    void erase(const TablePath &table, const std::string &key);

  private:
    template <typename T> void store(const TablePath &table, const std::string &key, T &&value, uint32_t line)
    {
        toml::table &target = table_at(table);
        const bool existed = target.contains(key);
        target.insert_or_assign(key, std::forward<T>(value));
        if (!existed) {
            m_out.entries.push_back({table, key, line, {}});
        } else {
            for (RustOffloadEntry &entry : m_out.entries)
                if (entry.table == table && entry.key == key && entry.origin_line != line)
                    entry.more_origins.push_back(line);
        }
    }

    RustOffloadConfig &m_out;
    std::string m_file;
    Diagnostics &m_diagnostics;
};

} // namespace offload::rust_offload
