// One provider plugin instance and its sandboxes, behind a C++ interface that checks what the
// plugin hands back and guarantees every sandbox is destroyed.
#pragma once

#include "plugin_host/plugin_library.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct offload_config;

namespace offload {

struct ExecOutcome {
    offload_status status = OFFLOAD_ERROR;   // OK (ran), INFRA_ERROR, CANCELLED, ERROR
    int exit_code = -1;
    bool timed_out = false;
    uint64_t duration_ms = 0;
    std::string error;                       // for any status but OK
};

// A sandbox handed out by a provider. Destroyed at the latest by its destructor. Calls on one
// sandbox must not overlap (the worker that owns it makes them).
class Sandbox {
public:
    Sandbox(const Plugin &plugin, offload_sandbox *handle, unsigned index, std::string work_dir);
    ~Sandbox();
    Sandbox(const Sandbox &) = delete;
    Sandbox &operator=(const Sandbox &) = delete;

    unsigned index() const { return m_index; }
    const std::string &work_dir() const { return m_work_dir; }

    using OutputHandler = std::function<void(int stream, std::string_view data)>;
    ExecOutcome exec(const std::string &command, const std::vector<std::string> &env,
                     std::chrono::milliseconds timeout, const OutputHandler &on_output);
    // OFFLOAD_OK, OFFLOAD_NOT_FOUND, or an error with error set.
    offload_status download(const std::string &sandbox_path, const std::string &local_path, std::string &error);
    // Idempotent. Returns false with error set when the provider reported a problem.
    bool destroy(std::string &error);

private:
    const Plugin &m_plugin;
    offload_sandbox *m_handle;
    unsigned m_index;
    std::string m_work_dir;
};

class ProviderInstance {
public:
    // Calls the plugin's create(). Throws offload::Error when it fails. Main thread.
    ProviderInstance(const Plugin &plugin, const offload_config &config);
    ~ProviderInstance();
    ProviderInstance(const ProviderInstance &) = delete;
    ProviderInstance &operator=(const ProviderInstance &) = delete;

    const Plugin &plugin() const { return m_plugin; }

    // Throws offload::Error with the plugin's reason. Main thread.
    void prepare(const std::string &project_dir, unsigned max_sandboxes);

    // The most sandboxes the provider can have at once, learned by prepare(); 0: no limit. Main
    // thread, after prepare().
    unsigned sandbox_capacity() const;

    struct Creation {
        std::unique_ptr<Sandbox> sandbox;   // null on failure
        offload_status status = OFFLOAD_ERROR;
        std::string error;
    };
    // Any thread.
    Creation create_sandbox(unsigned index);

    static std::string config_template(const Plugin &plugin);

private:
    const Plugin &m_plugin;
    offload_provider_instance *m_instance = nullptr;
};

} // namespace offload
