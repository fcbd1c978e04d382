// How discovered tests are cut into batches.
#pragma once

#include <cstddef>
#include <vector>

namespace offload {

// Splits tests 0..count-1, in order, into batches for `parallel` sandboxes pulling from one queue.
// Guided self-scheduling: each batch takes ceil(remaining / (2 * parallel)) tests, so the first
// batches are large enough to amortize the fixed cost of a batch and the last ones are small
// enough that all sandboxes finish at nearly the same time. No batch holds more than
// max_batch_size tests (0: no limit). Consecutive tests stay together (same file, same fixtures).
std::vector<std::vector<size_t>> make_batches(size_t count, unsigned parallel, size_t max_batch_size);

} // namespace offload
