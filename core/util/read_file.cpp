#include "util/read_file.hpp"

#include "util/fd.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace offload {

Expected<void> read_file_chunks(const std::filesystem::path &path,
                                const std::function<bool(std::string_view chunk)> &on_chunk,
                                const std::string &refusal)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd)
        return failure(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    char buffer[1 << 16];
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return failure(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
        if (got == 0)
            return {};
        if (!on_chunk({buffer, size_t(got)}))
            return failure(refusal.empty() ? fmt::format("{} was not read to its end", path.string())
                                           : refusal);
    }
}

std::vector<std::string_view> split(std::string_view text, char separator)
{
    std::vector<std::string_view> pieces;
    size_t start = 0;
    for (;;) {
        const size_t at = text.find(separator, start);
        pieces.push_back(
            text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos)
            return pieces;
        start = at + 1;
    }
}

} // namespace offload
