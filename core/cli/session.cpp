#include "cli/session.hpp"

#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <optional>

namespace offload {

namespace {

std::string plugin_path_environment()
{
    const char *value = std::getenv("OFFLOAD_PLUGIN_PATH");
    return value ? value : "";
}

} // namespace

std::vector<SearchDir> search_path_without_config(const GlobalOptions &options)
{
    SearchPathInputs inputs;
    inputs.command_line = options.plugin_paths;
    inputs.environment = plugin_path_environment();
    inputs.project_dir = std::filesystem::current_path();
    inputs.installed_dir = installed_plugin_dir();
    return plugin_search_path(inputs);
}

Session::Session(const GlobalOptions &options)
{
    m_settings = load_settings(options.config_file, m_diagnostics);
    m_environment.project_dir = m_settings->project_dir;

    SearchPathInputs inputs;
    inputs.command_line = options.plugin_paths;
    inputs.environment = plugin_path_environment();
    inputs.config = m_settings->plugin_paths;
    inputs.project_dir = m_settings->project_dir;
    inputs.installed_dir = installed_plugin_dir();
    m_registry = std::make_unique<PluginRegistry>(plugin_search_path(inputs), m_environment);

    const std::string file = options.config_file;
    for (const Settings::Suite &suite : m_settings->suites)
        m_discovery_configs.push_back(std::make_unique<offload_config>(
            *suite.table, suite.name.empty() ? "discovery" : "discovery." + suite.name, file, m_diagnostics));
    m_provider_config =
        std::make_unique<offload_config>(*m_settings->provider_table, "provider", file, m_diagnostics);
}

Session::~Session()
{
    m_frameworks.clear();
    m_provider.reset();
    deinit_plugins();
}

FrameworkInstance &Session::framework()
{
    return *frameworks().front();
}

std::vector<FrameworkInstance *> Session::frameworks()
{
    if (m_frameworks.empty()) {
        for (size_t i = 0; i < m_settings->suites.size(); ++i) {
            const Settings::Suite &suite = m_settings->suites[i];
            const Plugin *plugin = m_registry->find(PluginKind::Framework, suite.framework_type);
            if (!plugin) {
                m_frameworks.clear();
                throw Error(m_registry->not_found_message(PluginKind::Framework, suite.framework_type) +
                            fmt::format("\n  ([discovery{}] type in {})",
                                        suite.name.empty() ? "" : "." + suite.name,
                                        m_settings->config_file.string()));
            }
            m_frameworks.push_back(std::make_unique<FrameworkInstance>(*plugin, *m_discovery_configs[i]));
        }
        m_diagnostics.throw_if_errors(m_settings->config_file.string());
        // Before anything is discovered (and in `offload validate`): filters no framework can take.
        for (const Settings::Group &group : m_settings->groups) {
            const FrameworkInstance &framework = *m_frameworks[group.suite];
            if (!group.filters.empty() && !framework.takes_filters())
                throw Error(fmt::format("[groups.{}]: the {} framework ({}) takes no filters; select these "
                                        "tests with its [discovery] keys instead, or give the group "
                                        "filters = \"\" (in {})",
                                        group.name, framework.plugin().id, framework.plugin().path.string(),
                                        m_settings->config_file.string()));
        }
    }
    std::vector<FrameworkInstance *> instances;
    for (const std::unique_ptr<FrameworkInstance> &instance : m_frameworks)
        instances.push_back(instance.get());
    return instances;
}

ProviderInstance &Session::provider()
{
    if (!m_provider) {
        const std::string &type = m_settings->provider_type;
        const Plugin *plugin = m_registry->find(PluginKind::Provider, type);
        const ScriptPlugin *script = plugin ? nullptr : m_registry->find_script(type);
        // A provider script is served by the script bridge, told the script's path through its
        // `script` key.
        if (script && (plugin = m_registry->find(PluginKind::Provider, "script")))
            m_provider_config->inject("script", script->path.string());
        if (!plugin)
            throw Error(m_registry->not_found_message(PluginKind::Provider, m_settings->provider_type) +
                        "\n  ([provider] type in " + m_settings->config_file.string() + ")");
        m_provider = std::make_unique<ProviderInstance>(*plugin, *m_provider_config, type);
        m_diagnostics.throw_if_errors(m_settings->config_file.string());
    }
    return *m_provider;
}

void Session::create_instances()
{
    std::optional<Error> framework_error;
    try {
        framework();
    } catch (const Error &e) {
        framework_error = e;
    }
    try {
        provider();
    } catch (const Error &) {
        if (framework_error)
            log::error(framework_error->what());
        throw;
    }
    if (framework_error)
        throw *framework_error;
}

} // namespace offload
