#include "plugin_host/probe.hpp"

#include "util/error.hpp"
#include "util/log.hpp"
#include "util/split.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fcntl.h>
#include <unistd.h>

namespace offload {

namespace fs = std::filesystem;

namespace {

// The child's report: one line per file, fields separated by tabs, each field escaped so that it
// holds no tab or newline:
//   plugin <index> <id> <framework 0|1> <provider 0|1> <abi major> <abi minor> <version> <description>
//   refused <index> <reason>
// and "done" once every file was answered and the plugins were deinitialized.
constexpr size_t max_report_bytes = 4 << 20;
constexpr size_t max_stderr_bytes = 64 << 10;

std::string escape_field(std::string_view text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
        }
    }
    return out;
}

std::string unescape_field(std::string_view text)
{
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out += text[i];
            continue;
        }
        const char c = text[++i];
        out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
    }
    return out;
}

std::optional<uint32_t> number(std::string_view text)
{
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    return uint32_t(std::stoul(std::string(text)));
}

std::string answer_line(size_t index, const std::variant<Plugin, RefusedPlugin> &loaded)
{
    if (const auto *refused = std::get_if<RefusedPlugin>(&loaded))
        return fmt::format("refused\t{}\t{}\n", index, escape_field(refused->reason));
    const Plugin &plugin = std::get<Plugin>(loaded);
    return fmt::format("plugin\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", index, escape_field(plugin.id),
                       plugin.framework ? 1 : 0, plugin.provider ? 1 : 0, plugin.abi_major, plugin.abi_minor,
                       escape_field(plugin.version), escape_field(plugin.description));
}

// What one child said: an answer per file it got to, in order, and whether it said "done".
struct Report {
    std::vector<ProbeAnswer> answers;
    bool done = false;
    bool garbled = false; // a line that is not the protocol, or answers out of order
};

Report read_report(std::string_view text, const std::vector<fs::path> &files, const std::string &origin)
{
    Report report;
    for (std::string_view line : split(text, '\n')) {
        if (line.empty())
            continue;
        if (report.done) {
            report.garbled = true;
            break;
        }
        if (line == "done") {
            report.done = report.answers.size() == files.size();
            report.garbled = !report.done;
            continue;
        }
        const std::vector<std::string_view> fields = split(line, '\t');
        const std::optional<uint32_t> index = fields.size() >= 2 ? number(fields[1]) : std::nullopt;
        if (!index || *index != report.answers.size() || *index >= files.size()) {
            report.garbled = true;
            break;
        }
        const fs::path &path = files[*index];
        if (fields[0] == "refused" && fields.size() == 3) {
            report.answers.push_back(RefusedPlugin{path, origin, unescape_field(fields[2])});
        } else if (fields[0] == "plugin" && fields.size() == 9) {
            ProbedPlugin plugin;
            plugin.path = path;
            plugin.origin = origin;
            plugin.id = unescape_field(fields[2]);
            plugin.framework = fields[3] == "1";
            plugin.provider = fields[4] == "1";
            plugin.abi_major = number(fields[5]).value_or(0);
            plugin.abi_minor = number(fields[6]).value_or(0);
            plugin.version = unescape_field(fields[7]);
            plugin.description = unescape_field(fields[8]);
            report.answers.push_back(std::move(plugin));
        } else {
            report.garbled = true;
            break;
        }
    }
    return report;
}

struct ChildOutcome {
    Report report;
    std::optional<ProcessExit> exit; // nullopt: the child could not be started
    std::string start_error;         // why, then
    std::string errors;              // its stderr (what the plugins printed), bounded

    bool clean() const
    {
        return exit && exit->exit_code == 0 && !exit->timed_out && report.done && !report.garbled;
    }
};

