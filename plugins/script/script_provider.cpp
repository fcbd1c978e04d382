// The script bridge: a provider whose sandboxes are handled by an external provider script
// (offload-provider-NAME, in any language) or by command lines written in offload.toml.
// The protocol is docs/script-protocol.md; this file maps it onto the provider interface.
#include "common/text.hpp"
#include "long_command.hpp"
#include "placeholders.hpp"
#include "replies.hpp"
#include "verb_runner.hpp"

#include "common/text.hpp"

#include <offload/plugin.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace offload::sdk;

namespace {

constexpr const char *protocol_version = "1";
constexpr uint64_t stop_timeout_cap_ms = 30000;

// Keys the bridge itself reads; every other key of [provider] is the script's.
const std::set<std::string> bridge_keys = {
    "type",         "script",         "call_timeout_secs", "prepare_timeout_secs", "kill_grace_secs",
    "work_dir",     "exec_stdin",     "prepare_command",   "create_command",       "exec_command",
    "stop_command", "upload_command", "download_command",  "destroy_command",      "finish_command",
    "cpu_cores",
};

const char *const inline_verbs[] = {"prepare", "create",   "exec",    "stop",
                                    "upload",  "download", "destroy", "finish"};

// OFFLOAD_CONFIG_<KEY>: upper case, anything but A-Z and 0-9 becomes '_'.
std::string env_name(const std::string &key)
{
    std::string name = "OFFLOAD_CONFIG_";
    for (char c : key) {
        if (c >= 'a' && c <= 'z')
            name += char(c - 'a' + 'A');
        else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            name += c;
        else
            name += '_';
    }
    return name;
}

// A scalar as TOML writes it; nullopt for arrays and tables.
std::optional<std::string> scalar_text(const Config &config, const std::string &key)
{
    switch (config.type(key)) {
    case OFFLOAD_VALUE_STRING: return config.string(key);
    case OFFLOAD_VALUE_INTEGER: return std::to_string(*config.integer(key));
    case OFFLOAD_VALUE_FLOAT: return offload::common::toml_float(*config.number(key));
    case OFFLOAD_VALUE_BOOLEAN: return *config.boolean(key) ? "true" : "false";
    default: return std::nullopt;
    }
}

// The script's keys of [provider] as environment variables (see the protocol).
std::vector<std::string> config_environment(const offload_host *host, const offload_config *config,
                                            std::vector<std::string> &script_keys)
{
    Config settings(host, config);
    size_t count = 0;
    host->config_get_size(host, config, "", &count);
    std::vector<std::string> env;
    for (size_t i = 0; i < count; ++i) {
        std::string key;
        host->config_get_key(host, config, "", i, StringSink(key));
        if (bridge_keys.count(key))
            continue;
        script_keys.push_back(key);
        const std::string path = Config::quote_key(key);
        if (auto text = scalar_text(settings, path)) {
            env.push_back(env_name(key) + "=" + *text);
        } else if (settings.type(path) == OFFLOAD_VALUE_ARRAY) {
            size_t size = 0;
            host->config_get_size(host, config, path.c_str(), &size);
            std::string joined;
            for (size_t j = 0; j < size; ++j) {
                auto element = scalar_text(settings, path + "[" + std::to_string(j) + "]");
                if (!element)
                    settings.fail(key, "must hold strings, numbers or booleans to reach the provider script");
                joined += (j ? "\n" : "") + *element;
            }
            env.push_back(env_name(key) + "=" + joined);
        } else if (settings.type(path) == OFFLOAD_VALUE_TABLE) {
            size_t size = 0;
            host->config_get_size(host, config, path.c_str(), &size);
            for (size_t j = 0; j < size; ++j) {
                std::string entry;
                host->config_get_key(host, config, path.c_str(), j, StringSink(entry));
                auto value = scalar_text(settings, path + "." + Config::quote_key(entry));
                if (!value)
                    settings.fail(key, "must hold strings, numbers or booleans to reach the provider script");
                env.push_back(env_name(key) + "_" + env_name(entry).substr(std::strlen("OFFLOAD_CONFIG_")) +
                              "=" + *value);
            }
        }
    }
    return env;
}

// The last lines of a script's stderr, for error messages.
std::string stderr_note(const std::string &tail)
{
    const std::string last = offload::common::last_lines(tail, 12);
    return last.empty() ? "" : "; its stderr ends with:\n" + last;
}

uint64_t seconds_key(const Config &config, const char *key, double fallback)
{
    double seconds = config.number(key).value_or(fallback);
    if (!(seconds > 0) || !std::isfinite(seconds) || seconds > 7 * 24 * 3600)
        config.fail(key, "must be a number of seconds greater than 0");
    return uint64_t(seconds * 1000.0);
}

} // namespace

