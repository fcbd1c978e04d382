// Reads what a cargo framework batch printed: one cargo invocation per target ("group"), each
// framed by marker lines the batch command echoes itself, all of it merged into one stream:
//
//   @offload-cargo group 0 begin lib
//   running 3 tests                                 libtest's own (pretty) output
//   test tests::adds ... ok
//   test tests::fails ... FAILED
//   test tests::slow ... ignored, needs a network
//   failures:
//   ---- tests::fails stdout ----                   what the failed test printed, and its panic
//   thread 'tests::fails' panicked at src/lib.rs:12:5:
//   ...
//   test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 2 filtered out; finished in 0.15s
//   @offload-cargo group 0 exit 101
//
// Stable libtest has no machine-readable output and no per-test times; a test's duration is known
// only when its group ran that test alone (libtest's "finished in").
#pragma once

#include "test_ids.hpp"

#include <offload/offload.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace offload::cargo {

// Starts the marker lines of a batch: "<marker> N begin SPEC" and "<marker> N exit CODE".
inline constexpr std::string_view group_marker = "@offload-cargo group ";

// The tests of one batch that one cargo invocation runs: those of one target.
struct Group {
    Target target;
    std::vector<std::string> names; // libtest names, in batch order
    std::vector<size_t> ids;        // for each name, its index in the batch's ids
};

struct Grouping {
    std::vector<Group> groups;     // in the order of each target's first test in the batch
    std::vector<size_t> malformed; // indices of ids that are not cargo framework ids
};

Grouping group_by_target(const char *const *ids, size_t count);

// The libtest filters that select a doc test. rustdoc splits every test argument at whitespace
// (rust-lang/rust#39789), and doc test names hold spaces, so a doc test cannot be named exactly:
// this is one word of its name as a substring filter ("add" for "src/lib.rs - add (line 5)"),
// which selects it and perhaps a few others. Their results are not reported.
std::string doc_test_filter(std::string_view name);

struct GroupResult {
    size_t id; // index in the batch's ids
    offload_outcome outcome;
    double duration_secs; // negative when unknown
    std::string message;
    std::string output;
};

// Reads a batch's output line by line (any amount: only a bounded part of each failed test's
// output is kept), then says what it learned about each test.
class BatchReader {
  public:
    explicit BatchReader(const Grouping &grouping);
    ~BatchReader();
    BatchReader(const BatchReader &) = delete;
    BatchReader &operator=(const BatchReader &) = delete;

    void line(std::string_view line);
    // The results, once every line was read. A test gets none when its group did not finish
    // (the batch timed out or was killed) and libtest printed no result for it, or when libtest
    // never ran it (renamed or removed since discovery). A test named by several result lines
    // keeps the most severe (failed > passed > ignored). A pass is reported only when its group's
    // exit status, libtest's summaries and its result lines agree (a test can print lines that
    // look like libtest's); otherwise it is an error that says why.
    std::vector<GroupResult> results() const;

  private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace offload::cargo
