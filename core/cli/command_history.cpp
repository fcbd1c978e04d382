// offload history: `merge BASE OURS THEIRS` (a git merge driver for offload's history file) and
// `show` (what the configuration's history and its imports know).
#include "cli/commands.hpp"

#include "history/history.hpp"
#include "history/history_import.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/read_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace offload {

namespace {

// One of the merge's three versions. Git hands an empty file for a base that did not exist.
History read_version(const std::filesystem::path &path, std::string_view role)
{
    std::string text;
    Expected<void> read = read_file_chunks(path, [&](std::string_view chunk) {
        text.append(chunk);
        return true;
    });
    if (!read)
        throw Error(
            fmt::format("offload history merge: cannot read {} ({}): {}", role, path.string(), read.error()));
    if (text.empty())
        return History();
    Expected<History> history = History::parse(text);
    if (!history)
        throw Error(fmt::format(
            "offload history merge: {} ({}) is not a history file of offload's: {}{}", role, path.string(),
            history.error(),
            looks_like_rust_history(text)
                ? " (it is the Rust offload's offload-history.jsonl, which offload does not write or merge)"
                : ""));
    return std::move(*history);
}

} // namespace

int command_history_merge(const std::string &base, const std::string &ours, const std::string &theirs)
{
    const History merged = History::merge(read_version(base, "the base"), read_version(ours, "ours"),
                                          read_version(theirs, "theirs"));
    if (Expected<void> written = write_file_atomically(ours, merged.serialize()); !written)
        throw Error(
            fmt::format("offload history merge: cannot write the result to {}: {}", ours, written.error()));
    return 0;
}

int command_history_show(const GlobalOptions &global)
{
    Session session(global);
    const Settings &settings = session.settings();
    if (Expected<void> own = check_own_history(settings.history_file); !own)
        throw Error(own.error());
    Expected<History> loaded = History::load(settings.history_file);
    if (!loaded)
        throw Error(loaded.error());
    History history = std::move(*loaded);
    std::string out = fmt::format("{}: {} runs, {} tests\n", settings.history_file.string(), history.runs(),
                                  history.size());
    for (const std::filesystem::path &path : settings.history_imports) {
        Expected<size_t> added = import_timings(path, settings.config_file.filename().string(), history);
        if (!added)
            throw Error(fmt::format("[history] import: {}", added.error()));
        out += fmt::format("{}: {} timings of tests the history has none of\n", path.string(), *added);
    }
    std::vector<std::string> ids;
    for (const auto &[id, entry] : history.entries())
        ids.push_back(id);
    for (const auto &[id, entry] : history.imported())
        if (!history.entries().count(id) || history.entries().at(id).samples == 0)
            ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const std::string &id : ids) {
        const History::Entry *timing = history.find(id);
        const History::Flakiness *flakiness = history.flakiness(id);
        std::string line = timing ? fmt::format("{:>10.3f}s", timing->mean_secs) : fmt::format("{:>11}", "-");
        line += timing && history.imported().count(id) && timing == &history.imported().at(id)
                    ? "  imported"
                    : fmt::format("  {:>8}", timing ? fmt::format("{} runs", timing->samples) : "");
        if (flakiness)
            line += fmt::format("  {} failed, {} flaky of {}", flakiness->failures, flakiness->flaky,
                                flakiness->runs);
        out += line + "  " + id + "\n";
    }
    log::print(out);
    return 0;
}

} // namespace offload
