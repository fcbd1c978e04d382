#include "plugin_host/provider_instance.hpp"

#include "plugin_host/abi_text.hpp"
#include "plugin_host/plugin_config.hpp"
#include "plugin_host/process_service.hpp"
#include "process/cancel_token.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace offload {

PluginSandbox::PluginSandbox(const Plugin &plugin, offload_sandbox *handle, unsigned index,
                             std::string work_dir)
    : m_plugin(plugin), m_handle(handle), m_index(index), m_work_dir(std::move(work_dir))
{
}

PluginSandbox::~PluginSandbox()
{
    if (Expected<void> destroyed = destroy(); !destroyed)
        log::warning(fmt::format("sandbox {}: {}", m_index, destroyed.error()));
}

ExecResult PluginSandbox::exec(const ExecRequest &request)
{
    ExecResult outcome;
    if (!m_handle) {
        outcome.error = "the sandbox was already destroyed";
        return outcome;
    }
    std::vector<const char *> env_list;
    for (const std::string &entry : request.env)
        env_list.push_back(entry.c_str());
    env_list.push_back(nullptr);

    using Handler = std::function<void(int, std::string_view)>;
    offload_output_sink output{sizeof(offload_output_sink), const_cast<Handler *>(&request.on_output),
                               [](void *context, int32_t stream, const char *data, size_t length) {
                                   auto &handler = *static_cast<const Handler *>(context);
                                   if (handler && data)
                                       handler(stream == OFFLOAD_STREAM_STDERR ? 2 : 1, {data, length});
                               }};
    offload_exec_result result{};
    result.struct_size = sizeof result;
    result.exit_code = -1;
    CollectingSink error(64 << 10);
    LeakCollector leaks;
    offload_status status;
    if (const offload_provider_exec_v2 *exec2 = m_plugin.provider_exec) {
        offload_exec_request_v2 exec_request{};
        exec_request.struct_size = sizeof exec_request;
        exec_request.command = request.command.c_str();
        exec_request.env = env_list.data();
        exec_request.timeout_ms = uint64_t(request.timeout.count());
        exec_request.output = &output;
        exec_request.input = request.input;
        exec_request.cancel = request.cancel->view();
        status = exec2->exec(m_handle, &exec_request, &result, error.get());
    } else {
        // SDK 1.0/1.1: no handle in the request; host->cancel_level() and run_process() find the
        // cancellation through the thread. No input either: the core never asks for it here.
        offload_exec_request exec_request{};
        exec_request.struct_size = sizeof exec_request;
        exec_request.command = request.command.c_str();
        exec_request.env = env_list.data();
        exec_request.timeout_ms = uint64_t(request.timeout.count());
        exec_request.output = &output;
        CancelToken::Scope scope(request.cancel);
        status = m_plugin.provider->exec(m_handle, &exec_request, &result, error.get());
    }
    outcome.exit_code = result.exit_code;
    outcome.timed_out = result.timed_out != 0;
    outcome.duration = std::chrono::milliseconds(result.duration_ms);
    switch (status) {
    case OFFLOAD_OK: outcome.status = ExecResult::Status::Ran; break;
    case OFFLOAD_CANCELLED: outcome.status = ExecResult::Status::Cancelled; break;
    default: outcome.status = ExecResult::Status::InfraFailed; break; // the sandbox cannot be trusted
    }
    if (outcome.status != ExecResult::Status::Ran)
        outcome.error = error.text_or("no reason given");
    for (const LeakedProcess &process : leaks.take())
        outcome.leaked.push_back(fmt::format("{} ({})", process.pid, process.command_line));
    return outcome;
}

Expected<bool> PluginSandbox::download(const std::string &sandbox_path,
                                       const std::filesystem::path &local_path)
{
    if (!m_plugin.provider->download)
        return false;
    CollectingSink reason(64 << 10);
    offload_status status =
        m_plugin.provider->download(m_handle, sandbox_path.c_str(), local_path.c_str(), reason.get());
    if (status == OFFLOAD_OK)
        return true;
    if (status == OFFLOAD_NOT_FOUND)
        return false;
    return failure(reason.text_or("no reason given"));
}

