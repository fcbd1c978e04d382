// Their providers: local → process, default (remote early) → inline-command script, modal → the
// modal provider script; default with their bundled @modal_sandbox.py → modal too.
#include "config/rust_offload/sections.hpp"

#include "util/shell_quote.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace offload::rust_offload {

namespace {

const TablePath provider = {"provider"};

const char *const command_keys[] = {"prepare_command", "create_command", "exec_command", "destroy_command",
                                    "download_command"};

bool is_command_key(const std::string &key)
{
    return std::find(std::begin(command_keys), std::end(command_keys), key) != std::end(command_keys);
}

bool is_root(const OldKey &key)
{
    const std::string value = key.string().value_or(".");
    return value == "." || value == "./" || value.empty();
}

void local_provider(Translator &t, const std::vector<OldKey> &keys, const SandboxKeys &sandbox)
{
    for (const OldKey &key : keys) {
        if (key.is("working_dir") || key.is("env") || key.is("shell"))
            t.put_node(provider, key.key, *key.node, key);
        else if (!key.is("type"))
            t.unknown(key, "working_dir, env, shell");
    }
    for (const auto *root : {&sandbox.project_root, &sandbox.repo_root}) {
        if (!*root)
            continue;
        if (is_root(**root) || t.has(provider, "working_dir"))
            t.no_effect(**root, {"offload"}, "the process provider runs the tests in the project directory");
        else
            t.put_node(provider, "working_dir", *(*root)->node, **root, "where the tests run");
    }
    if (sandbox.working_dir) {
        if (t.has(provider, "working_dir"))
            t.no_effect(*sandbox.working_dir, {"offload"}, "[provider] working_dir says where tests run");
        else
            t.put_node(provider, "working_dir", *sandbox.working_dir->node, *sandbox.working_dir);
    }
    if (sandbox.init_cmd)
        t.no_effect(*sandbox.init_cmd, {"offload"},
                    "a local provider builds no image (in the Rust offload neither)");
}

// Their modal keys that both `type = "modal"` and the @modal_sandbox.py form have.
void modal_common(Translator &t, const OldKey &key)
{
    if (key.is("env")) {
        t.put_node(provider, "env", *key.node, key);
    } else if (key.is("copy_dirs")) {
        t.put_node(provider, "copy_dirs", *key.node, key);
    } else if (key.is("cpu_cores")) {
        t.put_node(provider, "cpu", *key.node, key);
    } else if (key.is("memory_gb")) {
        const toml::node &node = *key.node;
        const double gb = node.as_integer() ? double(node.as_integer()->get()) : node.value_or(0.0);
        t.put(provider, "memory", int64_t(std::llround(gb * 1024)), key, "MiB");
    } else if (key.is("experimental_options")) {
        if (key.table() && key.table()->empty())
            t.no_effect(key, provider, "empty");
        else
            t.unsupported(key, "offload's modal provider passes no experimental options to Modal");
    } else if (key.is("timeout_secs")) {
        t.put_node(provider, "call_timeout_secs", *key.node, key);
    } else if (key.is("working_dir")) {
        t.no_effect(key, provider, "offload's modal provider runs no commands of the configuration locally");
    } else {
        t.unknown(key, "dockerfile, include_cwd, env, copy_dirs, cpu_cores, memory_gb, experimental_options");
    }
}

void modal_sandbox_keys(Translator &t, const SandboxKeys &sandbox)
{
    if (sandbox.repo_root && !is_root(*sandbox.repo_root))
        t.put_node(provider, "workdir", *sandbox.repo_root->node, *sandbox.repo_root,
                   "where the project is placed and the tests run");
    else if (sandbox.repo_root)
        t.no_effect(*sandbox.repo_root, {"offload"},
                    "offload's modal provider places the project at /project");
    if (sandbox.project_root)
        t.unsupported(*sandbox.project_root, "offload's modal provider runs the tests where the project is "
                                             "(sandbox_repo_root → workdir), not in a directory below it");
    if (sandbox.init_cmd)
        t.put_node(provider, "init_command", *sandbox.init_cmd->node, *sandbox.init_cmd,
                   "run while the image is built, after the project is added");
    if (sandbox.working_dir)
        t.no_effect(*sandbox.working_dir, {"offload"}, "commands run in the sandbox's workdir");
}

void modal_provider(Translator &t, const OldKey &type, const std::vector<OldKey> &keys,
                    const SandboxKeys &sandbox)
{
    t.put(provider, "type", "modal", type, "offload's modal provider script, offload-provider-modal");
    bool include_cwd = false;
    for (const OldKey &key : keys) {
        if (key.is("type"))
            continue;
        if (key.is("dockerfile"))
            t.put_node(provider, "dockerfile", *key.node, key);
        else if (key.is("include_cwd"))
            include_cwd = true, t.put_node(provider, "upload_project", *key.node, key);
        else
            modal_common(t, key);
    }
    if (!include_cwd)
        t.put_default(provider, "upload_project", false, type, "include_cwd",
                      "the Rust offload's default: the project is not in the image");
    if (!t.has(provider, "cpu"))
        t.put_default(provider, "cpu", 0.125, type, "cpu_cores", "the Rust offload's default for modal");
    modal_sandbox_keys(t, sandbox);
}

// Their bundled @modal_sandbox.py, used through a default provider's commands: read back into
// the modal provider's keys. nullopt (with errors reported) when a command is not one of its
// standard uses.
bool bundled_modal(Translator &t, const OldKey &type, const std::vector<OldKey> &keys,
                   const SandboxKeys &sandbox)
{
    const auto fail = [&](const OldKey &key, const std::string &why) {
        t.diagnostics().error(
            key.where,
            fmt::format(
                "{}: {}; @modal_sandbox.py is the Rust offload's bundled Modal script, which this offload "
                "does not ship: it reads its standard uses (prepare [--include-cwd] [DOCKERFILE] "
                "[--copy-dir=L:R] [--sandbox-init-cmd=CMD], create [--cpu N] [--memory-gb N] {{image_id}}, "
                "exec {{sandbox_id}} {{command}}, destroy {{sandbox_id}}, download {{sandbox_id}} {{paths}}) "
                "as "
                "offload's modal provider; write type = \"modal\" (plugins/scripts/README-modal.md) instead",
                key.describe(), why));
        return false;
    };
    bool ok = true;
    t.put(provider, "type", "modal", type,
          "their bundled @modal_sandbox.py is offload's modal provider script");
    for (const OldKey &key : keys) {
        if (key.is("type"))
            continue;
        if (!is_command_key(key.key)) {
            modal_common(t, key);
            continue;
        }
        const auto words = command_words(t, key);
        if (!words)
            continue;
        const auto script = std::find_if(words->begin(), words->end(),
                                         [](const std::string &w) { return w == "@modal_sandbox.py"; });
        if (script == words->end() || script + 1 == words->end()) {
            ok = fail(key, "the other commands use @modal_sandbox.py, this one does not");
            continue;
        }
        const std::vector<std::string> args(script + 2, words->end());
        const std::string verb = *(script + 1);
        const std::string expected = key.key.substr(0, key.key.find('_'));
        if (verb != expected && !(expected == "destroy" && verb == "destroy-many")) {
            ok = fail(key, "runs `" + verb + "`, where " + key.key + " runs `" + expected + "`");
            continue;
        }
        if (verb == "prepare") {
            for (size_t i = 0; i < args.size(); ++i) {
                const std::string &arg = args[i];
                const auto value_of = [&](const std::string &option) -> std::optional<std::string> {
                    if (arg.rfind(option + "=", 0) == 0)
                        return arg.substr(option.size() + 1);
                    if (arg == option && i + 1 < args.size())
                        return args[++i];
                    return std::nullopt;
                };
                if (arg == "--include-cwd") {
                    t.put(provider, "upload_project", true, key);
                } else if (auto dir = value_of("--copy-dir")) {
                    toml::array dirs;
                    if (const toml::node *existing = t.get(provider, "copy_dirs");
                        existing && existing->as_array())
                        dirs = *existing->as_array();
                    dirs.push_back(*dir);
                    t.put(provider, "copy_dirs", std::move(dirs), key);
                } else if (auto init = value_of("--sandbox-init-cmd")) {
                    t.put(provider, "init_command", *init, key);
                } else if (arg[0] != '-' && !t.has(provider, "dockerfile")) {
                    t.put(provider, "dockerfile", arg, key);
                } else {
                    ok = fail(key,
                              "`" + arg + "` is not an option offload's modal provider has an equivalent of");
                }
            }
        } else if (verb == "create") {
            bool image = false;
            for (size_t i = 0; i < args.size(); ++i) {
                if ((args[i] == "--cpu" || args[i] == "--memory-gb") && i + 1 < args.size()) {
                    const std::string value = args[++i];
                    if (value == "{cpu_cores}")
                        continue; // the provider's cpu_cores, read as a key
                    char *end = nullptr;
                    const double number = std::strtod(value.c_str(), &end);
                    if (value.empty() || *end || !(number > 0)) {
                        ok = fail(key, "`" + args[i - 1] + " " + value + "` is not a number");
                    } else if (args[i - 1] == "--cpu") {
                        t.put(provider, "cpu", number, key);
                    } else {
                        t.put(provider, "memory", int64_t(std::llround(number * 1024)), key, "MiB");
                    }
                } else if (args[i] == "{image_id}" && !image) {
                    image = true;
                } else if (args[i] == "default" && !image) {
                    // The early script's sandbox: Modal's debian_slim with Python 3.11 and pytest, the
                    // project's examples/tests copied to /app/examples/tests, run in /app.
                    image = true;
                    t.put(provider, "add_python", "3.11", key,
                          "their early `create default` image, Modal's debian_slim with Python 3.11; it had "
                          "pytest installed, which the project must now bring (e.g. a dockerfile)");
                    t.put(provider, "workdir", "/app", key, "where `create default` ran the tests");
                    t.put(provider, "upload_project", true, key,
                          "the whole project, where `create default` copied examples/tests");
                } else {
                    ok = fail(key, "`" + args[i] +
                                       "` is not an argument offload's modal provider has an equivalent of");
                }
            }
            if (image)
                t.mapped(key, "offload's modal provider makes each sandbox from the image prepare built");
        } else if ((verb == "exec" && args == std::vector<std::string>{"{sandbox_id}", "{command}"}) ||
                   (verb == "destroy" && args == std::vector<std::string>{"{sandbox_id}"}) ||
                   (verb == "destroy-many" && args.empty()) ||
                   (verb == "download" && args == std::vector<std::string>{"{sandbox_id}", "{paths}"})) {
            t.mapped(key, "offload's modal provider, verb " + verb);
        } else {
            ok = fail(key, "these arguments are not those of the script's `" + verb + "`");
        }
    }
    if (!t.has(provider, "upload_project"))
        t.put(provider, "upload_project", false, type, "prepare had no --include-cwd");
    if (!t.has(provider, "cpu"))
        t.put_default(provider, "cpu", 1.0, type, "cpu_cores", "the Rust offload's default");
    modal_sandbox_keys(t, sandbox);
    return ok;
}

// `prepare_command ... --copy-dir=SPEC --sandbox-init-cmd=CMD`: what their default provider
// appended to prepare_command itself.
void append_to_prepare(Translator &t, const OldKey &key, const std::string &option, const std::string &value)
{
    const toml::node *prepare = t.get(provider, "prepare_command");
    if (!prepare) {
        t.no_effect(key, provider, "without prepare_command (in the Rust offload too)");
        return;
    }
    t.put(provider, "prepare_command", prepare->as_string()->get() + " " + option + "=" + shell_quote(value),
          key, "appended as the Rust offload did");
}

void script_provider(Translator &t, const OldKey &type, const std::vector<OldKey> &keys,
                     const SandboxKeys &sandbox)
{
    t.put(provider, "type", "script", type, "offload's provider of inline commands");
    std::optional<OldKey> working_dir, copy_dirs;
    for (const OldKey &key : keys) {
        if (key.is("type"))
            continue;
        if (is_command_key(key.key))
            t.put_node(provider, key.key, *key.node, key);
        else if (key.is("timeout_secs")) {
            t.put_node(provider, "call_timeout_secs", *key.node, key);
            t.put_node(provider, "prepare_timeout_secs", *key.node, key);
        } else if (key.is("cpu_cores"))
            t.put_node(provider, "cpu_cores", *key.node, key, "the value of {cpu_cores}");
        else if (key.is("working_dir"))
            working_dir = key;
        else if (key.is("copy_dirs"))
            copy_dirs = key;
        else if (key.is("env")) {
            if (key.table() && key.table()->empty())
                t.no_effect(key, provider, "empty");
            else
                t.unsupported(key,
                              "offload's inline commands pass no variables of the configuration into the "
                              "sandbox: export them in exec_command");
        } else
            t.unknown(key,
                      "prepare_command, create_command, exec_command, destroy_command, download_command, "
                      "working_dir, timeout_secs, copy_dirs, env, cpu_cores");
    }
    if (copy_dirs && copy_dirs->node->as_array())
        for (const toml::node &spec : *copy_dirs->node->as_array())
            append_to_prepare(t, *copy_dirs, "--copy-dir", spec.value_or(std::string()));
    if (sandbox.init_cmd && sandbox.init_cmd->string())
        append_to_prepare(t, *sandbox.init_cmd, "--sandbox-init-cmd", *sandbox.init_cmd->string());
    if (working_dir && working_dir->string())
        for (const char *key : command_keys)
            if (const toml::node *command = t.get(provider, key))
                t.put(provider, key,
                      "cd " + shell_quote(*working_dir->string()) + " && " + command->as_string()->get(),
                      *working_dir, "the commands run in working_dir");
    const std::optional<OldKey> &root = sandbox.project_root ? sandbox.project_root : sandbox.repo_root;
    if (root && !is_root(*root))
        t.put_node(provider, "work_dir", *root->node, *root, "where the tests run in each sandbox");
    else if (root)
        t.no_effect(*root, {"offload"}, "the tests run in the sandbox's directory");
    if (sandbox.repo_root && sandbox.project_root)
        t.no_effect(*sandbox.repo_root, {"offload"}, "sandbox_project_root says where the tests run");
    if (sandbox.working_dir)
        t.no_effect(*sandbox.working_dir, {"offload"}, "the tests run in the sandbox's directory (work_dir)");
}

} // namespace

