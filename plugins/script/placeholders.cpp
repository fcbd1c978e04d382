#include "placeholders.hpp"

#include <algorithm>
#include <map>

const std::vector<std::string> &placeholders_of(std::string_view verb)
{
    // {image_id} (what prepare printed) and {cpu_cores} (the key) in every command; the Rust offload's
    // names ({sandbox_id} in destroy, {paths} in download) beside offload's own.
    static const std::map<std::string, std::vector<std::string>, std::less<>> table = {
        {"prepare", {"{cpu_cores}"}},
        {"create", {"{index}", "{image_id}", "{cpu_cores}"}},
        {"exec", {"{sandbox_id}", "{command}", "{image_id}", "{cpu_cores}"}},
        {"stop", {"{sandbox_id}", "{image_id}", "{cpu_cores}"}},
        {"upload", {"{sandbox_id}", "{local}", "{remote}", "{image_id}", "{cpu_cores}"}},
        {"download", {"{sandbox_id}", "{remote}", "{local}", "{paths}", "{image_id}", "{cpu_cores}"}},
        {"destroy", {"{sandbox_ids}", "{sandbox_id}", "{image_id}", "{cpu_cores}"}},
        {"finish", {"{image_id}", "{cpu_cores}"}},
        {"work_dir", {"{sandbox_id}"}},
    };
    static const std::vector<std::string> none;
    auto found = table.find(verb);
    return found == table.end() ? none : found->second;
}

std::optional<std::string> unknown_placeholder(std::string_view command, std::string_view verb)
{
    const std::vector<std::string> &known = placeholders_of(verb);
    for (size_t open = command.find('{'); open != std::string_view::npos;
         open = command.find('{', open + 1)) {
        if (open > 0 && command[open - 1] == '$')
            continue;
        size_t end = open + 1;
        while (end < command.size() && ((command[end] >= 'a' && command[end] <= 'z') ||
                                        (command[end] >= '0' && command[end] <= '9') || command[end] == '_'))
            ++end;
        if (end == open + 1 || end >= command.size() || command[end] != '}')
            continue;
        const std::string name(command.substr(open, end - open + 1));
        if (std::find(known.begin(), known.end(), name) == known.end())
            return name;
    }
    return std::nullopt;
}
