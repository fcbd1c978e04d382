#include "long_command.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

namespace {

std::string random_hex()
{
    std::random_device random;
    std::string hex;
    for (int i = 0; i < 4; ++i) {
        char word[9];
        std::snprintf(word, sizeof word, "%08x", unsigned(random()));
        hex += word;
    }
    return hex;
}

// Reads the lines before the end line into a file, then runs the file with sh; the rest of stdin
// is the command's. `read` takes stdin byte by byte up to each line feed (POSIX requires it of the
// builtin), so nothing of the command's own input is taken. The file goes with the command, also
// when it is stopped (a signal ends the wait for sh, then the shell, through the EXIT trap); only
// SIGKILL leaves it, in the sandbox's TMPDIR. A stream cut short runs nothing.
std::string bootstrap_for(const std::string &end_line)
{
    return "f=$(mktemp \"${TMPDIR:-/tmp}/offload-command.XXXXXX\") || exit 126\n"
           "trap 'rm -f \"$f\"' EXIT; trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM\n"
           "ok=\n"
           "while IFS= read -r l; do\n"
           "    if [ \"$l\" = " +
           end_line +
           " ]; then ok=1; break; fi\n"
           "    printf '%s\\n' \"$l\"\n"
           "done > \"$f\"\n"
           "[ -n \"$ok\" ] || { echo 'offload: the command did not arrive whole on stdin' >&2; exit 126; }\n"
           "sh \"$f\"\n";
}

[[noreturn]] void fail(const char *what)
{
    throw std::runtime_error(std::string("cannot pass a long command on stdin: ") + what + ": " +
                             std::strerror(errno));
}

} // namespace

LongCommand::LongCommand(const std::string &command, const offload_input *rest) : m_rest(rest)
{
    const std::string end_line = "offload-command-end-" + random_hex();
    m_bootstrap = bootstrap_for(end_line);
    m_text = command;
    if (!m_text.empty() && m_text.back() != '\n')
        m_text += '\n';
    m_text += end_line + "\n";

    m_pending_fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_pending_fd < 0)
        fail("eventfd");
    m_ready_fd = epoll_create1(EPOLL_CLOEXEC);
    if (m_ready_fd < 0) {
        close(m_pending_fd);
        fail("epoll_create1");
    }
    epoll_event event{};
    event.events = EPOLLIN;
    bool added = epoll_ctl(m_ready_fd, EPOLL_CTL_ADD, m_pending_fd, &event) == 0;
    if (added && rest && rest->ready_fd >= 0)
        added = epoll_ctl(m_ready_fd, EPOLL_CTL_ADD, rest->ready_fd, &event) == 0;
    if (!added) {
        close(m_ready_fd);
        close(m_pending_fd);
        fail("epoll_ctl");
    }
    m_view.struct_size = sizeof m_view;
    m_view.context = this;
    m_view.read = &LongCommand::read;
    m_view.ready_fd = m_ready_fd;
}

LongCommand::~LongCommand()
{
    close(m_ready_fd);
    close(m_pending_fd);
}

int64_t LongCommand::read(const offload_input *input, char *buffer, size_t capacity)
{
    auto &self = *static_cast<LongCommand *>(input->context);
    if (self.m_sent < self.m_text.size()) {
        const size_t count = std::min(capacity, self.m_text.size() - self.m_sent);
        std::memcpy(buffer, self.m_text.data() + self.m_sent, count);
        self.m_sent += count;
        if (self.m_sent == self.m_text.size()) {
            uint64_t value = 0;
            (void)!::read(self.m_pending_fd, &value, sizeof value); // ready_fd now follows rest alone
        }
        return int64_t(count);
    }
    return self.m_rest ? self.m_rest->read(self.m_rest, buffer, capacity) : 0;
}
