// offload report: the HTML report of the last run, from its run record.
#include "cli/commands.hpp"

#include "report/html_report.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace offload {

int command_report(const GlobalOptions &global, const ReportOptions &options)
{
    namespace fs = std::filesystem;
    fs::path input = options.input;
    if (input.empty()) {
        // Only the configuration's [report] section matters: no plugin is loaded.
        Diagnostics diagnostics;
        input = load_settings(global.config_file, diagnostics)->output_dir / "run.json";
    }
    const fs::path output =
        options.output.empty() ? input.parent_path() / "report.html" : fs::path(options.output);
    std::error_code error;
    if (!fs::exists(fs::symlink_status(input, error)))
        throw Error(fmt::format("there is no run record at {}: run `offload{} run` first (every run writes "
                                "one), or name a record with --input FILE",
                                input.string(),
                                options.input.empty() && global.config_file != "offload.toml"
                                    ? " -c " + global.config_file
                                    : ""));
    if (Expected<void> written = write_html_report_file(input, output); !written)
        throw Error(written.error());
    log::print(fmt::format("HTML report: {}\n", output.string()));
    return 0;
}

} // namespace offload
