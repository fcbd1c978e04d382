#include "plugin_host/plugin_config.hpp"

#include <doctest/doctest.h>
#include <offload/plugin.hpp>

namespace {

bool any_contains(const std::vector<std::string> &lines, const std::string &part)
{
    for (const std::string &line : lines)
        if (line.find(part) != std::string::npos)
            return true;
    return false;
}

struct Fixture {
    toml::table document = toml::parse(R"([provider]
type = "ssh"
hosts = ["a", "b:4"]
port = 2222
grace = 1.5
verbose = true
name = 7
env = { PATH = "/bin", "A.B" = "dotted" }
unused = "x"
)",
                                       std::string_view("offload.toml"));
    offload::Diagnostics diagnostics;
    offload_config config{*document["provider"].as_table(), "provider", "offload.toml", diagnostics};
};

} // namespace

TEST_CASE("typed getters return values, NOT_FOUND for absent keys")
{
    Fixture f;
    std::string text;
    offload::sdk::StringSink sink(text);
    CHECK(f.config.get_string("hosts[1]", sink) == OFFLOAD_OK);
    CHECK(text == "b:4");
    int64_t port = 0;
    CHECK(f.config.get_integer("port", &port) == OFFLOAD_OK);
    CHECK(port == 2222);
    double grace = 0;
    CHECK(f.config.get_float("grace", &grace) == OFFLOAD_OK);
    CHECK(grace == 1.5);
    CHECK(f.config.get_float("port", &grace) == OFFLOAD_OK); // integers are numbers too
    CHECK(grace == 2222);
    int32_t verbose = 0;
    CHECK(f.config.get_boolean("verbose", &verbose) == OFFLOAD_OK);
    CHECK(verbose == 1);
    size_t size = 0;
    CHECK(f.config.get_size("hosts", &size) == OFFLOAD_OK);
    CHECK(size == 2);
    CHECK(f.config.get_integer("missing", &port) == OFFLOAD_NOT_FOUND);
    CHECK(f.config.type("env") == OFFLOAD_VALUE_TABLE);
    CHECK(f.config.type("nothing") == OFFLOAD_VALUE_NONE);
}

TEST_CASE("table entries by index, including keys with dots")
{
    Fixture f;
    size_t size = 0;
    REQUIRE(f.config.get_size("env", &size) == OFFLOAD_OK);
    REQUIRE(size == 2);
    std::string second;
    offload::sdk::StringSink sink(second);
    CHECK(f.config.get_key("env", 0, sink) == OFFLOAD_OK); // sorted by name
    CHECK(second == "A.B");
    std::string value;
    offload::sdk::StringSink value_sink(value);
    CHECK(f.config.get_string(("env." + offload::sdk::Config::quote_key(second)).c_str(), value_sink) ==
          OFFLOAD_OK);
    CHECK(value == "dotted");
}

TEST_CASE("the empty key is the plugin's whole table")
{
    Fixture f;
    CHECK(f.config.type("") == OFFLOAD_VALUE_TABLE);
    size_t size = 0;
    REQUIRE(f.config.get_size("", &size) == OFFLOAD_OK);
    CHECK(size == 8); // type, hosts, port, grace, verbose, name, env, unused
    std::string first;
    offload::sdk::StringSink sink(first);
    CHECK(f.config.get_key("", 0, sink) == OFFLOAD_OK);
    CHECK(first == "env");
}

TEST_CASE("a wrong type is reported by the host with the location and key")
{
    Fixture f;
    std::string text;
    offload::sdk::StringSink sink(text);
    CHECK(f.config.get_string("name", sink) == OFFLOAD_WRONG_TYPE);
    CHECK(f.diagnostics.error_count() == 1);
    CHECK(any_contains(f.diagnostics.messages(),
                       "offload.toml:7:8: error: [provider] name must be a string, not an integer"));
}

TEST_CASE("keys nobody read are warned about, type never")
{
    Fixture f;
    int64_t port = 0;
    f.config.get_integer("port", &port);
    size_t size = 0;
    f.config.get_size("hosts", &size);
    f.config.warn_unread_keys("the ssh provider");
    auto messages = f.diagnostics.messages();
    CHECK(any_contains(
        messages,
        "offload.toml:9:1: warning: unknown key [provider] unused (the ssh provider does not read it"));
    CHECK(any_contains(messages, "[provider] grace"));
    CHECK_FALSE(any_contains(messages, "[provider] port "));
    CHECK_FALSE(any_contains(messages, "[provider] hosts "));
    CHECK_FALSE(any_contains(messages, "[provider] type "));
}

TEST_CASE("report() gives the plugin's own messages a location")
{
    Fixture f;
    f.config.report("port", OFFLOAD_LOG_ERROR, "must be below 1024 for this provider");
    CHECK(any_contains(f.diagnostics.messages(),
                       "offload.toml:4:8: error: [provider] port: must be below 1024"));
    CHECK(f.diagnostics.error_count() == 1);
}

TEST_CASE("malformed keys and NULL are treated as absent, never a crash")
{
    Fixture f;
    int64_t value = 0;
    CHECK(f.config.get_integer("a..b", &value) == OFFLOAD_NOT_FOUND);
    CHECK(f.config.get_integer(nullptr, &value) == OFFLOAD_NOT_FOUND);
}

TEST_CASE("injected keys are read like the file's, override it, and are not enumerated")
{
    Fixture f;
    f.config.inject("script", "/opt/offload-provider-x");
    f.config.inject("port", "override");
    std::string script, port;
    CHECK(f.config.get_string("script", offload::sdk::StringSink(script)) == OFFLOAD_OK);
    CHECK(script == "/opt/offload-provider-x");
    CHECK(f.config.get_string("port", offload::sdk::StringSink(port)) == OFFLOAD_OK);
    CHECK(port == "override");
    size_t size = 0;
    CHECK(f.config.get_size("", &size) == OFFLOAD_OK);
    CHECK(size == 8); // type, hosts, port, grace, verbose, name, env, unused
}
