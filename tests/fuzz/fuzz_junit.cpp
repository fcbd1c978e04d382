// libFuzzer target: JUnit XML from any test tool. Never a crash; what comes out is valid UTF-8
// without control characters (it goes into offload's own report).
#include "results/junit_reader.hpp"
#include "util/xml_text.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string text(reinterpret_cast<const char *>(data), size);
    offload::parse_junit(text, [](const offload::JunitCase &test) {
        for (const std::string *field :
             {&test.suite, &test.classname, &test.name, &test.file, &test.message, &test.details})
            if (offload::sanitize_text(*field) != *field)
                std::abort(); // the reader promised sanitized text
        if (test.details.size() > offload::details_max_bytes + 128)
            std::abort();
    });
    return 0;
}
