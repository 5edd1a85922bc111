// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>

#include <deque>
#include <optional>

namespace swarmshare::tracker::ha {

// One change of the tracker's state at a position (epoch, seq). The payload is an idempotent
// state delta (docs/ha.md): the current state of one object, or its removal.
struct Change {
    qint64 epoch = 0;
    qint64 seq = 0;
    QByteArray payload; // compact JSON

    friend bool operator==(const Change&, const Change&) = default;
};

// The main tracker's ordered log of recent changes, which backups stream from (DESIGN.md section
// 4). Positions are (epoch, seq): seq grows by one per change and never restarts; the epoch grows
// by one each time another tracker becomes the active one, so a follower that comes back with a
// position from an older epoch is never fed changes that do not continue its history.
//
// Bounded in entries and bytes: the oldest changes are dropped first. A follower whose position
// is no longer covered (it was away too long, or is from another epoch) takes a snapshot instead;
// since() tells which. Costs: append O(1) amortised, since() O(log n + returned).
class ChangeLog {
public:
    struct Limits {
        qsizetype maxEntries = 1'000'000;
        qint64 maxBytes = 64 * 1024 * 1024;
    };

    explicit ChangeLog(Limits limits);
    ChangeLog()
        : ChangeLog(Limits{})
    {}

    qint64 epoch() const { return m_epoch; }
    // The position of the last change (the state a snapshot taken now would be at).
    qint64 seq() const { return m_seq; }
    // The oldest change still held, or seq() + 1 when none is.
    qint64 firstSeq() const { return m_entries.empty() ? m_seq + 1 : m_entries.front().seq; }
    qsizetype size() const { return qsizetype(m_entries.size()); }
    qint64 bytes() const { return m_bytes; }

    // Records a change; returns its seq.
    qint64 append(QByteArray payload);
    // A follower records what it applied, at the primary's position, so that once promoted it
    // can serve the other followers from where they are. `change.seq` must be seq() + 1.
    bool mirror(const Change& change);
    // A follower that streams from a primary of a later epoch (their histories agree up to its
    // position, or the primary would have sent a snapshot) is in that epoch from now on.
    void adoptEpoch(qint64 epoch);
    // Starts a new epoch at the current seq (this tracker became the active one). Older changes
    // are kept: followers of the previous epoch still resynchronise by snapshot.
    qint64 newEpoch();
    // Forgets everything and continues from (epoch, seq): after loading a snapshot, or when a
    // follower is promoted with the position it had reached.
    void reset(qint64 epoch, qint64 seq);

    // The changes after `seq` for a follower at (epoch, seq), at most `max`; an empty list when
    // it is up to date; nullopt when they are not all held (another epoch, too old, or a seq
    // from the future): the follower needs a snapshot.
    std::optional<QList<Change>> since(qint64 epoch, qint64 seq, int max) const;

private:
    void trim();

    Limits m_limits;
    qint64 m_epoch = 1;
    qint64 m_seq = 0;
    qint64 m_epochStartSeq = 0; // changes after this seq belong to the current epoch
    std::deque<Change> m_entries;
    qint64 m_bytes = 0;
};

} // namespace swarmshare::tracker::ha
