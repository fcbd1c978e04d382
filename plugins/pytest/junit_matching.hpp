// Maps the <testcase>s of pytest's JUnit report back to the node ids of a batch.
//
// pytest names a testcase after the node id by a fixed rule (mangle_test_address in
// _pytest/junitxml.py), so the plugin computes, for every id of the batch, the exact classname and
// name pytest will write and matches on them: no guessing, whatever the id holds (classes, nested
// directories, brackets, "::" or spaces in parameters). Pure code: no host, no I/O.
#pragma once

#include <offload/offload.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// The classname and name pytest's junitxml gives a node id (no junit_prefix): for
// "tests/unit/test_a.py::TestB::test_c[x::y]" that is "tests.unit.test_a.TestB" and "test_c[x::y]".
struct JunitName {
    std::string classname;
    std::string name;
};
JunitName junit_name_of(std::string_view node_id);

// The file part of a node id: everything before the first "::" (the whole id if it has none).
std::string_view file_of(std::string_view node_id);

// One <testcase>, copied out of the host's borrowed offload_junit_case.
struct JunitCase {
    std::string classname;
    std::string name;
    std::string file;      // xunit1's file attribute, relative to pytest's rootdir; may be empty
    double time_secs = -1; // negative when absent
    offload_outcome outcome = OFFLOAD_OUTCOME_PASSED;
    std::string message;
    std::string details;
};

// What one test of the batch ends as.
struct TestVerdict {
    size_t test = 0; // index into the batch's ids
    offload_outcome outcome = OFFLOAD_OUTCOME_PASSED;
    double duration_secs = -1; // negative when unknown
    std::string message;
    std::string details;
    // True when the test got no testcase while some testcase matched no test: a naming mismatch,
    // reported as an error that names the closest testcase. Not a result of the test itself.
    bool unmatched = false;
};

// Matches the testcases of one batch run to its ids and returns one verdict per test that the
// report speaks about:
// - a testcase whose name is a node id of the batch (record_xml_attribute("name", nodeid) in a
//   conftest) belongs to that test, whatever its classname; two such testcases for one test make
//   it an error (they cannot be told apart), never a pass;
// - a test with testcases gets their outcome; several testcases for one test (pytest writes a
//   second one when teardown fails after a failed call) combine: failed > error > skipped > passed;
// - a test whose module failed to import gets the collection error pytest recorded for the module;
// - a test without any testcase, while some testcase matched no test, gets an `unmatched` error;
// - a test without any testcase, while every testcase matched a test, gets no verdict: pytest did
//   not run it (it stopped early, e.g. -x), so nothing can be said about it.
std::vector<TestVerdict> match_junit(const std::vector<std::string_view> &ids,
                                     const std::vector<JunitCase> &cases);
