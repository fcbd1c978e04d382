#include "process/stop_token.hpp"

#include "process/interrupt.hpp"
#include "util/error.hpp"

#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>

namespace offload {

namespace {
thread_local const StopToken *t_current = nullptr;
thread_local int t_handled_level = -1;
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

int cancel_level(const StopToken *token)
{
    const int level = Interrupt::level();
    return token && token->requested() && level < 1 ? 1 : level;
}

int StopToken::handled_level() { return t_handled_level; }

void StopToken::note_handled(int level)
{
    if (t_handled_level >= 0 && level > t_handled_level)
        t_handled_level = level;
}

StopToken::Scope::Scope(const StopToken *token) : m_previous(t_current), m_previous_handled(t_handled_level)
{
    t_current = token;
    t_handled_level = 0;
}

StopToken::Scope::~Scope()
{
    t_current = m_previous;
    t_handled_level = m_previous_handled;
}

} // namespace offload
