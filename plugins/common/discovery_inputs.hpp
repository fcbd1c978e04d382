// Naming discovery inputs (offload.framework.discovery_inputs/1) in the shipped plugins. Not part
// of the ABI (see text.hpp).
#pragma once

#include <offload/plugin.hpp>

#include <string>
#include <vector>

namespace offload::common {

class DiscoveryInputs {
  public:
    explicit DiscoveryInputs(const offload_discovery_input_sink *sink) : m_sink(sink) {}

    void add(offload_discovery_input_kind kind, const std::string &value) const;
    void glob(const std::string &value) const { add(OFFLOAD_INPUT_GLOB, value); }
    void file(const std::string &value) const { add(OFFLOAD_INPUT_FILE, value); }
    void command(const std::string &value) const { add(OFFLOAD_INPUT_COMMAND, value); }
    void skip_directory(const std::string &value) const { add(OFFLOAD_INPUT_SKIP_DIRECTORY, value); }

    // Each of names in every directory above the discovery directory ("../name", "../../name", ...,
    // `levels` of them): files a tool looks for upwards (a pytest.ini, a workspace's Cargo.toml),
    // whose appearance changes the list.
    void files_above(const std::vector<std::string> &names, unsigned levels) const;

  private:
    const offload_discovery_input_sink *m_sink;
};

} // namespace offload::common
