// The process provider: sandboxes are scratch directories on this machine, and a batch runs as
// `SHELL -c COMMAND` in its own process group (through the host's run_process service, which
// kills the whole tree on timeout or Ctrl-C).
#include "common/command.hpp"

#include <offload/plugin.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace offload::sdk;

struct offload_provider_instance {
    const offload_host *host;
    std::string shell = "sh";
    std::string working_dir; // relative to the project; "sandbox" for the sandbox's dir
    uint64_t kill_grace_ms = 5000;
    std::vector<std::string> env; // NAME=value
    bool private_tmpdir = true;   // TMPDIR is the sandbox's directory (else it is left as it is)
    fs::path scratch_root;        // where run directories are created
    fs::path run_dir;             // this run's directory, made by prepare()
    fs::path project_dir;
    const offload_host_process_v2 *process_v2 = nullptr; // NULL on a host older than SDK 1.2
};

struct offload_sandbox {
    offload_provider_instance *provider;
    fs::path dir;
};

namespace {

constexpr size_t max_inline_command = 64 << 10;

// Each run directory names its owner in this file: "PID START" (start time in clock ticks, so that
// a later process with the same pid is not taken for it) and the project. A later run of the same
// project removes the directories of owners that are gone (offload killed by SIGKILL).
constexpr const char *owner_file = ".offload-run";

// The start time of pid from /proc/PID/stat (field 22), or 0 when it is gone or a zombie.
uint64_t process_start(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    uint64_t start = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 3 && (field == "Z" || field == "X"))
            return 0;
        if (index == 22) {
            start = std::strtoull(field.c_str(), nullptr, 10);
            break;
        }
    }
    return start;
}

// Removes the run directories in scratch_root that a run of this project left when it died; their
// names, for one line of log.
std::vector<std::string> remove_dead_runs(const fs::path &scratch_root, const fs::path &project_dir,
                                          std::string &owners)
{
    std::vector<std::string> removed;
    std::error_code code;
    for (const fs::directory_entry &entry : fs::directory_iterator(scratch_root, code)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("offload-run-", 0) != 0 || !entry.is_directory(code) || entry.is_symlink(code))
            continue;
        std::ifstream in(entry.path() / owner_file);
        long pid = 0;
        uint64_t start = 0;
        std::string label, project;
        if (!(in >> pid >> start) || !(in >> label) || label != "project" ||
            !std::getline(in >> std::ws, project))
            continue;
        if (pid <= 0 || project != project_dir.string() || process_start(static_cast<pid_t>(pid)) == start)
            continue;
        fs::remove_all(entry.path(), code);
        if (!code) {
            removed.push_back(entry.path().string());
            owners += (owners.empty() ? "" : ", ") + std::to_string(pid);
        }
    }
    return removed;
}

bool shell_exists(const std::string &shell)
{
    if (shell.find('/') != std::string::npos)
        return access(shell.c_str(), X_OK) == 0;
    const char *path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos)
            end = dirs.size();
        std::string dir = dirs.substr(start, end - start);
        if (access(((dir.empty() ? "." : dir) + "/" + shell).c_str(), X_OK) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

offload_status create(const offload_host *host, const offload_config *config, offload_provider_instance **out,
                      const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_provider_instance>();
        instance->host = host;
        instance->process_v2 = offload::sdk::host_extension<offload_host_process_v2>(host);
        Config settings(host, config);
        instance->shell = settings.string("shell").value_or("sh");
        if (instance->shell.empty())
            settings.fail("shell", "must name a shell, e.g. \"sh\" or \"/bin/bash\"");
        instance->working_dir = settings.string("working_dir").value_or(".");
        if (auto grace = settings.number("kill_grace_secs")) {
            if (*grace < 0 || *grace > 3600)
                settings.fail("kill_grace_secs", "must be from 0 to 3600 seconds");
            instance->kill_grace_ms = uint64_t(*grace * 1000.0);
        }
        if (auto env = settings.string_table("env")) {
            for (const auto &[name, value] : *env) {
                if (name.empty() || name.find('=') != std::string::npos)
                    settings.fail("env", "variable names must be non-empty and must not contain '='");
                instance->env.push_back(name + "=" + value);
            }
        }
        instance->private_tmpdir = settings.boolean("private_tmpdir").value_or(true);
        const char *tmp = std::getenv("TMPDIR");
        instance->scratch_root = settings.string("scratch_dir").value_or(tmp && *tmp ? tmp : "/tmp");
        // A relative scratch_dir is relative to offload.toml, like every path of the file: tests
        // get absolute paths in TMPDIR and {result_file} whatever directory offload ran from.
        if (instance->scratch_root.is_relative()) {
            const char *project = offload::sdk::host_project_dir(host);
            instance->scratch_root = fs::absolute(fs::path(project ? project : ".") / instance->scratch_root);
        }
        *out = instance.release();
        return OFFLOAD_OK;
    });
}

