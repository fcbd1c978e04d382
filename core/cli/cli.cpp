#include "cli/cli.hpp"

#include "cli/cli_spec.hpp"
#include "cli/commands.hpp"
#include "offload_build.hpp"
#include "plugin_host/probe.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

// cxxopts splits the value of a list option at commas by default: `--filter 'a{1,3}'` became two
// patterns, and a test id with a comma (pytest's `test_x[1,2]`) two ids. NUL never occurs in argv.
#define CXXOPTS_VECTOR_DELIMITER '\0'
#include <cxxopts.hpp>
#include <fmt/format.h>
#include <offload/abi.h>

#include <map>
#include <set>
#include <string_view>

namespace offload {

namespace {

// What the command line said, by long option name.
struct Arguments {
    std::string command;
    std::map<std::string, std::vector<std::string>> values;
    std::set<std::string> flags;
    std::vector<std::string> positional;

    bool flag(const std::string &name) const { return flags.count(name) > 0; }
    std::optional<std::string> value(const std::string &name) const
    {
        auto found = values.find(name);
        return found == values.end() || found->second.empty()
                   ? std::nullopt
                   : std::optional<std::string>(found->second.back());
    }
    std::vector<std::string> all(const std::string &name) const
    {
        auto found = values.find(name);
        return found == values.end() ? std::vector<std::string>{} : found->second;
    }
};

[[noreturn]] void usage_error(const std::string &message, const std::string &command)
{
    std::string hint = command.empty() ? "Run `offload --help` for usage."
                                       : fmt::format("Run `offload {} --help` for usage.", command);
    throw Error(fmt::format("{}\n{}", message, hint), exit_usage);
}

bool takes_value(std::string_view arg)
{
    for (const cli::Option &option : cli::global_options()) {
        if (option.value.empty())
            continue;
        if (arg == "--" + std::string(option.name) ||
            (option.short_name && arg == std::string("-") + option.short_name))
            return true;
    }
    return false;
}

// The position of the command word in argv: the first argument that is not an option or the
// value of a global option. argc when there is none.
int find_command_word(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--")
            return argc;
        if (takes_value(arg)) {
            ++i;
            continue;
        }
        if (arg.empty() || arg[0] != '-')
            return i;
    }
    return argc;
}

void add_option(cxxopts::Options &options, const cli::Option &option, const std::string &group)
{
    std::string names =
        option.short_name ? fmt::format("{},{}", option.short_name, option.name) : std::string(option.name);
    std::shared_ptr<const cxxopts::Value> value;
    if (option.value.empty())
        value = cxxopts::value<bool>();
    else
        value = cxxopts::value<std::vector<std::string>>();
    options.add_options(group)(names, std::string(option.help), value, std::string(option.value));
}

Arguments parse(int argc, char **argv)
{
    Arguments arguments;
    const int command_at = find_command_word(argc, argv);
    arguments.command = command_at < argc ? argv[command_at] : "";
    const cli::Command *command = cli::find_command(arguments.command);
    if (!arguments.command.empty() && arguments.command != "help" && !command) {
        for (const cli::ForeignCommand &foreign : cli::foreign_commands())
            if (foreign.name == arguments.command)
                usage_error(fmt::format("\"{}\" is a command of the Rust offload that this offload does not "
                                        "have: {}",
                                        arguments.command, foreign.instead),
                            "");
        usage_error(fmt::format("unknown command \"{}\"", arguments.command), "");
    }

    // An option whose value may be left out, given without one: taken out of cxxopts' sight.
    const auto value_optional = [&](std::string_view arg) -> const cli::Option * {
        if (!command)
            return nullptr;
        for (const cli::Option &option : command->options)
            if (option.value_optional && arg == "--" + std::string(option.name))
                return &option;
        return nullptr;
    };
    std::vector<char *> args;
    for (int i = 0; i < argc; ++i) {
        if (i == command_at)
            continue;
        if (const cli::Option *option = value_optional(argv[i]);
            option &&
            (i + 1 == argc || i + 1 == command_at || std::string_view(argv[i + 1]).starts_with('-'))) {
            arguments.values[std::string(option->name)].push_back("");
            continue;
        }
        args.push_back(argv[i]);
    }

    cxxopts::Options options("offload", "");
    std::vector<const cli::Option *> known;
    for (const cli::Option &option : cli::global_options()) {
        add_option(options, option, "");
        known.push_back(&option);
    }
    if (command) {
        for (const cli::Option &option : command->options) {
            add_option(options, option, "");
            known.push_back(&option);
        }
    }
    options.add_options()("positional", "", cxxopts::value<std::vector<std::string>>());
    options.parse_positional({"positional"});

    cxxopts::ParseResult parsed;
    try {
        parsed = options.parse(int(args.size()), args.data());
    } catch (const cxxopts::exceptions::exception &e) {
        usage_error(e.what(), arguments.command);
    }
    for (const cli::Option *option : known) {
        std::string name(option->name);
        if (!parsed.count(name))
            continue;
        if (!option->unsupported.empty())
            usage_error(fmt::format("--{} is a flag of the Rust offload that this offload does not have: {}",
                                    name, option->unsupported),
                        arguments.command);
        if (option->value.empty()) {
            arguments.flags.insert(name);
            continue;
        }
        std::vector<std::string> values = parsed[name].as<std::vector<std::string>>();
        if (values.size() > 1 && !option->repeatable)
            usage_error(fmt::format("--{} was given {} times; give it once", name, values.size()),
                        arguments.command);
        if (!option->choices.empty()) {
            std::string choices = "|" + std::string(option->choices) + "|";
            for (const std::string &value : values)
                if (choices.find("|" + value + "|") == std::string::npos)
                    usage_error(fmt::format("--{} takes {}, not \"{}\"", name, option->choices, value),
                                arguments.command);
        }
        arguments.values[name].insert(arguments.values[name].end(), values.begin(), values.end());
        if (arguments.values[name].size() > 1 && !option->repeatable)
            usage_error(
                fmt::format("--{} was given {} times; give it once", name, arguments.values[name].size()),
                arguments.command);
    }
    if (parsed.count("positional"))
        arguments.positional = parsed["positional"].as<std::vector<std::string>>();
    return arguments;
}

unsigned number(const Arguments &arguments, const std::string &name, unsigned min, unsigned max)
{
    std::string text = *arguments.value(name);
    unsigned long value = 0;
    bool digits =
        !text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos;
    if (digits)
        value = std::stoul(text);
    if (!digits || value < min || value > max)
        usage_error(fmt::format("--{} takes a number from {} to {}, not \"{}\"", name, min, max, text),
                    arguments.command);
    return unsigned(value);
}

Selection selection_of(const Arguments &arguments)
{
    Selection selection;
    selection.ids = arguments.positional;
    selection.filters = arguments.all("filter");
    selection.excludes = arguments.all("exclude");
    selection.rerun_failed = arguments.flag("rerun-failed");
    if (auto partition = arguments.value("partition")) {
        std::string text = *partition;
        Partition parsed;
        if (text.rfind("hash:", 0) == 0) {
            parsed.by_hash = true;
            text = text.substr(5);
        } else if (text.rfind("count:", 0) == 0) {
            text = text.substr(6);
        }
        size_t slash = text.find('/');
        bool ok = slash != std::string::npos && slash > 0 && slash + 1 < text.size() &&
                  text.find_first_not_of("0123456789/") == std::string::npos && slash < 9 &&
                  text.size() - slash < 10;
        if (ok) {
            parsed.index = unsigned(std::stoul(text.substr(0, slash)));
            parsed.count = unsigned(std::stoul(text.substr(slash + 1)));
            ok = parsed.count >= 1 && parsed.index >= 1 && parsed.index <= parsed.count;
        }
        if (!ok)
            usage_error(
                fmt::format("--partition takes K/N with 1 <= K <= N (or count:K/N, hash:K/N), not \"{}\"",
                            *partition),
                arguments.command);
        selection.partition = parsed;
    }
    return selection;
}

void reject_positional(const Arguments &arguments)
{
    if (!arguments.positional.empty())
        usage_error(fmt::format("unexpected argument \"{}\"", arguments.positional.front()),
                    arguments.command);
}

} // namespace

