#include "placeholders.hpp"

#include <algorithm>
#include <cstdio>
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

std::map<std::string, std::string> check_placeholders(const offload::sdk::Config &settings,
                                                      const std::map<std::string, std::string> &commands,
                                                      const std::string &work_dir)
{
    for (const auto &[verb, command] : commands) {
        if (auto unknown = unknown_placeholder(command, verb)) {
            std::string known;
            for (const std::string &name : placeholders_of(verb))
                known += (known.empty() ? "" : ", ") + name;
            settings.fail(verb + "_command", "holds " + *unknown + ", which is no placeholder of " + verb +
                                                 "_command (" + (known.empty() ? "it has none" : known) +
                                                 "); offload would pass it on as literal text");
        }
    }
    if (auto unknown = unknown_placeholder(work_dir, "work_dir"))
        settings.fail("work_dir",
                      "holds " + *unknown + ", which is no placeholder of work_dir ({sandbox_id})");
    std::map<std::string, std::string> fixed{{"{cpu_cores}", "1"}};
    if (settings.has("cpu_cores")) {
        const double cores = settings.number("cpu_cores").value_or(0);
        if (!(cores > 0) || cores > 1024)
            settings.fail("cpu_cores", "must be a number of cores greater than 0 (at most 1024)");
        char text[32];
        std::snprintf(text, sizeof text, "%g", cores);
        fixed["{cpu_cores}"] = text;
    }
    return fixed;
}
