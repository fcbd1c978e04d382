#include "process/input_feed.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>

namespace offload {

InputFeed::InputFeed()
{
    m_event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_event_fd < 0)
        throw Error(std::string("cannot create an eventfd: ") + std::strerror(errno));
    m_view.struct_size = sizeof m_view;
    m_view.context = this;
    m_view.read = &InputFeed::read;
    m_view.ready_fd = m_event_fd;
}

InputFeed::~InputFeed()
{
    ::close(m_event_fd);
}

void InputFeed::signal_locked()
{
    if (m_signalled)
        return;
    uint64_t one = 1;
    [[maybe_unused]] ssize_t written = ::write(m_event_fd, &one, sizeof one);
    m_signalled = true;
}

void InputFeed::unsignal_locked()
{
    if (!m_signalled)
        return;
    uint64_t value = 0;
    [[maybe_unused]] ssize_t count = ::read(m_event_fd, &value, sizeof value);
    m_signalled = false;
}

void InputFeed::write(std::string_view bytes)
{
    if (bytes.empty())
        return;
    std::lock_guard lock(m_mutex);
    if (m_closed)
        return;
    // Compact now and then, so that a long-lived feed does not grow without bound.
    if (m_offset > 0 && m_offset * 2 >= m_buffer.size()) {
        m_buffer.erase(0, m_offset);
        m_offset = 0;
    }
    m_buffer.append(bytes);
    signal_locked();
}

void InputFeed::close()
{
    std::lock_guard lock(m_mutex);
    m_closed = true;
    signal_locked();
}

bool InputFeed::closed() const
{
    std::lock_guard lock(m_mutex);
    return m_closed;
}

size_t InputFeed::pending() const
{
    std::lock_guard lock(m_mutex);
    return m_buffer.size() - m_offset;
}

int64_t InputFeed::read(const offload_input *input, char *buffer, size_t capacity)
{
    auto *self = static_cast<InputFeed *>(input->context);
    std::lock_guard lock(self->m_mutex);
    const size_t available = self->m_buffer.size() - self->m_offset;
    if (available > 0 && capacity > 0) {
        const size_t count = std::min(available, capacity);
        std::memcpy(buffer, self->m_buffer.data() + self->m_offset, count);
        self->m_offset += count;
        if (self->m_offset == self->m_buffer.size()) {
            self->m_buffer.clear();
            self->m_offset = 0;
            if (!self->m_closed)
                self->unsignal_locked();
        }
        return int64_t(count);
    }
    if (self->m_closed)
        return 0; // the end stays readable
    self->unsignal_locked();
    return -1;
}

} // namespace offload
