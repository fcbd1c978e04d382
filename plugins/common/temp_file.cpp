#include "temp_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace offload::common {

TempFile::TempFile(std::string_view contents)
{
    const char *directory = std::getenv("TMPDIR");
    std::string path = std::string(directory && *directory ? directory : "/tmp") + "/offload-gtest-XXXXXX";
    const int fd = ::mkstemp(path.data());
    if (fd < 0)
        throw std::runtime_error("cannot create a temporary file " + path + ": " + std::strerror(errno));
    m_path = path;
    size_t written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int error = errno;
            ::close(fd);
            ::unlink(m_path.c_str());
            throw std::runtime_error("cannot write " + m_path + ": " + std::strerror(error));
        }
        written += size_t(n);
    }
    ::close(fd);
}

TempFile::~TempFile()
{
    ::unlink(m_path.c_str());
}

} // namespace offload::common
