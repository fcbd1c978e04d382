#include "scheduler/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace offload {

std::string_view backoff_name(Backoff backoff)
{
    switch (backoff) {
    case Backoff::None: return "none";
    case Backoff::Fixed: return "fixed";
    case Backoff::Exponential: return "exponential";
    }
    return "none";
}

unsigned RetryPolicy::retries_for(std::string_view id, std::string_view group) const
{
    for (const RetryOverride &override : overrides)
        for (const IdPattern &pattern : override.tests)
            if (pattern.matches(id))
                return override.count;
    if (auto found = group_counts.find(group); found != group_counts.end())
        return found->second;
    return count;
}

double RetryPolicy::delay_before(unsigned retry, double random01) const
{
    double delay = 0;
    switch (backoff) {
    case Backoff::None: return 0;
    case Backoff::Fixed: delay = delay_secs; break;
    case Backoff::Exponential:
        // 2^(retry-1) without overflow: beyond 2^62 the cap has long been reached.
        delay = delay_secs * std::ldexp(1.0, int(std::min(std::max(retry, 1u) - 1, 62u)));
        delay = std::min(delay, max_delay_secs);
        break;
    }
    if (jitter)
        delay *= 0.5 + 0.5 * std::clamp(random01, 0.0, 1.0);
    return delay;
}

} // namespace offload
