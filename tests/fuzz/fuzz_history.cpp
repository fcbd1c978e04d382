// libFuzzer target: the timing history file, which other runs (or a disk) may have left in any
// state. What parses must survive a write and a read unchanged.
#include "history/history.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string text(reinterpret_cast<const char *>(data), size);
    auto history = offload::History::parse(text);
    if (!history)
        return 0;
    std::string once = history->serialize();
    auto again = offload::History::parse(once);
    if (!again || again->serialize() != once)
        std::abort();
    history->batch_overhead_secs();
    return 0;
}
