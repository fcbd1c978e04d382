// Timings from histories offload reads but never writes ([history] import, `offload history
// import`): the Rust offload's offload-history.jsonl, and files in offload's own format.
//
// The Rust offload's file holds one JSON object per line and test:
//   {"k":[CONFIG_FILE,TEST_ID],"v":{"n":ATTEMPTS,"f":FAILURES,"last_run":RUN,
//    "ok":[[RUN,UNIX_MS,SECS],...],"fail":[[RUN,UNIX_MS,SECS],...]}}
// A test's timing is the mean of its passing samples ("ok"), or of its failing ones when it never
// passed. Its test ids become offload's: pytest node ids are the same in both; nextest's
// "BINARY_ID NAME" becomes the cargo framework's TARGET::NAME (e.g. "app::bin/cli tests::x" is
// "bin(cli)::tests::x", "app::api creates" is "test(api)::creates", "app tests::x" is
// "lib::tests::x"), with and without the "PACKAGE/" prefix of a workspace; any other id is kept as
// it is.
#pragma once

#include "history/history.hpp"
#include "util/expected.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

// The ids offload may give the test the Rust offload called their_id (their_id itself first).
std::vector<std::string> offload_ids_of(std::string_view their_id);

// Whether text is in the Rust offload's history format (its first non-empty line is an object
// with a "k" key): for messages that tell such a file from a damaged one.
bool looks_like_rust_history(std::string_view text);

// The timings in text (either format), by offload id. When the Rust offload's file knows a test
// under several configuration files, the record of config_name (offload.toml's file name) wins,
// else the one with the latest sample. An error names the line that is neither format.
Expected<std::vector<std::pair<std::string, double>>> parse_imported_timings(std::string_view text,
                                                                             const std::string &config_name);

// Whether the file at path may be offload's own history file ([history] path): missing, empty,
// not a regular file (History::load says why it is not read), or starting with offload's header.
// Anything else (the Rust offload's offload-history.jsonl, an unrelated file) is an error that says
// what the file is and what to do: offload must never write over it.
Expected<void> check_own_history(const std::filesystem::path &path);

// Reads the file at path into history's imported timings (History::import_timing), for the tests
// it has no timing of; returns how many it added. Errors name the file.
Expected<size_t> import_timings(const std::filesystem::path &path, const std::string &config_name,
                                History &history);

} // namespace offload
