// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/choker.h"

#include <QRandomGenerator>

#include <algorithm>

namespace swarmshare::peer {

bool isSnubbed(std::optional<qint64> lastBlockAtMs, std::optional<qint64> weWantedSinceMs,
               qint64 nowMs)
{
    if (!weWantedSinceMs)
        return false;
    // The silence counts from whichever is later: we cannot blame a peer for blocks it sent
    // before we asked, nor for the time before we asked anything.
    qint64 since = *weWantedSinceMs;
    if (lastBlockAtMs)
        since = std::max(since, *lastBlockAtMs);
    return nowMs - since >= kSnubTimeoutMs;
}

Choker::Choker(int slotCount)
    : m_slotCount(std::max(1, slotCount))
{}

void Choker::setSlotCount(int slotCount)
{
    m_slotCount = std::max(1, slotCount);
}

QSet<ChokerPeerId> Choker::rechoke(const QList<ChokerPeer>& peers, bool seeding, qint64 nowMs,
                                   QRandomGenerator& random)
{
    QList<const ChokerPeer*> candidates;
    for (const ChokerPeer& peer : peers) {
        if (peer.interested && !peer.seeder)
            candidates.append(&peer);
    }

    const QList<const ChokerPeer*> regular = regularSlots(candidates, seeding);
    QSet<ChokerPeerId> unchoke;
    for (const ChokerPeer* peer : regular)
        unchoke.insert(peer->id);

    QList<const ChokerPeer*> others;
    for (const ChokerPeer* peer : candidates) {
        if (!unchoke.contains(peer->id))
            others.append(peer);
    }

    // Keep the holder between rotations while it is still an eligible candidate, so that it
    // gets the full 30 s to show what it can do for us.
    const bool rotate = m_round % kOptimisticRounds == 0;
    const bool holderValid =
        m_optimistic && std::any_of(others.cbegin(), others.cend(),
                                    [this](const ChokerPeer* p) { return p->id == *m_optimistic; });
    if (rotate || !holderValid) {
        QList<const ChokerPeer*> pool = others;
        // On rotation give someone else the chance whenever there is someone else.
        if (holderValid && pool.size() > 1) {
            pool.removeIf([this](const ChokerPeer* p) { return p->id == *m_optimistic; });
        }
        m_optimistic = drawOptimistic(pool, nowMs, random);
    }
    if (m_optimistic)
        unchoke.insert(*m_optimistic);

    ++m_round;
    return unchoke;
}

QList<const ChokerPeer*> Choker::regularSlots(const QList<const ChokerPeer*>& candidates,
                                              bool seeding) const
{
    QList<const ChokerPeer*> ordered = candidates;
    const auto rate = [seeding](const ChokerPeer* p) {
        return seeding ? p->uploadRate : p->downloadRate;
    };
    std::sort(ordered.begin(), ordered.end(), [&](const ChokerPeer* a, const ChokerPeer* b) {
        // While leeching, every unsnubbed peer ranks above every snubbed one: a snubbed peer
        // only gets a slot nobody else wants. When seeding we want nothing from anyone, so
        // snubbing does not apply.
        if (!seeding && a->snubbed != b->snubbed)
            return !a->snubbed;
        if (rate(a) != rate(b))
            return rate(a) > rate(b);
        return a->id < b->id;
    });
    const int regularCount = m_slotCount - 1;
    if (ordered.size() > regularCount)
        ordered.resize(regularCount);
    return ordered;
}

std::optional<ChokerPeerId> Choker::drawOptimistic(const QList<const ChokerPeer*>& candidates,
                                                   qint64 nowMs, QRandomGenerator& random) const
{
    const auto weight = [nowMs](const ChokerPeer* p) {
        return nowMs - p->connectedAtMs < kNewPeerMs ? kNewPeerWeight : 1;
    };
    quint32 total = 0;
    for (const ChokerPeer* peer : candidates)
        total += quint32(weight(peer));
    if (total == 0)
        return std::nullopt;
    quint32 ticket = random.bounded(total);
    for (const ChokerPeer* peer : candidates) {
        const auto w = quint32(weight(peer));
        if (ticket < w)
            return peer->id;
        ticket -= w;
    }
    Q_UNREACHABLE();
    return std::nullopt;
}

} // namespace swarmshare::peer