struct offload_provider_instance {
    const offload_host *host = nullptr;
    std::unique_ptr<VerbRunner> runner;
    std::set<std::string> capabilities;                  // optional verbs the backend implements, and `stdin`
    const offload_host_process_v2 *process_v2 = nullptr; // NULL on a host older than SDK 1.2
    uint64_t call_timeout_ms = 300000;
    uint64_t prepare_timeout_ms = 3600000;
    std::string work_dir_template; // work_dir key, with {sandbox_id}
    std::string prepared;          // prepare's reply
    uint32_t capacity = 0;         // prepare's `capacity` reply; 0: no limit
    std::string project_dir;
    bool inline_commands = false; // commands from offload.toml rather than a script
    bool image_id = false;        // an inline command holds {image_id}: prepare's last line is the id

    // Environment every call gets besides the base: the project and what prepare said.
    std::vector<std::string> call_env() const
    {
        return {"OFFLOAD_PROJECT_DIR=" + project_dir, "OFFLOAD_PREPARED=" + prepared};
    }

    // "script X: `create 0` failed (exit code 3); its stderr ends with: ..." and the like.
    std::string describe_failure(const VerbCall &call, const VerbOutcome &outcome) const
    {
        std::string what = "`" + call.verb;
        for (size_t i = 0; i < call.args.size() && i < 2; ++i)
            what += " " + (call.args[i].size() > 60 ? call.args[i].substr(0, 60) + "..." : call.args[i]);
        what += "`";
        std::string reason;
        if (outcome.status == OFFLOAD_ERROR)
            reason = "could not start: " + outcome.start_error;
        else if (outcome.timed_out)
            reason = "did not finish within " + std::to_string(call.timeout_ms / 1000) + " s and was killed";
        else if (outcome.status == OFFLOAD_CANCELLED)
            reason = "was interrupted";
        else
            reason = "failed with exit code " + std::to_string(outcome.exit_code);
        return runner->origin() + ": " + what + " " + reason + stderr_note(outcome.err_tail);
    }

    // Runs a verb that must succeed; returns its replies, or nullopt with error filled.
    std::optional<std::vector<Reply>> call(VerbCall call, uint64_t timeout_ms, const offload_text_sink *error,
                                           offload_status &status) const
    {
        call.timeout_ms = timeout_ms;
        std::vector<std::string> env = call_env();
        call.env.insert(call.env.end(), env.begin(), env.end());
        VerbOutcome outcome = runner->run(call);
        if (outcome.status == OFFLOAD_OK && !outcome.timed_out && outcome.exit_code == 0) {
            std::vector<Reply> replies = parse_replies(outcome.out);
            // A call that worked may still have something to tell the user.
            for (const Reply &reply : replies)
                if (reply.word == "warning")
                    log(host, OFFLOAD_LOG_WARNING, reply.value);
            return replies;
        }
        status = outcome.status == OFFLOAD_CANCELLED ? OFFLOAD_CANCELLED : OFFLOAD_ERROR;
        append_text(error, describe_failure(call, outcome));
        return std::nullopt;
    }
};

struct offload_sandbox {
    offload_provider_instance *provider;
    std::string id;
    std::string work_dir;
};

