// The placeholders of inline commands ([provider] *_command), per verb. Any other `{name}` in a
// command is an error at validation: passed on as literal text it would, say, destroy nothing.
#pragma once

#include <offload/plugin.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// "{sandbox_id}", "{command}"...: what the verb's command may hold ("work_dir" for the work_dir key).
const std::vector<std::string> &placeholders_of(std::string_view verb);

// The first `{name}` (lower-case letters, digits and _; not `${NAME}`, which is the shell's) that is
// not a placeholder of verb; nullopt when there is none.
std::optional<std::string> unknown_placeholder(std::string_view command, std::string_view verb);

// Checks every inline command (verb -> template) and the work_dir template: an unknown placeholder
// fails the key (Config::fail, naming it and the command's placeholders). Returns the placeholders
// whose text is the same in every call: {cpu_cores}, from the key of that name (default 1).
std::map<std::string, std::string> check_placeholders(const offload::sdk::Config &settings,
                                                      const std::map<std::string, std::string> &commands,
                                                      const std::string &work_dir);
