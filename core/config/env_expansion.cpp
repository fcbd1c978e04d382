#include "config/env_expansion.hpp"

#include "config/toml_access.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace offload {

namespace {

bool valid_name(std::string_view name)
{
    if (name.empty() || (name[0] >= '0' && name[0] <= '9'))
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

bool ends_with(std::string_view text, std::string_view suffix)
{
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

void expand_node(toml::node &node, bool command, const std::string &file, Diagnostics &diagnostics,
                 const VariableLookup &lookup)
{
    if (auto *table = node.as_table()) {
        for (auto &&[key, child] : *table)
            expand_node(child, command || is_shell_command_key(key.str()), file, diagnostics, lookup);
    } else if (auto *array = node.as_array()) {
        for (toml::node &child : *array)
            expand_node(child, command, file, diagnostics, lookup);
    } else if (auto *string = node.as_string()) {
        if (command || string->get().find('$') == std::string::npos)
            return;
        Expected<std::string> expanded = expand_variables(string->get(), lookup);
        if (!expanded) {
            diagnostics.error(location_of(node, file),
                              expanded.error() +
                                  " (write $$ for a literal $, e.g. $${NAME} for the text ${NAME})");
            return;
        }
        *string = std::move(*expanded);
    }
}

} // namespace

VariableLookup process_environment()
{
    return [](std::string_view name) -> std::optional<std::string> {
        const char *value = std::getenv(std::string(name).c_str());
        if (!value)
            return std::nullopt;
        return std::string(value);
    };
}

Expected<std::string> expand_variables(std::string_view text, const VariableLookup &lookup)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$' || i + 1 == text.size()) {
            out += text[i];
            continue;
        }
        if (text[i + 1] == '$') {
            out += '$';
            ++i;
            continue;
        }
        if (text[i + 1] != '{') {
            out += '$';
            continue;
        }
        const size_t close = text.find('}', i + 2);
        if (close == std::string_view::npos)
            return failure(fmt::format("\"{}\" has a ${{ without its closing }}", text));
        const std::string_view inside = text.substr(i + 2, close - i - 2);
        const size_t dash = inside.find(":-");
        const std::string_view name = inside.substr(0, dash);
        if (!valid_name(name))
            return failure(
                fmt::format("${{{}}} is not a variable reference: a name is letters, digits and _, "
                            "optionally followed by :-default",
                            inside));
        std::optional<std::string> value = lookup(name);
        if (dash != std::string_view::npos) {
            if (!value || value->empty())
                value = std::string(inside.substr(dash + 2));
        } else if (!value) {
            return failure(
                fmt::format("environment variable {} is not set (write ${{{}:-default}} to give it "
                            "a default)",
                            name, name));
        }
        out += *value;
        i = close;
    }
    return out;
}

bool is_shell_command_key(std::string_view key)
{
    return key == "command" || key == "commands" || ends_with(key, "_command") ||
           ends_with(key, "_commands") || ends_with(key, "_cmd");
}

void expand_document_variables(toml::table &document, const std::string &file, Diagnostics &diagnostics,
                               const VariableLookup &lookup)
{
    for (auto &&[key, child] : document)
        expand_node(child, is_shell_command_key(key.str()), file, diagnostics, lookup);
}

} // namespace offload
