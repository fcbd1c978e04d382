/* offload plugin SDK — the plugin descriptor and the entry symbol.
 *
 * A plugin is a shared library that exports one function, offload_plugin_entry_v1 (the name
 * carries the ABI major version: a library built for another major exports another name and is
 * refused with a clear message). The function returns a descriptor with static storage duration.
 *
 * Lifecycle, all on the host's main thread:
 *   entry() -> init(host) -> get_interface(id)... -> [instances live and die] -> deinit()
 * The library stays loaded until the host process exits.
 *
 * The host asks get_interface() for every id it knows, including ids newer than the plugin:
 * answer NULL for any id you do not implement. A plugin offers a new capability by answering a
 * new id (an extension such as OFFLOAD_PROVIDER_EXEC_V2), never by growing a published table.
 */
#pragma once

#include "abi.h"
#include "host.h"

/* Static storage duration, owned by the plugin; the host reads it and never writes it. */
typedef struct offload_plugin_descriptor {
    uint32_t struct_size;
    uint32_t abi_major;      /* OFFLOAD_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;      /* OFFLOAD_ABI_MINOR the plugin was built with */
    const char *id;          /* what users write in `type = "..."`: [a-z0-9_-]+ */
    const char *version;     /* the plugin's own version, free form */
    const char *description; /* one line */

    /* [main-thread] [optional] Called once before anything else. host (owned by the host) stays
     * valid until deinit() returns; keep the pointer. Do not refuse a host whose struct_size is
     * smaller than your sizeof(offload_host): check OFFLOAD_SIZE_OK and OFFLOAD_HAS_FIELD.
     * Returns OFFLOAD_OK, or OFFLOAD_ERROR with the reason in error: the host then refuses the
     * plugin and never calls it again (deinit() is not called). NULL: nothing to initialize (the
     * plugin then gets the host table in its interfaces' create()). */
    offload_status (*init)(const offload_host *host, const offload_text_sink *error);
    /* [main-thread] [optional] Called once, after every instance the plugin created has been
     * destroyed. */
    void (*deinit)(void);
    /* [main-thread] Returns the interface with that id (a struct of static storage duration,
     * owned by the plugin, e.g. offload_provider_v1 for OFFLOAD_PROVIDER_INTERFACE_V1), or NULL if
     * not implemented. interface_id is borrowed for the call. Called after init(), once per id the
     * host knows; the host keeps the pointers until exit. */
    const void *(*get_interface)(const char *interface_id);
} offload_plugin_descriptor;

#define OFFLOAD_PLUGIN_ENTRY_SYMBOL "offload_plugin_entry_v1"
/* [main-thread] The entry symbol: returns the descriptor (never NULL). Called once, first. */
typedef const offload_plugin_descriptor *(*offload_plugin_entry_fn)(void);

/* Defines the entry symbol, returning the address of DESCRIPTOR. Use once per plugin. C++
 * plugins can let OFFLOAD_PLUGIN of plugin.hpp write the descriptor and get_interface too. */
#define OFFLOAD_DEFINE_PLUGIN(DESCRIPTOR)                                                                    \
    OFFLOAD_EXPORT const offload_plugin_descriptor *offload_plugin_entry_v1(void);                           \
    OFFLOAD_EXPORT const offload_plugin_descriptor *offload_plugin_entry_v1(void)                            \
    {                                                                                                        \
        return &(DESCRIPTOR);                                                                                \
    }
