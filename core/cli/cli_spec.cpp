#include "cli/cli_spec.hpp"

#include "offload_build.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace offload::cli {

namespace {

// Choosing tests: shared by run and collect.
const std::vector<Option> selection_options = {
    {"filter",
     0,
     "REGEX",
     "only tests whose id matches REGEX (RE2 syntax: no lookaround or backreferences; anywhere in the id)",
     {},
     true},
    {"exclude", 0, "REGEX", "leave out tests whose id matches REGEX", {}, true},
    {"rerun-failed",
     0,
     {},
     "only the tests that failed or did not run in the last run (read from its JUnit report)"},
    {"partition", 0, "K/N",
     "this machine's share K of N: disjoint shares that together cover every test, whatever timing history "
     "each machine has: every N-th test in id order (count:K/N, the default), or by a hash of the id "
     "(hash:K/N)"},
};

// Finding tests: shared by run and collect.
const Option rediscover_option = {
    "rediscover",
    0,
    {},
    "run discovery even when the discovery cache holds the list for this project as it is now (and keep "
    "what it finds)"};

std::vector<Option> with_selection(std::vector<Option> options)
{
    options.insert(options.begin(), selection_options.begin(), selection_options.end());
    options.insert(options.begin() + selection_options.size(), rediscover_option);
    return options;
}

const std::vector<Option> global = {
    {"config", 'c', "FILE", "the configuration file (default: offload.toml); its directory is the project"},
    {"plugin-path", 0, "DIR", "search DIR for plugins before anything else (repeatable)", {}, true},
    {"verbose", 'v', {}, "also print debug messages, such as each batch's command"},
    {"quiet", 'q', {}, "print only warnings, errors, failures and the summary"},
    {"help", 'h', {}, "help for offload, or for one command (offload run --help)"},
    {"version", 'V', {}, "print the version and the plugin ABI"},
};

const std::vector<Command> all_commands = {
    {"run", "Discover the tests, run them in parallel on the provider's sandboxes, write the report",
     "[ID...]",
     "Discovers the tests with the [discovery] framework, plans batches from the timing history, runs them "
     "on "
     "sandboxes of the [provider], retries failed tests, and writes the merged JUnit report and per-batch "
     "logs. "
     "Test ids given as arguments run only those tests.",
     with_selection({
         {"parallel", 'p', "N", "sandboxes at once; overrides [offload] max_parallel"},
         {"retries", 0, "N", "extra attempts for a failed test; overrides [offload] retry_count"},
         {"fail-fast", 0, {}, "stop after the first test that fails for good (same as --max-fail 1)"},
         {"max-fail", 0, "N",
          "stop after N tests failed for good: no test starts after that, also inside running batches; the "
          "rest "
          "are reported not run"},
         {"kill-running",
          0,
          {},
          "when --max-fail is reached, kill the running tests too instead of letting "
          "them finish"},
         {"no-tests", 0, "WHAT",
          "when the selection leaves no test: fail (the default: a typo in a --filter must not pass), warn, "
          "or "
          "pass",
          "fail|warn|pass"},
         {"message-format", 0, "FORMAT", "human, or json: one JSON event per line on stdout (docs/events.md)",
          "human|json"},
         {"trace",
          0,
          "FILE",
          "write a Chrome/Perfetto trace of sandboxes and batches over time to FILE (without FILE: "
          "trace.json in output_dir)",
          {},
          false,
          false,
          {},
          true},
         {"env",
          0,
          "NAME=VALUE",
          "set an environment variable for every test command of this run (repeatable; not OFFLOAD_*)",
          {},
          true},
         {"color", 0, "WHEN", "color the output: auto (a terminal without NO_COLOR), always or never",
          "auto|always|never"},
         {"ci",
          0,
          {},
          "plain progress lines instead of a status line (also when CI is set or not a terminal)"},
         // The Rust offload's names for what offload has.
         {"collect-only", 0, {}, "the same as `offload collect`", {}, false, true},
         {"no-cache", 0, {}, "the same as --rediscover", {}, false, true},
         {"record-history",
          0,
          {},
          "offload records the history of every run ([history] enabled)",
          {},
          false,
          true},
         // The Rust offload's flags that have no equivalent here.
         {"copy-dir",
          0,
          "LOCAL:REMOTE",
          "",
          {},
          true,
          true,
          "offload copies no directories into sandboxes from the command line: the project reaches a sandbox "
          "the way its provider brings it (the process provider runs in the project; script providers "
          "copy what their prepare step does)"},
         {"override-image-id",
          0,
          "IMAGE_ID",
          "",
          {},
          false,
          true,
          "offload's modal provider builds its image in the provider script's prepare step; an image id "
          "cannot be forced from the command line"},
         {"show-estimated-cost", 0, {}, "", {}, false, true, "offload does not estimate sandbox costs"},
         {"junit",
          0,
          "FILE",
          "",
          {},
          false,
          true,
          "set [report] junit_file (relative to [report] output_dir) in the configuration"},
     })},
    {"collect", "Discover the tests and print their ids, one per line (--format json for machines)",
     "[ID...]",
     "Runs discovery only and prints the ids that `offload run` with the same selection would run.",
     with_selection({
         {"format", 'f', "FORMAT", "text (one id per line, under [groups.NAME] lines with groups) or json",
          "text|json"},
     })},
    {"validate",
     "Check offload.toml and the plugins it names; print the resolved settings",
     {},
     "Reads the configuration, loads the framework and provider it names and lets them check their keys, "
     "then "
     "prints every setting with its default filled in. Discovers nothing and runs nothing. A file in the "
     "Rust offload's form is read through a translation: every old key is listed with what it became.",
     {
         {"rewrite", 0, {}, "write the file in offload's form instead, as `offload migrate` does"},
         {"output", 'o', "FILE", "with --rewrite: write the migrated configuration to FILE (a new file)"},
         {"in-place", 0, {}, "with --rewrite: replace the file, keeping the original as FILE.bak"},
     }},
    {"migrate",
     "Rewrite a configuration of the Rust offload (imbue-ai/offload) in offload's own form",
     {},
     "Reads the file given by -c (default offload.toml) in either form of the Rust offload ([groups.NAME] "
     "holding frameworks, or [framework] with [groups.NAME]) and writes the same configuration in offload's "
     "form, its comments kept beside the keys they were written above. Prints it, or writes it to -o FILE "
     "(never "
     "over an existing file), or with --in-place replaces the file and keeps the original as FILE.bak. Keys "
     "without an equivalent are errors, and nothing is written.",
     {
         {"output", 'o', "FILE", "write the migrated configuration to FILE (a new file)"},
         {"in-place", 0, {}, "replace the file, keeping the original as FILE.bak"},
     }},
    {"init",
     "Write a commented, working offload.toml for a provider and a framework",
     {},
     "Writes the configuration file (-c, default offload.toml) with every key of the core, the provider and "
     "the "
     "framework explained. Never overwrites a file.",
     {
         {"provider", 'p', "P", "the provider plugin to configure (default: process)"},
         {"framework", 'f', "F", "the framework plugin to configure (default: generic)"},
     }},
    {"plugins",
     "List the plugins offload finds and those it refuses and why; `plugins check PATH` tests one",
     "[check PATH]",
     "Without arguments: the plugin search path in order, every plugin found (id, kind, version, ABI, path), "
     "every script provider, and every file refused with the reason (a plugin that crashes or exits while "
     "it loads included: each file is looked at in a child process). `offload plugins check PATH` loads the "
     "one plugin file at PATH in a child process, checks its ABI, descriptor and interfaces and takes it "
     "through a dry lifecycle (init, and create/destroy of an instance with an empty configuration), and "
     "reports what is wrong.",
     {}},
    {"logs",
     "Show the tests of the last run with their output, from its report",
     {},
     "Reads the JUnit report of the last run (the [report] junit_file of the configuration) and prints each "
     "selected test with its outcome, messages and captured output. Without options: every test that did not "
     "pass.",
     {
         {"failures", 0, {}, "tests that failed, errored or did not run"},
         {"errors", 0, {}, "tests that errored or did not run (not those that only failed)"},
         {"flaky", 0, {}, "tests that passed only on a retry"},
         {"test", 0, "ID", "this test (repeatable)", {}, true},
         {"grep", 0, "PATTERN",
          "tests whose id, message or output matches PATTERN (an RE2 regular expression)"},
         {"test-regex", 0, "REGEX", "only tests whose id matches REGEX (RE2 syntax; anywhere in the id)"},
     }},
    {"flaky",
     "List the flakiest tests of the history, with their rates",
     {},
     "Reads the run history ([history] path) and lists the tests that flaked (failed, then passed on a "
     "retry) or failed in their last runs, flakiest first: flake rate, flakes, failures and runs in the "
     "window, the first and last flake, the recent outcomes (oldest first: . passed, f flaky, F failed) "
     "and whether [flaky] quarantines the test. Only runs that retry failed tests can see flakes.",
     {
         {"top", 0, "N", "at most N tests (default 20; 0: all)"},
         {"window", 0, "N",
          "rates over each test's last N runs (default: [flaky] window_runs, 50; at most 100)"},
         {"format", 0, "FORMAT", "text or json", "text|json"},
     }},
    {"report",
     "Write the HTML report of the last run: one self-contained file to open in a browser",
     {},
     "Renders the run record that every `offload run` leaves in output_dir/run.json as one HTML file "
     "(inline styles and scripts, no network): the counts, failures first with their message, output and "
     "log, flaky and quarantined tests with their attempts, the slowest tests, a timeline of sandboxes and "
     "batches, a searchable list of every test, and the run's settings. Prints the path of the report. "
     "[report] html = true writes it after every run.",
     {
         {"input", 0, "FILE",
          "the run record to render (default: run.json in the configuration's output_dir)"},
         {"output", 'o', "FILE", "where to write the report (default: report.html beside the run record)"},
     }},
    {"history",
     "Merge or show timing histories; `history merge` is a git merge driver",
     "merge BASE OURS THEIRS | show",
     "`offload history merge BASE OURS THEIRS` merges three versions of offload's history file (the "
     "common ancestor, ours and theirs, as git hands them to a merge driver) into OURS: every test and "
     "run any of them knows, the runs both branches recorded since the ancestor added up; the result does "
     "not depend on which side is ours. To let git use it:\n"
     "  echo '.offload/history merge=offload-history' >> .gitattributes\n"
     "  git config merge.offload-history.driver 'offload history merge %O %A %B'\n"
     "`offload history show` prints what the configuration's history knows (each test's mean time, runs "
     "and flakiness) and the timings [history] import adds for the tests it has none of.",
     {}},
    {"completions",
     "Print a completion script for bash, zsh or fish",
     "SHELL",
     "Prints a completion script for SHELL (bash, zsh or fish) on stdout, e.g.\n"
     "  offload completions bash > /etc/bash_completion.d/offload\n"
     "  offload completions fish > ~/.config/fish/completions/offload.fish",
     {}},
    {"man",
     "Print the offload(1) manual page (roff)",
     {},
     "Prints the manual page, generated from the same definition as --help: `offload man | man -l -`.",
     {}},
};

std::string option_usage(const Option &option)
{
    std::string text = option.short_name ? fmt::format("-{}, --{}", option.short_name, option.name)
                                         : fmt::format("    --{}", option.name);
    if (!option.value.empty())
        text += option.value_optional ? fmt::format(" [{}]", option.value) : fmt::format(" {}", option.value);
    return text;
}

bool listed(const Option &option)
{
    return !option.hidden && option.unsupported.empty();
}

void append_options(std::string &out, const std::vector<Option> &options)
{
    size_t width = 0;
    for (const Option &option : options)
        if (listed(option))
            width = std::max(width, option_usage(option).size());
    for (const Option &option : options)
        if (listed(option))
            out += fmt::format("  {:<{}}  {}\n", option_usage(option), width, option.help);
}

// Folds text to lines of at most width characters, keeping explicit line breaks.
std::string fold(std::string_view text, size_t width, std::string_view indent)
{
    std::string out, line;
    auto flush = [&] {
        out += std::string(indent) + line + "\n";
        line.clear();
    };
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find_first_of(" \n", start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > width)
            flush();
        if (!word.empty())
            line += (line.empty() ? "" : " ") + std::string(word);
        if (end < text.size() && text[end] == '\n')
            flush();
        start = end + 1;
    }
    if (!line.empty())
        flush();
    return out;
}

