// The command line: `offload [global options] COMMAND [options]`.
#pragma once

namespace offload {

// Parses the command line, runs the command, and returns the exit code. Prints errors itself.
int run_cli(int argc, char **argv);

} // namespace offload
