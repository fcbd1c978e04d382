#include "runner/discovery.hpp"

#include "process/subprocess.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace offload {

std::vector<DiscoveredTest> discover_tests(FrameworkInstance &framework, const DiscoveryPlace &place,
                                           std::chrono::milliseconds timeout)
{
    std::string command = framework.discover_command();
    log::info(fmt::format("discovering tests: {}", command));

    // Discovery output is parsed in memory; a listing beyond this is not a test list.
    constexpr size_t max_output = size_t(1) << 30;
    std::string out, err;
    bool too_large = false;
    ProcessSpec spec;
    spec.argv = {"sh", "-c", command};
    spec.working_dir = place.working_dir.string();
    spec.env = place.env;
    spec.timeout = timeout;
    spec.on_output = [&](int stream, std::string_view data) {
        std::string &target = stream == 2 ? err : out;
        if (target.size() + data.size() > max_output)
            too_large = true;
        else
            target.append(data);
    };
    Expected<ProcessExit> ran = run_subprocess(spec);
    if (!ran)
        throw Error(fmt::format("cannot run the discovery command: {}", ran.error()));
    const ProcessExit &outcome = *ran;
    if (outcome.cancelled)
        throw Error("interrupted during test discovery", exit_interrupted);
    if (outcome.timed_out)
        throw Error(fmt::format("the discovery command did not finish within {} s: {}",
                                std::chrono::duration_cast<std::chrono::seconds>(timeout).count(), command));
    if (too_large)
        throw Error(fmt::format("the discovery command printed more than {} bytes: {}", max_output, command));

    std::vector<DiscoveredTest> tests = framework.parse_discovery(out, err, outcome.exit_code);
    if (tests.empty()) {
        std::string detail = err.empty() ? "" : fmt::format("\nits stderr:\n{}", err.substr(0, 4000));
        throw Error(fmt::format("discovery found no tests (command: {}, exit code {}){}", command,
                                outcome.exit_code, detail));
    }
    log::info(fmt::format("found {} test{} in {:.2f}s", tests.size(), tests.size() == 1 ? "" : "s",
                          double(outcome.duration.count()) / 1000.0));
    return tests;
}

} // namespace offload