namespace {

// Asks a script what it is; refuses scripts that do not speak protocol 1.
void describe_script(offload_provider_instance &instance, const Config &settings,
                     const std::vector<std::string> &script_keys)
{
    std::string error;
    offload_status status = OFFLOAD_OK;
    auto replies =
        instance.call({"describe", {}, {}, 0, nullptr}, instance.call_timeout_ms, StringSink(error), status);
    if (!replies)
        throw std::runtime_error(error);
    auto protocol = find_reply(*replies, "protocol");
    if (!protocol)
        throw std::runtime_error(
            instance.runner->origin() +
            ": its `describe` reply has no `protocol` line; is it an offload provider script? "
            "(see docs/script-protocol.md)");
    if (*protocol != protocol_version)
        throw std::runtime_error(instance.runner->origin() + " speaks protocol " + *protocol +
                                 ", but this offload's script bridge speaks protocol " + protocol_version);
    for (const std::string &capability : split_words(find_reply(*replies, "capabilities").value_or("")))
        instance.capabilities.insert(capability);
    bool declares_keys = false;
    std::set<std::string> known;
    for (const Reply &reply : *replies) {
        if (reply.word != "config")
            continue;
        declares_keys = true;
        for (const std::string &key : split_words(reply.value))
            known.insert(key);
    }
    if (declares_keys)
        for (const std::string &key : script_keys)
            if (!known.count(key))
                settings.report(
                    key, "unknown key (" + instance.runner->origin() + " does not read it; it is ignored)",
                    OFFLOAD_LOG_WARNING);
}

offload_status create(const offload_host *host, const offload_config *config, offload_provider_instance **out,
                      const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_provider_instance>();
        instance->host = host;
        instance->process_v2 = host_process_v2(host);
        // A host older than its project_dir field (SDK 1.0) says nothing: prepare() tells it.
        const char *project_dir = offload::sdk::host_project_dir(host);
        instance->project_dir = project_dir ? project_dir : ".";
        Config settings(host, config);
        instance->call_timeout_ms = seconds_key(settings, "call_timeout_secs", 300);
        instance->prepare_timeout_ms = seconds_key(settings, "prepare_timeout_secs", 3600);
        uint64_t kill_grace_ms = seconds_key(settings, "kill_grace_secs", 5);
        instance->work_dir_template = settings.string("work_dir").value_or("");

        std::map<std::string, std::string> commands;
        for (const char *verb : inline_verbs)
            if (auto command = settings.string(std::string(verb) + "_command"))
                commands[verb] = *command;
        std::optional<std::string> script = settings.string("script");
        std::optional<bool> exec_stdin = settings.boolean("exec_stdin");

        std::vector<std::string> script_keys;
        auto env = std::make_shared<CallEnvironment>();
        env->base = {std::string("OFFLOAD_PROTOCOL=") + protocol_version};
        std::vector<std::string> config_env = config_environment(host, config, script_keys);
        env->base.insert(env->base.end(), config_env.begin(), config_env.end());

        if (script) {
            if (!commands.empty())
                settings.fail(
                    commands.begin()->first + "_command",
                    "inline commands and a provider script exclude each other; use one or the other");
            if (exec_stdin)
                settings.fail("exec_stdin",
                              "is for inline commands; a provider script says whether it forwards "
                              "stdin itself (the `stdin` capability of its describe reply)");
            instance->runner = make_script_runner(host, *script, env, kill_grace_ms);
            describe_script(*instance, settings, script_keys);
        } else {
            for (const char *required : {"create", "exec", "destroy"})
                if (!commands.count(required))
                    settings.fail(
                        std::string(required) + "_command",
                        "is required: type = \"script\" runs the provider through inline commands "
                        "(create_command, exec_command, destroy_command), or through `script = PATH`");
            if (commands["exec"].find("{command}") == std::string::npos)
                settings.fail("exec_command",
                              "must contain {command}, where offload puts the batch's command");
            std::map<std::string, std::string> fixed =
                check_placeholders(settings, commands, instance->work_dir_template);
            for (const auto &[verb, command] : commands)
                instance->image_id = instance->image_id || command.find("{image_id}") != std::string::npos;
            for (const auto &[verb, command] : commands)
                if (verb != "create" && verb != "exec" && verb != "destroy")
                    instance->capabilities.insert(verb);
            // Not by default: an exec_command that drops stdin would leave a worker waiting for
            // its tests.
            if (exec_stdin.value_or(false))
                instance->capabilities.insert("stdin");
            instance->runner =
                make_inline_runner(host, std::move(commands), std::move(fixed), env, kill_grace_ms);
            instance->inline_commands = true;
            for (const std::string &key : script_keys)
                settings.report(key, "unknown key (the script bridge does not read it; it is ignored)",
                                OFFLOAD_LOG_WARNING);
        }
        *out = instance.release();
        return OFFLOAD_OK;
    });
}

// The end of the run: a script with the `finish` capability cleans up what prepare made, also
// when no sandbox was ever created.
void destroy(offload_provider_instance *instance)
{
    if (instance && instance->capabilities.count("finish")) {
        std::string error;
        offload_status status = OFFLOAD_OK;
        if (!instance->call({"finish", {}, {}, 0, nullptr}, instance->call_timeout_ms, StringSink(error),
                            status))
            log(instance->host, OFFLOAD_LOG_WARNING, error);
    }
    delete instance;
}