std::string translate_provider(Translator &t, const OldKey &table, const SandboxKeys &sandbox)
{
    const std::vector<OldKey> keys = t.keys_of(table);
    t.header(provider, table);
    const auto type = std::find_if(keys.begin(), keys.end(), [](const OldKey &k) { return k.is("type"); });
    if (type == keys.end() || !type->string()) {
        t.diagnostics().error(table.where,
                              "[provider] has no `type`: the Rust offload's providers are local, "
                              "default and modal");
        return {};
    }
    const std::string theirs = *type->string();
    if (theirs == "local" || theirs == "process") {
        t.put(provider, "type", "process", *type, "tests run as local processes");
        t.put_default(provider, "private_tmpdir", false, table, "shared TMPDIR",
                      "their local provider leaves TMPDIR as it is: tests that meet through files "
                      "there, a retry reading its first attempt's marker say, keep doing so");
        local_provider(t, keys, sandbox);
        return "process";
    }
    if (theirs == "modal") {
        modal_provider(t, *type, keys, sandbox);
        return "modal";
    }
    if (theirs == "default" || theirs == "remote") {
        const bool bundled = std::any_of(keys.begin(), keys.end(), [](const OldKey &key) {
            return is_command_key(key.key) && key.string() &&
                   key.string()->find("@modal_sandbox.py") != std::string::npos;
        });
        if (bundled)
            return bundled_modal(t, *type, keys, sandbox) ? "modal" : "";
        script_provider(t, *type, keys, sandbox);
        return "script";
    }
    t.diagnostics().error(
        type->where,
        fmt::format("{}: the Rust offload's providers are local, default and modal", type->describe()));
    return {};
}

} // namespace offload::rust_offload
