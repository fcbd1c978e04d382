#include "cli/cli.hpp"

#include "cli/commands.hpp"
#include "offload_build.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <cxxopts.hpp>
#include <offload/abi.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string_view>

namespace offload {

namespace {

struct CommandInfo {
    const char *name;
    const char *summary;
};

constexpr CommandInfo commands[] = {
    {"run", "Discover the tests, run them in parallel on the provider's sandboxes, write the report"},
    {"collect", "Discover the tests and print their ids, one per line (--format json for machines)"},
    {"validate", "Check offload.toml and the plugins it names; print the resolved settings"},
    {"init", "Write a commented, working offload.toml for a provider and a framework"},
    {"plugins", "List the plugins offload finds along its search path, and those it refuses and why"},
};

std::string general_help()
{
    std::string text = fmt::format(
        "offload {} - a parallel test runner with pluggable execution providers\n\n"
        "Usage: offload [-c FILE] [--plugin-path DIR]... COMMAND [OPTIONS]\n\nCommands:\n",
        OFFLOAD_VERSION);
    for (const CommandInfo &command : commands)
        text += fmt::format("  {:<10} {}\n", command.name, command.summary);
    text += "\nOptions for every command:\n"
            "  -c, --config FILE      the configuration file (default: offload.toml)\n"
            "      --plugin-path DIR  search DIR for plugins first (repeatable)\n"
            "  -v, --verbose          also print debug messages (each batch's command)\n"
            "  -q, --quiet            print only warnings, errors, failures and the summary\n"
            "  -h, --help             help for offload, or for a command: offload run --help\n"
            "      --version          print the version\n\n"
            "Exit codes: 0 all tests passed; 1 failures, tests not run, or an error; 2 all passed but some\n"
            "only on retry (flaky); 64 bad command line; 130 interrupted.\n"
            "Documentation: README.md in the offload source tree.\n";
    return text;
}

void add_global_options(cxxopts::Options &options)
{
    options.add_options("Global")
        ("c,config", "the configuration file", cxxopts::value<std::string>()->default_value("offload.toml"), "FILE")
        ("plugin-path", "search DIR for plugins first (repeatable)", cxxopts::value<std::vector<std::string>>(), "DIR")
        ("v,verbose", "also print debug messages (each batch's command)")
        ("q,quiet", "print only warnings, errors, failures and the summary")
        ("h,help", "print help")
        ("version", "print the version");
}

bool takes_value(std::string_view arg)
{
    return arg == "-c" || arg == "--config" || arg == "--plugin-path";
}

// The position of the command word in argv: the first argument that is not an option or the
// value of a global option. argc when there is none.
int find_command(int argc, char **argv)
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

[[noreturn]] void usage_error(const std::string &message, const std::string &help_hint)
{
    throw Error(fmt::format("{}\n{}", message, help_hint), exit_usage);
}

} // namespace

int run_cli(int argc, char **argv)
{
    const int command_at = find_command(argc, argv);
    const std::string command = command_at < argc ? argv[command_at] : "";

    // argv without the command word, for cxxopts.
    std::vector<char *> args;
    for (int i = 0; i < argc; ++i)
        if (i != command_at)
            args.push_back(argv[i]);

    const std::string program = command.empty() ? "offload" : "offload " + command;
    cxxopts::Options options(program, "");
    add_global_options(options);
    std::string positional_help = "[OPTIONS]";
    if (command == "run") {
        options.add_options("run")
            ("parallel", "sandboxes at once; overrides [offload] max_parallel", cxxopts::value<unsigned>(), "N")
            ("retries", "extra attempts for a failed test; overrides [offload] retry_count",
             cxxopts::value<unsigned>(), "N");
    } else if (command == "collect") {
        options.add_options("collect")
            ("format", "text (one id per line) or json", cxxopts::value<std::string>()->default_value("text"), "FORMAT");
    } else if (command == "init") {
        options.add_options("init")
            ("provider", "the provider plugin to configure", cxxopts::value<std::string>()->default_value("process"), "P")
            ("framework", "the framework plugin to configure", cxxopts::value<std::string>()->default_value("generic"), "F");
    } else if (command != "validate" && command != "plugins" && command != "help" && !command.empty()) {
        usage_error(fmt::format("unknown command \"{}\"", command), "Run `offload --help` for the commands.");
    }
    const std::string help_hint =
        command.empty() ? "Run `offload --help` for usage." : fmt::format("Run `offload {} --help` for usage.", command);

    cxxopts::ParseResult parsed;
    try {
        parsed = options.parse(int(args.size()), args.data());
    } catch (const cxxopts::exceptions::exception &e) {
        usage_error(e.what(), help_hint);
    }
    if (!parsed.unmatched().empty())
        usage_error(fmt::format("unexpected argument \"{}\"", parsed.unmatched().front()), help_hint);

    if (parsed.count("version")) {
        log::print(fmt::format("offload {} (plugin ABI {}.{})\n", OFFLOAD_VERSION, OFFLOAD_ABI_MAJOR,
                               OFFLOAD_ABI_MINOR));
        return 0;
    }
    if (command.empty() || command == "help" || parsed.count("help")) {
        if (command.empty() || command == "help") {
            log::print(general_help());
        } else {
            const CommandInfo *info = std::find_if(std::begin(commands), std::end(commands),
                                                   [&](const CommandInfo &c) { return command == c.name; });
            options.custom_help(positional_help);
            log::print(fmt::format("{}\n\n{}", info->summary, options.help({"", command, "Global"})));
        }
        return command.empty() && !parsed.count("help") ? exit_usage : 0;
    }

    if (parsed.count("verbose"))
        log::set_min_level(log::Level::Debug);
    else if (parsed.count("quiet"))
        log::set_min_level(log::Level::Warning);

    GlobalOptions global;
    global.config_file = parsed["config"].as<std::string>();
    if (parsed.count("plugin-path"))
        global.plugin_paths = parsed["plugin-path"].as<std::vector<std::string>>();

    if (command == "run") {
        RunCommandOptions run;
        if (parsed.count("parallel")) {
            run.parallel = parsed["parallel"].as<unsigned>();
            if (*run.parallel == 0 || *run.parallel > 4096)
                usage_error("--parallel takes a number from 1 to 4096", help_hint);
        }
        if (parsed.count("retries")) {
            run.retries = parsed["retries"].as<unsigned>();
            if (*run.retries > 100)
                usage_error("--retries takes a number from 0 to 100", help_hint);
        }
        return command_run(global, run);
    }
    if (command == "collect") {
        std::string format = parsed["format"].as<std::string>();
        if (format != "text" && format != "json")
            usage_error(fmt::format("--format takes text or json, not \"{}\"", format), help_hint);
        return command_collect(global, format == "json" ? CollectFormat::Json : CollectFormat::Text);
    }
    if (command == "validate")
        return command_validate(global);
    if (command == "init")
        return command_init(global, parsed["provider"].as<std::string>(), parsed["framework"].as<std::string>());
    return command_plugins(global);
}

} // namespace offload
