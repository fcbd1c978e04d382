// The extensions the host offers plugins: tables looked up by id with offload_host.get_extension,
// as CLAP's host does. offload_host itself grows no further; a new service is a table registered
// here under an id of its own (`offload.<area>.<name>/<rev>`, e.g. OFFLOAD_HOST_PROCESS_V2).
//
// To offer one, the core calls, on the main thread before the first plugin is loaded (a plugin
// may ask from its init()):
//     offload::register_host_extension(OFFLOAD_HOST_PROCESS_V2, &host_process_v2);
// with a table of static storage duration whose struct_size is set. Every plugin's offload_host
// answers it from then on; its functions find the calling plugin through their host argument.
#pragma once

#include <offload/host.h>

#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace offload {

// Id -> table. Thread-safe.
class HostExtensions {
  public:
    // Offers table under id. table must stay valid until the process exits. Throws
    // std::invalid_argument for a NULL table, an id not shaped `name/rev` (rev a number from 1) or
    // one registered already: each is a bug of the core, not of a plugin.
    void add(std::string_view id, const void *table);
    // The table registered under id, or nullptr.
    const void *find(std::string_view id) const;

  private:
    mutable std::mutex m_mutex;
    std::map<std::string, const void *, std::less<>> m_tables;
};

// The process-wide registry, the one every plugin's get_extension answers from.
HostExtensions &host_extensions();

// host_extensions().add(id, table); see the top of this file.
void register_host_extension(std::string_view id, const void *table);

// offload_host.get_extension: the table registered under extension_id, or NULL (unknown or NULL
// id). [thread-safe]
const void *host_get_extension(const offload_host *host, const char *extension_id);

} // namespace offload
