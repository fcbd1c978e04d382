#include "discovery/discovery.hpp"

#include "discovery/discovery_cache.hpp"
#include "offload_build.hpp"
#include "process/subprocess.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace offload {

namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

// Runs command with sh in place; stdout and stderr kept whole (up to a limit).
DiscoveryOutput run_discovery_command(const std::string &command, const DiscoveryPlace &place,
                                      std::chrono::milliseconds timeout)
{
    // Discovery output is parsed in memory; a listing beyond this is not a test list.
    constexpr size_t max_output = size_t(1) << 30;
    DiscoveryOutput output;
    bool too_large = false;
    ProcessSpec spec;
    spec.argv = {"sh", "-c", command};
    spec.working_dir = place.working_dir.string();
    spec.env = place.env;
    spec.timeout = timeout;
    spec.on_output = [&](int stream, std::string_view data) {
        std::string &target = stream == 2 ? output.stderr_text : output.stdout_text;
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
    output.exit_code = outcome.exit_code;
    output.secs = double(outcome.duration.count()) / 1000.0;
    return output;
}

std::vector<DiscoveredTest> parse_output(FrameworkInstance &framework, const std::string &command,
                                         const DiscoveryOutput &output)
{
    std::vector<DiscoveredTest> tests =
        framework.parse_discovery(output.stdout_text, output.stderr_text, output.exit_code);
    if (tests.empty()) {
        const std::string &err = output.stderr_text;
        std::string detail = err.empty() ? "" : fmt::format("\nits stderr:\n{}", err.substr(0, 4000));
        throw Error(fmt::format("discovery found no tests (command: {}, exit code {}){}", command,
                                output.exit_code, detail));
    }
    return tests;
}

// The environment discovery runs with, as it enters the key: sorted, volatile variables left out.
std::vector<std::string> environment_for_key(const DiscoveryPlace &place)
{
    std::vector<std::string> entries = child_environment(place.env);
    std::erase_if(entries, [](const std::string &e) {
        return environment_variable_is_volatile(std::string_view(e).substr(0, e.find('=')));
    });
    std::sort(entries.begin(), entries.end());
    return entries;
}

// The cheap commands a framework names: their exit code and stdout join the key. nullopt when
// one cannot run (then nothing is cached).
std::optional<std::string> command_outputs(const std::vector<DiscoveryInput> &inputs,
                                           const DiscoveryPlace &place)
{
    std::string text;
    for (const DiscoveryInput &input : inputs) {
        if (input.kind != DiscoveryInput::Kind::Command)
            continue;
        ContentHasher hasher;
        ProcessSpec spec;
        spec.argv = {"sh", "-c", input.value};
        spec.working_dir = place.working_dir.string();
        spec.env = place.env;
        spec.timeout = std::chrono::seconds(60);
        spec.on_output = [&](int stream, std::string_view data) {
            if (stream == 1)
                hasher.add(data);
        };
        Expected<ProcessExit> ran = run_subprocess(spec);
        if (!ran || ran->timed_out || ran->cancelled) {
            log::warning(fmt::format("the discovery cache is not used: its fingerprint command {} {}",
                                     input.value, !ran ? "cannot run: " + ran.error() : "did not finish"));
            return std::nullopt;
        }
        text +=
            fmt::format("output {}\nexit {} stdout {}\n", input.value, ran->exit_code, hasher.finish().hex());
    }
    return text;
}

std::string key_text(const FrameworkInstance &framework, const std::string &command,
                     const DiscoveryRequest &request, const std::vector<DiscoveryInput> &inputs,
                     const std::string &outputs)
{
    const DiscoveryPlace &place = request.place;
    std::string text = fmt::format("offload {}\nplugin {} {}\ncommand {}\ndirectory {}\n", OFFLOAD_VERSION,
                                   framework.plugin().id, framework.plugin().version, command,
                                   std::filesystem::absolute(place.working_dir).lexically_normal().string());
    // A group's filters select its list, whether or not its command shows them (a key without
    // filters is the one of a run without groups).
    if (!request.filters.empty())
        text += "filters " + request.filters + "\n";
    for (const std::string &entry : environment_for_key(place))
        text += "env " + entry + "\n";
    for (const DiscoveryInput &input : inputs)
        text += fmt::format("input {} {}\n", kind_name(input.kind), input.value);
    return text + outputs;
}

// The inputs a lookup checks: the framework's, the user's, and the programs that read the output
// (the plugin and offload itself: a new build may parse it differently).
std::optional<std::vector<DiscoveryInput>> inputs_to_check(const FrameworkInstance &framework,
                                                           const DiscoveryRequest &request)
{
    std::optional<std::vector<DiscoveryInput>> inputs = framework.discovery_inputs();
    if (!inputs)
        return std::nullopt;
    for (const std::string &glob : request.extra_inputs)
        inputs->push_back({DiscoveryInput::Kind::Glob, glob});
    inputs->push_back(
        {DiscoveryInput::Kind::File, std::filesystem::absolute(framework.plugin().path).string()});
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error)
        inputs->push_back({DiscoveryInput::Kind::File, self.string()});
    return inputs;
}

