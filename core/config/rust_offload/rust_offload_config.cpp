// The order of a translation: [offload] (whose sandbox keys the provider takes), [provider], the
// frameworks and groups, [report], [history]; then what has no equivalent.
#include "config/rust_offload/rust_offload_config.hpp"

#include "config/rust_offload/sections.hpp"

#include <fmt/format.h>

namespace offload {

namespace rust_offload {
namespace {

const TablePath offload_table = {"offload"};

SandboxKeys translate_offload(Translator &t, const OldKey &table, bool early)
{
    SandboxKeys sandbox;
    t.header(offload_table, table);
    for (const OldKey &key : t.keys_of(table)) {
        if (key.is("max_parallel") || key.is("test_timeout_secs") || key.is("retry_count"))
            t.put_node(offload_table, key.key, *key.node, key);
        else if (key.is("sandbox_repo_root"))
            sandbox.repo_root = key;
        else if (key.is("sandbox_project_root"))
            sandbox.project_root = key;
        else if (key.is("sandbox_init_cmd"))
            sandbox.init_cmd = key;
        else if (key.is("working_dir"))
            sandbox.working_dir = key;
        else if (key.is("impatiently_requeue_batches"))
            t.put_node(offload_table, "tail_hedging", *key.node, key,
                       "offload runs a second copy of a batch that holds up the end of the run");
        else if (key.is("post_patch_cmd"))
            t.unsupported(key, "offload applies no patch (thin diff) to sandboxes; bake the changes into the "
                               "image or the project");
        else if (key.is("stream_output"))
            t.no_effect(key, offload_table,
                        "offload shows failing tests' output at the end and every test's in `offload logs`");
        else if (key.is("max_parallel_collection"))
            t.no_effect(key, offload_table, "offload discovers each framework's tests once, before the run");
        else if (key.is("plugin_paths") || key.is("slow_timeout_secs") || key.is("tail_hedging"))
            t.put_node(offload_table, key.key, *key.node, key, "offload's own key");
        else
            t.unknown(
                key,
                "max_parallel, test_timeout_secs, working_dir, sandbox_repo_root, sandbox_project_root, "
                "sandbox_init_cmd, post_patch_cmd, impatiently_requeue_batches, max_parallel_collection" +
                    std::string(early ? ", retry_count, stream_output" : ""));
    }
    if (!t.has(offload_table, "max_parallel"))
        t.put_default(offload_table, "max_parallel", int64_t(10), table, "max_parallel",
                      "the Rust offload's default; offload's own is the number of CPUs");
    if (early && !t.has(offload_table, "retry_count"))
        t.put_default(offload_table, "retry_count", int64_t(3), table, "retry_count",
                      "the early Rust offload's default");
    return sandbox;
}

void translate_report(Translator &t, const OldKey &table, const std::string &provider_type)
{
    const TablePath report = {"report"};
    t.header(report, table);
    for (const OldKey &key : t.keys_of(table)) {
        if (key.is("output_dir") || key.is("junit") || key.is("junit_file") || key.is("github") ||
            key.is("html")) {
            t.put_node(report, key.key, *key.node, key);
        } else if (key.is("download_globs") || key.is("download_globs_failure_only")) {
            const bool empty = (key.node->as_array() && key.node->as_array()->empty()) ||
                               (key.node->as_boolean() && !key.node->as_boolean()->get());
            if (provider_type == "process" || empty)
                t.no_effect(key, report,
                            empty ? "nothing to download"
                                  : "with the process provider the files stay where the tests wrote them, "
                                    "in the project");
            else
                t.unsupported(key,
                              "offload downloads each batch's results, but no other files, from sandboxes");
        } else {
            t.unknown(key, "output_dir, junit, junit_file, download_globs, download_globs_failure_only");
        }
    }
}

void translate_history(Translator &t, const OldKey &table)
{
    const TablePath history = {"history"};
    t.header(history, table);
    for (const OldKey &key : t.keys_of(table)) {
        if (key.is("path") && key.string()) {
            toml::array paths;
            paths.push_back(*key.string());
            t.put(history, "import", std::move(paths), key,
                  "read as durations, never written; offload keeps its own history in .offload/history");
        } else if (key.is("record_history")) {
            t.no_effect(key, history, "offload records its own history after every run");
        } else if (key.is("reservoir_size")) {
            t.no_effect(key, history, "offload keeps the recent durations and outcomes of each test itself");
        } else if (key.is("default_duration_secs")) {
            t.no_effect(key, history, "offload estimates tests without history from the others");
        } else {
            t.unknown(key, "path, record_history, reservoir_size, default_duration_secs");
        }
    }
}

} // namespace
} // namespace rust_offload

bool is_rust_offload_config(const toml::table &document)
{
    if (document.contains("discovery"))
        return false;
    if (document.contains("framework"))
        return true;
    if (const toml::table *groups = document["groups"].as_table())
        for (const auto &[name, group] : *groups)
            if (group.as_table() && group.as_table()->contains("type"))
                return true;
    const std::string provider = document["provider"]["type"].value_or(std::string());
    return provider == "local" || provider == "default" || provider == "remote";
}

RustOffloadConfig translate_rust_offload_config(const toml::table &document, const std::string &file,
                                                Diagnostics &diagnostics)
{
    using namespace rust_offload;
    RustOffloadConfig out;
    Translator t(out, file, diagnostics);
    const bool early = !document.contains("framework");
    out.era = early ? "early" : "current";

    const SandboxKeys sandbox = translate_offload(t, t.section(document, "offload"), early);
    std::string provider_type;
    if (document.contains("provider"))
        provider_type = translate_provider(t, t.section(document, "provider"), sandbox);
    else
        diagnostics.error({file, 0, 0}, "section [provider] is missing (the Rust offload needs one too)");

    const OldKey groups = t.section(document, "groups");
    if (early) {
        if (groups.table())
            translate_early_groups(t, groups);
        else
            diagnostics.error({file, 0, 0},
                              "[groups.NAME] tables are missing: in the Rust offload's early form "
                              "they hold the frameworks");
    } else {
        const std::string framework =
            translate_framework(t, t.section(document, "framework"), {"discovery"}, false);
        if (groups.table())
            translate_current_groups(t, groups, framework);
    }
    if (document.contains("report"))
        translate_report(t, t.section(document, "report"), provider_type);
    if (document.contains("history"))
        translate_history(t, t.section(document, "history"));

    for (const auto &[key, node] : document) {
        const std::string name(key.str());
        const OldKey section = t.section(document, name);
        if (name == "offload" || name == "provider" || name == "groups" || name == "framework" ||
            name == "report" || name == "history")
            continue;
        if (name == "checkpoint")
            t.unsupported(section,
                          "offload builds no checkpoint images; the image is made by the provider at "
                          "every run (the modal provider lets Modal cache it)");
        else if (name == "retry" || name == "flaky" || name == "discovery_cache")
            t.put_node({}, name, node, section, "offload's own section, kept");
        else
            diagnostics.warning(
                section.where,
                fmt::format("unknown section [{}] is ignored (the Rust offload reads [offload], "
                            "[provider], [framework], [groups], [report], [checkpoint], [history])",
                            name));
    }
    return out;
}

std::string describe_mapping(const RustOffloadMapping &mapping)
{
    return fmt::format("{}: {} → {}", mapping.where.to_string(), mapping.from, mapping.to);
}

} // namespace offload
