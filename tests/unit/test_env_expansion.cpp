#include "config/env_expansion.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace offload;

namespace {

VariableLookup variables(std::map<std::string, std::string> values)
{
    return [values](std::string_view name) -> std::optional<std::string> {
        auto found = values.find(std::string(name));
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
}

} // namespace

TEST_CASE("expansion: ${VAR}, ${VAR:-default} and $$")
{
    const VariableLookup lookup = variables({{"OUT", "results"}, {"EMPTY", ""}});
    CHECK(expand_variables("${OUT}/junit.xml", lookup).value() == "results/junit.xml");
    CHECK(expand_variables("${MISSING:-fallback}", lookup).value() == "fallback");
    CHECK(expand_variables("${OUT:-fallback}", lookup).value() == "results");
    CHECK(expand_variables("${EMPTY:-fallback}", lookup).value() == "fallback"); // as sh's :-
    CHECK(expand_variables("${MISSING:-}", lookup).value() == "");
    CHECK(expand_variables("$$${OUT}", lookup).value() == "$results");
    CHECK(expand_variables("$${OUT}", lookup).value() == "${OUT}");
    CHECK(expand_variables("$HOME and $1 and $", lookup).value() == "$HOME and $1 and $");
    CHECK(expand_variables("no variables", lookup).value() == "no variables");
}

TEST_CASE("expansion: an unset variable or a malformed reference is an error that says which")
{
    const VariableLookup lookup = variables({});
    auto unset = expand_variables("a/${NOPE}/b", lookup);
    REQUIRE(!unset);
    CHECK(unset.error().find("NOPE is not set") != std::string::npos);
    CHECK(unset.error().find("${NOPE:-default}") != std::string::npos);
    CHECK(!expand_variables("${UNCLOSED", lookup));
    CHECK(!expand_variables("${}", lookup));
    CHECK(!expand_variables("${A B}", lookup));
}

TEST_CASE("expansion of a document: every string but shell command keys, errors located")
{
    toml::table document = toml::parse(std::string_view(R"(
[report]
output_dir = "${OUT}"
[provider]
type = "process"
env = { TOKEN = "${SECRET:-none}", LIST = "x" }
exec_command = "echo ${OUT}"
[discovery]
type = "pytest"
paths = ["${OUT}/a", "b"]
command = "${OUT}"
sandbox_init_cmd = "${OUT}"
)"),
                                       std::string_view("offload.toml"));
    Diagnostics diagnostics(false);
    expand_document_variables(document, "offload.toml", diagnostics, variables({{"OUT", "res"}}));
    CHECK(diagnostics.error_count() == 0);
    CHECK(document["report"]["output_dir"].value_or(std::string()) == "res");
    CHECK(document["provider"]["env"]["TOKEN"].value_or(std::string()) == "none");
    CHECK(document["provider"]["exec_command"].value_or(std::string()) == "echo ${OUT}");
    CHECK(document["discovery"]["paths"][0].value_or(std::string()) == "res/a");
    CHECK(document["discovery"]["command"].value_or(std::string()) == "${OUT}");
    CHECK(document["discovery"]["sandbox_init_cmd"].value_or(std::string()) == "${OUT}");

    toml::table unset =
        toml::parse("[report]\noutput_dir = \"${NOT_SET_ANYWHERE}\"\n", std::string_view("offload.toml"));
    expand_document_variables(unset, "offload.toml", diagnostics, variables({}));
    REQUIRE(diagnostics.messages().size() == 1);
    CHECK(diagnostics.messages()[0].rfind("offload.toml:2:14: error: environment variable NOT_SET_ANYWHERE",
                                          0) == 0);
}

TEST_CASE("shell command keys")
{
    CHECK(is_shell_command_key("command"));
    CHECK(is_shell_command_key("exec_command"));
    CHECK(is_shell_command_key("sandbox_init_cmd"));
    CHECK(!is_shell_command_key("commander"));
    CHECK(!is_shell_command_key("output_dir"));
}
