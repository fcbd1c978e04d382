#include "config/toml_access.hpp"
#include "util/edit_distance.hpp"

#include <doctest/doctest.h>

using offload::parse_key_path;
using offload::PathSegment;

TEST_CASE("key paths: keys, indexes and quoted keys")
{
    auto path = parse_key_path("env.PATH");
    REQUIRE(path);
    CHECK(*path == std::vector<PathSegment>{std::string("env"), std::string("PATH")});

    path = parse_key_path("hosts[2]");
    REQUIRE(path);
    CHECK(*path == std::vector<PathSegment>{std::string("hosts"), size_t(2)});

    path = parse_key_path("env.\"a.b\\\"c\"");
    REQUIRE(path);
    CHECK(*path == std::vector<PathSegment>{std::string("env"), std::string("a.b\"c")});

    path = parse_key_path("matrix[1][0].name");
    REQUIRE(path);
    CHECK(path->size() == 4);

    path = parse_key_path(""); // the table itself
    REQUIRE(path);
    CHECK(path->empty());
}

TEST_CASE("malformed key paths are refused with a reason")
{
    for (const char *bad : {"a.", ".a", "a..b", "a[", "a[]", "a[x]", "\"open", "a.[1]"}) {
        CAPTURE(bad);
        const auto path = parse_key_path(bad);
        REQUIRE_FALSE(path);
        CHECK(path.error().find("of key") != std::string::npos);
    }
}

TEST_CASE("find_node walks tables and arrays")
{
    toml::table root = toml::parse(R"(
hosts = ["a", "b"]
[env]
"x.y" = "1"
)");
    const toml::node *node = offload::find_node(root, *parse_key_path("hosts[1]"));
    REQUIRE(node);
    CHECK(node->as_string()->get() == "b");
    CHECK(offload::find_node(root, *parse_key_path("env.\"x.y\"")));
    CHECK_FALSE(offload::find_node(root, *parse_key_path("hosts[2]")));
    CHECK_FALSE(offload::find_node(root, *parse_key_path("env.x")));
}

TEST_CASE("locations are 1-based line and column")
{
    toml::table root = toml::parse("a = 1\n  b = \"x\"\n", std::string_view("conf.toml"));
    offload::Location where = offload::location_of(*root.get("b"), "fallback");
    CHECK(where.to_string() == "conf.toml:2:7");
}

TEST_CASE("edit distance for did-you-mean hints")
{
    CHECK(offload::edit_distance("max_paralel", "max_parallel") == 1);
    CHECK(offload::edit_distance("", "abc") == 3);
    CHECK(offload::edit_distance("retry_count", "retry_count") == 0);
}