uint32_t sandbox_capacity(const offload_provider_instance *instance)
{
    return instance->capacity;
}

void config_template(const offload_text_sink *toml)
{
    append_text(toml,
                "# Sandboxes through commands of your own (see docs/script-protocol.md); or set\n"
                "# type = \"NAME\" to use a provider script offload-provider-NAME from the plugin path.\n"
                "# Each sandbox here is a scratch directory; replace the commands with your backend's.\n"
                "create_command = \"d=$(mktemp -d) && echo sandbox $d && echo workdir $d\"\n"
                "exec_command = \"cd $OFFLOAD_PROJECT_DIR && sh -c {command}\"\n"
                "# exec_command passes its stdin on to {command}: test workers get their tests as they run.\n"
                "exec_stdin = true\n"
                "destroy_command = \"rm -rf {sandbox_ids}\"\n"
                "# stop_command = \"...\"       # kill what still runs in {sandbox_id} after a timeout\n"
                "# download_command = \"...\"   # copy {remote} from {sandbox_id} to {local}\n"
                "# Seconds any call but exec may take.\n"
                "call_timeout_secs = 300\n");
}

offload_status prepare(offload_provider_instance *instance, const offload_prepare_request *request,
                       const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        instance->project_dir = request->project_dir;
        if (!instance->capabilities.count("prepare"))
            return OFFLOAD_OK;
        offload_status status = OFFLOAD_OK;
        VerbCall call{
            "prepare", {}, {"OFFLOAD_MAX_SANDBOXES=" + std::to_string(request->max_sandboxes)}, 0, nullptr};
        auto replies = instance->call(call, instance->prepare_timeout_ms, error, status);
        if (!replies)
            return status;
        instance->prepared = find_reply(*replies, "prepared").value_or("");
        // The Rust offload's prepare_command printed just the image id, for {image_id}.
        if (instance->prepared.empty() && instance->image_id && !replies->empty())
            instance->prepared = replies->back().value.empty()
                                     ? replies->back().word
                                     : replies->back().word + " " + replies->back().value;
        if (auto capacity = find_reply(*replies, "capacity")) {
            char *end = nullptr;
            unsigned long value = std::strtoul(capacity->c_str(), &end, 10);
            if (capacity->empty() || *end || value == 0 || value > 100000) {
                offload_text_printf(error,
                                    "%s: `prepare` replied `capacity %s`; expected a number from 1 to 100000",
                                    instance->runner->origin().c_str(), capacity->c_str());
                return OFFLOAD_ERROR;
            }
            instance->capacity = uint32_t(value);
        }
        return OFFLOAD_OK;
    });
}

offload_status create_sandbox(offload_provider_instance *instance, const offload_sandbox_request *request,
                              offload_sandbox **out, const offload_text_sink *work_dir,
                              const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        offload_status status = OFFLOAD_OK;
        VerbCall call{"create", {std::to_string(request->index)}, {}, 0, nullptr};
        auto replies = instance->call(call, instance->call_timeout_ms, error, status);
        if (!replies)
            return status == OFFLOAD_CANCELLED ? status : OFFLOAD_INFRA_ERROR;
        std::optional<std::string> id = find_reply(*replies, "sandbox");
        // An inline create_command may just print the id on its first line.
        if (!id && instance->inline_commands && !replies->empty())
            id = replies->front().value.empty() ? replies->front().word
                                                : replies->front().word + " " + replies->front().value;
        if (!id || id->empty()) {
            append_text(error, instance->runner->origin() + ": `create " + call.args[0] +
                                   "` succeeded but printed no `sandbox ID` line");
            return OFFLOAD_INFRA_ERROR;
        }
        std::string dir = find_reply(*replies, "workdir").value_or("");
        if (dir.empty() && !instance->work_dir_template.empty()) {
            dir = instance->work_dir_template;
            for (size_t at = 0; (at = dir.find("{sandbox_id}", at)) != std::string::npos; at += id->size())
                dir.replace(at, std::strlen("{sandbox_id}"), *id);
        }
        if (dir.empty())
            dir = ".";
        *out = new offload_sandbox{instance, *id, dir};
        append_text(work_dir, dir);
        return OFFLOAD_OK;
    });
}

