// The Catch2 framework: test cases of binaries built with Catch2 v2 or v3
// (https://github.com/catchorg/Catch2).
//   binaries        paths or globs (*, ?, [...]) of the test binaries, relative to the project
//   include_hidden  true: hidden cases ([.], [!hide]) are discovered and run too
//   extra_args      more Catch2 options for every listing and run (not test specs)
//   build_command   runs before discovery, in the project directory
// Ids are "BINARY::CASE NAME". See common/binary_framework.hpp for batches and crashes, and
// catch2_tool.hpp for what is read from Catch2.
#include "catch2_tool.hpp"
#include "common/binary_plugin.hpp"

using namespace offload::common;

namespace {

void config_template(const offload_text_sink *toml)
{
    offload::sdk::append_text(
        toml,
        "# The test binaries built with Catch2 (v2 or v3): paths or globs (*, ?, [...]) relative to\n"
        "# this file.\n"
        "binaries = [\"build/tests/test_*\"]\n"
        "# Hidden test cases ([.], [!hide]) are discovered and run too.\n"
        "# include_hidden = false\n"
        "# More Catch2 options for every listing and run (options only: offload writes the test specs).\n"
        "# extra_args = [\"--warn\", \"NoAssertions\"]\n"
        "# A command that builds the binaries, run before discovery in the project directory.\n"
        "# build_command = \"ninja -C build\"\n");
}

using Plugin = BinaryPlugin<offload::catch2_plugin::Catch2Tool>;
const offload_framework_v1 framework_interface = Plugin::table(config_template);

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "catch2",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "C++ test binaries built with Catch2 (v2 or v3), case by case",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_interface)
