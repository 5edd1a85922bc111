// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>

namespace swarmshare::tracker {

// A token bucket per key (client address): `ratePerSecond` requests per second on average, up
// to `burst` at once. allow() is O(1); forgetIdle() drops buckets that are full again, so memory
// follows the number of recently active clients. A rate of 0 disables the limit.
class RateLimiter {
public:
    RateLimiter(double ratePerSecond, double burst);

    bool isEnabled() const { return m_rate > 0; }
    bool allow(const QByteArray& key, qint64 nowMs);
    // Seconds until `key` may send again (at least 1).
    int retryAfter(const QByteArray& key, qint64 nowMs) const;
    void forgetIdle(qint64 nowMs);
    qsizetype size() const { return m_buckets.size(); }

private:
    struct Bucket {
        double tokens;
        qint64 updated;
    };
    double tokensAt(const Bucket& bucket, qint64 nowMs) const;

    double m_rate;
    double m_burst;
    QHash<QByteArray, Bucket> m_buckets;
};

// Failed logins per key (username, client address): after `freeFailures` failures the key must
// wait, 1 s for the next failure and twice as long for each one after, up to `maxDelayMs`.
// A success clears the key. Entries are dropped once their wait and a quiet hour have passed.
class LoginThrottle {
public:
    explicit LoginThrottle(int freeFailures = 5, qint64 maxDelayMs = 300'000);

    // Milliseconds `key` must still wait, 0 when it may try now.
    qint64 waitFor(const QByteArray& key, qint64 nowMs) const;
    void failed(const QByteArray& key, qint64 nowMs);
    void succeeded(const QByteArray& key);
    void forgetOld(qint64 nowMs);

private:
    struct Entry {
        int failures = 0;
        qint64 blockedUntil = 0;
        qint64 lastFailure = 0;
    };
    int m_freeFailures;
    qint64 m_maxDelayMs;
    QHash<QByteArray, Entry> m_entries;
};

} // namespace swarmshare::tracker
