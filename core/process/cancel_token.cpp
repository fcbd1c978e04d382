#include "process/cancel_token.hpp"

#include "process/interrupt.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace offload {

namespace {

thread_local const CancelToken *t_current = nullptr;
thread_local int t_handled_level = -1;

offload_cancel_level token_level(const offload_cancel *cancel)
{
    return static_cast<const CancelToken *>(cancel->context)->level();
}

offload_cancel_level interrupt_level(const offload_cancel *)
{
    return Interrupt::level();
}

} // namespace

CancelToken::CancelToken()
{
    m_event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_event_fd < 0)
        throw Error(std::string("cannot create an eventfd: ") + std::strerror(errno));
    m_epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll_fd < 0) {
        const int error = errno;
        ::close(m_event_fd);
        throw Error(std::string("cannot create an epoll instance: ") + std::strerror(error));
    }
    for (int fd : {m_event_fd, Interrupt::wait_fd()}) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        ::epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, fd, &event);
    }
    m_view.struct_size = sizeof m_view;
    m_view.context = this;
    m_view.level = token_level;
    m_view.wait_fd = m_epoll_fd;
}

CancelToken::~CancelToken()
{
    ::close(m_epoll_fd);
    ::close(m_event_fd);
}

void CancelToken::request(int level)
{
    level = std::clamp(level, 1, 2);
    int current = m_level.load();
    while (current < level && !m_level.compare_exchange_weak(current, level)) {
    }
    if (current == 0) {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t written = ::write(m_event_fd, &one, sizeof one);
    }
}

int CancelToken::level() const
{
    return std::max(Interrupt::level(), m_level.load());
}

const CancelToken *CancelToken::current()
{
    return t_current;
}

int CancelToken::handled_level()
{
    return t_handled_level;
}

void CancelToken::note_handled(int level)
{
    if (t_handled_level >= 0 && level > t_handled_level)
        t_handled_level = level;
}

CancelToken::Scope::Scope(const CancelToken *token)
    : m_previous(t_current), m_previous_handled(t_handled_level)
{
    t_current = token;
    t_handled_level = 0;
}

CancelToken::Scope::~Scope()
{
    t_current = m_previous;
    t_handled_level = m_previous_handled;
}

const offload_cancel *run_cancel()
{
    // Interrupt::wait_fd() may throw when its pipe cannot be made; it is made before any thread.
    static const offload_cancel view = {sizeof(offload_cancel), nullptr, interrupt_level,
                                        Interrupt::wait_fd()};
    return &view;
}

int cancel_level(const offload_cancel *cancel)
{
    if (!cancel || !cancel->level)
        return Interrupt::level();
    return std::clamp<int>(cancel->level(cancel), 0, 2);
}

int cancel_level(const CancelToken *token)
{
    return token ? token->level() : Interrupt::level();
}

} // namespace offload