std::string roff_escape(std::string_view text)
{
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else if ((c == '.' || c == '\'') && line_start)
            out += "\\&" + std::string(1, c);
        else
            out += c;
        line_start = c == '\n';
    }
    return out;
}

std::string words(const std::vector<std::string> &list)
{
    std::string out;
    for (const std::string &word : list)
        out += (out.empty() ? "" : " ") + word;
    return out;
}

std::vector<std::string> flags_of(const std::vector<Option> &options)
{
    std::vector<std::string> flags;
    for (const Option &option : options) {
        if (!listed(option))
            continue;
        flags.push_back("--" + std::string(option.name));
        if (option.short_name)
            flags.push_back(std::string("-") + option.short_name);
    }
    return flags;
}

std::string bash_script()
{
    std::string out =
        "# bash completion for offload, generated by `offload completions bash`\n"
        "_offload() {\n"
        "    local cur prev command i\n"
        "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
        "    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
        "    command=\"\"\n"
        "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
        "        case \"${COMP_WORDS[i]}\" in\n"
        "            -c|--config|--plugin-path) ((i++)) ;;\n"
        "            -*) ;;\n"
        "            *) command=\"${COMP_WORDS[i]}\"; break ;;\n"
        "        esac\n"
        "    done\n"
        "    case \"$prev\" in\n"
        "        -c|--config|--trace|--input|-o|--output) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
        "        --plugin-path) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n";
    for (const Command &command : all_commands)
        for (const Option &option : command.options)
            if (!option.choices.empty()) {
                std::string choices(option.choices);
                std::replace(choices.begin(), choices.end(), '|', ' ');
                out += fmt::format("        --{}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n",
                                   option.name, choices);
            }
    out += "    esac\n    case \"$command\" in\n";
    std::vector<std::string> names;
    for (const Command &command : all_commands) {
        names.emplace_back(command.name);
        std::vector<std::string> flags = flags_of(command.options);
        std::vector<std::string> global_flags = flags_of(global);
        flags.insert(flags.end(), global_flags.begin(), global_flags.end());
        std::string extra = command.name == "completions" ? " bash zsh fish"
                            : command.name == "plugins"   ? " check"
                            : command.name == "history"   ? " merge show"
                                                          : "";
        out += fmt::format("        {}) COMPREPLY=($(compgen -W \"{}{}\" -- \"$cur\")) ;;\n", command.name,
                           words(flags), extra);
    }
    out += fmt::format("        *) COMPREPLY=($(compgen -W \"{} {}\" -- \"$cur\")) ;;\n", words(names),
                       words(flags_of(global)));
    out += "    esac\n}\ncomplete -F _offload offload\n";
    return out;
}

