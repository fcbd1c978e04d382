#include "plugin_host/process_service.hpp"

#include "plugin_host/host_extensions.hpp"
#include "plugin_host/host_services.hpp"
#include "process/cancel_token.hpp"
#include "process/subprocess.hpp"

#include <cstddef>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

namespace {

void append(const offload_text_sink *sink, std::string_view text)
{
    if (sink && sink->append)
        sink->append(sink->context, text.data(), text.size());
}

std::vector<std::string> to_strings(const char *const *list)
{
    std::vector<std::string> strings;
    for (size_t i = 0; list && list[i]; ++i)
        strings.emplace_back(list[i]);
    return strings;
}

// What both versions share: argv, directory, environment, limits and output.
ProcessSpec base_spec(const offload_host *host, const char *const *argv, const char *working_dir,
                      const char *const *env, uint64_t timeout_ms, uint64_t kill_grace_ms,
                      const offload_output_sink *output)
{
    ProcessSpec spec;
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
        append(error, exit.error());
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
            append(error, "run_process (offload.host.process/2): the request is NULL, smaller than its first "
                          "version, or has no argv[0]");
            return OFFLOAD_ERROR;
        }
        ProcessSpec spec = base_spec(host, request->argv, request->working_dir, request->env,
                                     request->timeout_ms, request->kill_grace_ms, request->output);
        spec.cancel = request->cancel;
        spec.handled_level = (request->flags & OFFLOAD_PROCESS_CLEANUP) ? -1 : 0;
        spec.input = request->input;
        return finish(run_subprocess(spec), result, error);
    } catch (const std::exception &e) {
        append(error, e.what());
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
            append(error, "run_process: the request is NULL, too small for ABI 1, or has no argv[0]");
            return OFFLOAD_ERROR;
        }
        ProcessSpec spec = base_spec(host, request->argv, request->working_dir, request->env,
                                     request->timeout_ms, request->kill_grace_ms, request->output);
        const CancelToken *token = CancelToken::current();
        spec.cancel = token ? token->view() : nullptr;
        // On the thread running exec(): the batch's command, or its cleanup once one was stopped.
        spec.handled_level = CancelToken::handled_level();
        const Expected<ProcessExit> exit = run_subprocess(spec);
        if (exit && exit->cancelled)
            CancelToken::note_handled(cancel_level(spec.cancel));
        return finish(exit, result, error);
    } catch (const std::exception &e) {
        append(error, e.what());
        return OFFLOAD_ERROR;
    }
}

void offer_process_extension()
{
    static std::once_flag once;
    std::call_once(once, [] { register_host_extension(OFFLOAD_HOST_PROCESS_V2, &process_v2_table); });
}

} // namespace offload
