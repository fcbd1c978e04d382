// The host side of offload_config: one plugin's table of offload.toml ([provider] or
// [discovery]) behind the typed getters of the SDK, with located error messages and a record of
// which keys the plugin read, so that keys nobody reads can be reported as unknown.
#pragma once

#include "config/diagnostics.hpp"

#include <offload/host.h>
#include <toml++/toml.h>

#include <mutex>
#include <string>
#include <unordered_set>

// Completes the SDK's opaque type. Thread-safe; the table must outlive it.
struct offload_config {
  public:
    offload_config(const toml::table &table, std::string section, std::string file,
                   offload::Diagnostics &diagnostics);

    const std::string &section() const { return m_section; }
    const toml::table &table() const { return m_table; }

    offload_value_type type(const char *key) const;
    offload_status get_string(const char *key, const offload_text_sink *value) const;
    offload_status get_integer(const char *key, int64_t *value) const;
    offload_status get_float(const char *key, double *value) const;
    offload_status get_boolean(const char *key, int32_t *value) const;
    offload_status get_size(const char *key, size_t *size) const;
    offload_status get_key(const char *key, size_t index, const offload_text_sink *name) const;
    void report(const char *key, offload_log_level level, const char *message) const;

    // Adds a top-level string key the file does not have (or overrides the file's), for values
    // the host hands a plugin: the script bridge learns its script's path this way. Injected
    // keys are not enumerated by get_size("")/get_key(""). Main thread, before the plugin reads.
    void inject(const std::string &key, const std::string &value);

    // Warns about every top-level key of the table that no getter touched, except `type` and the
    // host's own keys of [discovery] (keep_files_together).
    // Called after the plugin's create() returned.
    void warn_unread_keys(const std::string &plugin_description) const;

  private:
    // The node at key, marking it and its parents read; nullptr when absent. A malformed key is
    // reported as the plugin's bug and treated as absent.
    const toml::node *find(const char *key) const;
    offload_status wrong_type(const char *key, const toml::node &node, std::string_view expected) const;

    const toml::table &m_table;
    toml::table m_injected;
    std::string m_section;
    std::string m_file;
    offload::Diagnostics &m_diagnostics;
    mutable std::mutex m_mutex;
    mutable std::unordered_set<const toml::node *> m_read;
};
