#include "plugin_host/search_path.hpp"

#include "offload_build.hpp"

#include <algorithm>
#include <system_error>

namespace offload {

namespace fs = std::filesystem;

std::vector<SearchDir> plugin_search_path(const SearchPathInputs &inputs)
{
    std::vector<SearchDir> dirs;
    auto add = [&dirs](const fs::path &dir, const std::string &origin) {
        if (dir.empty())
            return;
        std::error_code error;
        fs::path absolute = fs::absolute(dir, error).lexically_normal();
        if (error)
            return;
        // "dir/" and "dir" are the same directory.
        if (!absolute.has_filename())
            absolute = absolute.parent_path();
        bool seen =
            std::any_of(dirs.begin(), dirs.end(), [&](const SearchDir &d) { return d.dir == absolute; });
        if (!seen)
            dirs.push_back({absolute, origin});
    };
    for (const std::string &dir : inputs.command_line)
        add(dir, "--plugin-path");
    size_t start = 0;
    while (start <= inputs.environment.size()) {
        size_t end = inputs.environment.find(':', start);
        if (end == std::string::npos)
            end = inputs.environment.size();
        add(inputs.environment.substr(start, end - start), "OFFLOAD_PLUGIN_PATH");
        start = end + 1;
    }
    for (const fs::path &dir : inputs.config)
        add(dir, "plugin_paths in offload.toml");
    if (!inputs.project_dir.empty())
        add(inputs.project_dir / ".offload" / "plugins", "the project's .offload/plugins");
    add(inputs.installed_dir, "installed with offload");
    return dirs;
}

fs::path installed_plugin_dir()
{
    std::error_code error;
    fs::path exe = fs::read_symlink("/proc/self/exe", error);
    if (error)
        return {};
    fs::path bin_dir = exe.parent_path();
    fs::path installed = (bin_dir / OFFLOAD_RELATIVE_PLUGIN_DIR).lexically_normal();
    if (fs::is_directory(installed, error))
        return installed;
    fs::path build_tree = bin_dir / "plugins";
    if (fs::is_directory(build_tree, error))
        return build_tree;
    return installed;
}

} // namespace offload
