#include "plugin_host/provider_instance.hpp"

#include "plugin_host/abi_text.hpp"
#include "plugin_host/plugin_config.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace offload {

Sandbox::Sandbox(const Plugin &plugin, offload_sandbox *handle, unsigned index, std::string work_dir)
    : m_plugin(plugin), m_handle(handle), m_index(index), m_work_dir(std::move(work_dir))
{
}

Sandbox::~Sandbox()
{
    std::string error;
    if (!destroy(error))
        log::warning(fmt::format("sandbox {}: {}", m_index, error));
}

ExecOutcome Sandbox::exec(const std::string &command, const std::vector<std::string> &env,
                          std::chrono::milliseconds timeout, const OutputHandler &on_output)
{
    ExecOutcome outcome;
    if (!m_handle) {
        outcome.error = "the sandbox was already destroyed";
        return outcome;
    }
    std::vector<const char *> env_list;
    for (const std::string &entry : env)
        env_list.push_back(entry.c_str());
    env_list.push_back(nullptr);

    offload_output_sink output{sizeof(offload_output_sink), const_cast<OutputHandler *>(&on_output),
                               [](void *context, int32_t stream, const char *data, size_t length) {
                                   auto &handler = *static_cast<const OutputHandler *>(context);
                                   if (handler && data)
                                       handler(stream == OFFLOAD_STREAM_STDERR ? 2 : 1, {data, length});
                               }};
    offload_exec_request request{};
    request.struct_size = sizeof request;
    request.command = command.c_str();
    request.env = env_list.data();
    request.timeout_ms = uint64_t(timeout.count());
    request.output = &output;
    offload_exec_result result{};
    result.struct_size = sizeof result;
    result.exit_code = -1;
    CollectingSink error(64 << 10);
    outcome.status = m_plugin.provider->exec(m_handle, &request, &result, error.get());
    outcome.exit_code = result.exit_code;
    outcome.timed_out = result.timed_out != 0;
    outcome.duration_ms = result.duration_ms;
    if (outcome.status != OFFLOAD_OK)
        outcome.error = error.text_or("no reason given");
    return outcome;
}

offload_status Sandbox::download(const std::string &sandbox_path, const std::string &local_path, std::string &error)
{
    if (!m_plugin.provider->download)
        return OFFLOAD_NOT_FOUND;
    CollectingSink reason(64 << 10);
    offload_status status =
        m_plugin.provider->download(m_handle, sandbox_path.c_str(), local_path.c_str(), reason.get());
    if (status != OFFLOAD_OK && status != OFFLOAD_NOT_FOUND)
        error = reason.text_or("no reason given");
    return status;
}

bool Sandbox::destroy(std::string &error)
{
    if (!m_handle)
        return true;
    CollectingSink reason(64 << 10);
    offload_status status = m_plugin.provider->destroy_sandbox(m_handle, reason.get());
    m_handle = nullptr;
    if (status != OFFLOAD_OK) {
        error = fmt::format("destroying it failed: {}", reason.text_or("no reason given"));
        return false;
    }
    return true;
}

ProviderInstance::ProviderInstance(const Plugin &plugin, const offload_config &config) : m_plugin(plugin)
{
    CollectingSink error;
    offload_status status = plugin.provider->create(plugin.services->table(), &config, &m_instance, error.get());
    if (status != OFFLOAD_OK || !m_instance) {
        m_instance = nullptr;
        throw Error(fmt::format("the {} provider ({}) could not start: {}", plugin.id, plugin.path.string(),
                                error.text_or("its [provider] settings are not valid (see above)")));
    }
    config.warn_unread_keys(fmt::format("the {} provider", plugin.id));
}

ProviderInstance::~ProviderInstance()
{
    if (m_instance)
        m_plugin.provider->destroy(m_instance);
}

void ProviderInstance::prepare(const std::string &project_dir, unsigned max_sandboxes)
{
    if (!m_plugin.provider->prepare)
        return;
    offload_prepare_request request{};
    request.struct_size = sizeof request;
    request.project_dir = project_dir.c_str();
    request.max_sandboxes = max_sandboxes;
    CollectingSink error;
    offload_status status = m_plugin.provider->prepare(m_instance, &request, error.get());
    if (status == OFFLOAD_CANCELLED)
        throw Error("interrupted while the provider was preparing", 130);
    if (status != OFFLOAD_OK)
        throw Error(fmt::format("the {} provider could not prepare the run: {}", m_plugin.id,
                                error.text_or("no reason given")));
}

unsigned ProviderInstance::sandbox_capacity() const
{
    const offload_provider_v1 &provider = *m_plugin.provider;
    if (!OFFLOAD_HAS_FIELD(&provider, offload_provider_v1, sandbox_capacity) || !provider.sandbox_capacity)
        return 0;
    return provider.sandbox_capacity(m_instance);
}

ProviderInstance::Creation ProviderInstance::create_sandbox(unsigned index)
{
    Creation creation;
    offload_sandbox_request request{};
    request.struct_size = sizeof request;
    request.index = index;
    offload_sandbox *handle = nullptr;
    CollectingSink work_dir(64 << 10), error(64 << 10);
    creation.status = m_plugin.provider->create_sandbox(m_instance, &request, &handle, work_dir.get(), error.get());
    if (creation.status == OFFLOAD_OK && !handle) {
        creation.status = OFFLOAD_ERROR;
        creation.error = "create_sandbox returned OK without a sandbox";
    } else if (creation.status != OFFLOAD_OK) {
        creation.error = error.text_or("no reason given");
    } else {
        creation.sandbox = std::make_unique<Sandbox>(m_plugin, handle, index, work_dir.text());
    }
    return creation;
}

std::string ProviderInstance::config_template(const Plugin &plugin)
{
    CollectingSink text;
    if (plugin.provider->config_template)
        plugin.provider->config_template(text.get());
    return text.text();
}

} // namespace offload