std::vector<FileFingerprint> fingerprints(const std::filesystem::path &base,
                                          const std::vector<std::string> &paths)
{
    std::vector<FileFingerprint> prints;
    prints.reserve(paths.size());
    for (const std::string &path : paths)
        prints.push_back(fingerprint_file(base, path, true));
    return prints;
}

Discovery from_entry(FrameworkInstance &framework, const std::string &command, const CacheEntry &entry)
{
    Discovery found;
    found.tests = parse_output(framework, command, entry.output);
    found.from_cache = true;
    return found;
}

} // namespace

// What discovery runs with the cache: the lookup's findings, for storing what discovery finds.
struct PendingDiscovery::CachePlan {
    DiscoveryCache cache;
    std::string key;
    std::vector<DiscoveryInput> inputs;
    std::vector<FileFingerprint> files; // of inputs, taken before discovery ran
};

DiscoveryLookup look_up_tests(FrameworkInstance &framework, const DiscoveryRequest &request)
{
    const std::string command = framework.discover_command(request.filters);
    const DiscoveryPlace &place = request.place;
    const std::filesystem::path base = std::filesystem::absolute(place.working_dir);
    DiscoveryLookup lookup;
    lookup.pending.emplace(framework, request, command);
    PendingDiscovery &pending = *lookup.pending;
    if (request.cache_dir.empty())
        return lookup;

    const auto started = std::chrono::steady_clock::now();
    std::optional<std::vector<DiscoveryInput>> inputs = inputs_to_check(framework, request);
    std::optional<std::string> outputs = inputs ? command_outputs(*inputs, place) : std::nullopt;
    std::optional<std::vector<std::string>> paths =
        outputs ? input_files(base, *inputs, DiscoveryCache::max_files) : std::nullopt;
    if (!inputs)
        log::debug(fmt::format("the {} framework names no discovery inputs: discovery runs every time",
                               framework.plugin().id));
    else if (outputs && !paths)
        log::info(fmt::format("the discovery cache is not used: its inputs match more than {} files",
                              DiscoveryCache::max_files));
    if (!paths)
        return lookup;
    pending.m_plan.reset(
        new PendingDiscovery::CachePlan{DiscoveryCache(request.cache_dir),
                                        key_text(framework, command, request, *inputs, *outputs),
                                        *inputs,
                                        {}});
    PendingDiscovery::CachePlan &plan = *pending.m_plan;
    Expected<CacheEntry> entry = plan.cache.load(plan.key);
    std::optional<std::string> miss;
    if (!entry) {
        miss = entry.error();
    } else if (request.rediscover) {
        miss = "--rediscover";
    } else {
        std::vector<DiscoveryInput> all = *inputs;
        all.insert(all.end(), entry->later_inputs.begin(), entry->later_inputs.end());
        std::optional<std::vector<std::string>> now =
            entry->later_inputs.empty() ? paths : input_files(base, all, DiscoveryCache::max_files);
        FileCheck check = now ? check_files(base, *entry, *now) : FileCheck{"too many files", {}, false};
        std::optional<Discovery> found;
        if (!check.difference) {
            // A list the framework cannot read now (it should not happen: its version is in the
            // key) is discovered again.
            try {
                found = from_entry(framework, command, *entry);
            } catch (const Error &error) {
                check.difference = fmt::format("the framework cannot read the list kept ({})",
                                               std::string(error.what()).substr(0, 200));
            }
        }
        if (check.difference) {
            miss = *check.difference;
        } else {
            log::info(fmt::format("found {} test{} in the discovery cache ({} files checked in {:.0f} ms; "
                                  "discovery took {:.2f}s when it ran)",
                                  found->tests.size(), found->tests.size() == 1 ? "" : "s", now->size(),
                                  elapsed_ms(started), entry->output.secs));
            if (check.reread) {
                // Files read again (touched, or too recent to trust their times): their new times
                // go in, so that the next lookup need not read them.
                entry->files = std::move(check.current);
                if (Expected<void> stored = plan.cache.store(*entry); !stored)
                    log::debug("the discovery cache entry was not refreshed: " + stored.error());
            }
            lookup.found = std::move(*found);
            lookup.pending.reset();
            return lookup;
        }
    }
    log::info(fmt::format("the discovery cache has no list for this: {}", *miss));
    plan.files = fingerprints(base, *paths);
    return lookup;
}