void destroy(offload_provider_instance *instance)
{
    if (!instance)
        return;
    std::error_code ignored;
    if (!instance->run_dir.empty())
        fs::remove_all(instance->run_dir, ignored);
    delete instance;
}

void config_template(const offload_text_sink *toml)
{
    append_text(toml,
                "# Each batch runs as SHELL -c COMMAND, in its own process group.\n"
                "shell = \"sh\"\n"
                "# Where batch commands run: a directory relative to this file, or \"sandbox\" for each\n"
                "# sandbox's own scratch directory (always available as $OFFLOAD_SANDBOX_DIR and $TMPDIR).\n"
                "working_dir = \".\"\n"
                "# Seconds between SIGTERM and SIGKILL when a batch times out or offload is interrupted.\n"
                "kill_grace_secs = 5\n"
                "# Extra environment variables for every batch.\n"
                "# env = { PYTHONHASHSEED = \"0\" }\n"
                "# Where sandbox scratch directories are created (default: $TMPDIR, else /tmp).\n"
                "# scratch_dir = \"/tmp\"\n"
                "# false: tests keep offload's TMPDIR instead of their sandbox's directory (tests that\n"
                "# meet through files there, in any sandbox, as under the Rust offload's local provider).\n"
                "# private_tmpdir = true\n");
}

offload_status prepare(offload_provider_instance *instance, const offload_prepare_request *request,
                       const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        instance->project_dir = request->project_dir;
        std::error_code code;
        fs::create_directories(instance->scratch_root, code);
        std::string owners;
        const std::vector<std::string> removed =
            remove_dead_runs(instance->scratch_root, instance->project_dir, owners);
        if (!removed.empty())
            log(instance->host, OFFLOAD_LOG_WARNING,
                "removed the scratch director" + std::string(removed.size() == 1 ? "y " : "ies ") +
                    removed[0] +
                    (removed.size() > 1 ? " and " + std::to_string(removed.size() - 1) + " more" : "") +
                    " of an earlier run of this project that did not end (pid " + owners + ")");
        std::string pattern = (instance->scratch_root / "offload-run-XXXXXX").string();
        if (!mkdtemp(pattern.data())) {
            offload_text_printf(error, "cannot create a scratch directory in %s: %s",
                                instance->scratch_root.c_str(), std::strerror(errno));
            return OFFLOAD_ERROR;
        }
        instance->run_dir = pattern;
        std::ofstream(instance->run_dir / owner_file)
            << getpid() << " " << process_start(getpid()) << "\nproject " << instance->project_dir.string()
            << "\n";
        // mkdtemp makes it 0700. Tests that hand a path under their TMPDIR to another user (a
        // daemon they start, a test account) need to traverse it; its name stays unguessable.
        fs::permissions(instance->run_dir,
                        fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, code);
        if (instance->working_dir != "sandbox") {
            fs::path dir = fs::path(instance->working_dir).is_absolute()
                               ? fs::path(instance->working_dir)
                               : instance->project_dir / instance->working_dir;
            if (!fs::is_directory(dir, code)) {
                offload_text_printf(error, "[provider] working_dir: %s is not a directory", dir.c_str());
                return OFFLOAD_ERROR;
            }
            instance->working_dir = dir.lexically_normal().string();
        }
        // A shell that cannot run would fail every batch on every sandbox: say so once, now.
        if (!shell_exists(instance->shell)) {
            offload_text_printf(error,
                                "[provider] shell: \"%s\" is not an executable file, nor found in PATH",
                                instance->shell.c_str());
            return OFFLOAD_ERROR;
        }
        return OFFLOAD_OK;
    });
}

