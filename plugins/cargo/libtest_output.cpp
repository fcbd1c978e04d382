#include "libtest_output.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <unordered_map>

namespace offload::cargo {

using namespace offload::common;

namespace {

// The most of one failed test's output that is kept (its end: where the panic is).
constexpr size_t max_section_bytes = 256 << 10;

std::vector<std::string_view> words(std::string_view text)
{
    std::vector<std::string_view> found;
    size_t at = 0;
    while ((at = text.find_first_not_of(" \t", at)) != std::string_view::npos) {
        size_t end = std::min(text.find_first_of(" \t", at), text.size());
        found.push_back(text.substr(at, end - at));
        at = end;
    }
    return found;
}

// libtest prints some tests with a note after the name: "test x - should panic ... ok".
std::string_view strip_decoration(std::string_view name)
{
    for (std::string_view note : {" - should panic", " - compile fail"})
        if (name.size() > note.size() && name.substr(name.size() - note.size()) == note)
            return name.substr(0, name.size() - note.size());
    return name;
}

// "1 passed; 1 failed; ..." -> the number before word, or -1.
long count_before(std::string_view text, std::string_view word)
{
    size_t at = text.find(std::string(" ") + std::string(word));
    if (at == std::string_view::npos || at == 0)
        return -1;
    size_t start = text.find_last_not_of("0123456789", at - 1);
    start = start == std::string_view::npos ? 0 : start + 1;
    long value = -1;
    std::from_chars(text.data() + start, text.data() + at, value);
    return value;
}

// A short reason from a failed test's output: its panic message and where it panicked, else its
// first line.
std::string failure_message(const std::string &output)
{
    std::vector<std::string_view> lines;
    for_each_line(output, [&](std::string_view line) { lines.push_back(line); });
    for (size_t i = 0; i < lines.size(); ++i) {
        size_t at = lines[i].find(" panicked at ");
        if (at == std::string_view::npos || lines[i].substr(0, 8) != "thread '")
            continue;
        // Rust before 1.73 reports a test that returned Err with a panic in libtest; the reason is
        // the "Error: ..." the test printed before, maybe after "test NAME ... " on the same line.
        for (size_t k = i; k < std::min(i + 3, lines.size()); ++k)
            if (lines[k].find("returned a termination value with a non-zero") != std::string_view::npos)
                for (size_t j = 0; j < i; ++j)
                    if (size_t error = lines[j].find("Error: "); error != std::string_view::npos)
                        return std::string(lines[j].substr(error));
        std::string_view rest = lines[i].substr(at + 13);
        if (!rest.empty() && rest.front() == '\'') {
            // Rust before 1.73: panicked at 'message', src/lib.rs:12:5 with the message on one
            // line or several (assert_eq! puts the values first and the caller's message last):
            // all of it, on one line.
            std::string message;
            rest.remove_prefix(1);
            for (size_t j = i; j < lines.size(); ++j) {
                std::string_view part = j == i ? rest : trim(lines[j]);
                size_t end = part.rfind("', ");
                if (end != std::string_view::npos && part.find(':', end) != std::string_view::npos)
                    return message + std::string(part.substr(0, end)) + " (at " +
                           std::string(part.substr(end + 3)) + ")";
                message += std::string(part) + " ";
            }
            return std::string(rest);
        }
        // Since 1.73: panicked at src/lib.rs:12:5:\nmessage
        if (!rest.empty() && rest.back() == ':')
            rest.remove_suffix(1);
        if (i + 1 < lines.size() && !trim(lines[i + 1]).empty())
            return std::string(lines[i + 1]) + " (at " + std::string(rest) + ")";
        return "panicked at " + std::string(rest);
    }
    for (std::string_view line : lines)
        if (!trim(line).empty())
            return std::string(trim(line));
    return "failed";
}

// failed > passed > skipped: when libtest's output names a test twice, the more severe result
// wins, so that a line a test prints can never cover a failure.
int severity(offload_outcome outcome)
{
    switch (outcome) {
    case OFFLOAD_OUTCOME_FAILED: return 3;
    case OFFLOAD_OUTCOME_PASSED: return 2;
    default: return 1;
    }
}

struct TestState {
    std::optional<offload_outcome> outcome;
    std::string message;       // the ignore reason
    std::string output;        // the "---- name stdout ----" section
    size_t output_dropped = 0; // bytes dropped from its front
};

// How many tests libtest's lines and its summaries say passed, failed and were ignored.
struct Counts {
    long passed = 0, failed = 0, ignored = 0;
    bool operator==(const Counts &) const = default;
    std::string text() const
    {
        return std::to_string(passed) + " passed, " + std::to_string(failed) + " failed, " +
               std::to_string(ignored) + " ignored";
    }
};

struct GroupState {
    std::optional<int> exit_code; // set by the group's closing marker
    bool ran = false;             // libtest printed "running N tests"
    int summaries = 0;            // "test result:" lines (doc tests print two)
    Counts summarized;            // what they add up to
    double finished_secs = -1;
    std::string first_error; // the first "error..." line: a compiler's message
    std::string died;        // cargo's note that the test binary died
    LastLines tail{60};
    std::vector<TestState> tests;
    std::unordered_map<std::string, size_t> by_name;
    // Every test a result line named, in the batch or not (a doc test filter selects others too).
    std::unordered_map<std::string, offload_outcome> named;

