// The [discovery] keys every binary framework shares, and the shape of its ids (binary_framework.hpp).
#include "common/binary_framework.hpp"

namespace offload::common {

BinarySettings read_binary_settings(const offload::sdk::Config &config,
                                    const std::vector<std::pair<std::string, std::string>> &forbidden)
{
    BinarySettings settings;
    auto binaries = config.string_list("binaries");
    if (!binaries || binaries->empty())
        config.fail(
            "binaries",
            "is required: the test binaries, as paths or globs relative to the project directory, e.g. "
            "[\"build/tests/test_*\"]");
    for (size_t i = 0; i < binaries->size(); ++i) {
        const std::string &glob = (*binaries)[i];
        const std::string key = "binaries[" + std::to_string(i) + "]";
        if (glob.empty())
            config.fail(key, "must not be empty: a path or a glob such as \"build/tests/test_*\"");
        if (glob.find('\n') != std::string::npos || glob.find("::") != std::string::npos)
            config.fail(key,
                        "must not hold a line feed or \"::\" (\"::\" separates the binary from the case in "
                        "test ids)");
    }
    settings.binaries = std::move(*binaries);
    settings.extra_args = config.string_list("extra_args").value_or(std::vector<std::string>{});
    for (size_t i = 0; i < settings.extra_args.size(); ++i) {
        const std::string &arg = settings.extra_args[i];
        for (const auto &[option, why] : forbidden)
            if (arg == option || arg.rfind(option + "=", 0) == 0)
                config.fail("extra_args[" + std::to_string(i) + "]",
                            "\"" + arg + "\" is set by offload itself: " + why);
    }
    settings.build_command = config.string("build_command").value_or("");
    return settings;
}

std::optional<CaseId> split_case_id(const std::string &id)
{
    const size_t separator = id.find("::");
    if (separator == std::string::npos || separator == 0)
        return std::nullopt;
    return CaseId{id.substr(0, separator), id.substr(separator + 2)};
}

std::string runnable_path(const std::string &binary)
{
    return binary.find('/') == std::string::npos ? "./" + binary : binary;
}

} // namespace offload::common
