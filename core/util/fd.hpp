// The one owner of a file descriptor in the core: closes it when it goes. Move-only.
#pragma once

#include <utility>

#include <unistd.h>

namespace offload {

class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(Fd &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    Fd &operator=(Fd &&other) noexcept
    {
        reset(std::exchange(other.m_fd, -1));
        return *this;
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    ~Fd() { reset(); }

    int get() const { return m_fd; }
    explicit operator bool() const { return m_fd >= 0; }

    // Closes the descriptor held (errors ignored: nothing was written through it that matters, or
    // the caller used close() to learn) and takes fd.
    void reset(int fd = -1)
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = fd;
    }
    // Gives up ownership without closing.
    int release() { return std::exchange(m_fd, -1); }
    // Closes now and returns close()'s result (0, or -1 with errno set): for a file written
    // through the descriptor, where a failing close() can mean lost data (NFS, quotas).
    int close() { return ::close(release()); }

  private:
    int m_fd = -1;
};

} // namespace offload
