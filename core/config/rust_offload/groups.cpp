// Their [groups.NAME] tables of both eras, onto offload's [discovery] and [groups.NAME].
#include "config/rust_offload/sections.hpp"

#include "util/shell_quote.hpp"
#include "util/shell_split.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace offload::rust_offload {

namespace {

// The group's table without `markers`: groups equal in this differ only in their selection.
std::string framework_identity(const OldKey &group)
{
    toml::table copy = *group.table();
    copy.erase("markers");
    return toml_text(copy);
}

std::vector<OldKey> group_tables(Translator &t, const OldKey &groups)
{
    std::vector<OldKey> tables;
    for (OldKey group : t.keys_of(groups)) {
        if (!group.table()) {
            t.invalid(group, "a table ([groups.NAME])");
            continue;
        }
        group.section = "groups." + group.key;
        group.key.clear();
        group.where = {t.file(), group.node->source().begin.line, 1}; // the header
        tables.push_back(group);
    }
    if (tables.empty())
        t.diagnostics().error(groups.where, "[groups] has no group: give at least one [groups.NAME]");
    return tables;
}

std::optional<OldKey> key_of(Translator &t, const OldKey &table, const std::string &name)
{
    for (const OldKey &key : t.keys_of(table))
        if (key.is(name))
            return key;
    return std::nullopt;
}

void substitute_filters(Translator &t, const std::string &filters, const OldKey &from)
{
    const toml::node *discover = t.get({"discovery"}, "discover_command");
    if (!discover || !discover->as_string())
        return;
    std::string command = discover->as_string()->get();
    for (size_t at = 0; (at = command.find("{filters}", at)) != std::string::npos; at += filters.size())
        command.replace(at, 9, filters);
    t.put({"discovery"}, "discover_command", command, from, "{filters} of the run's only group");
}

} // namespace

void translate_early_groups(Translator &t, const OldKey &groups)
{
    const std::vector<OldKey> tables = group_tables(t, groups);
    if (tables.empty())
        return;
    const bool shared = std::all_of(tables.begin(), tables.end(), [&](const OldKey &group) {
        return framework_identity(group) == framework_identity(tables.front());
    });
    if (tables.size() == 1) {
        translate_framework(t, tables.front(), {"discovery"}, true);
        t.mapped(tables.front(), "[discovery]", "the only group: its framework is the run's");
        return;
    }
    if (!shared) {
        // In the order offload reads [discovery.NAME] tables that carry no position: by name.
        std::vector<OldKey> by_name = tables;
        std::sort(by_name.begin(), by_name.end(),
                  [](const OldKey &a, const OldKey &b) { return a.section < b.section; });
        for (const OldKey &group : by_name) {
            const std::string name = group.section.substr(7);
            translate_framework(t, group, {"discovery", name}, true);
            t.mapped(group, describe_table({"discovery", name}),
                     fmt::format("the groups differ in their framework: one framework each, ids \"{}:...\"",
                                 name));
        }
        return;
    }
    // One framework; the groups select by their markers.
    const std::string type = translate_framework(t, tables.front(), {"discovery"}, true, {"markers"});
    for (const OldKey &group : tables) {
        const TablePath target = {"groups", group.section.substr(7)};
        t.header(target, group);
        t.mapped(group, describe_table(target), "the groups share one framework, [discovery]");
        if (&group != &tables.front())
            for (const OldKey &key : t.keys_of(group))
                if (!key.is("markers"))
                    t.mapped(key, "[discovery] (the same in every group)");
        const std::optional<OldKey> markers = key_of(t, group, "markers");
        if (markers && markers->string() && type == "pytest")
            t.put(target, "filters", "-m " + shell_quote(*markers->string()), *markers);
        else if (markers)
            t.invalid(*markers, "a string of pytest's -m expression");
        else
            t.put(target, "filters", "", group, "no markers: every test");
    }
}

void translate_current_groups(Translator &t, const OldKey &groups, const std::string &framework_type)
{
    const std::vector<OldKey> tables = group_tables(t, groups);
    if (tables.empty())
        return;
    if (tables.size() == 1) {
        const OldKey &group = tables.front();
        const auto individual = key_of(t, group, "schedule_individual");
        const auto filters = key_of(t, group, "filters");
        const std::string filter_text = filters ? filters->string().value_or("") : "";
        const bool foldable =
            !(individual && individual->node->value_or(false)) &&
            (filter_text.empty() || framework_type == "pytest" || framework_type == "generic");
        if (foldable) {
            t.mapped(group, "the run's tests", "the only group");
            for (const OldKey &key : t.keys_of(group)) {
                if (key.is("retry_count")) {
                    t.put_node({"offload"}, "retry_count", *key.node, key);
                } else if (key.is("schedule_individual")) {
                    t.no_effect(key, {"offload"}, "false is how offload batches anyway");
                } else if (key.is("filters") && framework_type == "generic") {
                    substitute_filters(t, filter_text, key);
                } else if (key.is("filters") && filter_text.empty()) {
                    t.no_effect(key, {"discovery"}, "\"\" selects every test");
                } else if (key.is("filters")) {
                    Expected<std::vector<std::string>> words = shell_split(filter_text);
                    if (!words) {
                        t.invalid(key, "pytest arguments");
                        continue;
                    }
                    toml::array extra;
                    if (const toml::node *existing = t.get({"discovery"}, "extra_args");
                        existing && existing->as_array())
                        extra = *existing->as_array();
                    for (const std::string &word : *words)
                        extra.push_back(word);
                    t.put({"discovery"}, "extra_args", std::move(extra), key,
                          "pytest selects with them at discovery and in every batch");
                } else {
                    t.unknown(key, "filters, retry_count, schedule_individual");
                }
            }
            if (framework_type == "generic" && !filters)
                substitute_filters(t, "", group);
            return;
        }
    }
    for (const OldKey &group : tables) {
        const TablePath target = {"groups", group.section.substr(7)};
        t.header(target, group);
        for (const OldKey &key : t.keys_of(group)) {
            if (key.is("filters") || key.is("retry_count") || key.is("schedule_individual"))
                t.put_node(target, key.key, *key.node, key);
            else
                t.unknown(key, "filters, retry_count, schedule_individual");
        }
    }
}

} // namespace offload::rust_offload
