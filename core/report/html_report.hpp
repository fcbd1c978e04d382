// The HTML report of a run: one self-contained file (inline CSS and JavaScript, the run record
// embedded as JSON, no external URL) rendered from the run record (run_record.hpp). It opens from
// disk in a browser and stays usable at 100,000 tests: long lists render a window of rows at a time.
#pragma once

#include "util/expected.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace offload {

// Writes the report of record_json (the text of a run record, already checked to be one) through
// write. Log paths of the record, relative to its output_dir, are linked as log_base + path
// ("../test-results/" or ""). record_name is shown in the footer. Any text of the record, test
// output included, is embedded so that it cannot end the <script> element that holds it.
void render_html_report(const std::function<void(std::string_view)> &write, std::string_view record_json,
                        const std::string &log_base, const std::string &record_name);

// Reads the record at record_path, checks it (run_record.hpp's reader) and writes the report to
// html_path atomically, its log links relative to html_path's directory. Errors name the file and
// the reason.
Expected<void> write_html_report_file(const std::filesystem::path &record_path,
                                      const std::filesystem::path &html_path);

} // namespace offload
