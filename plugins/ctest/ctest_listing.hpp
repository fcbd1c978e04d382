// The tests of a CTest project as `ctest --show-only=json-v1` lists them, with the properties
// offload acts on, and what follows from them for a batch: the tests ctest adds to it for their
// fixtures, the locks it must hold, the -R expression that selects exactly its tests. Not part of
// the ABI.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace offload::ctest {

struct CTestTest {
    std::string name; // ctest's own name: the offload test id
    std::vector<std::string> command;
    std::string working_directory;        // empty: ctest's default (the test's build directory)
    std::vector<std::string> environment; // NAME=value
    std::vector<std::string> labels;
    bool disabled = false;
    bool will_fail = false;
    bool run_serial = false;
    std::optional<double> timeout_secs;
    bool skips = false; // SKIP_RETURN_CODE or SKIP_REGULAR_EXPRESSION: the test may report itself skipped
    std::vector<std::string> fixtures_setup, fixtures_cleanup, fixtures_required;
    std::vector<std::string> resource_locks;
};

struct CTestListing {
    std::vector<CTestTest> tests;     // in ctest's order, each name once
    std::vector<std::string> repeats; // names ctest lists more than once (the first is kept)
};

// Reads the JSON document of `ctest --show-only=json-v1`. Throws std::runtime_error saying what is
// wrong when it is not that document.
CTestListing read_listing(std::string_view json);

// A test name as a CMake regular expression (cmsys::RegularExpression, which ctest -R uses) that
// matches exactly that text: every character the syntax gives a meaning quoted with '\'.
std::string regex_literal(std::string_view name);

// The -R expression that selects exactly names: ^(a|b|...)$.
std::string names_regex(const std::vector<std::string> &names);

// The lock name of a fixture: apart from every RESOURCE_LOCK name.
std::string fixture_lock(const std::string &fixture);

// What a batch of tests needs of the suite.
class CTestSuite {
  public:
    explicit CTestSuite(CTestListing listing);
    const CTestTest *find(const std::string &name) const;
    const std::vector<CTestTest> &tests() const { return m_listing.tests; }

    // names and every test ctest adds to a run of them for their fixtures (the setup and cleanup
    // tests of each fixture they require, and of the fixtures those require in turn).
    std::set<std::string> with_fixtures(const std::vector<std::string> &names) const;
    // The locks that a run of names holds, sorted: the RESOURCE_LOCKs of its tests (those ctest
    // adds included) and one per fixture they set up, require or clean up (fixture_lock), so that
    // two runs never share a fixture at once.
    std::set<std::string> locks(const std::vector<std::string> &names) const;
    // Whether such a run holds a RUN_SERIAL test; any_run_serial(): whether the suite has one.
    bool run_serial(const std::vector<std::string> &names) const;
    bool any_run_serial() const { return m_any_run_serial; }

  private:
    CTestListing m_listing;
    std::map<std::string, size_t> m_index;
    bool m_any_run_serial = false;
};

} // namespace offload::ctest
