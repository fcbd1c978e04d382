// The one exception type of the core: a fatal, user-facing error, caught in main().
// Recoverable failures are values (Expected<T>, util/expected.hpp), not exceptions.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace offload {

// Exit codes of the offload binary.
enum ExitCode : int {
    exit_passed = 0,
    exit_failed = 1, // failed tests, tests not run, or a fatal error
    exit_flaky = 2,  // every test passed, some only on retry
    exit_usage = 64, // bad command line (sysexits EX_USAGE)
    exit_interrupted = 130,
};

// A message for the user that ends the command. The text says what went wrong, where, and
// what to do; it is printed as "offload: error: <text>".
class Error : public std::runtime_error {
  public:
    explicit Error(const std::string &message, int exit_code = exit_failed)
        : std::runtime_error(message), m_exit_code(exit_code)
    {
    }
    int exit_code() const { return m_exit_code; }

  private:
    int m_exit_code;
};

// The text of an errno value, as strerror() gives it but safe to call from any thread.
inline std::string errno_text(int error)
{
    return std::generic_category().message(error);
}

} // namespace offload