offload_status create_sandbox(offload_provider_instance *instance, const offload_sandbox_request *request,
                              offload_sandbox **out, const offload_text_sink *work_dir,
                              const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        if (instance->run_dir.empty()) {
            append_text(error, "create_sandbox called before prepare");
            return OFFLOAD_ERROR;
        }
        fs::path dir = instance->run_dir / ("sandbox-" + std::to_string(request->index));
        std::error_code code;
        if (!fs::create_directory(dir, code) && code) {
            offload_text_printf(error, "cannot create %s: %s", dir.c_str(), code.message().c_str());
            return OFFLOAD_INFRA_ERROR;
        }
        *out = new offload_sandbox{instance, dir};
        append_text(work_dir, dir.string());
        return OFFLOAD_OK;
    });
}

// What both exec versions share: the command, how it runs, and what its end means.
struct Command {
    std::vector<std::string> env;
    std::string command_file; // a long command goes through a file
    std::string dir;
    std::vector<const char *> env_list;
    std::vector<const char *> argv;
};

// Builds the shell invocation of a command in the sandbox. Returns OFFLOAD_OK or an infra error.
offload_status prepare_command(const offload_sandbox &sandbox, const char *command,
                               const char *const *request_env, Command &out, const offload_text_sink *error)
{
    const offload_provider_instance &provider = *sandbox.provider;
    std::error_code code;
    if (!fs::is_directory(sandbox.dir, code)) {
        offload_text_printf(error, "the sandbox directory %s has disappeared", sandbox.dir.c_str());
        return OFFLOAD_INFRA_ERROR;
    }
    out.env = provider.env;
    out.env.push_back("OFFLOAD_SANDBOX_DIR=" + sandbox.dir.string());
    if (provider.private_tmpdir)
        out.env.push_back("TMPDIR=" + sandbox.dir.string());
    for (size_t i = 0; request_env && request_env[i]; ++i)
        out.env.emplace_back(request_env[i]);
    out.env_list = offload::common::c_strings(out.env);
    // Linux limits one argument to 128 KiB: a long command (a batch of many ids) goes through
    // a file in the sandbox instead of `SHELL -c`.
    if (std::strlen(command) > max_inline_command) {
        out.command_file = (sandbox.dir / "offload-command.sh").string();
        std::ofstream file(out.command_file, std::ios::binary | std::ios::trunc);
        file << command;
        if (!file.flush()) {
            offload_text_printf(error, "cannot write %s", out.command_file.c_str());
            return OFFLOAD_INFRA_ERROR;
        }
    }
    out.argv = {provider.shell.c_str(), out.command_file.empty() ? "-c" : out.command_file.c_str(),
                out.command_file.empty() ? command : nullptr, nullptr};
    out.dir = provider.working_dir == "sandbox" ? sandbox.dir.string() : provider.working_dir;
    return OFFLOAD_OK;
}

// The shell itself killed by SIGKILL that offload did not send (the OOM killer, an operator):
// the sandbox died under the batch, and its tests deserve another one.
offload_status judge(offload_status status, const offload_process_result &outcome, bool cancelled,
                     const offload_text_sink *error)
{
    if (status == OFFLOAD_OK && outcome.term_signal == SIGKILL && !outcome.timed_out && !cancelled) {
        offload_text_printf(error,
                            "the batch's shell was killed by SIGKILL from outside offload (the kernel's "
                            "out-of-memory killer?)");
        return OFFLOAD_INFRA_ERROR;
    }
    return status;
}

offload_status exec(offload_sandbox *sandbox, const offload_exec_request *request,
                    offload_exec_result *result, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_provider_instance &provider = *sandbox->provider;
        Command command;
        if (offload_status status = prepare_command(*sandbox, request->command, request->env, command, error);
            status != OFFLOAD_OK)
            return status;
        offload_process_request process{};
        process.struct_size = sizeof process;
        process.argv = command.argv.data();
        process.working_dir = command.dir.c_str();
        process.env = command.env_list.data();
        process.timeout_ms = request->timeout_ms;
        process.kill_grace_ms = provider.kill_grace_ms;
        process.output = request->output;
        offload_process_result outcome{};
        outcome.struct_size = sizeof outcome;
        offload_status status = provider.host->run_process(provider.host, &process, &outcome, error);
        result->exit_code = outcome.exit_code;
        result->timed_out = outcome.timed_out;
        result->duration_ms = outcome.duration_ms;
        return judge(status, outcome, provider.host->cancel_level(provider.host) != OFFLOAD_CANCEL_NONE,
                     error);
    });
}