int run_cli(int argc, char **argv)
{
    // offload's own children, which load untrusted plugins on behalf of a parent (probe.hpp,
    // command_plugins.cpp): not commands for users, so neither in --help nor in the man page.
    if (argc >= 2 && std::string_view(argv[1]) == "__probe")
        return probe_child_main({argv + 2, argv + argc});
    if (argc >= 2 && std::string_view(argv[1]) == "__check-plugin")
        return plugins_check_child_main({argv + 2, argv + argc});

    const Arguments arguments = parse(argc, argv);
    const std::string &command = arguments.command;

    if (arguments.flag("version")) {
        log::print(fmt::format("offload {} (plugin ABI {}.{})\n", OFFLOAD_VERSION, OFFLOAD_ABI_MAJOR,
                               OFFLOAD_ABI_MINOR));
        return 0;
    }
    if (command.empty() || command == "help") {
        log::print(cli::general_help());
        return command.empty() && !arguments.flag("help") ? exit_usage : 0;
    }
    if (arguments.flag("help")) {
        log::print(cli::command_help(*cli::find_command(command)));
        return 0;
    }

    if (arguments.flag("verbose"))
        log::set_min_level(log::Level::Debug);
    else if (arguments.flag("quiet"))
        log::set_min_level(log::Level::Warning);

    GlobalOptions global;
    global.config_file = arguments.value("config").value_or("offload.toml");
    global.plugin_paths = arguments.all("plugin-path");
    global.command_line.assign(argv, argv + argc);

    if (command == "run" && arguments.flag("collect-only")) { // the Rust offload's name for collect
        for (const char *only_for_run : {"parallel", "retries", "max-fail", "trace", "env", "message-format"})
            if (arguments.value(only_for_run))
                usage_error(
                    fmt::format("--collect-only runs no tests: --{} does not go with it", only_for_run),
                    command);
        return command_collect(global, selection_of(arguments),
                               arguments.flag("rediscover") || arguments.flag("no-cache"),
                               CollectFormat::Text);
    }
    if (command == "run") {
        RunCommandOptions run;
        run.selection = selection_of(arguments);
        run.rediscover = arguments.flag("rediscover") || arguments.flag("no-cache");
        if (arguments.value("parallel"))
            run.parallel = number(arguments, "parallel", 1, 4096);
        if (arguments.value("retries"))
            run.retries = number(arguments, "retries", 0, 100);
        if (arguments.flag("fail-fast"))
            run.max_fail = 1;
        if (arguments.value("max-fail")) {
            if (arguments.flag("fail-fast"))
                usage_error("--fail-fast and --max-fail exclude each other (--fail-fast is --max-fail 1)",
                            command);
            run.max_fail = number(arguments, "max-fail", 1, 1000000000);
        }
        run.kill_running = arguments.flag("kill-running");
        if (run.kill_running && !run.max_fail)
            usage_error("--kill-running goes with --fail-fast or --max-fail N", command);
        run.no_tests = arguments.value("no-tests").value_or("fail");
        run.json_events = arguments.value("message-format").value_or("human") == "json";
        run.trace_file = arguments.value("trace").value_or("");
        run.trace_in_output_dir = arguments.value("trace") && run.trace_file.empty();
        for (const std::string &variable : arguments.all("env")) {
            const size_t equals = variable.find('=');
            if (equals == 0 || equals == std::string::npos)
                usage_error(fmt::format("--env takes NAME=VALUE, not \"{}\"", variable), command);
            if (variable.starts_with("OFFLOAD_"))
                usage_error(fmt::format("--env {}: variables named OFFLOAD_* are offload's own", variable),
                            command);
            run.env.push_back(variable);
        }
        run.record_history = arguments.flag("record-history");
        run.color = arguments.value("color").value_or("auto");
        run.ci = arguments.flag("ci");
        return command_run(global, run);
    }
    if (command == "collect") {
        bool json = arguments.value("format").value_or("text") == "json";
        return command_collect(global, selection_of(arguments), arguments.flag("rediscover"),
                               json ? CollectFormat::Json : CollectFormat::Text);
    }
    if (command == "validate" || command == "migrate") {
        reject_positional(arguments);
        MigrateOptions migrate{arguments.value("output").value_or(""), arguments.flag("in-place")};
        if (!migrate.output.empty() && migrate.in_place)
            usage_error("-o and --in-place exclude each other: write a new file, or rewrite this one",
                        command);
        if (command == "validate" && !arguments.flag("rewrite")) {
            if (!migrate.output.empty() || migrate.in_place)
                usage_error("-o and --in-place go with --rewrite", command);
            return command_validate(global);
        }
        return command_migrate(global, migrate);
    }
    if (command == "init") {
        reject_positional(arguments);
        return command_init(global, arguments.value("provider").value_or("process"),
                            arguments.value("framework").value_or("generic"));
    }
    if (command == "plugins") {
        if (arguments.positional.empty())
            return command_plugins(global);
        if (arguments.positional.size() != 2 || arguments.positional[0] != "check")
            usage_error("plugins takes no arguments, or `check PATH`", command);
        return command_plugins_check(global, arguments.positional[1]);
    }
    if (command == "logs") {
        reject_positional(arguments);
        LogsOptions logs;
        logs.failures = arguments.flag("failures");
        logs.errors = arguments.flag("errors");
        logs.test_regex = arguments.value("test-regex").value_or("");
        logs.flaky = arguments.flag("flaky");
        logs.tests = arguments.all("test");
        logs.grep = arguments.value("grep").value_or("");
        return command_logs(global, logs);
    }
    if (command == "flaky") {
        reject_positional(arguments);
        FlakyOptions flaky;
        if (arguments.value("top"))
            flaky.top = number(arguments, "top", 0, 1000000000);
        if (arguments.value("window"))
            flaky.window = number(arguments, "window", 1, 100);
        flaky.json = arguments.value("format").value_or("text") == "json";
        return command_flaky(global, flaky);
    }
    if (command == "report") {
        reject_positional(arguments);
        return command_report(
            global, {arguments.value("input").value_or(""), arguments.value("output").value_or("")});
    }
    if (command == "history") {
        const std::vector<std::string> &words = arguments.positional;
        if (!words.empty() && words[0] == "merge" && words.size() == 4)
            return command_history_merge(words[1], words[2], words[3]);
        if (words.size() == 1 && words[0] == "show")
            return command_history_show(global);
        if (!words.empty() && words[0] == "setup-merge-driver")
            usage_error(
                "offload has no setup-merge-driver: add `.offload/history merge=offload-history` (your "
                "[history] path) to .gitattributes and run `git config merge.offload-history.driver "
                "'offload history merge %O %A %B'`",
                command);
        usage_error("history takes `merge BASE OURS THEIRS` or `show`", command);
    }
    if (command == "completions") {
        if (arguments.positional.size() != 1)
            usage_error("completions takes one shell: bash, zsh or fish", command);
        std::string script = cli::completion_script(arguments.positional[0]);
        if (script.empty())
            usage_error(fmt::format("no completions for \"{}\"; offload has them for bash, zsh and fish",
                                    arguments.positional[0]),
                        command);
        log::print(script);
        return 0;
    }
    reject_positional(arguments);
    log::print(cli::man_page());
    return 0;
}

} // namespace offload
