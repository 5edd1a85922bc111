// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QtGlobal>

namespace swarmshare::peer {

// A global token bucket for one direction (upload or download) of every connection together.
// Tokens are bytes and accrue at rate() per second up to burst(): one second's worth, or
// kMinBurst on slow limits so that a 16 KiB block plus its header can always go in one piece.
// rate() 0 means unlimited. Time is passed in (milliseconds, any monotonic origin); the bucket
// keeps sub-byte remainders, so many short steps add up to the same as one long one.
//
// Fair sharing: a bucket that serves whoever asks first lets the connection polled first each
// tick take everything. So the caller's transfer tick asks once for all connections through
// share(): the available tokens are split max-min fairly (nobody gets more than it wants, the
// rest is divided equally among the others), and the odd bytes that do not divide go round
// robin across calls, so no connection is favoured over time by its place in the list.
// request() is the single-consumer form (and what share() is built on).
class RateLimiter {
public:
    static constexpr qint64 kMinBurst = 64 * 1024;

    explicit RateLimiter(qint64 bytesPerSecond = 0, qint64 nowMs = 0);

    // Changing the rate keeps the tokens already earned (clamped to the new burst).
    void setRate(qint64 bytesPerSecond, qint64 nowMs);
    qint64 rate() const { return m_rate; }
    bool isUnlimited() const { return m_rate <= 0; }
    qint64 burst() const;

    // Adds the tokens earned since the last refill. A clock that goes backwards earns nothing.
    void refill(qint64 nowMs);
    // Tokens available now (after refill(nowMs)); a large number when unlimited.
    qint64 available(qint64 nowMs);

    // How many of `bytes` may be sent (or read) now; they are taken from the bucket.
    qint64 request(qint64 bytes, qint64 nowMs);

    // One grant per entry of `wants` (bytes each connection could move now), shared fairly as
    // described above; the sum is taken from the bucket.
    QList<qint64> share(const QList<qint64>& wants, qint64 nowMs);

private:
    qint64 m_rate = 0;
    qint64 m_milliTokens = 0; // tokens x 1000, so that rate x elapsed ms needs no division
    qint64 m_lastMs = 0;
    quint32 m_rotation = 0;
};

} // namespace swarmshare::peer
