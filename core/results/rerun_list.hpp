// What --rerun-failed runs: the tests the last run did not pass (failed, errored, did not run),
// kept in a file of their own beside the report (output_dir/rerun-list), one percent-encoded id a
// line, so that every id comes back exactly — invalid UTF-8 and control bytes included, which the
// JUnit report can only show escaped.
#pragma once

#include "results/test_result.hpp"
#include "util/expected.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace offload {

// Replaces the file (atomically, never through a symlink) with the tests of report whose final
// outcome is not passed or skipped.
Expected<void> write_rerun_list(const std::filesystem::path &path, const RunReport &report);

// The ids in the file; nullopt when there is none; an error (naming the file) when it is not a
// rerun list.
Expected<std::optional<std::vector<std::string>>> read_rerun_list(const std::filesystem::path &path);

} // namespace offload
