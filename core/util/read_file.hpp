// Reading a whole file through a descriptor opened close-on-exec (a command started meanwhile must
// not inherit it), in chunks, without loading it at once.
#pragma once

#include "util/expected.hpp"

#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

namespace offload {

// Calls on_chunk with the file's bytes in order; stops with an error when the file cannot be
// opened or read, or when on_chunk returns false ("is too large" is the caller's to say: the
// error is then the caller's refusal, passed in).
Expected<void> read_file_chunks(const std::filesystem::path &path,
                                const std::function<bool(std::string_view chunk)> &on_chunk,
                                const std::string &refusal = "");

// The pieces of text between separators; an empty piece where two separators meet.
std::vector<std::string_view> split(std::string_view text, char separator);

} // namespace offload
