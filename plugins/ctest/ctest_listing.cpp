#include "ctest_listing.hpp"

#include "common/json.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace offload::ctest {

using common::Json;

namespace {

// A property value as a list of strings: ctest writes a list as an array, a single value as a
// string, a number or a boolean.
std::vector<std::string> strings(const Json &value)
{
    if (value.type() == Json::Type::Array) {
        std::vector<std::string> values;
        for (size_t i = 0; i < value.size(); ++i)
            values.push_back(value[i].string());
        return values;
    }
    if (value.type() == Json::Type::Boolean)
        return {value.is_true() ? "ON" : "OFF"};
    return {value.string()};
}

bool truthy(const Json &value)
{
    if (value.type() == Json::Type::Boolean)
        return value.is_true();
    const std::vector<std::string> values = strings(value);
    if (values.size() != 1)
        return false;
    const std::string &text = values.front();
    for (const char *no :
         {"", "0", "OFF", "NO", "FALSE", "N", "IGNORE", "NOTFOUND", "off", "no", "false", "n"})
        if (text == no)
            return false;
    return text.size() < 9 || text.substr(text.size() - 9) != "-NOTFOUND";
}

CTestTest read_test(const Json &entry, size_t index)
{
    CTestTest test;
    if (!entry["name"].is_string() || entry["name"].string().empty())
        throw std::runtime_error("test " + std::to_string(index) + " of the listing has no name");
    test.name = entry["name"].string();
    test.command = strings(entry["command"]);
    if (entry["command"].type() == Json::Type::Null)
        test.command.clear();
    const Json &properties = entry["properties"];
    for (size_t i = 0; i < properties.size(); ++i) {
        const std::string &key = properties[i]["name"].string();
        const Json &value = properties[i]["value"];
        if (key == "WORKING_DIRECTORY")
            test.working_directory = value.string();
        else if (key == "ENVIRONMENT")
            test.environment = strings(value);
        else if (key == "LABELS")
            test.labels = strings(value);
        else if (key == "DISABLED")
            test.disabled = truthy(value);
        else if (key == "WILL_FAIL")
            test.will_fail = truthy(value);
        else if (key == "RUN_SERIAL")
            test.run_serial = truthy(value);
        else if (key == "TIMEOUT" && value.type() == Json::Type::Number)
            test.timeout_secs = std::strtod(value.string().c_str(), nullptr);
        else if (key == "SKIP_RETURN_CODE" || key == "SKIP_REGULAR_EXPRESSION")
            test.skips = true;
        else if (key == "FIXTURES_SETUP")
            test.fixtures_setup = strings(value);
        else if (key == "FIXTURES_CLEANUP")
            test.fixtures_cleanup = strings(value);
        else if (key == "FIXTURES_REQUIRED")
            test.fixtures_required = strings(value);
        else if (key == "RESOURCE_LOCK")
            test.resource_locks = strings(value);
    }
    return test;
}

} // namespace

CTestListing read_listing(std::string_view json)
{
    const std::optional<Json> document = Json::parse(json);
    if (!document || (*document)["kind"].string() != "ctestInfo")
        throw std::runtime_error(
            "ctest --show-only=json-v1 did not print its JSON listing (CMake 3.14 or later "
            "prints one)");
    const Json &tests = (*document)["tests"];
    CTestListing listing;
    std::set<std::string> seen;
    for (size_t i = 0; i < tests.size(); ++i) {
        CTestTest test = read_test(tests[i], i);
        if (!seen.insert(test.name).second)
            listing.repeats.push_back(test.name);
        else
            listing.tests.push_back(std::move(test));
    }
    return listing;
}

std::string regex_literal(std::string_view name)
{
    std::string quoted;
    for (char c : name) {
        if (std::string_view("^$.[]*+?()|\\{}").find(c) != std::string_view::npos)
            quoted += '\\';
        quoted += c;
    }
    return quoted;
}

std::string names_regex(const std::vector<std::string> &names)
{
    std::string regex = "^(";
    for (size_t i = 0; i < names.size(); ++i)
        regex += (i ? "|" : "") + regex_literal(names[i]);
    return regex + ")$";
}

CTestSuite::CTestSuite(CTestListing listing) : m_listing(std::move(listing))
{
    for (size_t i = 0; i < m_listing.tests.size(); ++i) {
        m_index.emplace(m_listing.tests[i].name, i);
        m_any_run_serial = m_any_run_serial || m_listing.tests[i].run_serial;
    }
}

const CTestTest *CTestSuite::find(const std::string &name) const
{
    auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &m_listing.tests[it->second];
}

std::set<std::string> CTestSuite::with_fixtures(const std::vector<std::string> &names) const
{
    std::set<std::string> run(names.begin(), names.end());
    std::set<std::string> fixtures;
    std::vector<std::string> pending(names.begin(), names.end());
    while (!pending.empty()) {
        const CTestTest *test = find(pending.back());
        pending.pop_back();
        if (!test)
            continue;
        for (const std::string &fixture : test->fixtures_required) {
            if (!fixtures.insert(fixture).second)
                continue;
            for (const CTestTest &other : m_listing.tests) {
                const bool serves =
                    std::count(other.fixtures_setup.begin(), other.fixtures_setup.end(), fixture) ||
                    std::count(other.fixtures_cleanup.begin(), other.fixtures_cleanup.end(), fixture);
                if (serves && run.insert(other.name).second)
                    pending.push_back(other.name);
            }
        }
    }
    return run;
}

std::string fixture_lock(const std::string &fixture)
{
    // A RESOURCE_LOCK name cannot hold a newline (ctest's properties are ;-lists of lines).
    return "fixture\n" + fixture;
}

std::set<std::string> CTestSuite::locks(const std::vector<std::string> &names) const
{
    std::set<std::string> held;
    for (const std::string &name : with_fixtures(names))
        if (const CTestTest *test = find(name)) {
            held.insert(test->resource_locks.begin(), test->resource_locks.end());
            // A fixture is one setup, its tests, one cleanup: two runs that share it at once would
            // have one's cleanup undo the other's setup under its tests.
            for (const auto *fixtures :
                 {&test->fixtures_required, &test->fixtures_setup, &test->fixtures_cleanup})
                for (const std::string &fixture : *fixtures)
                    held.insert(fixture_lock(fixture));
        }
    return held;
}

bool CTestSuite::run_serial(const std::vector<std::string> &names) const
{
    for (const std::string &name : with_fixtures(names))
        if (const CTestTest *test = find(name); test && test->run_serial)
            return true;
    return false;
}

} // namespace offload::ctest
