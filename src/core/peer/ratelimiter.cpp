// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/ratelimiter.h"

#include <algorithm>
#include <limits>

namespace swarmshare::peer {

RateLimiter::RateLimiter(qint64 bytesPerSecond, qint64 nowMs)
    : m_rate(std::max<qint64>(0, bytesPerSecond))
    , m_lastMs(nowMs)
{
    // Start full: a connection that opens after an idle period may use a burst at once.
    m_milliTokens = burst() * 1000;
}

void RateLimiter::setRate(qint64 bytesPerSecond, qint64 nowMs)
{
    refill(nowMs);
    m_rate = std::max<qint64>(0, bytesPerSecond);
    m_milliTokens = std::min(m_milliTokens, burst() * 1000);
}

qint64 RateLimiter::burst() const
{
    return std::max(m_rate, kMinBurst);
}

void RateLimiter::refill(qint64 nowMs)
{
    if (nowMs <= m_lastMs)
        return;
    const qint64 elapsed = nowMs - m_lastMs;
    m_lastMs = nowMs;
    if (isUnlimited())
        return;
    const qint64 cap = burst() * 1000;
    // Compare before multiplying: rate x elapsed could overflow after a long sleep.
    const qint64 missing = cap - m_milliTokens;
    if (elapsed >= missing / m_rate + 1)
        m_milliTokens = cap;
    else
        m_milliTokens = std::min(cap, m_milliTokens + m_rate * elapsed);
}

qint64 RateLimiter::available(qint64 nowMs)
{
    refill(nowMs);
    if (isUnlimited())
        return std::numeric_limits<qint64>::max() / 2;
    return m_milliTokens / 1000;
}

qint64 RateLimiter::request(qint64 bytes, qint64 nowMs)
{
    if (bytes <= 0)
        return 0;
    const qint64 granted = std::min(bytes, available(nowMs));
    if (!isUnlimited())
        m_milliTokens -= granted * 1000;
    return granted;
}

QList<qint64> RateLimiter::share(const QList<qint64>& wants, qint64 nowMs)
{
    const auto n = int(wants.size());
    QList<qint64> grants(n, 0);
    if (n == 0)
        return grants;

    qint64 budget = available(nowMs);
    // Water-filling: serve the smallest demands in full first, then split what is left equally
    // among the larger ones. Sorting by demand makes each level one step.
    QList<int> order(n);
    for (int i = 0; i < n; ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&wants](int a, int b) { return wants.at(a) < wants.at(b); });
    int index = 0;
    for (; index < n; ++index) {
        const int i = order.at(index);
        const qint64 want = std::max<qint64>(0, wants.at(i));
        if (want > budget / (n - index))
            break;
        grants[i] = want;
        budget -= want;
    }
    // Everyone left wants more than an equal split, so each gets the split; the bytes that do
    // not divide go one each, round robin across calls, in connection order.
    QList<int> unsatisfied = order.mid(index);
    std::sort(unsatisfied.begin(), unsatisfied.end());
    const auto m = int(unsatisfied.size());
    if (m > 0) {
        const qint64 fair = budget / m;
        const qint64 extra = budget % m;
        for (int k = 0; k < m; ++k)
            grants[unsatisfied.at(k)] = fair;
        for (int k = 0; k < extra; ++k)
            ++grants[unsatisfied.at(int((qint64(m_rotation) + k) % m))];
        m_rotation += quint32(extra); // the next leftover starts where this one stopped
    }

    qint64 total = 0;
    for (qint64 g : grants)
        total += g;
    if (!isUnlimited())
        m_milliTokens -= total * 1000;
    return grants;
}

} // namespace swarmshare::peer
