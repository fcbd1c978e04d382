// libFuzzer target: offload.toml as the core reads it, and a plugin's typed getters over it.
// Any input must end in settings or in offload::Error with located messages, never a crash.
#include "config/settings.hpp"
#include "plugin_host/plugin_config.hpp"
#include "util/error.hpp"

#include <offload/plugin.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string text(reinterpret_cast<const char *>(data), size);
    offload::Diagnostics diagnostics(/*print=*/false);
    try {
        auto settings = offload::settings_from_text(text, "/fuzz/offload.toml", "offload.toml", diagnostics);
        offload_config provider(*settings->provider_table, "provider", "offload.toml", diagnostics);
        for (const char *key :
             {"", "shell", "env", "env.PATH", "hosts[0]", "hosts[99]", "a.\"b.c\"", "x[0][1]"}) {
            std::string value;
            offload::sdk::StringSink sink(value);
            int64_t integer = 0;
            double number = 0;
            int32_t flag = 0;
            size_t count = 0;
            provider.type(key);
            provider.get_string(key, sink);
            provider.get_integer(key, &integer);
            provider.get_float(key, &number);
            provider.get_boolean(key, &flag);
            if (provider.get_size(key, &count) == OFFLOAD_OK)
                for (size_t i = 0; i < count && i < 8; ++i)
                    provider.get_key(key, i, sink);
        }
        provider.warn_unread_keys("the fuzzed provider");
        offload::describe_settings(*settings);
    } catch (const offload::Error &) {
    }
    return 0;
}
