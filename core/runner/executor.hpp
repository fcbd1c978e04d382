// What the runner needs from the outside world, as two small interfaces it can be tested
// against with fakes (as ninja fakes its disk): an Executor hands out sandboxes that run commands
// (a provider plugin, in offload), and TestCommands builds the commands of a suite's tests and
// reads what batches produced (a framework plugin). The plugin host implements both; SDK types
// and statuses stop at that edge.
#pragma once

#include "results/test_result.hpp"
#include "util/expected.hpp"

#include <offload/input.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

class CancelToken;

// One command for a sandbox. Everything is borrowed for the call.
struct ExecRequest {
    std::string command;                  // one shell command line, run in the sandbox's work dir
    std::vector<std::string> env;         // "NAME=value" entries to add
    std::chrono::milliseconds timeout{0}; // the command's own limit; 0: none
    const offload_input *input = nullptr; // its stdin while it runs (only where feeds_input())
    const CancelToken *cancel = nullptr;  // stops it; never null
    // The command's output as it arrives (stream 1: stdout, 2: stderr), on the calling thread.
    std::function<void(int stream, std::string_view data)> on_output;
};

struct ExecResult {
    enum class Status {
        Ran,         // the command ran to its end (see exit_code)
        Cancelled,   // the cancel token stopped it
        InfraFailed, // the sandbox failed: not the tests' fault
        Failed,      // it could not be run at all (see error)
    };
    Status status = Status::Failed;
    int exit_code = -1;     // or 128 + signal
    bool timed_out = false; // the command's own limit killed it
    std::chrono::milliseconds duration{0};
    std::string error; // any status but Ran: why
    // Processes the command left running when it exited, which offload then ended: "PID (command
    // line)" each. A test that starts a server must stop it before its command ends.
    std::vector<std::string> leaked;
};

// A place where one command runs at a time. Calls on one sandbox never overlap (one worker
// thread owns it); different sandboxes are used from different threads at once.
class Sandbox {
  public:
    virtual ~Sandbox() = default;
    virtual unsigned index() const = 0;
    // The directory commands run in, as a path inside the sandbox.
    virtual const std::string &work_dir() const = 0;
    virtual ExecResult exec(const ExecRequest &request) = 0;
    // Copies a file out of the sandbox: true when copied, false when it does not exist there.
    virtual Expected<bool> download(const std::string &sandbox_path,
                                    const std::filesystem::path &local_path) = 0;
    // Stops what still runs in it and releases it. Idempotent; the destructor destroys too.
    virtual Expected<void> destroy() = 0;
};

// Hands out sandboxes. create_sandbox() is called from worker threads, concurrently.
class Executor {
  public:
    virtual ~Executor() = default;
    virtual std::string name() const = 0; // for messages: "process", "ssh"
    // Commands read ExecRequest::input while they run (test workers can pull their tests).
    virtual bool feeds_input() const = 0;
    // Sandboxes are local processes: a duplicate run costs only CPU (tail hedging by default).
    virtual bool cheap_duplicates() const = 0;

    // A new sandbox, or why none could be made (a creation that the run's interruption cut short
    // fails too: the caller sees Interrupt::level()).
    virtual Expected<std::unique_ptr<Sandbox>> create_sandbox(unsigned index) = 0;
};

// How a framework's commands report their tests.
enum class TestCommandStyle {
    Batch,            // a batch command; results read when it ends
    BatchWithRecords, // a batch command that reports each test with test-protocol records
    Worker,           // a worker: tests on stdin, each reported with records
};

// Builds the commands of a suite's tests and reads batches' results. Called from worker threads,
// concurrently: implementations must not change after discovery.
class TestCommands {
  public:
    virtual ~TestCommands() = default;
    virtual std::string name() const = 0; // for messages: "pytest"
    virtual TestCommandStyle style() const = 0;
    // The most tests one batch may hold; 0: no limit.
    virtual size_t max_batch_size() const = 0;
    // A batch running exactly these tests, writing JUnit at result_file (a path in the sandbox) if
    // the framework uses one.
    virtual Expected<std::string> batch_command(const std::vector<std::string> &test_ids,
                                                const std::string &result_file) const = 0;
    // A worker that asks for each test with a `next` record and needs none sent ahead.
    virtual bool worker_pulls() const { return false; }
    // A worker started with OFFLOAD_WORKER_LIST=1 lists the tests it collected (`list` and `listed`
    // records) before it asks for its first test.
    virtual bool worker_lists() const { return false; }
    // A worker (style() == Worker). known_tests: the only tests it will get, when known up front.
    virtual Expected<std::string> worker_command(const std::vector<std::string> *known_tests,
                                                 unsigned sandbox_index) const = 0;
    // What a batch produced, test by test (never called for workers). Results for tests outside
    // the batch are dropped; two results for one test keep the worse.
    virtual Expected<std::vector<ReportedResult>> parse_results(const BatchRunFacts &facts) const = 0;
};

} // namespace offload
