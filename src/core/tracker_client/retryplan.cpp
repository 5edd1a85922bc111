// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/retryplan.h"

#include <algorithm>
#include <cmath>

namespace swarmshare::trackerclient {

int backoffDelay(int attempt, int initialMs, int maxMs, double jitter, double random01)
{
    const double base =
        std::min(double(maxMs), double(std::max(initialMs, 0)) * std::pow(2.0, attempt));
    const double factor = 1.0 + std::clamp(jitter, 0.0, 1.0) * (2.0 * random01 - 1.0);
    return int(std::lround(std::clamp(base * factor, 0.0, double(maxMs))));
}

RetryPlan::RetryPlan(const RetryPolicy& policy, int urlCount, int startIndex)
    : m_policy(policy)
    , m_urlCount(std::max(urlCount, 1))
    , m_start(std::clamp(startIndex, 0, m_urlCount - 1))
    , m_current(m_start)
{}

RetryPlan::Step RetryPlan::next(Failure failure, int retryAfterMs, double random01)
{
    if (failure == Failure::RateLimited)
        return rateLimited(retryAfterMs, random01);
    if (++m_failedThisRound < m_urlCount) {
        // Another address may answer at once: no wait.
        m_current = (m_current + 1) % m_urlCount;
        ++m_attempts;
        return {true, m_current, 0};
    }
    // Every address failed in this pass.
    if (++m_round >= m_policy.rounds)
        return {false, m_current, 0};
    m_failedThisRound = 0;
    m_current = m_start;
    ++m_attempts;
    return {true, m_current,
            backoffDelay(m_round - 1, m_policy.initialBackoffMs, m_policy.maxBackoffMs,
                         m_policy.jitter, random01)};
}

RetryPlan::Step RetryPlan::rateLimited(int retryAfterMs, double random01)
{
    // The tracker said how long to wait: wait exactly that (the jitter would only make it
    // earlier than asked, or later than needed). Without a Retry-After, back off.
    const int wait = retryAfterMs >= 0
                         ? retryAfterMs
                         : backoffDelay(m_rateLimited, m_policy.initialBackoffMs,
                                        m_policy.maxBackoffMs, m_policy.jitter, random01);
    if (m_rateLimited >= m_policy.rateLimitRetries || wait > m_policy.maxRetryAfterMs)
        return {false, m_current, 0};
    ++m_rateLimited;
    ++m_attempts;
    return {true, m_current, wait};
}

} // namespace swarmshare::trackerclient
