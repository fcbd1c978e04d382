// How discovered tests are cut into batches.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace offload {

// Plans the batches for `parallel` sandboxes pulling from one queue, from each test's estimated
// duration in seconds (estimated_secs[i] for test i; all equal when nothing is known).
// - Longest first: tests are taken in order of decreasing estimate (ties keep their order, so
//   with equal estimates consecutive tests - same file, same fixtures - stay together), so the
//   long tests start early and the short ones fill the tail.
// - Guided sizes: each batch gets about a 1/(2 * parallel) share of the estimated work still
//   unplanned, so early batches are large and the last ones small, and every sandbox finishes at
//   nearly the same time; but never less than 4 batch overheads' worth of work (except for the
//   very end), so the fixed cost of a batch stays amortized - and never more than 1/parallel of
//   all the work for that reason, so that a small suite still spreads over every sandbox.
// - With estimates from a timing history (from_history), all the work is dealt longest-first
//   onto one batch per sandbox, always to the least loaded (LPT): each sandbox pays its fixed
//   cost once. What the estimates got wrong is left to tail hedging (see runner/hedging.hpp).
// - No batch holds more than max_batch_size tests (0: no limit).
// Returns test indices per batch, in the order they should be queued.
std::vector<std::vector<size_t>> plan_batches(const std::vector<double> &estimated_secs, unsigned parallel,
                                              size_t max_batch_size, double batch_overhead_secs,
                                              bool from_history = false);

// The same with the tests of one source file kept together (the suite's keep_files_together): a
// file is one unit, planned like one test whose estimate is the sum of its tests', and never cut
// across batches, so that its module and class fixtures are set up once, in one process. files[i]
// is test i's file; a test without one ("") is a unit of its own. Inside a batch, a file's tests
// keep their discovery order. max_batch_size still holds: a file larger than it is cut into runs
// of that size (the only way a file spans batches).
std::vector<std::vector<size_t>> plan_file_batches(const std::vector<std::string> &files,
                                                   const std::vector<double> &estimated_secs,
                                                   unsigned parallel, size_t max_batch_size,
                                                   double batch_overhead_secs, bool from_history = false);

} // namespace offload
