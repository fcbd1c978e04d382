#include "process/stop_token.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>

namespace offload {

namespace {
thread_local const StopToken *t_current = nullptr;
} // namespace

StopToken::StopToken()
{
    m_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_fd < 0)
        throw Error(std::string("cannot create an eventfd: ") + std::strerror(errno));
}

StopToken::~StopToken() { ::close(m_fd); }

void StopToken::request()
{
    if (m_requested.exchange(true))
        return;
    uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(m_fd, &one, sizeof one);
}

const StopToken *StopToken::current() { return t_current; }

StopToken::Scope::Scope(const StopToken *token) : m_previous(t_current) { t_current = token; }

StopToken::Scope::~Scope() { t_current = m_previous; }

} // namespace offload
