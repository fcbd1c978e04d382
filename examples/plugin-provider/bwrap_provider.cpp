// offload-bwrap: a provider whose sandboxes are bubblewrap containers on this machine.
// Each batch runs in fresh namespaces (no network unless `network = true`, its own /tmp, its
// own process tree) with the system read-only and only the project and its sandbox directory
// writable. Built against offload's SDK alone; see README.md.
#include <offload/plugin.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;
using offload::sdk::Config;
using offload::sdk::guarded;

struct offload_provider_instance {
    const offload_host *host = nullptr;
    std::string bwrap = "bwrap";
    bool network = false;
    std::vector<std::string> writable; // extra host directories the tests may write
    fs::path run_dir;
    fs::path project_dir;
};

struct offload_sandbox {
    offload_provider_instance *provider;
    fs::path dir;
};

namespace {

offload_status create(const offload_host *host, const offload_config *config, offload_provider_instance **out,
                      const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_provider_instance>();
        instance->host = host;
        Config settings(host, config);
        instance->bwrap = settings.string("bwrap").value_or("bwrap");
        instance->network = settings.boolean("network").value_or(false);
        instance->writable = settings.string_list("writable").value_or(std::vector<std::string>{});
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
    offload::sdk::append_text(
        toml, "# Each batch runs in a bubblewrap sandbox: system read-only, project writable.\n"
              "# Give the batches network access:\n"
              "network = false\n"
              "# More host directories the tests may write:\n"
              "# writable = [\"/var/cache/myapp\"]\n"
              "# The bwrap binary:\n"
              "# bwrap = \"/usr/bin/bwrap\"\n");
}

offload_status prepare(offload_provider_instance *instance, const offload_prepare_request *request,
                       const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        instance->project_dir = request->project_dir;
        const char *tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/offload-bwrap-XXXXXX";
        if (!mkdtemp(pattern.data())) {
            offload_text_printf(error, "cannot create %s: %s", pattern.c_str(), std::strerror(errno));
            return OFFLOAD_ERROR;
        }
        instance->run_dir = pattern;
        return OFFLOAD_OK;
    });
}

offload_status create_sandbox(offload_provider_instance *instance, const offload_sandbox_request *request,
                              offload_sandbox **out, const offload_text_sink *work_dir,
                              const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        fs::path dir = instance->run_dir / ("sandbox-" + std::to_string(request->index));
        fs::create_directories(dir);
        *out = new offload_sandbox{instance, dir};
        offload::sdk::append_text(work_dir, dir.string());
        return OFFLOAD_OK;
    });
}

offload_status exec(offload_sandbox *sandbox, const offload_exec_request *request,
                    offload_exec_result *result, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_provider_instance &provider = *sandbox->provider;
        const std::string project = provider.project_dir.string();
        const std::string dir = sandbox->dir.string();
        std::vector<std::string> args = {
            provider.bwrap, "--ro-bind", "/",      "/",     "--dev", "/dev",   "--proc", "/proc",
            "--tmpfs",      "/tmp",      "--bind", project, project, "--bind", dir,      dir,
        };
        for (const std::string &path : provider.writable)
            args.insert(args.end(), {"--bind", path, path});
        args.insert(args.end(), {"--unshare-all", "--die-with-parent", "--new-session", "--chdir", project,
                                 "--setenv", "OFFLOAD_SANDBOX_DIR", dir, "--setenv", "TMPDIR", "/tmp"});
        if (provider.network)
            args.push_back("--share-net");
        for (size_t i = 0; request->env && request->env[i]; ++i) {
            std::string entry = request->env[i];
            size_t equals = entry.find('=');
            if (equals != std::string::npos)
                args.insert(args.end(), {"--setenv", entry.substr(0, equals), entry.substr(equals + 1)});
        }
        args.insert(args.end(), {"sh", "-c", request->command});

        std::vector<const char *> argv;
        for (const std::string &arg : args)
            argv.push_back(arg.c_str());
        argv.push_back(nullptr);
        offload_process_request process{};
        process.struct_size = sizeof process;
        process.argv = argv.data();
        process.working_dir = project.c_str();
        process.timeout_ms = request->timeout_ms;
        process.kill_grace_ms = 2000;
        process.output = request->output;
        offload_process_result outcome{};
        outcome.struct_size = sizeof outcome;
        offload_status status = provider.host->run_process(provider.host, &process, &outcome, error);
        result->exit_code = outcome.exit_code;
        result->timed_out = outcome.timed_out;
        result->duration_ms = outcome.duration_ms;
        // bwrap itself failing (exit 1 with its own message before the command ran) is not the
        // test's fault, but it cannot be told apart from a test exiting 1: see README.md.
        return status;
    });
}

offload_status download(offload_sandbox *, const char *sandbox_path, const char *local_path,
                        const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        std::error_code code;
        if (!fs::exists(sandbox_path, code))
            return OFFLOAD_NOT_FOUND;
        fs::copy_file(sandbox_path, local_path, fs::copy_options::overwrite_existing, code);
        if (code) {
            offload_text_printf(error, "cannot copy %s: %s", sandbox_path, code.message().c_str());
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

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "bwrap",
    .version = "1.0.0",
    .description = "bubblewrap sandboxes: no network, read-only system, one process tree per batch",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, provider_interface)
