// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/ratelimiter.h"

#include <algorithm>
#include <cmath>

namespace swarmshare::tracker {

RateLimiter::RateLimiter(double ratePerSecond, double burst)
    : m_rate(ratePerSecond)
    , m_burst(std::max(burst, 1.0))
{}

double RateLimiter::tokensAt(const Bucket& bucket, qint64 nowMs) const
{
    return std::min(m_burst, bucket.tokens + (nowMs - bucket.updated) * m_rate / 1000.0);
}

bool RateLimiter::allow(const QByteArray& key, qint64 nowMs)
{
    if (m_rate <= 0)
        return true;
    auto it = m_buckets.find(key);
    if (it == m_buckets.end())
        it = m_buckets.insert(key, Bucket{m_burst, nowMs});
    it->tokens = tokensAt(*it, nowMs);
    it->updated = nowMs;
    if (it->tokens < 1.0)
        return false;
    it->tokens -= 1.0;
    return true;
}

int RateLimiter::retryAfter(const QByteArray& key, qint64 nowMs) const
{
    const auto it = m_buckets.constFind(key);
    if (m_rate <= 0 || it == m_buckets.cend())
        return 1;
    const double missing = 1.0 - tokensAt(*it, nowMs);
    return std::max(1, int(std::ceil(missing / m_rate)));
}

void RateLimiter::forgetIdle(qint64 nowMs)
{
    m_buckets.removeIf([&](const auto& item) { return tokensAt(item.value(), nowMs) >= m_burst; });
}

LoginThrottle::LoginThrottle(int freeFailures, qint64 maxDelayMs)
    : m_freeFailures(freeFailures)
    , m_maxDelayMs(maxDelayMs)
{}

qint64 LoginThrottle::waitFor(const QByteArray& key, qint64 nowMs) const
{
    const auto it = m_entries.constFind(key);
    return it == m_entries.cend() ? 0 : std::max<qint64>(0, it->blockedUntil - nowMs);
}

void LoginThrottle::failed(const QByteArray& key, qint64 nowMs)
{
    Entry& entry = m_entries[key];
    ++entry.failures;
    entry.lastFailure = nowMs;
    const int over = entry.failures - m_freeFailures;
    if (over > 0) {
        const qint64 delay =
            over >= 20 ? m_maxDelayMs : std::min(m_maxDelayMs, qint64(1000) << (over - 1));
        entry.blockedUntil = nowMs + delay;
    }
}

void LoginThrottle::succeeded(const QByteArray& key)
{
    m_entries.remove(key);
}

void LoginThrottle::forgetOld(qint64 nowMs)
{
    constexpr qint64 kQuiet = 3'600'000;
    m_entries.removeIf([&](const auto& item) {
        return item.value().blockedUntil <= nowMs && item.value().lastFailure + kQuiet <= nowMs;
    });
}

} // namespace swarmshare::tracker
