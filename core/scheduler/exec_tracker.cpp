#include "scheduler/exec_tracker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string.h>

namespace offload {

namespace {

// Appends data to text, keeping at most limit bytes (the end). Returns how many bytes were cut.
size_t append_bounded(std::string &text, std::string_view data, size_t limit)
{
    if (data.size() >= limit) {
        const size_t cut = text.size() + data.size() - limit;
        text.assign(data.substr(data.size() - limit));
        return cut;
    }
    text.append(data);
    if (text.size() <= limit)
        return 0;
    const size_t cut = text.size() - limit;
    text.erase(0, cut);
    return cut;
}

bool is_pass(Outcome outcome)
{
    return outcome == Outcome::Passed;
}
bool is_failure(Outcome outcome)
{
    return outcome == Outcome::Failed || outcome == Outcome::Error;
}

std::string kind_word(ExecKind kind)
{
    return kind == ExecKind::Worker ? "worker" : "batch";
}

} // namespace

std::string describe_exit(int exit_code)
{
    if (exit_code > 128 && exit_code < 128 + 65) {
        const int signal = exit_code - 128;
        const char *abbreviation = ::sigabbrev_np(signal);
        return abbreviation ? fmt::format("killed by signal {} (SIG{})", signal, abbreviation)
                            : fmt::format("killed by signal {}", signal);
    }
    return fmt::format("exit code {}", exit_code);
}

ExecTracker::ExecTracker(ExecKind kind, std::vector<size_t> tests) : m_kind(kind)
{
    for (size_t test : tests)
        give(test);
}

void ExecTracker::give(size_t test)
{
    if (m_index.count(test))
        return;
    m_order.push_back(test);
    Test entry;
    entry.test = test;
    m_index.emplace(test, std::move(entry));
}

ExecTracker::Test *ExecTracker::find(size_t test)
{
    auto it = m_index.find(test);
    return it == m_index.end() ? nullptr : &it->second;
}

const ExecTracker::Test *ExecTracker::find(size_t test) const
{
    auto it = m_index.find(test);
    return it == m_index.end() ? nullptr : &it->second;
}

size_t ExecTracker::unstarted() const
{
    return size_t(std::count_if(m_index.begin(), m_index.end(),
                                [](const auto &entry) { return entry.second.state == State::Given; }));
}

std::vector<size_t> ExecTracker::unstarted_tests() const
{
    std::vector<size_t> tests;
    for (size_t test : m_order)
        if (find(test)->state == State::Given)
            tests.push_back(test);
    return tests;
}

bool ExecTracker::start(size_t test, double at)
{
    Test *entry = find(test);
    if (!entry || entry->state != State::Given)
        return false;
    entry->state = State::Running;
    entry->started_at = at;
    m_last_activity = at;
    m_last_started = test;
    return true;
}

void ExecTracker::add_output(size_t test, std::string_view data)
{
    if (Test *entry = find(test))
        entry->dropped += append_bounded(entry->reported, data, max_output_bytes);
}

void ExecTracker::add_stream_output(std::string_view data)
{
    for (auto &[index, entry] : m_index)
        if (entry.state == State::Running)
            entry.dropped += append_bounded(entry.streamed, data, max_output_bytes);
}

ExecTracker::Ended ExecTracker::end(size_t test, Outcome outcome, std::optional<double> secs,
                                    std::string message, double at)
{
    Ended ended;
    Test *entry = find(test);
    if (!entry)
        return ended;
    m_last_activity = at;
    // Its time limit had passed and offload was killing it: whatever it says now (a pass, once the
    // kill ended the child it waited for) comes from the kill. It stays running, and the command's
    // end charges it with the timeout.
    if (entry->state == State::Running && m_timed_out_test == test)
        return ended;
    if (entry->state != State::Ended) {
        // An end without a start: the test ran since the last record.
        if (entry->state == State::Given)
            entry->started_at = at;
        entry->state = State::Ended;
        entry->ended_at = at;
        entry->outcome = outcome;
        entry->secs = secs ? *secs : std::max(0.0, at - entry->started_at);
        entry->message = std::move(message);
        ended.first = true;
    } else if (severity(outcome) > severity(entry->outcome)) {
        // A second end for one test: the worse result wins, never the better.
        entry->outcome = outcome;
        entry->message = message.empty() ? entry->message : std::move(message);
        ended.changed = true;
    }
    ended.verdict.test = test;
    ended.verdict.outcome = entry->outcome;
    ended.verdict.duration_secs = entry->secs;
    ended.verdict.message = entry->message;
    // What a passing test printed is in the log; only a failure's output is worth keeping.
    if (entry->outcome != Outcome::Passed && entry->outcome != Outcome::Skipped)
        ended.verdict.output = output_of(*entry, {});
    entry->streamed.clear();
    entry->dropped = 0;
    if (ended.verdict.outcome == Outcome::Passed || ended.verdict.outcome == Outcome::Skipped)
        entry->reported.clear();
    return ended;
}

std::vector<ExecTracker::Running> ExecTracker::running() const
{
    std::vector<Running> tests;
    for (size_t test : m_order)
        if (const Test *entry = find(test); entry->state == State::Running)
            tests.push_back({test, entry->started_at});
    return tests;
}

double ExecTracker::last_activity(double since) const
{
    return std::max(since, m_last_activity);
}

std::string ExecTracker::output_of(const Test &test, std::string_view tail) const
{
    // What the framework reported (a traceback) first, then the end of what the command printed
    // while the test ran; each cut from the front when the two exceed the bound.
    std::string_view reported = test.reported;
    std::string_view streamed = test.streamed.empty() ? tail : std::string_view(test.streamed);
    size_t dropped = test.dropped;
    if (reported.size() + streamed.size() > max_output_bytes) {
        dropped += reported.size() + streamed.size() - max_output_bytes + 1;
        const size_t for_reported =
            std::min(reported.size(), std::max(max_output_bytes / 2, max_output_bytes - streamed.size()));
        reported.remove_prefix(reported.size() - for_reported);
        const size_t for_streamed = max_output_bytes - for_reported - 1;
        if (streamed.size() > for_streamed)
            streamed.remove_prefix(streamed.size() - for_streamed);
    }
    std::string output;
    if (dropped > 0)
        output = fmt::format("[... {} bytes omitted; all of it is in {} ...]\n", dropped,
                             m_log_path.empty() ? "the batch's log" : m_log_path);
    output.append(reported);
    if (!output.empty() && !streamed.empty() && output.back() != '\n')
        output += '\n';
    output.append(streamed);
    return output;
}

Conclusion ExecTracker::conclude(const ExecEnding &ending,
                                 const std::vector<std::pair<size_t, ReportedResult>> &parsed) const
{
    using Status = ExecEnding::Status;
    Conclusion conclusion;
    const std::string what = kind_word(m_kind);
    std::unordered_map<size_t, const ReportedResult *> parsed_by_test;
    for (const auto &[test, result] : parsed)
        parsed_by_test[test] = &result;

    std::vector<const Test *> running, unstarted;
    for (size_t test : m_order) {
        const Test &entry = *find(test);
        if (entry.state == State::Running)
            running.push_back(&entry);
        else if (entry.state == State::Given && !parsed_by_test.count(test))
            unstarted.push_back(&entry);
    }
    const bool never_ran = ending.status == Status::NotStarted || ending.status == Status::InfraFailed;
    // A batch that ran without a single record may have been running any of its tests.
    const bool silent_batch = m_kind == ExecKind::Batch && !never_ran && m_last_activity < 0;
    auto rerun = [&](const Test &entry, bool strike, std::string reason) {
        const Reached reached = entry.state == State::Running ? Reached::Running
                                : silent_batch                ? Reached::Unknown
                                                              : Reached::NotStarted;
        conclusion.rerun.push_back({entry.test, reached, strike, std::move(reason), never_ran,
                                    strike ? ending.output_tail : std::string()});
    };
    // A crash's output: what the test printed, else the end of the command's output (where a
    // crash is explained). A timeout's: only what the test printed.
    auto charge = [&](const Test &entry, Outcome outcome, std::string message, double secs,
                      bool with_tail = true) {
        conclusion.charged.push_back({entry.test, outcome, secs, std::move(message),
                                      output_of(entry, with_tail ? ending.output_tail : "")});
    };

    switch (ending.status) {
    case Status::NotStarted:
        for (const Test *entry : unstarted)
            rerun(*entry, true, "its " + what + " could not be started: " + ending.failure);
        for (const Test *entry : running)
            rerun(*entry, true, "its " + what + " could not be started: " + ending.failure);
        return conclusion;

    case Status::InfraFailed:
        // The sandbox failed: nothing to charge a test with. What was running is the likeliest
        // culprit (a test that kills its machine), hence its strike; the others strike only when
        // nothing was running.
        for (const Test *entry : running)
            rerun(*entry, true, "its sandbox failed under it: " + ending.failure);
        for (const Test *entry : unstarted)
            rerun(*entry, running.empty(), "its sandbox failed before it ran: " + ending.failure);
        return conclusion;

    case Status::Cancelled:
        for (const Test *entry : running) {
            if (ending.stop == StopReason::TestTimeout && m_timed_out_test == entry->test) {
                charge(*entry, Outcome::Failed,
                       fmt::format("timeout: still running after {:g} s, killed", ending.test_timeout_secs),
                       ending.test_timeout_secs, false);
            } else {
                rerun(*entry, false, {});
            }
        }
        for (const Test *entry : unstarted) {
            if (ending.stop == StopReason::Stalled)
                rerun(*entry, true,
                      fmt::format("its {} started no test within {:g} s and was killed", what,
                                  ending.test_timeout_secs));
            else
                rerun(*entry, false, {});
        }
        return conclusion;

    case Status::Ran: break;
    }

    const std::string exit_text = describe_exit(ending.exit_code);
    if (m_kind == ExecKind::Worker) {
        for (const Test *entry : running)
            charge(*entry, Outcome::Failed,
                   fmt::format("crashed: the worker running it ended ({}) before the test did", exit_text),
                   std::max(0.0, ending.at - entry->started_at));
        const bool normal = m_done && ending.exit_code == 0;
        for (const Test *entry : unstarted)
            rerun(*entry, running.empty(),
                  normal ? "its worker ended without running it"
                         : fmt::format("its worker ended ({}) before running it", exit_text));
        if (!normal && running.empty() && unstarted.empty())
            conclusion.incident = fmt::format("a worker ended ({}) after reporting all its tests{}",
                                              exit_text, m_done ? "" : " but without `done`");
        return conclusion;
    }

    // Batches: the records, then what the framework read, combined; then the exit status.
    std::unordered_map<size_t, Outcome> final_outcome;
    bool explained = false; // something in the batch accounts for a non-zero exit
    for (size_t test : m_order) {
        const Test &entry = *find(test);
        auto found = parsed_by_test.find(test);
        const ReportedResult *result = found == parsed_by_test.end() ? nullptr : found->second;
        if (entry.state == State::Ended) {
            Outcome outcome = entry.outcome;
            if (result && severity(result->outcome) > severity(outcome)) {
                outcome = result->outcome;
                conclusion.revised.push_back(
                    {test, outcome, entry.secs, result->message.empty() ? entry.message : result->message,
                     result->output.empty() ? output_of(entry, {}) : result->output});
            }
            final_outcome[test] = outcome;
        } else if (result) {
            conclusion.charged.push_back(
                {test, result->outcome, result->duration_secs, result->message, result->output});
            final_outcome[test] = result->outcome;
        } else if (entry.state == State::Running) {
            explained = true;
            if (ending.timed_out)
                charge(entry, Outcome::Failed,
                       std::string("timeout: its batch was still running at its limit and was killed"),
                       std::max(0.0, ending.at - entry.started_at));
            else
                charge(entry, Outcome::Failed,
                       fmt::format("crashed: its batch ended ({}) while the test ran", exit_text),
                       std::max(0.0, ending.at - entry.started_at));
        } else {
            explained = true;
            if (ending.timed_out && m_order.size() > 1) {
                conclusion.rerun_alone.push_back(test);
            } else if (ending.timed_out) {
                charge(entry, Outcome::Failed,
                       fmt::format("timeout: still running after {:g} s, killed", ending.test_timeout_secs),
                       ending.test_timeout_secs);
            } else if (m_kind == ExecKind::BatchWithRecords) {
                rerun(entry, true, fmt::format("its batch ended ({}) without running it", exit_text));
            } else {
                charge(entry, Outcome::NotRun,
                       fmt::format("no result: its batch exited with code {} without reporting this test",
                                   ending.exit_code),
                       -1);
            }
        }
    }
    for (const auto &[test, outcome] : final_outcome)
        if (is_failure(outcome))
            explained = true;
    if (ending.exit_code != 0 && !ending.timed_out && !explained) {
        // Every test passed or was skipped, yet the batch failed: its results cannot be trusted.
        const std::string message = fmt::format("the batch exited with {} although its tests reported "
                                                "passing; offload cannot vouch for the result",
                                                exit_text);
        auto retract = [&](std::vector<TestVerdict> &verdicts, size_t test) {
            for (TestVerdict &verdict : verdicts)
                if (verdict.test == test) {
                    verdict.outcome = Outcome::Error;
                    verdict.message = message;
                    return true;
                }
            return false;
        };
        for (size_t test : m_order) {
            auto it = final_outcome.find(test);
            if (it == final_outcome.end() || !is_pass(it->second))
                continue;
            if (retract(conclusion.charged, test) || retract(conclusion.revised, test))
                continue;
            const Test &entry = *find(test);
            conclusion.revised.push_back({test, Outcome::Error, entry.secs, message, ending.output_tail});
        }
    }
    return conclusion;
}

} // namespace offload