// Text inside a single-quoted shell word: ' becomes '\''.
std::string single_quoted_text(std::string_view text)
{
    std::string out;
    for (char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out;
}

std::string zsh_option_spec(const Option &option)
{
    std::string help = single_quoted_text(option.help);
    std::replace(help.begin(), help.end(), '[', '(');
    std::replace(help.begin(), help.end(), ']', ')');
    std::string action;
    if (!option.value.empty()) {
        if (!option.choices.empty()) {
            std::string choices(option.choices);
            std::replace(choices.begin(), choices.end(), '|', ' ');
            action = fmt::format(":{}:({})", option.value, choices);
        } else if (option.value == "FILE") {
            action = ":file:_files";
        } else if (option.value == "DIR") {
            action = ":directory:_files -/";
        } else {
            action = fmt::format(":{}: ", option.value);
        }
    }
    std::string repeat = option.repeatable ? "*" : "";
    if (option.short_name)
        return fmt::format("'{}'{{-{},--{}}}'[{}]{}'", repeat, option.short_name, option.name, help, action);
    return fmt::format("'{}--{}[{}]{}'", repeat, option.name, help, action);
}

std::string zsh_script()
{
    std::string out =
        "#compdef offload\n# zsh completion for offload, generated by `offload completions zsh`\n"
        "_offload() {\n    local -a commands global\n    commands=(\n";
    for (const Command &command : all_commands) {
        std::string summary = single_quoted_text(command.summary);
        std::replace(summary.begin(), summary.end(), ':', ' ');
        out += fmt::format("        '{}:{}'\n", command.name, summary);
    }
    out += "    )\n    global=(\n";
    for (const Option &option : global)
        out += "        " + zsh_option_spec(option) + "\n";
    out += "    )\n"
           "    _arguments -C $global '1:command:->command' '*::argument:->argument'\n"
           "    case $state in\n"
           "        command) _describe command commands ;;\n"
           "        argument)\n"
           "            case $words[1] in\n";
    for (const Command &command : all_commands) {
        out += fmt::format("                {}) _arguments $global", command.name);
        for (const Option &option : command.options)
            if (listed(option))
                out += " " + zsh_option_spec(option);
        if (command.name == "completions")
            out += " '1:shell:(bash zsh fish)'";
        else if (!command.positional.empty())
            out += " '*: :_files'";
        out += " ;;\n";
    }
    out += "            esac ;;\n    esac\n}\n_offload \"$@\"\n";
    return out;
}

// Text inside a single-quoted fish word, where \\ and \' are the escapes.
std::string fish_quoted_text(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

std::string fish_option(const Option &option, const std::string &condition)
{
    std::string help = fish_quoted_text(option.help);
    std::string line = fmt::format("complete -c offload -n '{}' -l {}", condition, option.name);
    if (option.short_name)
        line += fmt::format(" -s {}", option.short_name);
    if (!option.value.empty()) {
        line += " -r";
        if (!option.choices.empty()) {
            std::string choices(option.choices);
            std::replace(choices.begin(), choices.end(), '|', ' ');
            line += fmt::format(" -f -a '{}'", choices);
        } else if (option.value != "FILE" && option.value != "DIR") {
            line += " -f";
        }
    }
    return line + fmt::format(" -d '{}'\n", help);
}

std::string fish_script()
{
    std::string out = "# fish completion for offload, generated by `offload completions fish`\n"
                      "complete -c offload -f\n";
    for (const Command &command : all_commands)
        out += fmt::format("complete -c offload -n '__fish_use_subcommand' -a {} -d '{}'\n", command.name,
                           fish_quoted_text(command.summary));
    for (const Option &option : global)
        out += fish_option(option, "true");
    for (const Command &command : all_commands)
        for (const Option &option : command.options)
            if (listed(option))
                out += fish_option(option, fmt::format("__fish_seen_subcommand_from {}", command.name));
    out += "complete -c offload -n '__fish_seen_subcommand_from completions' -a 'bash zsh fish'\n";
    out += "complete -c offload -n '__fish_seen_subcommand_from plugins' -a 'check'\n";
    out += "complete -c offload -n '__fish_seen_subcommand_from history' -a 'merge show'\n";
    return out;
}

// The Rust offload's commands that this offload has no equivalent of.
const std::vector<ForeignCommand> foreign = {
    {"build", "offload builds no sandbox images apart from a run: a provider script prepares its image when "
              "a run starts (the modal script caches it by content)"},
    {"checkpoint-status", "offload has no image checkpoints"},
    {"apply-diff", "offload applies no patches in sandboxes; `git apply` does"},
};

} // namespace

const std::vector<ForeignCommand> &foreign_commands()
{
    return foreign;
}

const std::vector<Option> &global_options()
{
    return global;
}

const std::vector<Command> &commands()
{
    return all_commands;
}

const Command *find_command(std::string_view name)
{
    auto found = std::find_if(all_commands.begin(), all_commands.end(),
                              [&](const Command &command) { return command.name == name; });
    return found == all_commands.end() ? nullptr : &*found;
}

std::string general_help()
{
    std::string out = fmt::format("offload {} - a parallel test runner with pluggable execution providers\n\n"
                                  "Usage: offload [OPTIONS] COMMAND [ARGUMENTS]\n\nCommands:\n",
                                  OFFLOAD_VERSION);
    for (const Command &command : all_commands)
        out += fmt::format("  {:<12} {}\n", command.name, command.summary);
    out += "\nOptions for every command (before or after the command):\n";
    append_options(out, global);
    out +=
        "\nRun `offload COMMAND --help` for a command's options; `offload man` prints the manual.\n"
        "Exit codes: 0 all tests passed (or only quarantined ones failed); 1 failures, tests not run,\n"
        "or an error; 2 all passed but some only on retry (flaky); 64 bad command line; 130 interrupted.\n";
    return out;
}

std::string command_help(const Command &command)
{
    std::string out = fmt::format("Usage: offload {} [OPTIONS]{}{}\n\n{}\n\n", command.name,
                                  command.positional.empty() ? "" : " ", command.positional, command.summary);
    out += fold(command.description, 96, "");
    if (!command.options.empty()) {
        out += "\nOptions:\n";
        append_options(out, command.options);
    }
    out += "\nOptions for every command:\n";
    append_options(out, global);
    return out;
}

std::string man_page()
{
    std::string out = fmt::format(".TH OFFLOAD 1 \"\" \"offload {}\" \"User Commands\"\n", OFFLOAD_VERSION);
    out += ".SH NAME\noffload \\- a parallel test runner with pluggable execution providers\n";
    out += ".SH SYNOPSIS\n.B offload\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR]\n";
    out +=
        ".SH DESCRIPTION\n" +
        roff_escape(
            "offload discovers the tests of a project (pytest, cargo, go, vitest, jest, any command), cuts "
            "them "
            "into batches, runs the batches in parallel on sandboxes handed out by a provider (local "
            "processes, SSH hosts, "
            "Slurm, containers, cloud sandboxes through provider scripts), retries what fails, tells flaky "
            "tests from broken ones, and writes one merged JUnit XML report. It reads offload.toml in the "
            "current directory unless -c names another file.") +
        "\n";
    out += ".SH COMMANDS\n";
    for (const Command &command : all_commands) {
        out += fmt::format(".SS \"{} {}\"\n", command.name, roff_escape(command.positional));
        out += roff_escape(command.summary) + ".\n.PP\n" + roff_escape(command.description) + "\n";
        for (const Option &option : command.options) {
            if (!listed(option))
                continue;
            out += ".TP\n.B " + roff_escape(option_usage(option)) + "\n" + roff_escape(option.help) + "\n";
        }
    }
    out += ".SH OPTIONS\nThese options work with every command, before or after it.\n";
    for (const Option &option : global)
        out += ".TP\n.B " + roff_escape(option_usage(option)) + "\n" + roff_escape(option.help) + "\n";
    out += ".SH EXIT STATUS\n.TP\n0\nEvery test passed, or only tests that [flaky] quarantines "
           "failed.\n.TP\n1\nA test failed, a test did not run, or offload "
           "failed (the message says what, where and what to do).\n.TP\n2\nEvery test passed, some only on a "
           "retry "
           "(flaky).\n.TP\n64\nA bad command line.\n.TP\n130\nInterrupted (SIGINT, SIGTERM or SIGHUP).\n";
    out +=
        ".SH ENVIRONMENT\n.TP\n.B OFFLOAD_PLUGIN_PATH\nDirectories to search for plugins, separated by "
        "colons, "
        "after \\-\\-plugin\\-path.\n.TP\n.B NO_COLOR\nWhen set, no colors (unless \\-\\-color "
        "always).\n.TP\n"
        ".B CI\nWhen set, plain progress lines instead of a status line.\n.TP\n"
        ".B GITHUB_ACTIONS\nWhen \\fItrue\\fR (and [report] github is \\fIauto\\fR), offload run prints "
        "GitHub workflow annotations for failures and appends a job summary to the file "
        "\\fBGITHUB_STEP_SUMMARY\\fR names.\n.TP\n"
        ".B GITLAB_CI\nWhen \\fItrue\\fR, a failed test's batch log is named in the JUnit report as a GitLab "
        "attachment, relative to \\fBCI_PROJECT_DIR\\fR.\n";
    out +=
        ".SH FILES\n.TP\n.I offload.toml\nThe configuration.\n.TP\n.I .offload/history\nThe timing history.\n"
        ".TP\n.I .offload/plugins/\nThe project's own plugins and provider scripts.\n.TP\n"
        ".I test\\-results/junit.xml\nThe merged report (see [report] in offload.toml).\n"
        ".TP\n.I test\\-results/run.json\nThe run record: every test, attempt and batch of the last run.\n"
        ".TP\n.I test\\-results/report.html\nThe HTML report (offload report, or [report] html = true).\n";
    return out;
}

std::string completion_script(std::string_view shell)
{
    if (shell == "bash")
        return bash_script();
    if (shell == "zsh")
        return zsh_script();
    if (shell == "fish")
        return fish_script();
    return {};
}

} // namespace offload::cli