    // Why the passes this group's output shows cannot be believed; empty when they can: cargo's
    // exit status, libtest's summaries and its result lines must all agree.
    std::string distrust() const
    {
        if (!exit_code)
            return ""; // killed or timed out: nothing to check against
        Counts lines;
        for (const auto &[name, outcome] : named)
            (outcome == OFFLOAD_OUTCOME_PASSED   ? lines.passed
             : outcome == OFFLOAD_OUTCOME_FAILED ? lines.failed
                                                 : lines.ignored)++;
        std::string status = "cargo exited with status " + std::to_string(*exit_code);
        if (summaries == 0)
            return status + " without libtest's summary" +
                   (died.empty() ? "" : " (the test binary died: " + died + ")");
        if (!(summarized == lines))
            return "libtest's summary (" + summarized.text() + ") disagrees with its result lines (" +
                   lines.text() + "): a test printed lines that look like libtest's";
        if (*exit_code != 0 && summarized.failed == 0)
            return status + " although libtest reported no failure";
        if (*exit_code == 0 && summarized.failed != 0)
            return status + " although libtest reported failures";
        return "";
    }
};

} // namespace

Grouping group_by_target(const char *const *ids, size_t count)
{
    Grouping grouping;
    for (size_t i = 0; i < count; ++i) {
        std::optional<TestId> id = parse_id(ids[i]);
        if (!id) {
            grouping.malformed.push_back(i);
            continue;
        }
        Group *group = nullptr;
        for (Group &existing : grouping.groups)
            if (existing.target == id->target)
                group = &existing;
        if (!group)
            group = &grouping.groups.emplace_back(Group{id->target, {}, {}});
        group->names.push_back(std::move(id->name));
        group->ids.push_back(i);
    }
    return grouping;
}

std::string doc_test_filter(std::string_view name)
{
    // "FILE - ITEM (line N)", ITEM empty for a crate's own docs and without whitespace (rustdoc
    // removes it from item paths).
    size_t dash = name.find(" - ");
    size_t line = name.rfind(" (line ");
    if (dash != std::string_view::npos && line != std::string_view::npos && line >= dash + 2) {
        // In "src/lib.rs - (line 3)" the " - " and the " (line " share a space.
        std::string_view item =
            line > dash + 3 ? trim(name.substr(dash + 3, line - dash - 3)) : std::string_view();
        std::vector<std::string_view> item_words = words(item);
        if (!item_words.empty()) {
            std::string_view longest;
            for (std::string_view word : item_words)
                if (word.size() > longest.size())
                    longest = word;
            return std::string(longest);
        }
        // "src/lib.rs - (line 3)": "3)" matches the lines ending in 3, usually fewer tests than
        // the file's name would.
        return std::string(name.substr(line + 7));
    }
    std::string_view longest;
    for (std::string_view word : words(name))
        if (word.size() > longest.size())
            longest = word;
    return std::string(longest);
}

struct BatchReader::State {
    std::vector<GroupState> groups;
    std::vector<const Group *> definitions;
    GroupState *current = nullptr;
    bool in_section = false;      // in a "---- name stdout ----" section
    TestState *section = nullptr; // whose section it is, if that test is in the batch
    std::string pending;          // "test x ... " printed, its result still to come
    bool in_failure_list = false; // after "failures:", where libtest names the failed tests

