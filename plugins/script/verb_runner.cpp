#include "verb_runner.hpp"

#include "common/text.hpp"

#include <offload/plugin.hpp>

#include <algorithm>
#include <optional>

namespace {

constexpr size_t max_reply_bytes = 1 << 20; // replies are a few lines; more is garbage
constexpr size_t stderr_tail_bytes = 4 << 10;

struct Capture {
    std::string out;
    std::string err;
    bool out_overflow = false;
};

void capture_write(void *context, int32_t stream, const char *data, size_t length)
{
    auto &capture = *static_cast<Capture *>(context);
    if (stream == OFFLOAD_STREAM_STDERR) {
        capture.err.append(data, length);
        if (capture.err.size() > 2 * stderr_tail_bytes)
            capture.err.erase(0, capture.err.size() - stderr_tail_bytes);
    } else if (capture.out.size() + length <= max_reply_bytes) {
        capture.out.append(data, length);
    } else {
        capture.out_overflow = true;
    }
}

// Runs argv with the call's environment; captures or streams the output. A call with a
// cancellation handle goes through process/2 (NULL on an older host: the call cannot run).
VerbOutcome run_argv(const offload_host *host, const offload_host_process_v2 *process_v2,
                     const std::vector<std::string> &argv, const CallEnvironment &base, const VerbCall &call,
                     uint64_t kill_grace_ms)
{
    std::vector<const char *> args;
    for (const std::string &arg : argv)
        args.push_back(arg.c_str());
    args.push_back(nullptr);
    std::vector<const char *> env;
    for (const std::string &entry : base.base)
        env.push_back(entry.c_str());
    for (const std::string &entry : call.env)
        env.push_back(entry.c_str());
    env.push_back(nullptr);

    Capture capture;
    offload_output_sink sink{sizeof(offload_output_sink), &capture, capture_write};
    offload_process_result result{};
    result.struct_size = sizeof result;

    // The fields both versions of the request share.
    auto fill = [&](auto &request) {
        request.struct_size = sizeof request;
        request.argv = args.data();
        request.working_dir = nullptr; // the project directory
        request.env = env.data();
        request.timeout_ms = call.timeout_ms;
        request.kill_grace_ms = kill_grace_ms;
        request.output = call.stream ? call.stream : &sink;
    };
    VerbOutcome outcome;
    offload::sdk::StringSink error(outcome.start_error);
    if (call.cancel) {
        if (!process_v2) {
            outcome.start_error = "this offload has no offload.host.process/2";
            return outcome;
        }
        offload_process_request_v2 request{};
        fill(request);
        request.input = call.input;
        request.cancel = call.cancel;
        request.flags = call.cleanup ? OFFLOAD_PROCESS_CLEANUP : 0;
        outcome.status = process_v2->run_process(host, &request, &result, error);
    } else {
        offload_process_request request{};
        fill(request);
        outcome.status = host->run_process(host, &request, &result, error);
    }
    outcome.exit_code = result.exit_code;
    outcome.timed_out = result.timed_out != 0;
    outcome.duration_ms = result.duration_ms;
    outcome.out = std::move(capture.out);
    if (capture.out_overflow)
        outcome.out += "\n[more than 1 MiB of replies; the rest was dropped]";
    outcome.err_tail = capture.err.size() > stderr_tail_bytes
                           ? capture.err.substr(capture.err.size() - stderr_tail_bytes)
                           : capture.err;
    return outcome;
}

class ScriptRunner : public VerbRunner {
  public:
    ScriptRunner(const offload_host *host, std::string script, std::shared_ptr<const CallEnvironment> env,
                 uint64_t kill_grace_ms)
        : m_host(host), m_process_v2(host_process_v2(host)), m_script(std::move(script)),
          m_env(std::move(env)), m_kill_grace_ms(kill_grace_ms)
    {
    }
    VerbOutcome run(const VerbCall &call) const override
    {
        std::vector<std::string> argv{m_script, call.verb};
        argv.insert(argv.end(), call.args.begin(), call.args.end());
        return run_argv(m_host, m_process_v2, argv, *m_env, call, m_kill_grace_ms);
    }
    size_t longest_argument(const VerbCall &call) const override
    {
        size_t longest = 0;
        for (const std::string &arg : call.args)
            longest = std::max(longest, arg.size());
        return longest;
    }
    std::string origin() const override { return "script " + m_script; }

