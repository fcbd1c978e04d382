#include "util/content_hash.hpp"

#include "util/read_file.hpp"

#include <fmt/format.h>

namespace offload {

std::string ContentHash::hex() const
{
    return fmt::format("{:016x}{:016x}", high, low);
}

Expected<ContentHash> ContentHash::from_hex(std::string_view text)
{
    if (text.size() != 32 || text.find_first_not_of("0123456789abcdef") != std::string_view::npos)
        return failure(fmt::format("not a content hash: \"{}\"", text.substr(0, 40)));
    ContentHash hash;
    for (size_t i = 0; i < 32; ++i) {
        const uint64_t digit = text[i] <= '9' ? uint64_t(text[i] - '0') : uint64_t(text[i] - 'a' + 10);
        uint64_t &half = i < 16 ? hash.high : hash.low;
        half = half << 4 | digit;
    }
    return hash;
}

void ContentHasher::add(std::string_view bytes)
{
    uint64_t fnv = m_fnv, poly = m_poly;
    for (unsigned char byte : bytes) {
        fnv = (fnv ^ byte) * 0x100000001b3ull;
        poly = poly * 0xff51afd7ed558ccdull + byte + 1;
    }
    m_fnv = fnv;
    m_poly = poly;
    m_length += bytes.size();
}

ContentHash ContentHasher::finish() const
{
    // The length closes both, so that a prefix of a file never hashes like the file.
    ContentHash hash{m_fnv, m_poly};
    hash.high = (hash.high ^ m_length) * 0x100000001b3ull;
    hash.low = hash.low * 0xff51afd7ed558ccdull + m_length;
    return hash;
}

ContentHash hash_bytes(std::string_view bytes)
{
    ContentHasher hasher;
    hasher.add(bytes);
    return hasher.finish();
}

Expected<ContentHash> hash_file(const std::filesystem::path &path)
{
    ContentHasher hasher;
    Expected<void> read = read_file_chunks(path, [&](std::string_view chunk) {
        hasher.add(chunk);
        return true;
    });
    if (!read)
        return failure(read.error());
    return hasher.finish();
}

} // namespace offload