    static void append_output(TestState &test, std::string_view line)
    {
        test.output.append(line).push_back('\n');
        if (test.output.size() > 2 * max_section_bytes) {
            size_t drop = test.output.size() - max_section_bytes;
            test.output.erase(0, drop);
            test.output_dropped += drop;
        }
    }

    void marker(std::string_view text)
    {
        in_section = false;
        section = nullptr;
        pending.clear();
        in_failure_list = false;
        std::vector<std::string_view> parts = words(text); // N begin SPEC | N exit CODE
        size_t index = 0;
        if (parts.size() < 2 ||
            std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), index).ec != std::errc() ||
            index >= groups.size())
            return;
        if (parts[1] == "begin") {
            current = &groups[index];
        } else if (parts[1] == "exit" && parts.size() > 2) {
            int code = 0;
            std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), code);
            groups[index].exit_code = code;
            current = nullptr;
        }
    }

    TestState *find(std::string_view name)
    {
        auto it = current->by_name.find(std::string(strip_decoration(name)));
        return it == current->by_name.end() ? nullptr : &current->tests[it->second];
    }

    // Records one result of the test `name` (without libtest's note); false when result is not
    // one. A test named twice keeps the more severe result.
    bool set_result(const std::string &name, std::string_view result)
    {
        offload_outcome outcome;
        if (result == "ok")
            outcome = OFFLOAD_OUTCOME_PASSED;
        else if (result == "FAILED")
            outcome = OFFLOAD_OUTCOME_FAILED;
        else if (result == "ignored" || result.substr(0, 9) == "ignored, ")
            outcome = OFFLOAD_OUTCOME_SKIPPED;
        else
            return false;
        auto [named, added] = current->named.emplace(name, outcome);
        if (!added && severity(outcome) > severity(named->second))
            named->second = outcome;
        TestState *test = find(name);
        if (test && (!test->outcome || severity(outcome) > severity(*test->outcome))) {
            test->outcome = outcome;
            test->message = outcome != OFFLOAD_OUTCOME_SKIPPED ? ""
                            : result.size() > 9                ? "ignored: " + std::string(result.substr(9))
                                                               : "ignored";
        }
        return true;
    }

    // "test NAME ... RESULT". The name may itself hold " ... ": the split that names a test of
    // the batch, else the first.
    void result_line(std::string_view line)
    {
        std::string_view rest = line.substr(5);
        size_t split = rest.find(" ... ");
        for (size_t at = split; at != std::string_view::npos; at = rest.find(" ... ", at + 1)) {
            if (find(rest.substr(0, at))) {
                split = at;
                break;
            }
        }
        std::string name(strip_decoration(rest.substr(0, split)));
        // With one test thread libtest prints the name when the test starts and the result when
        // it ends, and what the test wrote past the capture goes in between: the result then
        // comes on a line of its own, perhaps after lines of the test that look like results.
        // Each bare result counts for that test, until libtest starts another one. (A test's
        // output can also complete the line itself; libtest's list of failures at the end still
        // names the test.)
        if (!set_result(name, rest.substr(split + 5)))
            pending = name;
    }

    static bool section_header(std::string_view line)
    {
        return line.size() > 17 && line.substr(0, 5) == "---- " &&
               line.substr(line.size() - 12) == " stdout ----";
    }

    void group_line(std::string_view line)
    {
        GroupState &group = *current;
        group.tail.add(line);
        if (in_section) {
            if (line == "failures:" || line == "successes:" || line.substr(0, 13) == "test result: ") {
                in_section = false;
                section = nullptr;
                pending.clear();
            } else if (!section_header(line)) {
                if (section)
                    append_output(*section, line);
                return;
            }
        }
        if (section_header(line)) {
            // A section of a test outside the batch (a doc test selected along) is skipped too.
            in_section = true;
            section = find(line.substr(5, line.size() - 17));
            pending.clear();
            in_failure_list = false;
            return;
        }
        if (in_failure_list) {
            // "failures:", then after the sections "failures:" again and "    NAME" per failed test.
            if (line.substr(0, 4) == "    " && !trim(line).empty()) {
                set_result(std::string(strip_decoration(trim(line))), "FAILED");
                return;
            }
            in_failure_list = trim(line).empty();
        }
        if (!pending.empty() && set_result(pending, trim(line)))
            return;
        if (line.substr(0, 5) == "test " && line.find(" ... ") != std::string_view::npos) {
            result_line(line);
        } else if (line == "failures:" || line == "successes:") {
            pending.clear();
            in_failure_list = line == "failures:";
        } else if (line.substr(0, 8) == "running " && line.find(" test") != std::string_view::npos) {
            group.ran = true;
            pending.clear();
        } else if (line.substr(0, 13) == "test result: ") {
            pending.clear();
            ++group.summaries;
            group.summarized.passed += std::max(count_before(line, "passed;"), 0L);
            group.summarized.failed += std::max(count_before(line, "failed;"), 0L);
            group.summarized.ignored += std::max(count_before(line, "ignored;"), 0L);
            size_t at = line.find("finished in ");
            if (at != std::string_view::npos)
                group.finished_secs = std::strtod(std::string(line.substr(at + 12)).c_str(), nullptr);
        } else if (group.first_error.empty() &&
                   (line.substr(0, 6) == "error:" || line.substr(0, 6) == "error[")) {
            group.first_error = std::string(line);
        } else if (size_t at = line.find("process didn't exit successfully: ");
                   at != std::string_view::npos) {
            // "... `/path/to/binary --exact ...` (signal: 6, SIGABRT: process abort signal)"
            std::string_view how = trim(line.substr(at + 34));
            size_t paren = how.rfind("` (");
            if (paren != std::string_view::npos && how.back() == ')')
                how = how.substr(paren + 3, how.size() - paren - 4);
            group.died = std::string(how);
        }
    }
};