  private:
    const offload_host *m_host;
    const offload_host_process_v2 *m_process_v2;
    std::string m_script;
    std::shared_ptr<const CallEnvironment> m_env;
    uint64_t m_kill_grace_ms;
};

class InlineRunner : public VerbRunner {
  public:
    InlineRunner(const offload_host *host, std::map<std::string, std::string> commands,
                 std::map<std::string, std::string> fixed, std::shared_ptr<const CallEnvironment> env,
                 uint64_t kill_grace_ms)
        : m_host(host), m_process_v2(host_process_v2(host)), m_commands(std::move(commands)),
          m_fixed(std::move(fixed)), m_env(std::move(env)), m_kill_grace_ms(kill_grace_ms)
    {
    }
    VerbOutcome run(const VerbCall &call) const override
    {
        // A destroy_command of one {sandbox_id} (the Rust offload's form) runs once per sandbox.
        auto found = m_commands.find(call.verb);
        if (call.verb == "destroy" && call.args.size() > 1 && found != m_commands.end() &&
            found->second.find("{sandbox_ids}") == std::string::npos) {
            VerbOutcome worst;
            for (size_t i = 0; i < call.args.size(); ++i) {
                VerbCall one = call;
                one.args = {call.args[i]};
                VerbOutcome outcome = run(one);
                if (i == 0 || (worst.status == OFFLOAD_OK && worst.exit_code == 0))
                    worst = std::move(outcome);
            }
            return worst;
        }
        std::optional<std::string> command = command_line(call);
        if (!command) {
            VerbOutcome outcome;
            outcome.start_error = "no " + call.verb + "_command in [provider]";
            return outcome;
        }
        return run_argv(m_host, m_process_v2, {"sh", "-c", *command}, *m_env, call, m_kill_grace_ms);
    }
    size_t longest_argument(const VerbCall &call) const override
    {
        return command_line(call).value_or("").size();
    }
    std::string origin() const override { return "the inline commands of [provider]"; }

  private:
    // The verb's command template with its placeholders filled in; nullopt when there is none.
    std::optional<std::string> command_line(const VerbCall &call) const
    {
        auto found = m_commands.find(call.verb);
        if (found == m_commands.end())
            return std::nullopt;
        std::string command = found->second;
        auto quoted = [&](size_t i) {
            return i < call.args.size() ? offload::sdk::shell_quote(m_host, call.args[i]) : std::string("''");
        };
        // What prepare printed (OFFLOAD_PREPARED), and the provider's fixed values ({cpu_cores}).
        for (const std::string &entry : call.env)
            if (entry.rfind("OFFLOAD_PREPARED=", 0) == 0)
                command = offload::common::replace_all(command, "{image_id}",
                                                       offload::sdk::shell_quote(m_host, entry.substr(17)));
        for (const auto &[placeholder, value] : m_fixed)
            command = offload::common::replace_all(command, placeholder, value);
        if (call.verb == "create") {
            command = offload::common::replace_all(command, "{index}", quoted(0));
        } else if (call.verb == "destroy") {
            std::string ids;
            for (const std::string &id : call.args)
                ids += (ids.empty() ? "" : " ") + offload::sdk::shell_quote(m_host, id);
            command = offload::common::replace_all(command, "{sandbox_ids}", ids);
            command = offload::common::replace_all(command, "{sandbox_id}", quoted(0));
        } else if (call.verb != "prepare") {
            command = offload::common::replace_all(command, "{sandbox_id}", quoted(0));
            if (call.verb == "exec")
                command = offload::common::replace_all(command, "{command}", quoted(1));
            else if (call.verb == "upload")
                command = offload::common::replace_all(
                    offload::common::replace_all(command, "{local}", quoted(1)), "{remote}", quoted(2));
            else if (call.verb == "download")
                command = offload::common::replace_all(
                    offload::common::replace_all(offload::common::replace_all(command, "{remote}", quoted(1)),
                                                 "{local}", quoted(2)),
                    "{paths}", quoted(1) + ":" + quoted(2));
        }
        return command;
    }

    const offload_host *m_host;
    const offload_host_process_v2 *m_process_v2;
    std::map<std::string, std::string> m_commands;
    std::map<std::string, std::string> m_fixed; // placeholder -> value, the same in every call
    std::shared_ptr<const CallEnvironment> m_env;
    uint64_t m_kill_grace_ms;
};

} // namespace

const offload_host_process_v2 *host_process_v2(const offload_host *host)
{
    if (!OFFLOAD_HAS_FIELD(host, offload_host, get_extension) || !host->get_extension)
        return nullptr;
    return static_cast<const offload_host_process_v2 *>(host->get_extension(host, OFFLOAD_HOST_PROCESS_V2));
}

std::unique_ptr<VerbRunner> make_script_runner(const offload_host *host, std::string script,
                                               std::shared_ptr<const CallEnvironment> env,
                                               uint64_t kill_grace_ms)
{
    return std::make_unique<ScriptRunner>(host, std::move(script), std::move(env), kill_grace_ms);
}

std::unique_ptr<VerbRunner> make_inline_runner(const offload_host *host,
                                               std::map<std::string, std::string> commands,
                                               std::map<std::string, std::string> fixed,
                                               std::shared_ptr<const CallEnvironment> env,
                                               uint64_t kill_grace_ms)
{
    return std::make_unique<InlineRunner>(host, std::move(commands), std::move(fixed), std::move(env),
                                          kill_grace_ms);
}