// Asks the backend to kill what still runs in the sandbox, after a timeout or Ctrl-C. With the
// exec's handle (exec/2) the call is cleanup: it runs to its end although the handle stopped the
// exec, unless the level rises again (a second Ctrl-C).
void stop_remote(const offload_sandbox &sandbox, const offload_cancel *cancel)
{
    const offload_provider_instance &instance = *sandbox.provider;
    if (!instance.capabilities.count("stop"))
        return;
    std::string error;
    offload_status status = OFFLOAD_OK;
    VerbCall call{"stop", {sandbox.id}, {}, 0, nullptr};
    call.cancel = cancel;
    call.cleanup = true;
    if (!instance.call(call, std::min(instance.call_timeout_ms, stop_timeout_cap_ms), StringSink(error),
                       status))
        log(instance.host, OFFLOAD_LOG_WARNING, error);
}

// A temporary file for the script's status line (infra-error ...). Removed by the destructor.
struct StatusFile {
    std::string path;
    StatusFile()
    {
        const char *tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/offload-status-XXXXXX";
        int fd = mkstemp(pattern.data());
        if (fd < 0)
            throw std::runtime_error("cannot create a status file in " + pattern + ": " +
                                     std::strerror(errno));
        close(fd);
        path = pattern;
    }
    ~StatusFile() { unlink(path.c_str()); }
    std::string read() const
    {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line);
        return line;
    }
};

// One exec, as both versions of the interface ask for it. input and cancel: exec/2 only.
struct ExecCall {
    const char *command;
    const char *const *env;
    uint64_t timeout_ms;
    const offload_output_sink *output;
    const offload_input *input;   // the command's stdin; NULL: empty
    const offload_cancel *cancel; // NULL: the thread's cancellation (exec/1 on an older host)
};

offload_status run_exec(offload_sandbox &sandbox, const ExecCall &exec, offload_exec_result &result,
                        const offload_text_sink *error)
{
    const offload_provider_instance &instance = *sandbox.provider;
    // The batch's variables travel inside the command line, so every backend passes them on.
    std::string command;
    for (size_t i = 0; exec.env && exec.env[i]; ++i) {
        std::string entry = exec.env[i];
        size_t equals = entry.find('=');
        if (equals == std::string::npos || equals == 0)
            continue;
        command += "export " + entry.substr(0, equals) + "=" +
                   shell_quote(instance.host, entry.substr(equals + 1)) + "; ";
    }
    command += exec.command;

    StatusFile status_file;
    VerbCall call{"exec", {sandbox.id, command}, instance.call_env(), exec.timeout_ms, exec.output};
    call.env.push_back("OFFLOAD_STATUS_FILE=" + status_file.path);
    call.cancel = exec.cancel;
    call.input = exec.input;
    // Too long for an argument: on stdin, behind a bootstrap, where the script forwards stdin.
    std::optional<LongCommand> long_command;
    if (instance.runner->longest_argument(call) > long_command_bytes) {
        if (!exec.cancel || !instance.capabilities.count("stdin")) {
            offload_text_printf(
                error,
                "%s: the command is %zu bytes long, more than a program takes in one argument "
                "(Linux: 128 KiB); offload passes long commands on stdin, but %s. Make batches "
                "smaller (the framework's batch_size), or give the provider the `stdin` "
                "capability (docs/script-protocol.md)",
                instance.runner->origin().c_str(), command.size(),
                !exec.cancel               ? "this offload cannot feed the script's stdin"
                : instance.inline_commands ? "exec_command does not pass stdin on (exec_stdin)"
                                           : "the script does not forward it (no `stdin` capability)");
            return OFFLOAD_ERROR;
        }
        long_command.emplace(command, exec.input);
        call.args[1] = long_command->bootstrap();
        call.input = long_command->input();
    }
    VerbOutcome outcome = instance.runner->run(call);
    result.exit_code = outcome.exit_code;
    result.timed_out = outcome.timed_out ? 1 : 0;
    result.duration_ms = outcome.duration_ms;

    if (outcome.status == OFFLOAD_ERROR) {
        append_text(error, instance.describe_failure(call, outcome));
        return OFFLOAD_ERROR;
    }
    if (outcome.status == OFFLOAD_CANCELLED || outcome.timed_out)
        stop_remote(sandbox, exec.cancel);
    if (outcome.status == OFFLOAD_CANCELLED)
        return OFFLOAD_CANCELLED;
    std::vector<Reply> status = parse_replies(status_file.read());
    if (auto reason = find_reply(status, "infra-error")) {
        append_text(error, instance.runner->origin() + ": sandbox " + sandbox.id + ": " +
                               (reason->empty() ? "infrastructure failure" : *reason));
        return OFFLOAD_INFRA_ERROR;
    }
    return OFFLOAD_OK;
}

