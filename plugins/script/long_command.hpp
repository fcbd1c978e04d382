// A command too long to be one argument of a program (Linux takes at most 128 KiB in one, and the
// command is one at every hop: the script's argv, `ssh`, `podman exec`, the remote `sh -c`). It
// travels as data instead: first on the exec verb's stdin, followed by the command's own input,
// while the COMMAND argument becomes a short bootstrap that copies it from there into a file and
// runs that file, leaving the rest of stdin to the command. So any script that forwards stdin
// (capability `stdin`, docs/script-protocol.md) runs long commands with no code of its own.
#pragma once

#include <offload/input.h>

#include <cstddef>
#include <string>

// Commands longer than this take the bootstrap. Well under the 128 KiB of one argument: an inline
// exec_command holds the command shell-quoted, and the script adds words of its own.
constexpr size_t long_command_bytes = 64 << 10;

// One long command on its way. Owns descriptors: neither copyable nor movable (the input view
// points back at it). Thread: one at a time; read() of input() may come from another thread than
// the constructor's.
class LongCommand {
  public:
    // command: the whole shell command line. rest: the command's own stdin (borrowed; NULL: none).
    // Throws std::runtime_error when the descriptors cannot be made.
    LongCommand(const std::string &command, const offload_input *rest);
    ~LongCommand();
    LongCommand(const LongCommand &) = delete;
    LongCommand &operator=(const LongCommand &) = delete;

    // What goes into the COMMAND argument in place of the command: a few hundred bytes of sh.
    const std::string &bootstrap() const { return m_bootstrap; }
    // The verb's stdin: the command's lines and an unguessable end line, then `rest` to its end.
    const offload_input *input() const { return &m_view; }

  private:
    static int64_t read(const offload_input *input, char *buffer, size_t capacity);

    std::string m_bootstrap;
    std::string m_text; // the command and its end line, as the bootstrap reads them
    size_t m_sent = 0;  // bytes of m_text handed out
    const offload_input *m_rest;
    int m_pending_fd = -1; // an eventfd, readable while m_text is not all handed out
    int m_ready_fd = -1;   // epoll over m_pending_fd and rest's ready_fd
    offload_input m_view{};
};
