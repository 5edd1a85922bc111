// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/ha/changelog.h"

#include <algorithm>

namespace swarmshare::tracker::ha {

namespace {

// What an entry costs besides its payload (positions, deque bookkeeping, the array header).
constexpr qint64 kEntryOverhead = 64;

} // namespace

ChangeLog::ChangeLog(Limits limits)
    : m_limits(limits)
{}

qint64 ChangeLog::append(QByteArray payload)
{
    m_bytes += payload.size() + kEntryOverhead;
    m_entries.push_back({m_epoch, ++m_seq, std::move(payload)});
    trim();
    return m_seq;
}

bool ChangeLog::mirror(const Change& change)
{
    if (change.seq != m_seq + 1 || change.epoch < m_epoch)
        return false;
    if (change.epoch != m_epoch)
        m_epochStartSeq = m_seq;
    m_epoch = change.epoch;
    m_bytes += change.payload.size() + kEntryOverhead;
    m_entries.push_back(change);
    m_seq = change.seq;
    trim();
    return true;
}

void ChangeLog::adoptEpoch(qint64 epoch)
{
    if (epoch <= m_epoch)
        return;
    m_epochStartSeq = m_seq;
    m_epoch = epoch;
}

qint64 ChangeLog::newEpoch()
{
    m_epochStartSeq = m_seq;
    return ++m_epoch;
}

void ChangeLog::reset(qint64 epoch, qint64 seq)
{
    m_entries.clear();
    m_bytes = 0;
    m_epoch = epoch;
    m_seq = seq;
    m_epochStartSeq = seq;
}

void ChangeLog::trim()
{
    while (!m_entries.empty() &&
           (qsizetype(m_entries.size()) > m_limits.maxEntries || m_bytes > m_limits.maxBytes)) {
        m_bytes -= m_entries.front().payload.size() + kEntryOverhead;
        m_entries.pop_front();
    }
}

std::optional<QList<Change>> ChangeLog::since(qint64 epoch, qint64 seq, int max) const
{
    // A follower from the current epoch continues from its seq. One from the previous epoch
    // continues too if it stopped at or before the switch: up to there both histories agree.
    const bool sameHistory = epoch == m_epoch || (epoch == m_epoch - 1 && seq <= m_epochStartSeq);
    if (!sameHistory || seq > m_seq || seq + 1 < firstSeq())
        return std::nullopt;
    QList<Change> out;
    const auto from = std::lower_bound(m_entries.begin(), m_entries.end(), seq + 1,
                                       [](const Change& c, qint64 s) { return c.seq < s; });
    for (auto it = from; it != m_entries.end() && out.size() < max; ++it)
        out.append(*it);
    return out;
}

} // namespace swarmshare::tracker::ha
