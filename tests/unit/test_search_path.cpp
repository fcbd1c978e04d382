#include "plugin_host/search_path.hpp"

#include <doctest/doctest.h>

using offload::plugin_search_path;
using offload::SearchPathInputs;

TEST_CASE("the search path keeps the documented order")
{
    SearchPathInputs inputs;
    inputs.command_line = {"/cli/one", "/cli/two"};
    inputs.environment = "/env/a:/env/b";
    inputs.config = {"/project/tools/plugins"};
    inputs.project_dir = "/project";
    inputs.installed_dir = "/usr/lib/offload/plugins";
    auto dirs = plugin_search_path(inputs);
    REQUIRE(dirs.size() == 7);
    CHECK(dirs[0].dir == "/cli/one");
    CHECK(dirs[0].origin == "--plugin-path");
    CHECK(dirs[1].dir == "/cli/two");
    CHECK(dirs[2].dir == "/env/a");
    CHECK(dirs[2].origin == "OFFLOAD_PLUGIN_PATH");
    CHECK(dirs[3].dir == "/env/b");
    CHECK(dirs[4].dir == "/project/tools/plugins");
    CHECK(dirs[5].dir == "/project/.offload/plugins");
    CHECK(dirs[6].dir == "/usr/lib/offload/plugins");
    CHECK(dirs[6].origin == "installed with offload");
}

TEST_CASE("duplicates keep their first place; empty entries are skipped")
{
    SearchPathInputs inputs;
    inputs.command_line = {"/x/"};
    inputs.environment = "::/x:/y:";
    inputs.installed_dir = "/y";
    auto dirs = plugin_search_path(inputs);
    REQUIRE(dirs.size() == 2);
    CHECK(dirs[0].dir == "/x");
    CHECK(dirs[0].origin == "--plugin-path");
    CHECK(dirs[1].dir == "/y");
    CHECK(dirs[1].origin == "OFFLOAD_PLUGIN_PATH");
}

TEST_CASE("relative entries are taken from the current directory")
{
    SearchPathInputs inputs;
    inputs.command_line = {"rel/plugins"};
    auto dirs = plugin_search_path(inputs);
    REQUIRE(dirs.size() == 1);
    CHECK(dirs[0].dir == std::filesystem::current_path() / "rel/plugins");
}
