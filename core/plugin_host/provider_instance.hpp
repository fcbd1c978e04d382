// One provider plugin instance and its sandboxes, behind a C++ interface that checks what the
// plugin hands back and guarantees every sandbox is destroyed.
#pragma once

#include "plugin_host/plugin_library.hpp"
#include "runner/executor.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct offload_config;

namespace offload {

// A sandbox handed out by a provider plugin. Destroyed at the latest by its destructor. Calls on one
// sandbox must not overlap (the worker that owns it makes them).
class PluginSandbox final : public Sandbox {
  public:
    PluginSandbox(const Plugin &plugin, offload_sandbox *handle, unsigned index, std::string work_dir);
    ~PluginSandbox() override;
    PluginSandbox(const PluginSandbox &) = delete;
    PluginSandbox &operator=(const PluginSandbox &) = delete;

    unsigned index() const override { return m_index; }
    const std::string &work_dir() const override { return m_work_dir; }
    ExecResult exec(const ExecRequest &request) override;
    Expected<bool> download(const std::string &sandbox_path,
                            const std::filesystem::path &local_path) override;
    Expected<void> destroy() override;

  private:
    const Plugin &m_plugin;
    offload_sandbox *m_handle;
    unsigned m_index;
    std::string m_work_dir;
};

class ProviderInstance final : public Executor {
  public:
    // Calls the plugin's create(). Throws offload::Error when it fails. Main thread. `name` is what
    // the user wrote as the provider's type (a script provider's name, say).
    ProviderInstance(const Plugin &plugin, const offload_config &config, std::string name);
    ~ProviderInstance() override;
    ProviderInstance(const ProviderInstance &) = delete;
    ProviderInstance &operator=(const ProviderInstance &) = delete;

    const Plugin &plugin() const { return m_plugin; }

    // Throws offload::Error with the plugin's reason. Main thread. Asks the plugin's capabilities too.
    void prepare(const std::string &project_dir, unsigned max_sandboxes);

    // The most sandboxes the provider can have at once, learned by prepare(); 0: no limit. Main
    // thread, after prepare().
    unsigned sandbox_capacity() const;

    // Where this provider's commands run when they run on this machine (the process provider), for
    // discovery to run alike; nullopt for a provider that does not say (a remote one). Main thread,
    // before prepare(). Throws offload::Error with the plugin's reason.
    struct LocalContext {
        std::string working_dir;      // empty: the project directory
        std::vector<std::string> env; // "NAME=value"
    };
    std::optional<LocalContext> local_context() const;

    // Executor. Any thread.
    std::string name() const override { return m_name; }
    bool feeds_input() const override;
    bool cheap_duplicates() const override;
    Expected<std::unique_ptr<Sandbox>> create_sandbox(unsigned index) override;

    static std::string config_template(const Plugin &plugin);

  private:
    const Plugin &m_plugin;
    std::string m_name;
    offload_provider_instance *m_instance = nullptr;
    uint32_t m_capabilities = 0; // OFFLOAD_EXEC_*, learned in prepare()
};

} // namespace offload
