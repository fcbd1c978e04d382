// How the script bridge runs one protocol verb: as `SCRIPT VERB ARGS...` (a provider script) or
// as an inline command line from offload.toml with its placeholders filled in. Either way the
// call runs locally through the host's run_process: its own process group, a timeout, and
// cancellation on Ctrl-C. A call with a cancellation handle (the exec verb of
// offload.provider.exec/2) runs through offload.host.process/2 instead, with that handle and an
// input for its stdin.
#pragma once

#include <offload/host.h>
#include <offload/host_process.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

// One verb to run. Arguments are data: the runner passes them as argv entries or shell-quoted.
struct VerbCall {
    std::string verb;              // "create", "exec", ...
    std::vector<std::string> args; // as the protocol orders them
    std::vector<std::string> env;  // extra "NAME=value" for this call
    uint64_t timeout_ms = 0;
    const offload_output_sink *stream = nullptr; // exec: the test's output; else NULL (captured)
    // offload.host.process/2 only (borrowed for the call): with a handle the call runs through
    // process/2 and stops when the handle's level rises; without, through host->run_process,
    // which finds the cancellation through the calling thread.
    const offload_cancel *cancel = nullptr;
    const offload_input *input = nullptr; // the call's stdin (needs cancel); NULL: /dev/null
    bool cleanup = false;                 // OFFLOAD_PROCESS_CLEANUP: runs after the handle's stop
};

struct VerbOutcome {
    offload_status status = OFFLOAD_ERROR; // OK: it ran (see exit_code); CANCELLED; ERROR: could not start
    int exit_code = -1;
    bool timed_out = false;
    uint64_t duration_ms = 0;
    std::string out;         // stdout, when not streamed (bounded)
    std::string err_tail;    // the last part of stderr, when not streamed
    std::string start_error; // for ERROR
};

class VerbRunner {
  public:
    virtual ~VerbRunner() = default;
    // Thread: any; concurrent calls are fine.
    virtual VerbOutcome run(const VerbCall &call) const = 0;
    // Bytes of the longest argument the call would start a program with (Linux refuses one over
    // 128 KiB): the COMMAND of a script's exec, or the whole command line of an inline one.
    virtual size_t longest_argument(const VerbCall &call) const = 0;
    // "script /path/to/offload-provider-ssh" or "inline commands of [provider]", for messages.
    virtual std::string origin() const = 0;
};

// The environment every call gets: the protocol version, the project, the provider's keys.
struct CallEnvironment {
    std::vector<std::string> base; // "NAME=value"
};

// The host's offload.host.process/2, or NULL on a host older than SDK 1.2.
const offload_host_process_v2 *host_process_v2(const offload_host *host);

std::unique_ptr<VerbRunner> make_script_runner(const offload_host *host, std::string script,
                                               std::shared_ptr<const CallEnvironment> env,
                                               uint64_t kill_grace_ms);

// commands: verb -> command template ("create" -> create_command...), with the placeholders of
// placeholders.hpp; fixed: placeholder -> its text in every command ("{cpu_cores}" -> "1").
// {image_id} is OFFLOAD_PREPARED of the call's environment, shell-quoted.
std::unique_ptr<VerbRunner> make_inline_runner(const offload_host *host,
                                               std::map<std::string, std::string> commands,
                                               std::map<std::string, std::string> fixed,
                                               std::shared_ptr<const CallEnvironment> env,
                                               uint64_t kill_grace_ms);
