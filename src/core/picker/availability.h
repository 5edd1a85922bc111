// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"

#include <QList>

namespace swarmshare::picker {

// How many connected peers have each piece: the input of rarest-first and the data behind the
// GUI's rarity map. Updated from the peer wire protocol: a bitfield (or have_all/have_none) when a
// peer connects, a have message, and the peer's last known bitfield when it disconnects.
//
// A peer whose bitfield is full (a seeder) is kept as one shared counter rather than +1 on every
// piece, so a seeder connecting or leaving costs O(1) however many pieces there are; in a healthy
// swarm most peers are seeders. Invariant: a peer is counted as a seeder exactly when the bitfield
// the caller last passed for it is full. The caller keeps each peer's bitfield (it needs it for
// picking anyway) and passes it back here, so no per-peer state is duplicated.
//
// Costs (P = pieces): addPeer/removePeer O(P / 8) byte scan for a partial bitfield, O(1) for a
// seeder; addHave O(1), or O(P) once per peer when that have completes its bitfield; count O(1);
// snapshot O(1) (shared copy) without seeders, O(P) with; min/max O(P).
class Availability {
public:
    explicit Availability(int pieceCount = 0);

    // Forgets every peer (new torrent, or all peers dropped).
    void reset(int pieceCount);
    int pieceCount() const { return int(m_counts.size()); }

    // A peer's bitfield arrived. Its size must be pieceCount(); a mismatch is ignored with a
    // warning (the wire layer rejects such bitfields before they get here).
    void addPeer(const Bitfield& bits);
    // The peer left: `bits` is its bitfield as last passed here (after all its haves).
    void removePeer(const Bitfield& bits);
    // A have message that newly set `piece`; `bitsAfter` already has it set. Call it only when
    // the bit was not set before (peers repeat haves), otherwise the count drifts.
    void addHave(int piece, const Bitfield& bitsAfter);

    int count(int piece) const { return m_counts.at(piece) + m_seeders; }
    int seeders() const { return m_seeders; }
    // One count per piece, seeders included: the value the GUI paints.
    QList<int> snapshot() const;
    // 0 for a torrent without pieces.
    int min() const;
    int max() const;

private:
    void apply(const Bitfield& bits, int delta);

    QList<int> m_counts; // peers with the piece, seeders excluded
    int m_seeders = 0;
};

} // namespace swarmshare::picker
