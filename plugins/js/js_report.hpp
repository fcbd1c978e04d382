// Reading the JSON report that jest (`--json`) and vitest (`--reporter=json`) write: one entry per
// test file with its test cases. Test ids are `FILE > DESCRIBE > ... > TITLE` (vitest's own way of
// naming a test), FILE relative to the directory the tool runs in, with '/' separators.
#pragma once

#include <offload/offload.h>

#include <string>
#include <string_view>
#include <vector>

namespace offload::js {

inline constexpr std::string_view id_separator = " > ";

struct TestId {
    std::string file;
    std::vector<std::string> titles; // the describe blocks, then the test's own title
};

// false when id has no " > " (file paths holding " > " are not supported).
bool parse_id(std::string_view id, TestId &out);
std::string format_id(const TestId &id);

// text as a JavaScript regular expression that matches only itself.
std::string quote_regexp(std::string_view text);

struct CaseResult {
    std::string id;
    offload_outcome outcome;
    double duration_secs; // negative when unknown
    std::string message;  // the first line of the failure
    std::string output;   // the failure messages
};

struct FileResult {
    std::string path;           // as the report has it: absolute
    bool failed_to_run = false; // the file failed without running its tests (a syntax error)
    std::string message;
    std::vector<CaseResult> cases; // ids with the file relative to `root` (see read_report)
};

struct Report {
    bool valid = false; // false: not a jest/vitest JSON report
    std::vector<FileResult> files;
};

// Reads a report. Files are made relative to root (an absolute directory) when they are below it.
Report read_report(std::string_view text, std::string_view root);

// The file of the batch that a report's absolute path stands for: one of files equal to it, or the
// longest one it ends with after a '/'. Empty when none.
std::string match_file(std::string_view path, const std::vector<std::string> &files);

} // namespace offload::js
