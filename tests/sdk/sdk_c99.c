/* The SDK's headers compile alone as strict C99 (see meson.build for the flags), and the
 * descriptor layout a plugin sees is the one the host expects. */
#include <offload/offload.h>

#include <string.h>

static void append(void *context, const char *data, size_t length)
{
    memcpy((char *)context, data, length);
    ((char *)context)[length] = '\0';
}

int main(void)
{
    char buffer[64] = {0};
    offload_text_sink sink;
    sink.struct_size = sizeof sink;
    sink.context = buffer;
    sink.append = append;
    offload_text_printf(&sink, "abi %d.%d", OFFLOAD_ABI_MAJOR, OFFLOAD_ABI_MINOR);
    if (strcmp(buffer, "abi 1.3") != 0)
        return 1;
    /* The first field of every boundary struct is its size. */
    if (offsetof(offload_plugin_descriptor, struct_size) != 0 || offsetof(offload_host, struct_size) != 0 ||
        offsetof(offload_provider_v1, struct_size) != 0 || offsetof(offload_framework_v1, struct_size) != 0)
        return 2;
    return strcmp(OFFLOAD_PLUGIN_ENTRY_SYMBOL, "offload_plugin_entry_v1") == 0 ? 0 : 3;
}
