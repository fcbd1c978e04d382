#include "util/read_file.hpp"

#include "util/fd.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace offload {

int read_chunks(int fd, const std::function<bool(std::string_view chunk)> &on_chunk)
{
    char buffer[1 << 16];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno;
        if (got == 0)
            return 0;
        if (!on_chunk({buffer, size_t(got)}))
            return -1;
    }
}

Expected<void> read_file_chunks(const std::filesystem::path &path,
                                const std::function<bool(std::string_view chunk)> &on_chunk,
                                const std::string &refusal)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd)
        return failure(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    const int read = read_chunks(fd.get(), on_chunk);
    if (read > 0)
        return failure(fmt::format("cannot read {}: {}", path.string(), std::strerror(read)));
    if (read < 0)
        return failure(refusal.empty() ? fmt::format("{} was not read to its end", path.string()) : refusal);
    return {};
}

} // namespace offload
