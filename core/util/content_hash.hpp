// A 128-bit hash of file contents for the discovery cache: two independent 64-bit hashes of the
// bytes (FNV-1a and a multiplicative polynomial hash), so that an accidental collision between two
// versions of a file is out of the question. Not for adversaries: whoever can write the cache can
// write the files it describes.
#pragma once

#include "util/expected.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace offload {

struct ContentHash {
    uint64_t high = 0;
    uint64_t low = 0;

    bool operator==(const ContentHash &) const = default;
    // 32 lower-case hex digits.
    std::string hex() const;
    // Parses hex(); nullopt-like failure for anything else.
    static Expected<ContentHash> from_hex(std::string_view text);
};

// Incremental: feed the bytes in any number of pieces, the result is the same.
class ContentHasher {
  public:
    void add(std::string_view bytes);
    ContentHash finish() const;

  private:
    uint64_t m_fnv = 0xcbf29ce484222325ull;
    uint64_t m_poly = 0x9e3779b97f4a7c15ull;
    uint64_t m_length = 0;
};

ContentHash hash_bytes(std::string_view bytes);
// The hash of a file's contents, or why it cannot be read.
Expected<ContentHash> hash_file(const std::filesystem::path &path);

} // namespace offload
