// offload validate: check offload.toml and the plugins it names, print the resolved settings.
#include "cli/commands.hpp"

#include "util/log.hpp"

#include <fmt/format.h>

namespace offload {

int command_validate(const GlobalOptions &global)
{
    Session session(global);
    session.create_instances();
    const std::vector<FrameworkInstance *> frameworks = session.frameworks();
    ProviderInstance &provider = session.provider();
    const Settings &settings = session.settings();

    std::string out;
    if (settings.rust_offload) {
        out += fmt::format("# {} is in the Rust offload's {} form; what each of its keys became:\n",
                           global.config_file, settings.rust_offload->era);
        for (const RustOffloadMapping &mapping : settings.rust_offload->mappings)
            out += describe_mapping(mapping) + "\n";
        out +=
            fmt::format("# `offload migrate -c {} -o FILE` (or --in-place) writes it in offload's form\n\n",
                        global.config_file);
    }
    out += describe_settings(settings);
    out += fmt::format("\n# provider \"{}\": {} {} ({})\n", provider.plugin().id,
                       provider.plugin().path.string(), provider.plugin().version,
                       provider.plugin().description);
    for (size_t i = 0; i < frameworks.size(); ++i) {
        const Plugin &plugin = frameworks[i]->plugin();
        const std::string &name = settings.suites[i].name;
        out += fmt::format("# framework \"{}\"{}: {} {} ({})\n", plugin.id,
                           name.empty() ? "" : fmt::format(" ([discovery.{}], ids \"{}:...\")", name, name),
                           plugin.path.string(), plugin.version, plugin.description);
    }
    out += fmt::format("# {} is valid\n", settings.config_file.string());
    log::print(out);
    return 0;
}

} // namespace offload