Expected<void> PluginSandbox::destroy()
{
    if (!m_handle)
        return {};
    CollectingSink reason(64 << 10);
    offload_status status = m_plugin.provider->destroy_sandbox(m_handle, reason.get());
    m_handle = nullptr;
    if (status != OFFLOAD_OK)
        return failure(fmt::format("destroying it failed: {}", reason.text_or("no reason given")));
    return {};
}

ProviderInstance::ProviderInstance(const Plugin &plugin, const offload_config &config, std::string name)
    : m_plugin(plugin), m_name(std::move(name))
{
    CollectingSink error;
    offload_status status =
        plugin.provider->create(plugin.services->table(), &config, &m_instance, error.get());
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
    if (!m_plugin.provider->prepare) {
        if (m_plugin.provider_exec && m_plugin.provider_exec->capabilities)
            m_capabilities = m_plugin.provider_exec->capabilities(m_instance);
        return;
    }
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
    if (m_plugin.provider_exec && m_plugin.provider_exec->capabilities)
        m_capabilities = m_plugin.provider_exec->capabilities(m_instance);
}

std::optional<ProviderInstance::LocalContext> ProviderInstance::local_context() const
{
    const offload_provider_exec_v2 *exec = m_plugin.provider_exec;
    if (!exec || !exec->local_context)
        return std::nullopt;
    LocalContext context;
    offload_text_sink env{sizeof(offload_text_sink), &context.env,
                          [](void *list, const char *data, size_t length) {
                              if (data)
                                  static_cast<std::vector<std::string> *>(list)->emplace_back(data, length);
                          }};
    CollectingSink working_dir(64 << 10), error;
    if (exec->local_context(m_instance, working_dir.get(), &env, error.get()) != OFFLOAD_OK)
        throw Error(fmt::format("the {} provider cannot say how its commands run: {}", m_plugin.id,
                                error.text_or("no reason given")));
    context.working_dir = working_dir.text();
    std::erase_if(context.env, [](const std::string &entry) { return entry.find('=') == std::string::npos; });
    return context;
}

bool ProviderInstance::feeds_input() const
{
    return (m_capabilities & OFFLOAD_EXEC_INPUT) != 0;
}

bool ProviderInstance::cheap_duplicates() const
{
    return (m_capabilities & OFFLOAD_EXEC_CHEAP_DUPLICATES) != 0;
}

unsigned ProviderInstance::sandbox_capacity() const
{
    const offload_provider_v1 &provider = *m_plugin.provider;
    if (!OFFLOAD_HAS_FIELD(&provider, offload_provider_v1, sandbox_capacity) || !provider.sandbox_capacity)
        return 0;
    return provider.sandbox_capacity(m_instance);
}

Expected<std::unique_ptr<Sandbox>> ProviderInstance::create_sandbox(unsigned index)
{
    offload_sandbox_request request{};
    request.struct_size = sizeof request;
    request.index = index;
    offload_sandbox *handle = nullptr;
    CollectingSink work_dir(64 << 10), error(64 << 10);
    const offload_status status =
        m_plugin.provider->create_sandbox(m_instance, &request, &handle, work_dir.get(), error.get());
    if (status == OFFLOAD_OK && !handle)
        return failure("create_sandbox returned OK without a sandbox");
    if (status != OFFLOAD_OK)
        return failure(error.text_or("no reason given"));
    return std::unique_ptr<Sandbox>(
        std::make_unique<PluginSandbox>(m_plugin, handle, index, work_dir.text()));
}

std::string ProviderInstance::config_template(const Plugin &plugin)
{
    CollectingSink text;
    if (plugin.provider->config_template)
        plugin.provider->config_template(text.get());
    return text.text();
}

} // namespace offload
