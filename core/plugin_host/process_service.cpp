#include "plugin_host/process_service.hpp"

#include "plugin_host/abi_text.hpp"
#include "plugin_host/host_extensions.hpp"
#include "plugin_host/host_services.hpp"
#include "process/cancel_token.hpp"
#include "process/subprocess.hpp"
#include "util/log.hpp"

#include <cstddef>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offload {

namespace {

std::vector<std::string> to_strings(const char *const *list)
{
    std::vector<std::string> strings;
    for (size_t i = 0; list && list[i]; ++i)
        strings.emplace_back(list[i]);
    return strings;
}

thread_local LeakCollector *t_collector = nullptr;

// The value of NAME in a command's "NAME=value" entries, or "".
std::string env_value(const std::vector<std::string> &env, std::string_view name)
{
    for (auto it = env.rbegin(); it != env.rend(); ++it)
        if (it->size() > name.size() && it->compare(0, name.size(), name) == 0 && (*it)[name.size()] == '=')
            return it->substr(name.size() + 1);
    return "";
}

// One line, as nextest's LEAK: which command, then each process left running.
void report_leaks(const ProcessSpec &spec, const ProcessExit &outcome)
{
    if (outcome.leaked.empty())
        return;
    if (t_collector) {
        t_collector->add(outcome.leaked);
        return;
    }
    const std::string batch = env_value(spec.env, "OFFLOAD_BATCH");
    std::string text =
        "LEAK: " + (batch.empty() ? "a command of the " + spec.argv[0] : "batch " + batch) + " left " +
        std::to_string(outcome.leaked.size()) + (outcome.leaked.size() == 1 ? " process" : " processes") +
        " running after it exited; offload ended " + (outcome.leaked.size() == 1 ? "it" : "them") + ":";
    constexpr size_t shown = 5;
    for (size_t i = 0; i < outcome.leaked.size() && i < shown; ++i)
        text += (i ? ", " : " ") + std::to_string(outcome.leaked[i].pid) + " (" +
                outcome.leaked[i].command_line + ")";
    if (outcome.leaked.size() > shown)
        text += " and " + std::to_string(outcome.leaked.size() - shown) + " more";
    log::warning(text);
}

// Whose commands are test commands (their whole process tree ends with them, and what they leave
// running is a leak): the process provider's. Other plugins' commands are their own helpers (the
// script bridge's verbs), which may start a process of the provider meant to outlive the command
// (the ssh provider's shared connection, in a session of its own): only their process group ends
// with them, as before, and what left it is the provider's to end.
TreeScope tree_scope_of(const offload_host *host)
{
    const auto *services = static_cast<const HostServices *>(host->host_context);
    return services->plugin_id() == "process" ? TreeScope::Command : TreeScope::Run;
}

// What both versions share: argv, directory, environment, limits and output.
ProcessSpec base_spec(const offload_host *host, const char *const *argv, const char *working_dir,
                      const char *const *env, uint64_t timeout_ms, uint64_t kill_grace_ms,
                      const offload_output_sink *output)
{
    ProcessSpec spec;
    spec.tree_scope = tree_scope_of(host);
    spec.argv = to_strings(argv);
    spec.working_dir =
        working_dir
            ? std::string(working_dir)
            : static_cast<const HostServices *>(host->host_context)->environment().project_dir.string();
    spec.env = to_strings(env);
    spec.timeout = std::chrono::milliseconds(timeout_ms);
    spec.kill_grace = std::chrono::milliseconds(kill_grace_ms);
    if (output && OFFLOAD_SIZE_OK(output, offload_output_sink) && output->write) {
        spec.on_output = [output](int stream, std::string_view data) {
            output->write(output->context, stream, data.data(), data.size());
        };
    }
    return spec;
}

// Fills result (when the caller's struct has room) and turns the outcome into a status.
offload_status finish(const Expected<ProcessExit> &exit, offload_process_result *result,
                      const offload_text_sink *error)
{
    if (!exit) {
        append_to_sink(error, exit.error());
        return OFFLOAD_ERROR;
    }
    const ProcessExit &outcome = *exit;
    if (result && OFFLOAD_SIZE_OK(result, offload_process_result)) {
        result->exit_code = outcome.exit_code;
        result->term_signal = outcome.term_signal;
        result->timed_out = outcome.timed_out ? 1 : 0;
        result->duration_ms = uint64_t(outcome.duration.count());
    }
    return outcome.cancelled ? OFFLOAD_CANCELLED : OFFLOAD_OK;
}

offload_status run_process_v2(const offload_host *host, const offload_process_request_v2 *request,
                              offload_process_result *result, const offload_text_sink *error)
{
    try {
        if (!host || !request || !OFFLOAD_SIZE_OK(request, offload_process_request_v2) || !request->argv ||
            !request->argv[0]) {
            append_to_sink(
                error, "run_process (offload.host.process/2): the request is NULL, smaller than its first "
                       "version, or has no argv[0]");
            return OFFLOAD_ERROR;
        }
        ProcessSpec spec = base_spec(host, request->argv, request->working_dir, request->env,
                                     request->timeout_ms, request->kill_grace_ms, request->output);
        spec.cancel = request->cancel;
        spec.handled_level = (request->flags & OFFLOAD_PROCESS_CLEANUP) ? -1 : 0;
        spec.input = request->input;
        const Expected<ProcessExit> exit = run_subprocess(spec);
        if (exit)
            report_leaks(spec, *exit);
        return finish(exit, result, error);
    } catch (const std::exception &e) {
        append_to_sink(error, e.what());
        return OFFLOAD_ERROR;
    }
}

const offload_host_process_v2 process_v2_table = {
    .struct_size = sizeof(offload_host_process_v2),
    .run_process = run_process_v2,
};

} // namespace

offload_status run_process_v1(const offload_host *host, const offload_process_request *request,
                              offload_process_result *result, const offload_text_sink *error)
{
    try {
        if (!host || !request || !OFFLOAD_SIZE_OK(request, offload_process_request) || !request->argv ||
            !request->argv[0]) {
            append_to_sink(error, "run_process: the request is NULL, too small for ABI 1, or has no argv[0]");
            return OFFLOAD_ERROR;
        }
        ProcessSpec spec = base_spec(host, request->argv, request->working_dir, request->env,
                                     request->timeout_ms, request->kill_grace_ms, request->output);
        const CancelToken *token = CancelToken::current();
        spec.cancel = token ? token->view() : nullptr;
        // On the thread running exec(): the batch's command, or its cleanup once one was stopped.
        spec.handled_level = CancelToken::handled_level();
        const Expected<ProcessExit> exit = run_subprocess(spec);
        if (exit)
            report_leaks(spec, *exit);
        if (exit && exit->cancelled)
            CancelToken::note_handled(cancel_level(spec.cancel));
        return finish(exit, result, error);
    } catch (const std::exception &e) {
        append_to_sink(error, e.what());
        return OFFLOAD_ERROR;
    }
}

LeakCollector::LeakCollector() : m_outer(std::exchange(t_collector, this))
{
}

LeakCollector::~LeakCollector()
{
    t_collector = m_outer;
}

void LeakCollector::add(const std::vector<LeakedProcess> &leaked)
{
    m_leaked.insert(m_leaked.end(), leaked.begin(), leaked.end());
}

std::vector<LeakedProcess> LeakCollector::take()
{
    return std::exchange(m_leaked, {});
}

void offer_process_extension()
{
    static std::once_flag once;
    std::call_once(once, [] { register_host_extension(OFFLOAD_HOST_PROCESS_V2, &process_v2_table); });
}

} // namespace offload
