// offload flaky: the flakiest tests of the run history, with their rates.
#include "cli/commands.hpp"

#include "flaky/flake_rate.hpp"
#include "flaky/quarantine.hpp"
#include "history/history.hpp"
#include "util/error.hpp"
#include "util/json.hpp"
#include "util/log.hpp"
#include "util/terminal_text.hpp"

#include <fmt/format.h>

namespace offload {

namespace {

constexpr size_t shown_outcomes = 20;

// The last outcomes, oldest first, passes as dots so that flakes stand out: "..f...F.f".
std::string recent_outcomes(const std::string &marks, size_t window)
{
    std::string out = marks.substr(marks.size() - std::min({marks.size(), window, shown_outcomes}));
    for (char &mark : out)
        if (mark == char(History::Mark::Passed))
            mark = '.';
    return out;
}

std::string percent(double rate)
{
    return fmt::format("{:.1f}%", rate * 100);
}

std::string text_listing(const std::vector<FlakyTest> &tests, const History &history,
                         const Settings &settings, size_t window)
{
    std::string out =
        fmt::format("Flakiest tests of {} ({} run{} recorded; rates over each test's last {} runs)\n",
                    settings.history_file.string(), history.runs(), history.runs() == 1 ? "" : "s", window);
    out += fmt::format("  {:>6}  {:>6}  {:>6}  {:>5}  {:<20}  {:<20}  {:<20}  {}\n", "flaky", "fails",
                       "flakes", "runs", "first flake", "last flake", "recent", "test");
    for (const FlakyTest &test : tests) {
        std::string line = fmt::format("  {:>6}  {:>6}  {:>6}  {:>5}  {:<20}  {:<20}  {:<20}  {}",
                                       percent(test.recent.flake_rate()), percent(test.recent.failure_rate()),
                                       test.recent.flaky, test.recent.runs,
                                       test.all->first_flake.empty() ? "-" : test.all->first_flake,
                                       test.all->last_flake.empty() ? "-" : test.all->last_flake,
                                       recent_outcomes(test.all->recent, window), terminal_safe(test.id));
        const std::string quarantined = quarantine_reason(settings.quarantine, test.id, test.all);
        if (!quarantined.empty())
            line += fmt::format("  [quarantined: {}]", quarantined);
        out += line + "\n";
    }
    return out;
}

std::string json_listing(const std::vector<FlakyTest> &tests, const Settings &settings, size_t window)
{
    std::string out = "[\n";
    for (size_t i = 0; i < tests.size(); ++i) {
        const FlakyTest &test = tests[i];
        out += "  {\"id\": ";
        append_json_string(out, test.id);
        out += fmt::format(
            ", \"window_runs\": {}, \"flakes\": {}, \"failures\": {}, \"flake_rate\": {:.4f}, "
            "\"failure_rate\": {:.4f}, \"all_runs\": {}, \"all_flakes\": {}, \"all_failures\": {}",
            test.recent.runs, test.recent.flaky, test.recent.failures, test.recent.flake_rate(),
            test.recent.failure_rate(), test.all->runs, test.all->flaky, test.all->failures);
        out += ", \"first_flake\": ";
        append_json_string(out, test.all->first_flake);
        out += ", \"last_flake\": ";
        append_json_string(out, test.all->last_flake);
        out += ", \"recent\": ";
        append_json_string(out, test.all->recent.substr(test.all->recent.size() -
                                                        std::min(window, test.all->recent.size())));
        out += ", \"quarantined\": ";
        append_json_string(out, quarantine_reason(settings.quarantine, test.id, test.all));
        out += i + 1 < tests.size() ? "},\n" : "}\n";
    }
    return out + "]\n";
}

} // namespace

int command_flaky(const GlobalOptions &global, const FlakyOptions &options)
{
    Session session(global);
    const Settings &settings = session.settings();
    if (!settings.history)
        throw Error(
            "[history] enabled = false: offload keeps no history to measure flakiness with; turn it on "
            "and let runs with retries ([offload] retry_count) record it");
    Expected<History> history = History::load(settings.history_file);
    if (!history)
        throw Error(history.error());
    const size_t window = options.window.value_or(settings.quarantine.window_runs);
    const std::vector<FlakyTest> tests = flakiest_tests(*history, window, options.top);
    if (options.json) {
        log::print(json_listing(tests, settings, window));
        return 0;
    }
    if (tests.empty()) {
        log::print(fmt::format("No test flaked or failed in its last {} runs ({}: {} run{} recorded).\n",
                               window, settings.history_file.string(), history->runs(),
                               history->runs() == 1 ? "" : "s"));
        return 0;
    }
    log::print(text_listing(tests, *history, settings, window));
    return 0;
}

} // namespace offload
