#include "report/html_report.hpp"

#include "html_template.hpp"
#include "report/run_record.hpp"
#include "util/atomic_file.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

namespace offload {

namespace {

constexpr std::string_view record_marker = "@OFFLOAD_RECORD@";
constexpr std::string_view meta_marker = "@OFFLOAD_META@";

// JSON text made safe inside <script>: every '<' (which JSON has only inside strings) becomes the
// escape \u003c, so neither "</script>" nor "<!--" can reach the HTML parser.
void write_script_json(const std::function<void(std::string_view)> &write, std::string_view json)
{
    size_t start = 0;
    for (size_t at = json.find('<'); at != std::string_view::npos; at = json.find('<', start)) {
        write(json.substr(start, at - start));
        write("\\u003c");
        start = at + 1;
    }
    write(json.substr(start));
}

} // namespace

void render_html_report(const std::function<void(std::string_view)> &write, std::string_view record_json,
                        const std::string &log_base, const std::string &record_name)
{
    const std::string_view page = html_template;
    const size_t record_at = page.find(record_marker);
    const size_t meta_at = page.find(meta_marker);
    std::string meta = "{\"log_base\":";
    append_json_string(meta, log_base);
    meta += ",\"record\":";
    append_json_string(meta, record_name);
    meta += "}";
    write(page.substr(0, record_at));
    write_script_json(write, record_json);
    write(page.substr(record_at + record_marker.size(), meta_at - record_at - record_marker.size()));
    write_script_json(write, meta);
    write(page.substr(meta_at + meta_marker.size()));
}

Expected<void> write_html_report_file(const std::filesystem::path &record_path,
                                      const std::filesystem::path &html_path)
{
    Expected<std::string> text = read_run_record_text(record_path);
    if (!text)
        return failure(text.error());
    if (Expected<RunRecord> checked = parse_run_record(*text, record_path.string()); !checked)
        return failure(checked.error());

    // The logs lie below the record's directory (output_dir).
    std::error_code error;
    const std::filesystem::path html_dir = std::filesystem::absolute(html_path, error).parent_path();
    const std::filesystem::path record_dir = std::filesystem::absolute(record_path, error).parent_path();
    std::string log_base =
        record_dir.lexically_normal().lexically_relative(html_dir.lexically_normal()).string();
    if (log_base.empty())
        log_base = record_dir.string();
    log_base = log_base == "." ? "" : log_base + "/";

    Expected<AtomicFile> file = AtomicFile::create(html_path);
    if (!file)
        return failure("cannot write the HTML report: " + file.error());
    render_html_report([&](std::string_view piece) { file->write(piece); }, *text, log_base,
                       record_path.filename().string());
    if (Expected<void> committed = file->commit(); !committed)
        return failure("cannot write the HTML report: " + committed.error());
    return {};
}

} // namespace offload
