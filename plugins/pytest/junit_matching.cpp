#include "junit_matching.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

std::string_view file_of(std::string_view node_id)
{
    return node_id.substr(0, node_id.find("::"));
}

JunitName junit_name_of(std::string_view node_id)
{
    // mangle_test_address: only the part before the first "[" is split at "::", so parameters
    // may hold anything; the file part turns into a dotted path without ".py".
    const size_t bracket = node_id.find('[');
    const std::string_view path = node_id.substr(0, bracket);
    const std::string_view params = bracket == std::string_view::npos ? "" : node_id.substr(bracket);

    std::vector<std::string> names;
    for (size_t start = 0;;) {
        const size_t end = path.find("::", start);
        names.emplace_back(
            path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos)
            break;
        start = end + 2;
    }
    std::replace(names.front().begin(), names.front().end(), '/', '.');
    if (names.front().ends_with(".py"))
        names.front().resize(names.front().size() - 3);
    names.back() += params;

    JunitName result;
    for (size_t i = 0; i + 1 < names.size(); ++i) {
        if (i > 0)
            result.classname += '.';
        result.classname += names[i];
    }
    result.name = std::move(names.back());
    return result;
}

namespace {

std::string key_of(const std::string &classname, const std::string &name)
{
    return classname + '\0' + name;
}

std::string describe(const std::string &classname, const std::string &name)
{
    return "classname=\"" + classname + "\" name=\"" + name + "\"";
}

int severity(offload_outcome outcome)
{
    switch (outcome) {
    case OFFLOAD_OUTCOME_FAILED: return 3;
    case OFFLOAD_OUTCOME_ERROR: return 2;
    case OFFLOAD_OUTCOME_SKIPPED: return 1;
    default: return 0;
    }
}

// The verdict of one test from its testcases, in report order.
TestVerdict combine(size_t test, const std::vector<const JunitCase *> &cases)
{
    TestVerdict verdict;
    verdict.test = test;
    const JunitCase *decider = cases.front();
    for (const JunitCase *c : cases) {
        if (severity(c->outcome) > severity(decider->outcome))
            decider = c;
        if (c->time_secs >= 0)
            verdict.duration_secs = std::max(0.0, verdict.duration_secs) + c->time_secs;
        if (!c->details.empty())
            verdict.details += (verdict.details.empty() ? "" : "\n\n") + c->details;
    }
    verdict.outcome = decider->outcome;
    verdict.message = decider->message;
    return verdict;
}

// The testcase among `pool` closest to what pytest should have written for `id`. Bounded work:
// at most `max_candidates` comparisons, preferring testcases with the same name.
const JunitCase *closest_case(const JunitName &expected, const std::vector<const JunitCase *> &pool)
{
    constexpr size_t max_candidates = 100;
    std::vector<const JunitCase *> candidates;
    for (const JunitCase *c : pool)
        if (c->name == expected.name && candidates.size() < max_candidates)
            candidates.push_back(c);
    for (const JunitCase *c : pool)
        if (c->name != expected.name && candidates.size() < max_candidates)
            candidates.push_back(c);
    const std::string wanted = expected.classname + "::" + expected.name;
    const JunitCase *best = nullptr;
    size_t best_distance = 0;
    for (const JunitCase *c : candidates) {
        const size_t distance = offload::common::edit_distance(wanted, c->classname + "::" + c->name);
        if (!best || distance < best_distance) {
            best = c;
            best_distance = distance;
        }
    }
    return best;
}

} // namespace

