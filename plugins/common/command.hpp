// Building commands in the shipped plugins: words quoted for sh through the host, and the
// NULL-terminated string arrays of the process services. Not part of the ABI (see text.hpp).
#pragma once

#include <offload/plugin.hpp>

#include <string>
#include <vector>

namespace offload::common {

// The words quoted for sh (host->shell_quote) and joined with spaces.
std::string shell_words(const offload_host *host, const std::vector<std::string> &words);

// The words quoted for sh, each after a space ("" for none): arguments to append to a command.
std::string shell_args(const offload_host *host, const std::vector<std::string> &words);

// Pointers to strings' texts, then NULL: an argv or env list for the host's run_process. Borrows
// strings, which must outlive the result and not change.
std::vector<const char *> c_strings(const std::vector<std::string> &strings);

} // namespace offload::common
