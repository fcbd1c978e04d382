#include "runner/batch_output.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace offload {

BatchOutput::BatchOutput(std::filesystem::path log_path) : m_log_path(std::move(log_path))
{
    std::error_code error;
    std::filesystem::create_directories(m_log_path.parent_path(), error);
    // The log's name is ours, in a directory of ours: whatever is there is replaced, but never
    // written through (a planted symlink must not lead offload to overwrite its target).
    struct stat info {};
    if (::lstat(m_log_path.c_str(), &info) == 0 && S_ISLNK(info.st_mode))
        ::unlink(m_log_path.c_str());
    const int fd =
        ::open(m_log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd >= 0 && (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))) {
        ::close(fd);
        m_error = "cannot write " + m_log_path.string() + ": it is not a regular file";
        return;
    }
    if (fd >= 0)
        m_file = ::fdopen(fd, "wb");
    if (!m_file) {
        m_error = "cannot write " + m_log_path.string() + ": " + std::strerror(errno);
        if (fd >= 0)
            ::close(fd);
    }
}

BatchOutput::~BatchOutput()
{
    if (m_file)
        std::fclose(m_file);
}

void BatchOutput::write(std::string_view data)
{
    if (m_file && std::fwrite(data.data(), 1, data.size(), m_file) != data.size()) {
        m_error = "writing " + m_log_path.string() + " failed: " + std::strerror(errno);
        std::fclose(m_file);
        m_file = nullptr;
    }
    m_total += data.size();
    if (data.size() >= tail_limit) {
        m_ring.assign(data.substr(data.size() - tail_limit));
        m_ring_start = 0;
        return;
    }
    for (char c : data) {
        if (m_ring.size() < tail_limit) {
            m_ring.push_back(c);
        } else {
            m_ring[m_ring_start] = c;
            m_ring_start = (m_ring_start + 1) % tail_limit;
        }
    }
}

std::string BatchOutput::tail() const
{
    if (m_file)
        std::fflush(m_file);
    return m_ring.substr(m_ring_start) + m_ring.substr(0, m_ring_start);
}

} // namespace offload
