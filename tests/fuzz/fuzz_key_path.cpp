// libFuzzer target: the key paths plugins hand the host ("env.\"a.b\"", "hosts[2]"), looked up
// in a fixed table.
#include "config/toml_access.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const toml::table table = toml::parse("a = [1, [2, {b = 3}]]\n[env]\n\"x.y\" = \"z\"\n");
    std::string_view text(reinterpret_cast<const char *>(data), size);
    if (auto path = offload::parse_key_path(text))
        offload::find_node(table, *path);
    return 0;
}