BatchReader::BatchReader(const Grouping &grouping) : m_state(std::make_unique<State>())
{
    for (const Group &group : grouping.groups) {
        GroupState &state = m_state->groups.emplace_back();
        state.tests.resize(group.names.size());
        for (size_t i = 0; i < group.names.size(); ++i)
            state.by_name.emplace(group.names[i], i);
        m_state->definitions.push_back(&group);
    }
}

BatchReader::~BatchReader() = default;

void BatchReader::line(std::string_view line)
{
    if (line.substr(0, group_marker.size()) == group_marker)
        m_state->marker(line.substr(group_marker.size()));
    else if (m_state->current)
        m_state->group_line(line);
}

std::vector<GroupResult> BatchReader::results() const
{
    std::vector<GroupResult> results;
    for (size_t g = 0; g < m_state->groups.size(); ++g) {
        const GroupState &group = m_state->groups[g];
        const Group &definition = *m_state->definitions[g];
        const bool finished = group.exit_code.has_value();
        const bool failed = finished && *group.exit_code != 0;
        const std::string distrust = group.distrust();
        const long ran_count = group.summarized.passed + group.summarized.failed;
        for (size_t t = 0; t < group.tests.size(); ++t) {
            const TestState &test = group.tests[t];
            GroupResult result{definition.ids[t], OFFLOAD_OUTCOME_ERROR, -1, "", ""};
            if (test.outcome) {
                result.outcome = *test.outcome;
                if (*test.outcome == OFFLOAD_OUTCOME_FAILED) {
                    result.output = test.output_dropped ? "[... " + std::to_string(test.output_dropped) +
                                                              " bytes omitted ...]\n" + test.output
                                                        : test.output;
                    result.message = failure_message(test.output);
                } else {
                    result.message = test.message;
                }
                if (*test.outcome == OFFLOAD_OUTCOME_PASSED && !distrust.empty()) {
                    result.outcome = OFFLOAD_OUTCOME_ERROR;
                    result.message = "libtest printed ok for this test, but " + distrust +
                                     ": offload cannot vouch for the pass";
                    result.output = group.tail.text();
                }
                if (group.summaries == 1 && ran_count == 1 && *test.outcome != OFFLOAD_OUTCOME_SKIPPED)
                    result.duration_secs = group.finished_secs;
            } else if (failed && !group.ran) {
                // cargo stopped before libtest started: the build failed (or the target is gone).
                std::string command = "cargo test";
                for (const std::string &arg : definition.target.cargo_selection())
                    command += " " + arg;
                result.message = "`" + command + "` failed before running tests (exit code " +
                                 std::to_string(*group.exit_code) + ")" +
                                 (group.first_error.empty() ? "" : ": " + group.first_error);
                result.output = group.tail.text();
            } else if (failed && !group.died.empty()) {
                result.message =
                    "the test binary died (" + group.died +
                    ") before this test reported a result: this test or one running beside it crashed";
                result.output = group.tail.text();
            } else {
                continue;
            }
            results.push_back(std::move(result));
        }
    }
    return results;
}

} // namespace offload::cargo
