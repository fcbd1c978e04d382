// The one shape of a recoverable failure in the core: a value or the reason it could not be had.
// (Fatal, user-facing errors are offload::Error exceptions, caught in main.)
#pragma once

#include <tl/expected.hpp>

#include <string>
#include <utility>

namespace offload {

// T, or a message that says what went wrong and, where it can, what to do.
template <typename T> using Expected = tl::expected<T, std::string>;

// The failure side of an Expected: `return failure("cannot read " + path);`
inline tl::unexpected<std::string> failure(std::string why)
{
    return tl::unexpected<std::string>(std::move(why));
}

} // namespace offload