PendingDiscovery::PendingDiscovery(FrameworkInstance &framework, const DiscoveryRequest &request,
                                   std::string command)
    : m_framework(framework), m_place(request.place), m_timeout(request.timeout),
      m_command(std::move(command))
{
}

PendingDiscovery::~PendingDiscovery() = default;
PendingDiscovery::PendingDiscovery(PendingDiscovery &&) noexcept = default;

Discovery PendingDiscovery::run()
{
    // A framework's command may be a whole script (gtest's, doctest's): then its first line, and
    // all of it with -v.
    const size_t first_line_end = m_command.find('\n');
    const auto lines = std::count(m_command.begin(), m_command.end(), '\n');
    if (first_line_end == std::string::npos || (lines <= 3 && m_command.size() <= 400)) {
        log::info(fmt::format("discovering tests: {}", m_command));
    } else {
        log::info(fmt::format("discovering tests: {} [... {} more lines; -v shows them]",
                              m_command.substr(0, first_line_end), lines));
        log::debug(fmt::format("the discovery command in full:\n{}", m_command));
    }
    return finish(run_discovery_command(m_command, m_place, m_timeout));
}

Discovery PendingDiscovery::finish(const DiscoveryOutput &output)
{
    Discovery found;
    found.tests = parse_output(m_framework, m_command, output);
    log::info(fmt::format("found {} test{} in {:.2f}s", found.tests.size(),
                          found.tests.size() == 1 ? "" : "s", output.secs));
    if (m_plan)
        store(output);
    return found;
}

void PendingDiscovery::store(const DiscoveryOutput &output)
{
    const std::filesystem::path base = std::filesystem::absolute(m_place.working_dir);
    CachePlan &plan = *m_plan;
    // Asked again: discovery may have named more (the binaries it built).
    std::optional<std::vector<DiscoveryInput>> after = m_framework.discovery_inputs();
    if (!after)
        return;
    CacheEntry entry;
    entry.key_text = plan.key;
    for (DiscoveryInput &input : *after)
        if (std::find(plan.inputs.begin(), plan.inputs.end(), input) == plan.inputs.end())
            entry.later_inputs.push_back(std::move(input));
    entry.files = plan.files;
    if (!entry.later_inputs.empty()) {
        std::vector<DiscoveryInput> later = entry.later_inputs;
        for (const DiscoveryInput &input : plan.inputs)
            if (input.kind == DiscoveryInput::Kind::SkipDirectory)
                later.push_back(input);
        std::optional<std::vector<std::string>> paths = input_files(base, later, DiscoveryCache::max_files);
        if (!paths)
            return;
        for (FileFingerprint &print : fingerprints(base, *paths))
            if (std::none_of(entry.files.begin(), entry.files.end(),
                             [&](const FileFingerprint &f) { return f.path == print.path; }))
                entry.files.push_back(std::move(print));
        std::sort(entry.files.begin(), entry.files.end(),
                  [](const FileFingerprint &a, const FileFingerprint &b) { return a.path < b.path; });
    }
    entry.output = output;
    if (Expected<void> stored = plan.cache.store(entry); !stored)
        log::warning("the discovery cache was not written: " + stored.error());
}

Discovery discover_tests(FrameworkInstance &framework, const DiscoveryRequest &request)
{
    DiscoveryLookup lookup = look_up_tests(framework, request);
    if (lookup.found)
        return std::move(*lookup.found);
    return lookup.pending->run();
}

} // namespace offload
