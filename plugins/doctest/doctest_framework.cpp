// The doctest framework: test cases of binaries built with doctest (https://github.com/doctest/doctest).
//   binaries       paths or globs (*, ?, [...]) of the test binaries, relative to the project
//   extra_args     more doctest options for every listing and run (e.g. "--test-suite=fast")
//   build_command  runs before discovery, in the project directory
// Ids are "BINARY::CASE NAME". See common/binary_framework.hpp for batches and crashes, and
// doctest_tool.hpp for what is read from doctest.
#include "common/binary_plugin.hpp"
#include "doctest_tool.hpp"

using namespace offload::common;

namespace {

void config_template(const offload_text_sink *toml)
{
    offload::sdk::append_text(
        toml,
        "# The test binaries built with doctest: paths or globs (*, ?, [...]) relative to this file.\n"
        "binaries = [\"build/tests/test_*\"]\n"
        "# More doctest options for every listing and run (not the ones that choose cases or reporters).\n"
        "# extra_args = [\"--test-suite=fast\"]\n"
        "# A command that builds the binaries, run before discovery in the project directory.\n"
        "# build_command = \"ninja -C build\"\n");
}

using Plugin = BinaryPlugin<offload::doctest_plugin::DoctestTool>;
const offload_framework_v1 framework_interface = Plugin::table(config_template);
const offload_framework_filters_v1 filters_interface = Plugin::filters_table();

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "doctest",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "C++ test binaries built with doctest, case by case",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_interface, filters_interface)
