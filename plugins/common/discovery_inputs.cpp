#include "common/discovery_inputs.hpp"

namespace offload::common {

void DiscoveryInputs::add(offload_discovery_input_kind kind, const std::string &value) const
{
    offload_discovery_input input{sizeof(offload_discovery_input), uint32_t(kind), value.c_str()};
    m_sink->add(m_sink->context, &input);
}

void DiscoveryInputs::files_above(const std::vector<std::string> &names, unsigned levels) const
{
    std::string up;
    for (unsigned level = 0; level < levels; ++level) {
        up += "../";
        for (const std::string &name : names)
            file(up + name);
    }
}

} // namespace offload::common
