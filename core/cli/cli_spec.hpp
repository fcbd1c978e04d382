// The command line, as data: every command and option once, with its help. The parser, --help,
// the man page and the shell completions are all generated from it, so they cannot disagree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace offload::cli {

struct Option {
    std::string_view name;         // long name, without the dashes
    char short_name = 0;           // 0: none
    std::string_view value;        // placeholder of its value ("N", "FILE"); empty: a flag
    std::string_view help;         // one line
    std::string_view choices = {}; // "a|b|c": the only values accepted (and completed)
    bool repeatable = false;       // may be given several times
    // Accepted but left out of --help, the man page and the completions: a name the Rust offload's
    // users type, documented in the README ("Coming from the Rust offload").
    bool hidden = false;
    // Non-empty: a flag of the Rust offload that has no equivalent here. Giving it is a usage error
    // that says this text (what to do instead). Always hidden.
    std::string_view unsupported = {};
    // An option that takes a value may also be given without one (`--trace` alone, before another
    // option or at the end): its value is then "". Shown as "[VALUE]".
    bool value_optional = false;
};

struct Command {
    std::string_view name;
    std::string_view summary;     // one line, for the list of commands
    std::string_view positional;  // usage of positional arguments ("[ID...]"), empty: none
    std::string_view description; // paragraphs for `offload COMMAND --help` and the man page
    std::vector<Option> options;
};

// A command of the Rust offload that offload does not have, with what to do instead.
struct ForeignCommand {
    std::string_view name;
    std::string_view instead;
};
const std::vector<ForeignCommand> &foreign_commands();

const std::vector<Option> &global_options();
const std::vector<Command> &commands();
const Command *find_command(std::string_view name);

// `offload --help`.
std::string general_help();
// `offload COMMAND --help`.
std::string command_help(const Command &command);
// offload(1) in roff.
std::string man_page();
// A completion script for "bash", "zsh" or "fish"; empty for any other shell.
std::string completion_script(std::string_view shell);

} // namespace offload::cli