std::vector<TestVerdict> match_junit(const std::vector<std::string_view> &ids,
                                     const std::vector<JunitCase> &cases)
{
    std::vector<JunitName> expected;
    std::unordered_map<std::string, std::vector<size_t>> tests_by_key; // in batch order
    expected.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        expected.push_back(junit_name_of(ids[i]));
        tests_by_key[key_of(expected.back().classname, expected.back().name)].push_back(i);
    }

    // A testcase may be named after a whole node id (a conftest that records
    // record_xml_attribute("name", request.node.nodeid), as the Rust offload's examples do): the
    // name then says which test it is, whatever the key says. Ids are unique within a batch.
    std::unordered_map<std::string_view, size_t> test_by_id;
    for (size_t i = 0; i < ids.size(); ++i)
        test_by_id.emplace(ids[i], i);

    std::vector<std::vector<const JunitCase *>> matched(ids.size());
    std::vector<size_t> named_by_id(ids.size(), 0); // testcases named after the test's node id
    std::vector<const JunitCase *> leftover;
    size_t last_matched = SIZE_MAX;
    for (const JunitCase &c : cases) {
        if (auto by_id = test_by_id.find(c.name); by_id != test_by_id.end()) {
            matched[by_id->second].push_back(&c);
            ++named_by_id[by_id->second];
            last_matched = by_id->second;
            continue;
        }
        auto found = tests_by_key.find(key_of(c.classname, c.name));
        if (found == tests_by_key.end()) {
            leftover.push_back(&c);
            continue;
        }
        // Ids that share a key ("a/b.py::t" and "a.b.py::t") are told apart by xunit1's file
        // attribute; without it, each testcase goes to the first of them still without one. A
        // second testcase for the same test (a teardown error after a failure) follows the first.
        // Preference: same file and still without a testcase; same file and the test matched
        // last; any test still without one; the test matched last.
        size_t chosen = SIZE_MAX;
        for (int rule = 0; rule < 4 && chosen == SIZE_MAX; ++rule) {
            for (size_t t : found->second) {
                const bool file = !c.file.empty() && file_of(ids[t]) == c.file;
                const bool fresh = matched[t].empty(), last = t == last_matched;
                if (rule == 0 ? file && fresh : rule == 1 ? file && last : rule == 2 ? fresh : last) {
                    chosen = t;
                    break;
                }
            }
        }
        if (chosen == SIZE_MAX)
            chosen = found->second.front();
        matched[chosen].push_back(&c);
        last_matched = chosen;
    }

    // A module that failed to import has one testcase: empty classname, the module's dotted path
    // as its name ("collection failure"). It speaks for every test of that file.
    std::map<std::string, const JunitCase *> module_errors;
    for (const JunitCase *c : leftover)
        if (c->classname.empty() && c->outcome == OFFLOAD_OUTCOME_ERROR)
            module_errors.emplace(c->name, c);

    std::vector<TestVerdict> verdicts;
    std::vector<size_t> without_case;
    std::vector<bool> used(cases.size(), false);
    for (size_t i = 0; i < ids.size(); ++i) {
        if (named_by_id[i] > 1) {
            // One run of a test writes one testcase under its node id: several cannot be told apart.
            TestVerdict verdict = combine(i, matched[i]);
            verdict.outcome = OFFLOAD_OUTCOME_ERROR;
            verdict.message = "pytest's report holds " + std::to_string(named_by_id[i]) +
                              " testcases named \"" + std::string(ids[i]) +
                              "\"; offload cannot tell which one is this test's result (does a conftest "
                              "give several tests the same name with record_xml_attribute?)";
            verdicts.push_back(std::move(verdict));
            continue;
        }
        if (!matched[i].empty()) {
            verdicts.push_back(combine(i, matched[i]));
            continue;
        }
        auto module = module_errors.find(junit_name_of(file_of(ids[i])).name);
        if (module == module_errors.end()) {
            without_case.push_back(i);
            continue;
        }
        used[size_t(module->second - cases.data())] = true;
        TestVerdict verdict = combine(i, {module->second});
        verdict.message = "collecting " + std::string(file_of(ids[i])) + " failed: " + verdict.message;
        verdicts.push_back(std::move(verdict));
    }

    std::vector<const JunitCase *> unclaimed;
    for (const JunitCase *c : leftover)
        if (!used[size_t(c - cases.data())])
            unclaimed.push_back(c);
    if (unclaimed.empty())
        return verdicts;
    for (size_t i : without_case) {
        const JunitCase *closest = closest_case(expected[i], unclaimed);
        TestVerdict verdict;
        verdict.test = i;
        verdict.outcome = OFFLOAD_OUTCOME_ERROR;
        verdict.unmatched = true;
        verdict.message = "offload found no JUnit testcase for this test (expected " +
                          describe(expected[i].classname, expected[i].name) +
                          "); the closest one pytest wrote is " +
                          describe(closest->classname, closest->name) +
                          ". Please report this to offload's maintainers with both names";
        verdict.details = "The testcase pytest wrote (" + describe(closest->classname, closest->name) +
                          (closest->file.empty() ? "" : " file=\"" + closest->file + "\"") + "):\n" +
                          (closest->message.empty() ? "(no message)" : closest->message);
        verdicts.push_back(std::move(verdict));
    }
    return verdicts;
}
