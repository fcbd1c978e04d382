// The SDK's headers, C and C++ helper alike, compile alone as C++ with -pedantic-errors, and the
// C structs have the same layout seen from C++.
#include <offload/offload.h>
#include <offload/plugin.hpp>

#include <cstring>
#include <string>

int main()
{
    std::string text;
    offload::sdk::StringSink sink(text);
    offload_text_printf(sink, "%s-%d", "abi", OFFLOAD_ABI_MAJOR);
    if (text != "abi-1")
        return 1;
    static_assert(offsetof(offload_plugin_descriptor, struct_size) == 0);
    static_assert(sizeof(offload_status) == 4);
    return std::strcmp(OFFLOAD_PLUGIN_ENTRY_SYMBOL, "offload_plugin_entry_v1") == 0 ? 0 : 2;
}
