// offload migrate (and validate --rewrite): a configuration in the Rust offload's form, written in
// offload's own. The result is read back before it is written: it must be a configuration of
// offload's form that means what the translation says.
#include "cli/commands.hpp"

#include "config/rust_offload/migration.hpp"
#include "config/toml_depth.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace offload {

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path &file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(fmt::format("cannot read {}: {}; name the file to migrate with -c FILE", file.string(),
                                std::strerror(errno)));
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

toml::table parse(const std::string &text, const std::string &name)
{
    if (toml_too_deep(text))
        throw Error(fmt::format("{} nests too deeply to be a configuration", name));
    try {
        return toml::parse(text, name);
    } catch (const toml::parse_error &e) {
        throw Error(fmt::format("{}:{}:{}: not valid TOML: {}", name, e.source().begin.line,
                                e.source().begin.column, e.description()));
    }
}

void write_file(const fs::path &target, const std::string &text)
{
    if (Expected<void> done = write_file_atomically(target, text); !done)
        throw Error(done.error());
}

} // namespace

int command_migrate(const GlobalOptions &global, const MigrateOptions &options)
{
    const std::string &name = global.config_file;
    const fs::path input = fs::absolute(name);
    const std::string text = read_text(input);
    const toml::table theirs = parse(text, name);
    if (!is_rust_offload_config(theirs))
        throw Error(
            fmt::format("{} is not in the Rust offload's form (it has [discovery], or neither [framework] "
                        "nor [groups.NAME] with a `type` nor a provider local/default/remote): nothing to "
                        "migrate; `offload validate` checks it",
                        name));
    Diagnostics diagnostics;
    const RustOffloadConfig translation = translate_rust_offload_config(theirs, name, diagnostics);
    if (diagnostics.error_count())
        throw Error(fmt::format("{} cannot be migrated: {} of its keys have no equivalent (see above)", name,
                                diagnostics.error_count()));
    const std::string migrated = write_migrated_config(translation, text, name);

    // What is written must read back as offload's form, with exactly the translated values.
    const toml::table reread = parse(migrated, "the migrated text");
    if (is_rust_offload_config(reread) || reread != translation.document)
        throw Error(fmt::format("migrating {} went wrong (the text written does not read back as what it "
                                "translates to); please report this, with the file",
                                name));

    if (options.in_place) {
        const fs::path backup = input.string() + ".bak";
        if (fs::exists(fs::symlink_status(backup)))
            throw Error(fmt::format("{} exists; --in-place keeps the original there: move it away first",
                                    backup.string()));
        write_file(backup, text);
        write_file(input, migrated);
        log::info(fmt::format("{} is now in offload's form; the original is in {}", name, backup.string()));
    } else if (!options.output.empty()) {
        const fs::path output = fs::absolute(options.output);
        if (fs::exists(fs::symlink_status(output)))
            throw Error(
                fmt::format("{} exists; migrate never overwrites a file: name another with -o, or use "
                            "--in-place to rewrite {} (keeping {}.bak)",
                            options.output, name, name));
        if (output.parent_path().lexically_normal() != input.parent_path().lexically_normal())
            log::warning(
                fmt::format("{} is not in the directory of {}: offload reads the paths of a "
                            "configuration relative to the file, the Rust offload relative to where it "
                            "ran; move it beside {} or adjust the paths",
                            options.output, name, name));
        write_file(output, migrated);
        log::info(fmt::format("wrote {}: {} in offload's form; check it with `offload validate -c {}`",
                              options.output, name, options.output));
    } else {
        log::print(migrated);
    }
    return 0;
}

} // namespace offload