offload_status exec(offload_sandbox *sandbox, const offload_exec_request *request,
                    offload_exec_result *result, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        ExecCall call{request->command, request->env, request->timeout_ms, request->output, nullptr, nullptr};
        return run_exec(*sandbox, call, *result, error);
    });
}

// offload.provider.exec/2: the same under the request's cancellation handle, with the command's
// stdin fed to the exec verb when the backend forwards it (capability `stdin`).
offload_status exec_v2(offload_sandbox *sandbox, const offload_exec_request_v2 *request,
                       offload_exec_result *result, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_input *input =
            sandbox->provider->capabilities.count("stdin") ? request->input : nullptr;
        ExecCall call{request->command, request->env, request->timeout_ms,
                      request->output,  input,        request->cancel};
        return run_exec(*sandbox, call, *result, error);
    });
}

uint32_t exec_capabilities(const offload_provider_instance *instance)
{
    return instance->process_v2 && instance->capabilities.count("stdin") ? OFFLOAD_EXEC_INPUT : 0;
}

offload_status download(offload_sandbox *sandbox, const char *sandbox_path, const char *local_path,
                        const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_provider_instance &instance = *sandbox->provider;
        std::error_code code;
        fs::create_directories(fs::path(local_path).parent_path(), code);
        if (!instance.capabilities.count("download")) {
            // No download verb: the sandbox's workdir is on a filesystem offload sees too.
            fs::path source = fs::path(sandbox_path).is_absolute()
                                  ? fs::path(sandbox_path)
                                  : fs::path(instance.project_dir) / sandbox_path;
            if (!fs::exists(source, code))
                return OFFLOAD_NOT_FOUND;
            fs::copy_file(source, local_path, fs::copy_options::overwrite_existing, code);
            if (code) {
                append_text(error, "cannot copy " + source.string() + ": " + code.message());
                return OFFLOAD_ERROR;
            }
            return OFFLOAD_OK;
        }
        fs::remove(local_path, code);
        offload_status status = OFFLOAD_OK;
        VerbCall call{"download", {sandbox->id, sandbox_path, local_path}, {}, 0, nullptr};
        auto replies = instance.call(call, instance.call_timeout_ms, error, status);
        if (!replies)
            return status;
        if (find_reply(*replies, "not-found"))
            return OFFLOAD_NOT_FOUND;
        if (!fs::exists(local_path, code)) {
            append_text(error, instance.runner->origin() + ": `download` succeeded but did not write " +
                                   std::string(local_path));
            return OFFLOAD_ERROR;
        }
        return OFFLOAD_OK;
    });
}

offload_status destroy_sandbox(offload_sandbox *sandbox, const offload_text_sink *error)
{
    std::unique_ptr<offload_sandbox> owned(sandbox);
    return guarded(error, [&]() -> offload_status {
        offload_status status = OFFLOAD_OK;
        VerbCall call{"destroy", {owned->id}, {}, 0, nullptr};
        return owned->provider->call(call, owned->provider->call_timeout_ms, error, status) ? OFFLOAD_OK
                                                                                            : status;
    });
}

const offload_provider_v1 provider_interface = {
    .struct_size = sizeof(offload_provider_v1),
    .create = create,
    .destroy = destroy,
    .config_template = config_template,
    .prepare = prepare,
    .create_sandbox = create_sandbox,
    .exec = exec,
    .download = download,
    .destroy_sandbox = destroy_sandbox,
    .sandbox_capacity = sandbox_capacity,
};

const offload_provider_exec_v2 exec_interface = {
    .struct_size = sizeof(offload_provider_exec_v2),
    .capabilities = exec_capabilities,
    .exec = exec_v2,
    .local_context = nullptr, // its commands run wherever the script puts them
};

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "script",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description =
        "the script bridge: sandboxes through provider scripts (offload-provider-NAME) or inline commands",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, provider_interface, exec_interface)
