// Reading a file in chunks, without loading it at once: through a descriptor the caller opened, or
// by path through one opened close-on-exec (a command started meanwhile must not inherit it).
#pragma once

#include "util/expected.hpp"

#include <filesystem>
#include <functional>
#include <string_view>

namespace offload {

// Reads fd to its end, handing each chunk to on_chunk (EINTR retried). Returns 0 at the end, the
// errno of a failed read, or -1 when on_chunk returned false (the caller's refusal: it says why).
int read_chunks(int fd, const std::function<bool(std::string_view chunk)> &on_chunk);

// The same for the file at path, opened here. Errors name the path; refusal is the error when
// on_chunk returns false.
Expected<void> read_file_chunks(const std::filesystem::path &path,
                                const std::function<bool(std::string_view chunk)> &on_chunk,
                                const std::string &refusal = "");

} // namespace offload
