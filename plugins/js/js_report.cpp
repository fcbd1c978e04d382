#include "js_report.hpp"

#include "common/json.hpp"
#include "common/text.hpp"

#include <cstdlib>

namespace offload::js {

using offload::common::Json;

bool parse_id(std::string_view id, TestId &out)
{
    const size_t at = id.find(id_separator);
    if (at == std::string_view::npos || at == 0)
        return false;
    out.file = std::string(id.substr(0, at));
    out.titles.clear();
    std::string_view rest = id.substr(at + id_separator.size());
    for (size_t next; (next = rest.find(id_separator)) != std::string_view::npos;) {
        out.titles.emplace_back(rest.substr(0, next));
        rest.remove_prefix(next + id_separator.size());
    }
    out.titles.emplace_back(rest);
    return true;
}

std::string format_id(const TestId &id)
{
    std::string text = id.file;
    for (const std::string &title : id.titles)
        text += std::string(id_separator) + title;
    return text;
}

std::string quote_regexp(std::string_view text)
{
    std::string quoted;
    for (char c : text) {
        if (std::string_view("\\^$.*+?()[]{}|/-").find(c) != std::string_view::npos)
            quoted += '\\';
        quoted += c;
    }
    return quoted;
}

namespace {

offload_outcome outcome_of(const std::string &status)
{
    if (status == "passed")
        return OFFLOAD_OUTCOME_PASSED;
    if (status == "failed")
        return OFFLOAD_OUTCOME_FAILED;
    if (status == "pending" || status == "skipped" || status == "todo" || status == "disabled")
        return OFFLOAD_OUTCOME_SKIPPED;
    return OFFLOAD_OUTCOME_ERROR; // a status this reader does not know is never a pass
}

std::string relative(std::string_view path, std::string_view root)
{
    std::string prefix(root);
    if (!prefix.empty() && prefix.back() != '/')
        prefix += '/';
    if (!prefix.empty() && path.substr(0, prefix.size()) == prefix)
        path.remove_prefix(prefix.size());
    return std::string(path);
}

} // namespace

Report read_report(std::string_view text, std::string_view root)
{
    Report report;
    std::optional<Json> json = Json::parse(text);
    if (!json || (*json)["testResults"].type() != Json::Type::Array)
        return report;
    report.valid = true;
    const Json &files = (*json)["testResults"];
    for (size_t f = 0; files[f].type() == Json::Type::Object; ++f) {
        const Json &file = files[f];
        FileResult result;
        result.path = file["name"].string();
        result.message = file["message"].string();
        const Json &cases = file["assertionResults"];
        result.failed_to_run =
            file["status"].string() == "failed" && cases[size_t(0)].type() == Json::Type::Null;
        for (size_t c = 0; cases[c].type() == Json::Type::Object; ++c) {
            const Json &entry = cases[c];
            TestId id{relative(result.path, root), {}};
            const Json &ancestors = entry["ancestorTitles"];
            for (size_t a = 0; ancestors[a].is_string(); ++a)
                if (!ancestors[a].string().empty()) // vitest 1 names the file ""
                    id.titles.push_back(ancestors[a].string());
            id.titles.push_back(entry["title"].string());
            CaseResult found{format_id(id), outcome_of(entry["status"].string()), -1.0, {}, {}};
            const Json &failures = entry["failureMessages"];
            for (size_t m = 0; failures[m].is_string(); ++m)
                found.output += (m ? "\n" : "") + failures[m].string();
            for (std::string_view line : offload::common::split_lines(found.output))
                if (!offload::common::trim(line).empty()) {
                    found.message = std::string(offload::common::trim(line));
                    break;
                }
            result.cases.push_back(std::move(found));
        }
        report.files.push_back(std::move(result));
    }
    return report;
}

std::string match_file(std::string_view path, const std::vector<std::string> &files)
{
    std::string best;
    for (const std::string &file : files) {
        const bool ends = path.size() > file.size() && path.substr(path.size() - file.size()) == file &&
                          path[path.size() - file.size() - 1] == '/';
        if ((path == file || ends) && file.size() > best.size())
            best = file;
    }
    return best;
}

} // namespace offload::js
