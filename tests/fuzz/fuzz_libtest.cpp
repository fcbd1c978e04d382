// libFuzzer target: the cargo framework's readers of cargo and libtest output: the discovery
// listing, and a batch's output for a fixed batch of tests in several targets.
#include "cargo_listing.hpp"
#include "libtest_output.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view text(reinterpret_cast<const char *>(data), size);
    offload::cargo::read_listing(text);

    static const char *const ids[] = {"lib::tests::adds",
                                      "lib::tests::slow",
                                      "test(api)::creates",
                                      "bin(cli)::tests::parses",
                                      "doc::src/lib.rs - add (line 5)",
                                      "not an id"};
    offload::cargo::Grouping grouping = offload::cargo::group_by_target(ids, sizeof ids / sizeof *ids);
    offload::cargo::BatchReader reader(grouping);
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        reader.line(text.substr(start, end - start));
        start = end + 1;
    }
    reader.results();
    return 0;
}
