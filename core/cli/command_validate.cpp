// offload validate: check offload.toml and the plugins it names, print the resolved settings.
#include "cli/commands.hpp"

#include "util/log.hpp"

#include <fmt/format.h>

namespace offload {

int command_validate(const GlobalOptions &global)
{
    Session session(global);
    session.create_instances();
    FrameworkInstance &framework = session.framework();
    ProviderInstance &provider = session.provider();
    const Settings &settings = session.settings();

    std::string out = describe_settings(settings);
    out += fmt::format("\n# provider \"{}\": {} {} ({})\n", provider.plugin().id,
                       provider.plugin().path.string(), provider.plugin().version,
                       provider.plugin().description);
    out += fmt::format("# framework \"{}\": {} {} ({})\n", framework.plugin().id,
                       framework.plugin().path.string(), framework.plugin().version,
                       framework.plugin().description);
    out += fmt::format("# {} is valid\n", settings.config_file.string());
    log::print(out);
    return 0;
}

} // namespace offload
