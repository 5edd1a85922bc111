// SPDX-License-Identifier: GPL-3.0-or-later
#include "picker/piecepicker.h"

#include "common/logging.h"
#include "storage/filelayout.h"

#include <algorithm>
#include <utility>

namespace swarmshare::picker {

namespace {

// SplitMix64: a cheap, well-mixed hash, so the order depends on the salt and not on the index.
quint64 mix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

} // namespace

QList<Priority> piecePriorities(const storage::FileLayout& layout,
                                const QList<Priority>& filePriorities)
{
    QList<Priority> result(layout.pieceCount(), Priority::Skip);
    for (int file = 0; file < layout.fileCount(); ++file) {
        const Priority p =
            file < filePriorities.size() ? filePriorities.at(file) : Priority::Normal;
        const storage::PieceRange range = layout.piecesOfFile(file);
        for (int piece = range.first; piece < range.last; ++piece)
            result[piece] = std::max(result.at(piece), p);
    }
    return result;
}

PiecePicker::PiecePicker(Mediator& mediator, quint64 salt)
    : m_mediator(mediator)
    , m_salt(salt)
{
    reset();
}

void PiecePicker::reset()
{
    m_pieceCount = std::max(m_mediator.pieceCount(), 0);
    m_have.assign(m_pieceCount, false);
    m_haveCount = 0;
    m_pieceSalt.resize(m_pieceCount);
    m_randomOrder.resize(m_pieceCount);
    for (int piece = 0; piece < m_pieceCount; ++piece) {
        if (m_mediator.clientHasPiece(piece)) {
            m_have[piece] = true;
            ++m_haveCount;
        }
        m_pieceSalt[piece] = quint32(mix(m_salt ^ quint64(piece)));
        m_randomOrder[piece] = piece;
    }
    // A second stream, so the random first pieces are not simply the rarest-first tie winners.
    const quint64 orderSalt = mix(m_salt + 1);
    std::sort(m_randomOrder.begin(), m_randomOrder.end(), [orderSalt](int a, int b) {
        return mix(orderSalt ^ quint64(a)) < mix(orderSalt ^ quint64(b));
    });
    m_active.clear();
    m_peerRequests.clear();
    m_candidates.clear();
    m_keys.assign(m_pieceCount, Key{});
    m_inCandidates.assign(m_pieceCount, false);
    m_candidatesStale = true;

    for (const int piece : m_mediator.partialPieces()) {
        if (piece < 0 || piece >= m_pieceCount || m_have[piece] || m_active.count(piece) != 0)
            continue;
        ActivePiece& active = activate(piece);
        active.fromDisk = true;
        for (int block = 0; block < int(active.state.size()); ++block) {
            if (m_mediator.clientHasBlock(piece, block)) {
                active.state[block] = Block::Received;
                ++active.received;
                --active.missing;
            }
        }
    }
}

PiecePicker::Key PiecePicker::keyOf(int piece) const
{
    return Key{-int(m_mediator.priority(piece)), m_mediator.availability(piece), m_pieceSalt[piece],
               piece};
}

bool PiecePicker::isWanted(int piece) const
{
    return !m_have[piece] && m_mediator.priority(piece) != Priority::Skip;
}

void PiecePicker::ensureCandidates()
{
    if (!m_candidatesStale)
        return;
    m_candidatesStale = false;
    std::vector<Key> keys;
    keys.reserve(m_pieceCount - m_haveCount);
    for (int piece = 0; piece < m_pieceCount; ++piece) {
        const bool candidate = isWanted(piece) && m_active.count(piece) == 0;
        m_inCandidates[piece] = candidate;
        if (candidate) {
            m_keys[piece] = keyOf(piece);
            keys.push_back(m_keys[piece]);
        }
    }
    // Sorted input lets the set be built in linear time.
    std::sort(keys.begin(), keys.end());
    m_candidates = std::set<Key>(keys.begin(), keys.end());
}

void PiecePicker::insertCandidate(int piece)
{
    if (m_candidatesStale || m_inCandidates[piece] || !isWanted(piece))
        return;
    m_keys[piece] = keyOf(piece);
    m_candidates.insert(m_keys[piece]);
    m_inCandidates[piece] = true;
}

void PiecePicker::eraseCandidate(int piece)
{
    if (m_candidatesStale || !m_inCandidates[piece])
        return;
    m_candidates.erase(m_keys[piece]);
    m_inCandidates[piece] = false;
}

PiecePicker::ActivePiece& PiecePicker::activate(int piece)
{
    eraseCandidate(piece);
    ActivePiece& active = m_active[piece];
    const int blocks = std::max(m_mediator.blockCount(piece), 0);
    active.state.assign(blocks, Block::Missing);
    active.requesters.assign(blocks, {});
    active.received = 0;
    active.missing = blocks;
    active.fromDisk = false;
    return active;
}

void PiecePicker::deactivateIfIdle(int piece)
{
    // A piece nobody is downloading and of which nothing arrived goes back to the candidates, so
    // that "partial first" does not keep favouring a piece only because it was once started.
    const auto it = m_active.find(piece);
    if (it == m_active.end() || it->second.fromDisk || it->second.received != 0 ||
        it->second.missing != int(it->second.state.size()))
        return;
    m_active.erase(it);
    insertCandidate(piece);
}

QList<int> PiecePicker::orderedActive(const Bitfield& peerHas) const
{
    QList<std::pair<Key, int>> keyed;
    for (const auto& [piece, active] : m_active) {
        if (peerHas.test(piece) && m_mediator.priority(piece) != Priority::Skip)
            keyed.append({keyOf(piece), piece});
    }
    std::sort(keyed.begin(), keyed.end());
    QList<int> result;
    result.reserve(keyed.size());
    for (const auto& entry : keyed)
        result.append(entry.second);
    return result;
}

void PiecePicker::addRequest(PeerHandle peer, int piece, int block, ActivePiece& active)
{
    if (active.state[block] == Block::Missing) {
        active.state[block] = Block::Requested;
        --active.missing;
    }
    active.requesters[block].append(peer);
    m_peerRequests[peer].insert(requestKey(piece, block));
}

void PiecePicker::dropRequester(PeerHandle peer, int block, ActivePiece& active)
{
    auto& requesters = active.requesters[block];
    const auto it = std::find(requesters.begin(), requesters.end(), peer);
    if (it == requesters.end())
        return;
    requesters.erase(it);
    if (requesters.isEmpty() && active.state[block] == Block::Requested) {
        active.state[block] = Block::Missing;
        ++active.missing;
    }
}

bool PiecePicker::takeMissing(PeerHandle peer, int piece, int maxRequests, QList<BlockRequest>& out)
{
    ActivePiece& active = m_active.at(piece);
    for (int block = 0; block < int(active.state.size()) && active.missing > 0; ++block) {
        if (out.size() >= maxRequests)
            return true;
        if (active.state[block] == Block::Missing) {
            addRequest(peer, piece, block, active);
            out.append({piece, block});
        }
    }
    return out.size() >= maxRequests;
}

void PiecePicker::pickFresh(PeerHandle peer, const Bitfield& peerHas, int maxRequests,
                            QList<BlockRequest>& out)
{
    if (m_haveCount < m_randomFirstPieces) {
        // Random mode happens only while almost nothing is complete, so this walk is short-lived.
        for (const int piece : m_randomOrder) {
            if (!m_inCandidates[piece] || !peerHas.test(piece))
                continue;
            activate(piece);
            if (takeMissing(peer, piece, maxRequests, out))
                return;
        }
        return;
    }
    auto it = m_candidates.begin();
    while (it != m_candidates.end() && out.size() < maxRequests) {
        const int piece = it->piece;
        if (!peerHas.test(piece)) {
            ++it;
            continue;
        }
        ++it; // activate() erases the current node
        activate(piece);
        takeMissing(peer, piece, maxRequests, out);
    }
}

void PiecePicker::pickDuplicates(PeerHandle peer, const Bitfield& peerHas, int maxRequests,
                                 QList<BlockRequest>& out)
{
    for (const int piece : orderedActive(peerHas)) {
        ActivePiece& active = m_active.at(piece);
        for (int block = 0; block < int(active.state.size()); ++block) {
            if (out.size() >= maxRequests)
                return;
            const auto& requesters = active.requesters[block];
            if (active.state[block] == Block::Requested && !requesters.contains(peer)) {
                addRequest(peer, piece, block, active);
                out.append({piece, block});
            }
        }
    }
}

bool PiecePicker::isEndgame()
{
    ensureCandidates();
    if (!m_candidates.empty() || m_active.empty())
        return false;
    for (const auto& [piece, active] : m_active) {
        if (active.missing > 0 && m_mediator.priority(piece) != Priority::Skip)
            return false;
    }
    return true;
}

QList<BlockRequest> PiecePicker::pick(PeerHandle peer, const Bitfield& peerHas, int maxRequests)
{
    QList<BlockRequest> out;
    if (maxRequests <= 0 || peerHas.size() != m_pieceCount)
        return out;
    ensureCandidates();
    for (const int piece : orderedActive(peerHas)) {
        if (takeMissing(peer, piece, maxRequests, out))
            return out;
    }
    pickFresh(peer, peerHas, maxRequests, out);
    if (out.size() < maxRequests && isEndgame())
        pickDuplicates(peer, peerHas, maxRequests, out);
    return out;
}

PiecePicker::Received PiecePicker::blockReceived(PeerHandle peer, int piece, int block)
{
    Received result;
    if (piece < 0 || piece >= m_pieceCount || m_have[piece])
        return result;
    auto it = m_active.find(piece);
    if (it == m_active.end()) {
        // A late answer to a request we had already released: still good data if we want it.
        if (m_mediator.priority(piece) == Priority::Skip)
            return result;
        activate(piece);
        it = m_active.find(piece);
    }
    ActivePiece& active = it->second;
    if (block < 0 || block >= int(active.state.size()))
        return result;
    if (active.state[block] == Block::Received) {
        releaseRequest(peer, piece, block);
        return result;
    }
    if (active.state[block] == Block::Missing)
        --active.missing;
    active.state[block] = Block::Received;
    ++active.received;
    const quint64 key = requestKey(piece, block);
    for (const PeerHandle other : std::as_const(active.requesters[block])) {
        m_peerRequests[other].remove(key);
        if (other != peer)
            result.cancels.append(other);
    }
    active.requesters[block].clear();
    result.accepted = true;
    result.pieceComplete = active.received == int(active.state.size());
    return result;
}

void PiecePicker::releaseRequest(PeerHandle peer, int piece, int block)
{
    const auto requests = m_peerRequests.find(peer);
    if (requests == m_peerRequests.end() || !requests->remove(requestKey(piece, block)))
        return;
    const auto it = m_active.find(piece);
    if (it == m_active.end())
        return;
    dropRequester(peer, block, it->second);
    deactivateIfIdle(piece);
}

void PiecePicker::releasePeer(PeerHandle peer)
{
    const QSet<quint64> requests = m_peerRequests.take(peer);
    QSet<int> touched;
    for (const quint64 key : requests) {
        const int piece = int(key >> 32);
        const auto it = m_active.find(piece);
        if (it == m_active.end())
            continue;
        dropRequester(peer, int(key & 0xffffffffu), it->second);
        touched.insert(piece);
    }
    for (const int piece : std::as_const(touched))
        deactivateIfIdle(piece);
}

void PiecePicker::pieceVerified(int piece)
{
    if (piece < 0 || piece >= m_pieceCount || m_have[piece])
        return;
    const auto it = m_active.find(piece);
    if (it != m_active.end()) {
        const ActivePiece& active = it->second;
        for (int block = 0; block < int(active.requesters.size()); ++block) {
            for (const PeerHandle peer : active.requesters[block])
                m_peerRequests[peer].remove(requestKey(piece, block));
        }
        m_active.erase(it);
    }
    eraseCandidate(piece);
    m_have[piece] = true;
    ++m_haveCount;
}

void PiecePicker::pieceFailed(int piece)
{
    if (piece < 0 || piece >= m_pieceCount)
        return;
    qCDebug(lcPicker) << "piece" << piece << "failed its hash check, downloading it again";
    const auto it = m_active.find(piece);
    if (it != m_active.end()) {
        const ActivePiece& active = it->second;
        for (int block = 0; block < int(active.requesters.size()); ++block) {
            for (const PeerHandle peer : active.requesters[block])
                m_peerRequests[peer].remove(requestKey(piece, block));
        }
        m_active.erase(it);
    }
    if (m_have[piece]) {
        m_have[piece] = false;
        --m_haveCount;
    }
    insertCandidate(piece);
}

void PiecePicker::availabilityChanged(int piece)
{
    if (m_candidatesStale || piece < 0 || piece >= m_pieceCount || !m_inCandidates[piece])
        return;
    m_candidates.erase(m_keys[piece]);
    m_keys[piece] = keyOf(piece);
    m_candidates.insert(m_keys[piece]);
}

void PiecePicker::availabilityChanged()
{
    m_candidatesStale = true;
}

void PiecePicker::prioritiesChanged()
{
    m_candidatesStale = true;
}

int PiecePicker::outstandingRequests(PeerHandle peer) const
{
    return int(m_peerRequests.value(peer).size());
}

bool PiecePicker::isRequested(PeerHandle peer, int piece, int block) const
{
    return m_peerRequests.value(peer).contains(requestKey(piece, block));
}

} // namespace swarmshare::picker
