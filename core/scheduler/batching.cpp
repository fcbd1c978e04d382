#include "scheduler/batching.hpp"

#include <algorithm>

namespace offload {

std::vector<std::vector<size_t>> make_batches(size_t count, unsigned parallel, size_t max_batch_size)
{
    std::vector<std::vector<size_t>> batches;
    const size_t divisor = 2 * size_t(std::max(1u, parallel));
    size_t next = 0;
    while (next < count) {
        size_t remaining = count - next;
        size_t size = (remaining + divisor - 1) / divisor;
        if (max_batch_size > 0)
            size = std::min(size, max_batch_size);
        std::vector<size_t> batch(size);
        for (size_t i = 0; i < size; ++i)
            batch[i] = next + i;
        next += size;
        batches.push_back(std::move(batch));
    }
    return batches;
}

} // namespace offload
