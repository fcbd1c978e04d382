// Where in the project a test failed, read from what its framework printed: for annotations that
// point at a file and line (GitHub Actions), without anything framework-specific in the plugin ABI.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace offload {

struct SourceLocation {
    std::string file;  // relative to the project directory, '/'-separated, never leaving it
    unsigned line = 0; // 1-based; 0 when only the file is known
};

// What is known of one failure of one test.
struct FailureText {
    std::string_view id;      // the test's id (a pytest id names its file: "tests/test_x.py::test_a")
    std::string_view file;    // the file discovery gave, relative to the project; may be empty
    std::string_view message; // the attempt's short reason
    std::string_view output;  // the attempt's output or failure text
};

// Whether a path relative to the project directory names a file there.
using ProjectFileCheck = std::function<bool(const std::string &relative_path)>;

// The file system's answer for project_dir (an absolute path).
ProjectFileCheck files_of(const std::filesystem::path &project_dir);

// The location the framework's text gives for the failure, read from the message and the output:
// - pytest tracebacks: "tests/test_x.py:14: AssertionError", "tests/test_x.py:12: in test_foo", and
//   Python's own 'File "tests/test_x.py", line 12, in test_foo';
// - Rust panics: "panicked at src/lib.rs:10:5:" and the older "panicked at 'msg', src/lib.rs:10:5";
// - any line that starts with "path:line:" (compilers, doctest, gtest, pytest --tb=line).
// Only paths of files of the project count: relative ones are taken from project_dir (an absolute
// path), absolute ones inside it are made relative, and any other path is ignored; exists says
// which files there are. Among the lines found, the deepest one in the test's own file (file, or
// the part of a pytest id before "::") wins; else a panic's location, else the deepest traceback
// frame, else the first "path:line:" line; else the test's own file without a line. nullopt when
// none of these names a file of the project.
std::optional<SourceLocation> find_source_location(const FailureText &failure,
                                                   const std::filesystem::path &project_dir,
                                                   const ProjectFileCheck &exists);

} // namespace offload