// offload.provider.exec/2: the same, with the command's stdin fed while it runs and an explicit
// cancellation handle.
offload_status exec_v2(offload_sandbox *sandbox, const offload_exec_request_v2 *request,
                       offload_exec_result *result, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_provider_instance &provider = *sandbox->provider;
        if (!provider.process_v2) {
            append_text(error, "this offload has no offload.host.process/2");
            return OFFLOAD_ERROR;
        }
        Command command;
        if (offload_status status = prepare_command(*sandbox, request->command, request->env, command, error);
            status != OFFLOAD_OK)
            return status;
        offload_process_request_v2 process{};
        process.struct_size = sizeof process;
        process.argv = command.argv.data();
        process.working_dir = command.dir.c_str();
        process.env = command.env_list.data();
        process.timeout_ms = request->timeout_ms;
        process.kill_grace_ms = provider.kill_grace_ms;
        process.output = request->output;
        process.input = request->input;
        process.cancel = request->cancel;
        offload_process_result outcome{};
        outcome.struct_size = sizeof outcome;
        offload_status status = provider.process_v2->run_process(provider.host, &process, &outcome, error);
        result->exit_code = outcome.exit_code;
        result->timed_out = outcome.timed_out;
        result->duration_ms = outcome.duration_ms;
        return judge(status, outcome, offload_cancel_level_of(request->cancel) != OFFLOAD_CANCEL_NONE, error);
    });
}

// Discovery runs where batches run: the configured working directory (not a sandbox's own: there
// is none yet; the project directory then) with the configured environment.
offload_status local_context(const offload_provider_instance *instance, const offload_text_sink *working_dir,
                             const offload_text_sink *env, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        if (instance->working_dir != "sandbox")
            append_text(working_dir, instance->working_dir);
        for (const std::string &entry : instance->env)
            append_text(env, entry);
        return OFFLOAD_OK;
    });
}

// Local processes: stdin is fed, and a duplicate of a slow test costs only CPU.
uint32_t exec_capabilities(const offload_provider_instance *instance)
{
    return instance->process_v2 ? OFFLOAD_EXEC_INPUT | OFFLOAD_EXEC_CHEAP_DUPLICATES : 0;
}

offload_status download(offload_sandbox *sandbox, const char *sandbox_path, const char *local_path,
                        const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        (void)sandbox;
        std::error_code code;
        if (!fs::exists(sandbox_path, code))
            return OFFLOAD_NOT_FOUND;
        fs::create_directories(fs::path(local_path).parent_path(), code);
        fs::copy_file(sandbox_path, local_path, fs::copy_options::overwrite_existing, code);
        if (code) {
            offload_text_printf(error, "cannot copy %s to %s: %s", sandbox_path, local_path,
                                code.message().c_str());
            return OFFLOAD_ERROR;
        }
        return OFFLOAD_OK;
    });
}

offload_status destroy_sandbox(offload_sandbox *sandbox, const offload_text_sink *error)
{
    std::unique_ptr<offload_sandbox> owned(sandbox);
    return guarded(error, [&]() -> offload_status {
        std::error_code code;
        fs::remove_all(owned->dir, code);
        if (code) {
            offload_text_printf(error, "cannot remove %s: %s", owned->dir.c_str(), code.message().c_str());
            return OFFLOAD_ERROR;
        }
        return OFFLOAD_OK;
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
    .sandbox_capacity = nullptr, // no limit
};

const offload_provider_exec_v2 exec_interface = {
    .struct_size = sizeof(offload_provider_exec_v2),
    .capabilities = exec_capabilities,
    .exec = exec_v2,
    .local_context = local_context,
};

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "process",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "local processes: each sandbox is a scratch directory, each batch a process group",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, provider_interface, exec_interface)