ChildOutcome run_probe_child(const std::vector<fs::path> &files, const std::string &origin,
                             const ProbeOptions &options)
{
    ProcessSpec spec;
    spec.argv = {options.executable.string(), "__probe", options.project_dir.string()};
    for (const fs::path &file : files)
        spec.argv.push_back(file.string());
    spec.timeout = options.timeout;
    spec.kill_grace = std::chrono::milliseconds(500);
    std::string out;
    ChildOutcome outcome;
    spec.on_output = [&](int stream, std::string_view data) {
        std::string &into = stream == 1 ? out : outcome.errors;
        const size_t limit = stream == 1 ? max_report_bytes : max_stderr_bytes;
        if (into.size() < limit)
            into.append(data.substr(0, limit - into.size()));
    };
    Expected<ProcessExit> exit = run_subprocess(spec);
    if (!exit) {
        outcome.start_error = exit.error();
        return outcome;
    }
    if (exit->cancelled)
        throw Error("interrupted while offload looked at the plugins", exit_interrupted);
    outcome.exit = *exit;
    outcome.report = read_report(out, files, origin);
    return outcome;
}

} // namespace

std::string ProbedPlugin::kinds() const
{
    if (framework && provider)
        return "framework, provider";
    return framework ? "framework" : "provider";
}

std::string child_death_reason(const ProcessExit &exit, std::chrono::milliseconds timeout,
                               std::string_view activity)
{
    if (exit.timed_out)
        return fmt::format("did not finish {} within {} s (does its init() hang?)",
                           activity.substr(activity.find(' ') + 1), timeout.count() / 1000);
    if (exit.term_signal != 0)
        return fmt::format("crashed {} (signal {})", activity, exit.term_signal);
    return fmt::format("exited with status {} {}, before offload was done with it (does its init() or a "
                       "constructor call exit()?)",
                       exit.exit_code, activity);
}

std::vector<ProbeAnswer> probe_plugins(const std::vector<fs::path> &files, const std::string &origin,
                                       const ProbeOptions &options)
{
    if (files.empty())
        return {};
    const auto started = std::chrono::steady_clock::now();
    ChildOutcome all = run_probe_child(files, origin, options);
    if (!all.exit) {
        std::vector<ProbeAnswer> refusals;
        for (const fs::path &file : files)
            refusals.push_back(RefusedPlugin{file, origin, "could not be examined: " + all.start_error});
        return refusals;
    }
    if (!all.errors.empty())
        log::debug(fmt::format("what the plugins in {} printed while being probed:\n{}", origin, all.errors));
    if (all.clean()) {
        log::debug(fmt::format(
            "probed {} plugin file{} ({}) in {} ms", files.size(), files.size() == 1 ? "" : "s", origin,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                .count()));
        return std::move(all.report.answers);
    }
    if (files.size() == 1) {
        const bool answered = !all.report.answers.empty();
        return {RefusedPlugin{files[0], origin,
                              child_death_reason(*all.exit, options.timeout,
                                                 answered ? "while being unloaded" : "while being loaded")}};
    }
    // One of them broke the child: each again alone, so that only the culprit is refused.
    log::debug(fmt::format("a plugin in {} broke its probe ({}); probing each file alone", origin,
                           child_death_reason(*all.exit, options.timeout, "while being loaded")));
    std::vector<ProbeAnswer> answers;
    for (const fs::path &file : files) {
        std::vector<ProbeAnswer> alone = probe_plugins({file}, origin, options);
        answers.push_back(std::move(alone.front()));
    }
    return answers;
}

int take_private_stdout()
{
    const int report = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (report < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        return -1;
    return report;
}

bool write_all(int fd, std::string_view text)
{
    while (!text.empty()) {
        const ssize_t written = ::write(fd, text.data(), text.size());
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return false;
        text.remove_prefix(size_t(written));
    }
    return true;
}

int probe_child_main(const std::vector<std::string> &args)
{
    if (args.empty()) {
        log::error("__probe is offload's own: offload __probe PROJECT_DIR FILE...");
        return exit_usage;
    }
    const int report = take_private_stdout();
    if (report < 0) {
        log::error(std::string("__probe: cannot set up its report: ") + std::strerror(errno));
        return exit_failed;
    }
    const HostEnvironment environment{args[0]};
    for (size_t i = 1; i < args.size(); ++i) {
        // Each answer is written before the next file is loaded: if that one crashes, the parent
        // knows how far the child got.
        if (!write_all(report, answer_line(i - 1, load_plugin(args[i], "probe", environment))))
            return exit_failed;
    }
    deinit_plugins();
    return write_all(report, "done\n") ? exit_passed : exit_failed;
}

} // namespace offload
