// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QSet>
#include <QtGlobal>

#include <optional>

class QRandomGenerator;

namespace swarmshare::peer {

// Whatever identifies a connection to the caller (same convention as picker::PeerHandle).
using ChokerPeerId = quint64;

// What the caller knows about one connected peer at the start of a round.
struct ChokerPeer {
    ChokerPeerId id = 0;
    bool interested = false;  // the peer wants data from us; only these compete for slots
    qint64 downloadRate = 0;  // bytes/s we receive from it (tit-for-tat while leeching)
    qint64 uploadRate = 0;    // bytes/s we send to it (the order while seeding)
    bool snubbed = false;     // see isSnubbed()
    bool seeder = false;      // it has every piece, so it never needs our data
    qint64 connectedAtMs = 0; // same clock as the `nowMs` passed to Choker::rechoke()
};

// A peer snubs us when we have wanted blocks from it for 60 s and none arrived in that time
// (BT mainline's rule). `lastBlockAtMs` is when its last block arrived (nullopt: never);
// `weWantedSinceMs` when we last started to have requests outstanding to it (nullopt: we want
// nothing from it now, so it cannot be snubbing us).
inline constexpr qint64 kSnubTimeoutMs = 60'000;
bool isSnubbed(std::optional<qint64> lastBlockAtMs, std::optional<qint64> weWantedSinceMs,
               qint64 nowMs);

// The BitTorrent choking algorithm (DESIGN.md section 5), as a pure decision: the caller calls
// rechoke() every kRoundMs with a snapshot of its peers, and sends choke/unchoke for the
// difference between the returned set and what each peer currently sees.
//
// Only interested peers count against the slots: unchoking a peer that wants nothing costs
// nothing, and the caller may leave those unchoked or not as it likes.
//  - Leeching: slotCount - 1 regular slots go to the interested peers that give us the best
//    download rate (tit-for-tat), so that reciprocating peers keep getting data. Snubbed peers
//    get a regular slot only when no unsnubbed interested peer is left to take it.
//  - Seeding: rates from peers mean nothing, so the regular slots go to the peers we upload to
//    fastest; they take the data and keep the pipes full.
//  - One optimistic slot, redrawn every kOptimisticRounds rounds (and sooner when its holder
//    leaves, loses interest or earns a regular slot), among the interested peers without a
//    regular slot. It is how a new peer gets its first pieces to trade and how we discover
//    faster peers than the ones we reciprocate with. Peers connected less than kNewPeerMs ago
//    weigh kNewPeerWeight times as much (BT mainline / libtorrent), because they have nothing
//    yet and cannot earn a regular slot any other way.
// A peer that says it is a seeder yet interested is lying or confused; it gets no slot.
//
// Ties in rate are broken by id, so the result depends only on the input and the random
// generator passed in.
class Choker {
public:
    static constexpr qint64 kRoundMs = 10'000;
    static constexpr int kOptimisticRounds = 3; // the optimistic slot rotates every 30 s
    static constexpr qint64 kNewPeerMs = kOptimisticRounds * kRoundMs * 3;
    static constexpr int kNewPeerWeight = 3;
    static constexpr int kDefaultSlotCount = 4;

    // slotCount includes the optimistic slot; values below 1 count as 1.
    explicit Choker(int slotCount = kDefaultSlotCount);

    void setSlotCount(int slotCount);
    int slotCount() const { return m_slotCount; }

    // One round: the peers to keep or make unchoked. `seeding` is true once we have every piece.
    QSet<ChokerPeerId> rechoke(const QList<ChokerPeer>& peers, bool seeding, qint64 nowMs,
                               QRandomGenerator& random);

    // The holder of the optimistic slot after the last round, if any.
    std::optional<ChokerPeerId> optimistic() const { return m_optimistic; }
    // Rounds run so far.
    int rounds() const { return m_round; }

private:
    QList<const ChokerPeer*> regularSlots(const QList<const ChokerPeer*>& candidates,
                                          bool seeding) const;
    std::optional<ChokerPeerId> drawOptimistic(const QList<const ChokerPeer*>& candidates,
                                               qint64 nowMs, QRandomGenerator& random) const;

    int m_slotCount;
    int m_round = 0;
    std::optional<ChokerPeerId> m_optimistic;
};

} // namespace swarmshare::peer
