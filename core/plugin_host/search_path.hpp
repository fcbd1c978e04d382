// Where plugins are looked for, in order of precedence.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace offload {

struct SearchDir {
    std::filesystem::path dir; // absolute
    std::string origin;        // where it came from, for messages: "--plugin-path", ...
};

struct SearchPathInputs {
    std::vector<std::string> command_line;     // --plugin-path DIR, in the order given
    std::string environment;                   // OFFLOAD_PLUGIN_PATH, ':'-separated
    std::vector<std::filesystem::path> config; // [offload] plugin_paths, already absolute
    std::filesystem::path project_dir;         // its .offload/plugins is searched
    std::filesystem::path installed_dir;       // the plugins shipped with offload
};

// --plugin-path, then OFFLOAD_PLUGIN_PATH, then [offload] plugin_paths, then
// <project>/.offload/plugins, then the installed directory. Relative entries of the first two
// are taken from the current directory. Duplicates keep their first place; directories that do
// not exist are kept (a listing says so).
std::vector<SearchDir> plugin_search_path(const SearchPathInputs &inputs);

// The directory of shipped plugins: <directory of the running binary>/<relative dir fixed at
// build time>; in a build tree, where that does not exist, <directory of the binary>/plugins.
std::filesystem::path installed_plugin_dir();

} // namespace offload
