// SPDX-License-Identifier: GPL-3.0-or-later
#include "session/torrent.h"

#include "common/logging.h"
#include "common/netaddress.h"
#include "session/session.h"
#include "storage/filelayout.h"

#include <QPointer>

#include <algorithm>
#include <cmath>

namespace swarmshare::session {

using peer::PeerConnection;
using storage::FileLayout;

namespace {

constexpr qint64 kBlock = FileLayout::kBlockSize;

quint64 requestKey(int piece, int block)
{
    return (quint64(quint32(piece)) << 32) | quint32(block);
}

} // namespace

void RateMeter::tick(qint64 elapsedMs)
{
    if (elapsedMs <= 0)
        return;
    const qint64 instant = m_interval * 1000 / elapsedMs;
    m_interval = 0;
    // Half the weight on the last second: follows a change within a few seconds without
    // jumping at every burst.
    rate = rate == 0 ? instant : (rate + instant) / 2;
}

Torrent::Torrent(Session& session, torrent::Metainfo meta, FileLayout layout,
                 const AddTorrentParams& params, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_meta(std::move(meta))
    , m_saveDir(params.saveDir)
    , m_choker(session.options().uploadSlots)
    , m_random(QRandomGenerator::securelySeeded())
    , m_filePriorities(params.filePriorities)
    , m_paused(params.paused)
{
    m_clock.start();
    m_lastTickMs = nowMs();
    storage::PieceStorage::Options options;
    options.downloadDir = m_saveDir;
    options.resumePath = session.resumePath(m_meta.infoHash());
    options.resumeSaveIntervalMs = session.options().resumeSaveIntervalMs;
    options.hashThread = session.hashThread();
    m_storage = std::make_unique<storage::PieceStorage>(std::move(layout), m_meta.pieceHashes(),
                                                        options, session.diskThread());
    m_availability.reset(m_meta.pieceCount());
    m_filePriorities.resize(m_storage->layout().fileCount(), picker::Priority::Normal);
    m_picker = std::make_unique<picker::PiecePicker>(
        static_cast<picker::PiecePicker::Mediator&>(*this), m_random.generate64());

    connect(m_storage.get(), &storage::PieceStorage::checkFinished, this,
            &Torrent::onCheckFinished);
    connect(m_storage.get(), &storage::PieceStorage::pieceVerified, this,
            &Torrent::onPieceVerified);
    connect(m_storage.get(), &storage::PieceStorage::blockRead, this, &Torrent::onBlockRead);
    connect(m_storage.get(), &storage::PieceStorage::blockReadFailed, this,
            [this](quint64 tag, int piece, int offset) {
                if (Peer* peer = peerById(tag)) {
                    peer->reading.removeIf(
                        [&](const Peer::Ask& a) { return a.piece == piece && a.offset == offset; });
                }
            });
    connect(m_storage.get(), &storage::PieceStorage::errorOccurred, this,
            [this](const QString& message) {
                m_error = message;
                qCWarning(lcSession).noquote() << m_meta.name() << "stopped:" << message;
                updateState();
                Q_EMIT storageError(message);
            });
}

Torrent::~Torrent()
{
    // Peers first: their signals must not reach a storage being destroyed.
    for (auto& [id, peer] : m_peers)
        peer->connection->disconnect(this);
    m_peers.clear();
}

peer::PieceGeometry Torrent::geometry() const
{
    return {m_meta.pieceCount(), m_meta.pieceLength(), m_meta.totalLength()};
}

// --- Mediator ---------------------------------------------------------------------------------

int Torrent::pieceCount() const
{
    return m_storage->layout().pieceCount();
}

int Torrent::blockCount(int piece) const
{
    return m_storage->layout().blockCount(piece);
}

bool Torrent::clientHasPiece(int piece) const
{
    return have().test(piece);
}

picker::Priority Torrent::priority(int piece) const
{
    return m_piecePriorities.value(piece, picker::Priority::Normal);
}

int Torrent::availability(int piece) const
{
    return m_availability.count(piece);
}

// --- state --------------------------------------------------------------------------------------

bool Torrent::isFinished() const
{
    return m_checked && m_missingWanted == 0;
}

bool Torrent::wants(int piece) const
{
    return !have().test(piece) && priority(piece) != picker::Priority::Skip;
}

qint64 Torrent::left() const
{
    const FileLayout& layout = m_storage->layout();
    qint64 bytes = 0;
    for (int piece = 0; piece < layout.pieceCount(); ++piece) {
        if (wants(piece))
            bytes += layout.pieceSize(piece);
    }
    return bytes;
}

bool Torrent::isStalled() const
{
    const qint64 now = nowMs();
    if (m_state != TorrentState::Downloading || m_startedAtMs < 0)
        return false;
    const qint64 since = m_lastPayloadAtMs >= 0 ? m_lastPayloadAtMs : m_startedAtMs;
    return now - since >= m_session.options().stalledAfterMs;
}

bool Torrent::isActive() const
{
    return m_checked && !m_paused && !m_shutdown && m_error.isEmpty() &&
           (isFinished() || !m_queued);
}

void Torrent::setState(TorrentState state)
{
    if (state == m_state)
        return;
    m_state = state;
    qCInfo(lcSession).noquote() << m_meta.name() << "is now" << stateName(state);
    if (state == TorrentState::Downloading && m_startedAtMs < 0)
        m_startedAtMs = nowMs();
    Q_EMIT stateChanged(state);
}

void Torrent::updateState()
{
    TorrentState state;
    if (!m_error.isEmpty())
        state = TorrentState::Error;
    else if (!m_checked)
        state = TorrentState::Checking;
    else if (m_paused)
        state = TorrentState::Paused;
    else if (isFinished())
        state = TorrentState::Seeding;
    else if (m_queued)
        state = TorrentState::Queued;
    else
        state = TorrentState::Downloading;
    if (!isActive()) {
        const QString reason = stateName(state);
        while (!m_peers.empty())
            detach(m_peers.begin()->first, reason);
    }
    setState(state);
    if (isFinished() && !m_wasFinished) {
        m_wasFinished = true;
        for (auto& [id, peer] : m_peers) {
            if (peer->connection->amInterested())
                peer->connection->sendNotInterested();
        }
        Q_EMIT finished();
    } else if (!isFinished()) {
        m_wasFinished = false;
    }
}

void Torrent::start()
{
    m_storage->open();
    updateState();
}

void Torrent::onCheckFinished()
{
    const bool first = !m_checked;
    m_checked = true;
    computePiecePriorities();
    if (first)
        m_piecesAtStart = have().count();
    m_picker->reset();
    qCInfo(lcSession).noquote() << m_meta.name() << "checked:" << have().count() << "of"
                                << have().size() << "pieces verified";
    reactivated();
}

void Torrent::pause()
{
    m_paused = true;
    updateState();
}

void Torrent::resume()
{
    m_paused = false;
    if (m_state == TorrentState::Error) {
        m_error.clear();
        m_storage->clearError();
    }
    reactivated();
}

void Torrent::setQueued(bool queued)
{
    if (queued == m_queued)
        return;
    m_queued = queued;
    reactivated();
}

void Torrent::reactivated()
{
    updateState();
    if (!isActive())
        return;
    // Peers we dropped ourselves (pause, queue) are not to blame: reconnect now.
    for (Candidate& candidate : m_candidates)
        candidate.nextAttemptMs = 0;
    connectToCandidates(nowMs());
    if (!isFinished())
        Q_EMIT needPeers();
}

void Torrent::shutdown()
{
    m_shutdown = true;
    while (!m_peers.empty())
        detach(m_peers.begin()->first, QStringLiteral("shutting down"));
    m_storage->saveResumeData();
}

void Torrent::computePiecePriorities()
{
    const FileLayout& layout = m_storage->layout();
    m_piecePriorities = picker::piecePriorities(layout, m_filePriorities);
    m_wantedSize = 0;
    m_missingWanted = 0;
    for (int piece = 0; piece < layout.pieceCount(); ++piece) {
        if (m_piecePriorities.at(piece) == picker::Priority::Skip)
            continue;
        m_wantedSize += layout.pieceSize(piece);
        if (!have().test(piece))
            ++m_missingWanted;
    }
}

void Torrent::setFilePriorities(const QList<picker::Priority>& priorities)
{
    m_filePriorities = priorities;
    m_filePriorities.resize(m_storage->layout().fileCount(), picker::Priority::Normal);
    if (!m_checked)
        return; // applied when the check finishes
    computePiecePriorities();
    m_picker->prioritiesChanged();
    for (auto& [id, peer] : m_peers)
        updateInterest(*peer);
    updateState();
    if (isActive() && !isFinished())
        Q_EMIT needPeers();
}

// --- peers --------------------------------------------------------------------------------------

Torrent::Peer* Torrent::peerById(quint64 id)
{
    const auto it = m_peers.find(id);
    return it == m_peers.end() ? nullptr : it->second.get();
}

bool Torrent::isBanned(const QString& key, const QByteArray& peerId) const
{
    return m_bannedKeys.contains(key) || (!peerId.isEmpty() && m_bannedIds.contains(peerId));
}

void Torrent::addCandidates(const QList<Endpoint>& endpoints)
{
    for (const Endpoint& endpoint : endpoints) {
        if (endpoint.port == 0 || endpoint.address.isNull())
            continue;
        const QString key = endpoint.key();
        if (m_bannedKeys.contains(key))
            continue;
        if (endpoint.leaseId != 0 && !m_leaseIds.contains(endpoint.leaseId))
            m_leaseIds.append(endpoint.leaseId);
        auto it = m_candidates.find(key);
        if (it == m_candidates.end()) {
            m_candidates.insert(key, Candidate{endpoint});
        } else if (!it->connected) {
            // Named again by a tracker: worth another try soon.
            it->attempts = std::min(it->attempts, kMaxConnectAttempts - 1);
            it->nextAttemptMs = std::min(it->nextAttemptMs, nowMs());
        }
    }
    connectToCandidates(nowMs());
}

void Torrent::connectToCandidates(qint64 now)
{
    if (!isActive())
        return;
    const SessionOptions& options = m_session.options();
    for (auto it = m_candidates.begin(); it != m_candidates.end(); ++it) {
        if (m_halfOpen >= kMaxHalfOpen || connectionCount() >= options.maxConnectionsPerTorrent ||
            m_session.totalConnections() >= options.maxConnections)
            return;
        Candidate& candidate = *it;
        if (candidate.connected || candidate.nextAttemptMs > now)
            continue;
        candidate.connected = true;
        ++candidate.attempts;
        ++m_halfOpen;
        const QString key = it.key();
        auto* connection = new PeerConnection(infoHash(), m_session.peerId(), geometry(),
                                              options.connection, this);
        connect(connection, &PeerConnection::handshakeReceived, this, [this, connection] {
            --m_halfOpen;
            attach(connection, false);
        });
        connect(connection, &PeerConnection::disconnected, this, [this, connection, key] {
            --m_halfOpen;
            connection->deleteLater();
            auto candidate = m_candidates.find(key);
            if (candidate == m_candidates.end())
                return;
            candidate->connected = false;
            if (candidate->attempts >= kMaxConnectAttempts)
                m_candidates.erase(candidate);
            else
                candidate->nextAttemptMs = nowMs() + kReconnectDelayMs * candidate->attempts / 4;
        });
        connection->connectToPeer(candidate.endpoint.address, candidate.endpoint.port);
    }
}

void Torrent::adoptIncoming(PeerConnection* connection)
{
    attach(connection, true);
}

void Torrent::attach(PeerConnection* connection, bool incoming)
{
    connection->disconnect(this);
    const QString key = endpointText(connection->address(), connection->port());
    const QByteArray peerId = connection->remotePeerId();
    QString refusal;
    if (!isActive())
        refusal = QStringLiteral("torrent is %1").arg(stateName(m_state));
    else if (isBanned(key, peerId))
        refusal = QStringLiteral("banned for sending bad data");
    else if (std::any_of(m_peers.begin(), m_peers.end(), [&](const auto& entry) {
                 return entry.second->connection->remotePeerId() == peerId;
             }))
        refusal = QStringLiteral("already connected to this peer id");
    else if (incoming && connectionCount() >= m_session.options().maxConnectionsPerTorrent)
        refusal = QStringLiteral("connection limit of the torrent reached");
    if (!refusal.isEmpty()) {
        if (!incoming) {
            if (auto candidate = m_candidates.find(key); candidate != m_candidates.end())
                m_candidates.erase(candidate); // a duplicate or banned: no point in retrying
        }
        connection->disconnectFromPeer(refusal);
        connection->deleteLater();
        return;
    }

    connection->setParent(this);
    auto owned = std::make_unique<Peer>();
    Peer& peer = *owned;
    peer.id = m_nextPeerId++;
    peer.connection = connection;
    peer.key = key;
    peer.has = Bitfield(m_meta.pieceCount());
    peer.connectedAtMs = nowMs();
    m_peers.emplace(peer.id, std::move(owned));
    qCInfo(lcSession).noquote() << m_meta.name() << (incoming ? "accepted" : "connected to") << key
                                << clientName(peerId);

    const quint64 id = peer.id;
    auto with = [this, id](auto handler) {
        return [this, id, handler](auto&&... args) {
            if (Peer* p = peerById(id))
                handler(*p, args...);
        };
    };
    connect(connection, &PeerConnection::disconnected, this,
            [this, id](const QString& reason) { detach(id, reason); });
    connect(connection, &PeerConnection::bitfieldReceived, this,
            with([this](Peer& p, const Bitfield& bits) { onBitfield(p, bits); }));
    connect(connection, &PeerConnection::haveReceived, this,
            with([this](Peer& p, int piece) { onHave(p, piece); }));
    connect(connection, &PeerConnection::pieceReceived, this,
            with([this](Peer& p, int piece, qint64 begin, const QByteArray& block) {
                onBlock(p, piece, begin, block);
            }));
    connect(connection, &PeerConnection::requestReceived, this,
            with([this](Peer& p, int piece, qint64 begin, qint64 length) {
                onRequest(p, piece, begin, length);
            }));
    connect(connection, &PeerConnection::cancelReceived, this,
            with([this](Peer& p, int piece, qint64 begin, qint64 length) {
                onCancel(p, piece, begin, length);
            }));
    connect(connection, &PeerConnection::unchokeReceived, this,
            with([this](Peer& p) { refill(p); }));
    connect(connection, &PeerConnection::chokeReceived, this,
            with([this](Peer& p) { cancelAllRequests(p); }));
    connect(connection, &PeerConnection::interestedReceived, this,
            with([this](Peer& p) { maybeUnchoke(p); }));
    connect(connection, &PeerConnection::bytesWritten, this,
            with([this](Peer& p, qint64) { pumpUploads(p); }));

    if (have().count() > 0)
        connection->sendBitfield(have());
    if (connection->peerInterested())
        maybeUnchoke(peer);
}

void Torrent::detach(quint64 id, const QString& reason)
{
    const auto it = m_peers.find(id);
    if (it == m_peers.end())
        return;
    std::unique_ptr<Peer> peer = std::move(it->second);
    m_peers.erase(it);
    PeerConnection* connection = peer->connection;
    connection->disconnect(this);
    connection->disconnectFromPeer(reason);
    connection->deleteLater();
    if (peer->download.total > 0)
        m_downloadedFrom[peer->key] += peer->download.total;
    if (peer->has.count() > 0) {
        m_availability.removePeer(peer->has);
        m_picker->availabilityChanged();
    }
    const bool hadRequests = !peer->requests.isEmpty();
    forgetRequests(*peer);
    if (auto candidate = m_candidates.find(peer->key); candidate != m_candidates.end()) {
        candidate->connected = false;
        // A peer that gave us data is worth reconnecting to soon; one that did not, later.
        if (peer->gotPayload)
            candidate->attempts = 0;
        candidate->nextAttemptMs = nowMs() + kReconnectDelayMs;
        if (m_bannedKeys.contains(peer->key))
            m_candidates.erase(candidate);
    }
    // Blocks it had requested are missing again: other peers take them on their next refill.
    if (!m_shutdown && hadRequests) {
        for (auto& [otherId, other] : m_peers)
            refill(*other);
    }
}

void Torrent::ban(Peer& peer, const QString& why)
{
    m_bannedKeys.insert(peer.key);
    const QByteArray peerId = peer.connection->remotePeerId();
    if (!peerId.isEmpty())
        m_bannedIds.insert(peerId);
    qCWarning(lcSession).noquote() << m_meta.name() << "banned" << peer.key << why;
    detach(peer.id, QStringLiteral("banned: %1").arg(why));
}

void Torrent::onBitfield(Peer& peer, const Bitfield& bits)
{
    if (peer.has.count() > 0)
        m_availability.removePeer(peer.has);
    peer.has = bits;
    peer.seeder = bits.all();
    m_availability.addPeer(peer.has);
    m_picker->availabilityChanged();
    updateInterest(peer);
}

void Torrent::onHave(Peer& peer, int piece)
{
    if (peer.has.test(piece))
        return; // peers repeat haves; counting twice would drift
    peer.has.set(piece);
    peer.seeder = peer.has.all();
    m_availability.addHave(piece, peer.has);
    m_picker->availabilityChanged(piece);
    if (!peer.connection->amInterested() && isActive() && wants(piece)) {
        peer.connection->sendInterested();
    }
    refill(peer);
}

void Torrent::updateInterest(Peer& peer)
{
    bool interesting = false;
    if (isActive() && !isFinished()) {
        for (int piece = 0; piece < peer.has.size() && !interesting; ++piece)
            interesting = peer.has.test(piece) && wants(piece);
    }
    if (interesting && !peer.connection->amInterested()) {
        peer.connection->sendInterested();
        refill(peer);
    } else if (!interesting && peer.connection->amInterested()) {
        peer.connection->sendNotInterested();
    }
}

void Torrent::maybeUnchoke(Peer& peer)
{
    if (!peer.connection->amChoking() || !isActive())
        return;
    // A free slot is given at once rather than at the next round, ten seconds away.
    int unchoked = 0;
    for (const auto& [id, other] : m_peers) {
        if (!other->connection->amChoking() && other->connection->peerInterested())
            ++unchoked;
    }
    if (unchoked < m_choker.slotCount())
        peer.connection->sendUnchoke();
}

void Torrent::cancelAllRequests(Peer& peer)
{
    // The peer choked us: by BEP 3 it discarded our requests, so they are missing again.
    forgetRequests(peer);
    for (auto& [id, other] : m_peers) {
        if (other.get() != &peer)
            refill(*other);
    }
}

void Torrent::forgetRequests(Peer& peer)
{
    m_picker->releasePeer(peer.id);
    m_requestsInFlight -= int(peer.requests.size());
    peer.requests.clear();
    peer.wantedSinceMs = -1;
}

void Torrent::refill(Peer& peer, qint64 budgetBytes)
{
    if (!isActive() || isFinished() || peer.connection->peerChoking() ||
        !peer.connection->amInterested() ||
        m_storage->state() != storage::PieceStorage::State::Ready)
        return;
    // Downloads outrunning the disk: wait for the writes (pieceVerified refills again).
    if (m_storage->pendingWriteBytes() > kMaxPendingWriteBytes)
        return;
    if (budgetBytes < 0 && !m_session.downloadLimiter().isUnlimited())
        return; // rate-limited: the transfer tick hands out the budget
    // Every block requested arrives whatever happens meanwhile, so what is in flight plus what
    // waits for the disk bounds the memory a download takes.
    int want = std::min(peer.queueTarget - int(peer.requests.size()),
                        kMaxTorrentRequests - m_requestsInFlight);
    if (budgetBytes >= 0)
        want = int(std::min<qint64>(want, budgetBytes / kBlock));
    if (want <= 0)
        return;
    const QList<picker::BlockRequest> picks = m_picker->pick(peer.id, peer.has, want);
    if (picks.isEmpty())
        return;
    const qint64 now = nowMs();
    if (peer.requests.isEmpty())
        peer.wantedSinceMs = now;
    const FileLayout& layout = m_storage->layout();
    for (const picker::BlockRequest& pick : picks) {
        peer.requests.insert(requestKey(pick.piece, pick.block), now);
        ++m_requestsInFlight;
        peer.connection->sendRequest(pick.piece, qint64(pick.block) * kBlock,
                                     layout.blockSize(pick.piece, pick.block));
    }
}

void Torrent::onBlock(Peer& peer, int piece, qint64 begin, const QByteArray& block)
{
    const FileLayout& layout = m_storage->layout();
    if (!layout.isValidBlock(piece, begin, block.size()))
        return; // not a block we would ever ask for in this shape: never requested
    const int index = int(begin / kBlock);
    const quint64 key = requestKey(piece, index);
    const auto request = peer.requests.find(key);
    if (request == peer.requests.end())
        return; // cancelled, timed out or never requested: wasted, not trusted
    const qint64 now = nowMs();
    const qint64 rtt = now - request.value();
    peer.minRttMs = peer.minRttMs < 0 ? rtt : std::min(peer.minRttMs, rtt);
    peer.requests.erase(request);
    --m_requestsInFlight;
    peer.wantedSinceMs = peer.requests.isEmpty() ? -1 : now;
    peer.lastBlockAtMs = now;
    peer.gotPayload = true;
    peer.download.add(block.size());
    m_download.add(block.size());
    if (peer.slowStart && peer.queueTarget < kMaxQueue)
        ++peer.queueTarget;
    m_lastPayloadAtMs = now;

    const picker::PiecePicker::Received received = m_picker->blockReceived(peer.id, piece, index);
    for (const picker::PeerHandle other : received.cancels) {
        if (Peer* duplicate = peerById(other); duplicate && duplicate->requests.remove(key)) {
            --m_requestsInFlight;
            duplicate->connection->sendCancel(piece, begin, block.size());
        }
    }
    if (received.accepted) {
        m_contributors[piece].insert(peer.key);
        if (!m_storage->writeBlock(piece, int(begin), block))
            m_picker->pieceFailed(piece); // storage not ready: start the piece over later
    }
    // Requests go out in batches of an eighth of the pipeline rather than one per block that
    // arrives: each pick sorts the pieces in progress, and the pipeline's slack (kQueueTimeMs
    // beyond the round trip) covers the wait.
    if (int(peer.requests.size()) + std::max(1, peer.queueTarget / 8) <= peer.queueTarget)
        refill(peer);
}

void Torrent::onPieceVerified(int piece, bool ok)
{
    const QSet<QString> contributors = m_contributors[piece];
    m_contributors.erase(piece);
    if (ok) {
        m_picker->pieceVerified(piece);
        if (priority(piece) != picker::Priority::Skip && m_missingWanted > 0)
            --m_missingWanted;
        for (auto& [id, peer] : m_peers) {
            if (!peer->has.test(piece))
                peer->connection->sendHave(piece);
        }
        if (isFinished())
            updateState();
        else {
            for (auto& [id, peer] : m_peers)
                refill(*peer);
        }
        return;
    }
    ++m_badPieces;
    m_picker->pieceFailed(piece);
    qCWarning(lcSession).noquote()
        << m_meta.name() << "piece" << piece << "failed its hash check; sources:"
        << QStringList(contributors.begin(), contributors.end());
    // The sole source of a bad piece sent bad data. With several sources we cannot tell which
    // one did, so each gets a strike and the liar collects them fastest.
    for (const QString& key : contributors) {
        const int strikes = ++m_strikes[key];
        if (contributors.size() > 1 && strikes < kMaxStrikes)
            continue;
        m_bannedKeys.insert(key);
        for (auto& [id, peer] : m_peers) {
            if (peer->key == key) {
                ban(*peer,
                    QStringLiteral("sent data for piece %1 that failed its hash check").arg(piece));
                break;
            }
        }
    }
    for (auto& [id, peer] : m_peers)
        refill(*peer);
}

void Torrent::onRequest(Peer& peer, int piece, qint64 begin, qint64 length)
{
    if (peer.connection->amChoking())
        return; // BEP 3: requests while choked are discarded (a race with our choke)
    if (!have().test(piece)) {
        detach(peer.id, QStringLiteral("requested piece %1, which we never announced").arg(piece));
        return;
    }
    if (int(peer.asks.size()) + int(peer.reading.size()) >= kMaxPeerRequests) {
        qCDebug(lcSession).noquote() << peer.key << "request queue full, dropping a request";
        return;
    }
    peer.asks.push_back({piece, int(begin), int(length)});
    pumpUploads(peer);
}

void Torrent::onCancel(Peer& peer, int piece, qint64 begin, qint64 length)
{
    auto same = [&](const Peer::Ask& ask) {
        return ask.piece == piece && ask.offset == begin && ask.length == length;
    };
    const auto ask = std::find_if(peer.asks.begin(), peer.asks.end(), same);
    if (ask != peer.asks.end()) {
        peer.asks.erase(ask);
        return;
    }
    // Already being read: drop the answer when it comes.
    for (Peer::Ask& reading : peer.reading) {
        if (same(reading))
            reading.length = -reading.length;
    }
}

void Torrent::pumpUploads(Peer& peer, qint64 budgetBytes)
{
    if (budgetBytes < 0 && !m_session.uploadLimiter().isUnlimited())
        return; // rate-limited: the transfer tick hands out the budget
    while (!peer.asks.empty() &&
           peer.readingBytes + peer.connection->bytesToWrite() < kSendBufferBytes) {
        const Peer::Ask ask = peer.asks.front();
        if (budgetBytes >= 0) {
            if (budgetBytes < ask.length)
                break;
            budgetBytes -= ask.length;
        }
        peer.asks.pop_front();
        if (!m_storage->readBlock(ask.piece, ask.offset, ask.length, peer.id))
            continue; // storage in error: the peer will time the request out
        peer.reading.append(ask);
        peer.readingBytes += ask.length;
    }
}

// `data` may be a view into a file mapping: it is only counted and handed to the connection with
// what keeps it mapped, never read here (see PieceStorage::blockRead()).
void Torrent::onBlockRead(quint64 tag, int piece, int offset, const QByteArray& data,
                          const std::shared_ptr<const void>& keepAlive)
{
    Peer* peer = peerById(tag);
    if (!peer)
        return;
    const auto it = std::find_if(peer->reading.begin(), peer->reading.end(), [&](const auto& a) {
        return a.piece == piece && a.offset == offset && std::abs(a.length) == data.size();
    });
    if (it == peer->reading.end())
        return; // dropped by a choke
    const bool cancelled = it->length < 0;
    peer->reading.erase(it);
    peer->readingBytes -= data.size();
    if (!cancelled && !peer->connection->amChoking()) {
        peer->connection->sendPiece(piece, offset, data, keepAlive);
        peer->upload.add(data.size());
        m_upload.add(data.size());
    }
    pumpUploads(*peer);
}

// --- ticks --------------------------------------------------------------------------------------

void Torrent::secondTick()
{
    const qint64 clock = nowMs();
    const qint64 elapsed = clock - m_lastTickMs;
    m_lastTickMs = clock;
    m_download.tick(elapsed);
    m_upload.tick(elapsed);

    QList<quint64> drop;
    for (auto& [id, peerPtr] : m_peers) {
        Peer& peer = *peerPtr;
        peer.download.tick(elapsed);
        peer.upload.tick(elapsed);
        // Pipeline: enough requests to cover the peer's rate over its base round trip plus
        // kQueueTimeMs of slack (the minimum round trip, not the average: with deep queues the
        // average measures our own queue and would grow it without end).
        const qint64 rtt = std::max<qint64>(peer.minRttMs, 0) + kQueueTimeMs;
        const int target = int(std::clamp<qint64>(
            (peer.download.rate * rtt / 1000 + kBlock - 1) / kBlock, kMinQueue, kMaxQueue));
        if (peer.slowStart && peer.download.rate > 0) {
            // Out of slow start once the rate grows by less than a tenth in a second.
            if (peer.download.rate * 10 < peer.lastRate * 11)
                peer.slowStart = false;
            peer.lastRate = peer.download.rate;
        }
        peer.queueTarget = peer.slowStart ? std::max(peer.queueTarget, target) : target;
        // Requests a peer sits on: give them back to the picker so others fetch them.
        if (!peer.requests.isEmpty() && peer.wantedSinceMs >= 0 &&
            clock - std::max(peer.wantedSinceMs, peer.lastBlockAtMs) > kRequestTimeoutMs) {
            qCInfo(lcSession).noquote()
                << peer.key << "sent nothing for" << kRequestTimeoutMs / 1000 << "s; re-requesting";
            for (auto it = peer.requests.cbegin(); it != peer.requests.cend(); ++it) {
                const int piece = int(it.key() >> 32);
                const int block = int(it.key() & 0xffffffffu);
                peer.connection->sendCancel(piece, qint64(block) * kBlock,
                                            m_storage->layout().blockSize(piece, block));
            }
            forgetRequests(peer);
        }
        if (isFinished() && peer.seeder)
            drop.append(id);
        else
            updateInterest(peer);
    }
    for (const quint64 id : drop)
        detach(id, QStringLiteral("both sides have everything"));
    for (auto& [id, peer] : m_peers) {
        refill(*peer);
        pumpUploads(*peer);
    }
    connectToCandidates(clock);
    if (isActive() && !isFinished() && int(m_peers.size()) < 8)
        Q_EMIT needPeers();
}

void Torrent::chokeRound()
{
    if (!isActive())
        return;
    const qint64 clock = nowMs();
    QList<peer::ChokerPeer> peers;
    peers.reserve(qsizetype(m_peers.size()));
    for (const auto& [id, peer] : m_peers) {
        peers.append(
            {id, peer->connection->peerInterested(), peer->download.rate, peer->upload.rate,
             peer::isSnubbed(peer->lastBlockAtMs >= 0 ? std::optional<qint64>(peer->lastBlockAtMs)
                                                      : std::nullopt,
                             peer->wantedSinceMs >= 0 ? std::optional<qint64>(peer->wantedSinceMs)
                                                      : std::nullopt,
                             clock),
             peer->seeder, peer->connectedAtMs});
    }
    const QSet<peer::ChokerPeerId> unchoke = m_choker.rechoke(peers, isFinished(), clock, m_random);
    for (auto& [id, peer] : m_peers) {
        PeerConnection* connection = peer->connection;
        if (unchoke.contains(id)) {
            if (connection->amChoking())
                connection->sendUnchoke();
        } else if (!connection->amChoking() && connection->peerInterested()) {
            connection->sendChoke();
            peer->asks.clear(); // BEP 3: a choke discards the peer's pending requests
            peer->reading.clear();
            peer->readingBytes = 0;
        }
    }
}

void Torrent::transferTick(qint64 now)
{
    if (!isActive())
        return;
    QList<Peer*> peers;
    QList<qint64> downloadWants;
    QList<qint64> uploadWants;
    for (auto& [id, peer] : m_peers) {
        peers.append(peer.get());
        downloadWants.append(qint64(std::max(0, peer->queueTarget - int(peer->requests.size()))) *
                             kBlock);
        qint64 asked = 0;
        for (const Peer::Ask& ask : peer->asks)
            asked += ask.length;
        uploadWants.append(asked);
    }
    const QList<qint64> downloads = m_session.downloadLimiter().isUnlimited()
                                        ? QList<qint64>()
                                        : m_session.downloadLimiter().share(downloadWants, now);
    const QList<qint64> uploads = m_session.uploadLimiter().isUnlimited()
                                      ? QList<qint64>()
                                      : m_session.uploadLimiter().share(uploadWants, now);
    for (qsizetype i = 0; i < peers.size(); ++i) {
        if (!downloads.isEmpty())
            refill(*peers[i], downloads[i]);
        if (!uploads.isEmpty())
            pumpUploads(*peers[i], uploads[i]);
    }
}

// --- snapshot -----------------------------------------------------------------------------------

TorrentSnapshot Torrent::snapshot(bool detailed) const
{
    TorrentSnapshot s;
    s.infoHash = infoHash();
    s.name = m_meta.name();
    s.saveDir = m_saveDir;
    s.state = m_state;
    s.error = m_error;
    s.totalSize = m_meta.totalLength();
    s.wantedSize = m_checked ? m_wantedSize : m_meta.totalLength();
    s.wantedDone = m_checked ? m_wantedSize - left() : 0;
    s.progress = s.wantedSize > 0 ? double(s.wantedDone) / double(s.wantedSize) : 1.0;
    s.pieceCount = m_meta.pieceCount();
    s.piecesAtStart = m_piecesAtStart;
    s.have = have();
    s.detailed = detailed;
    s.downloadRate = m_download.rate;
    s.uploadRate = m_upload.rate;
    s.downloaded = m_download.total;
    s.uploaded = m_upload.total;
    if (m_state == TorrentState::Downloading && m_download.rate > 0)
        s.etaSeconds = (s.wantedSize - s.wantedDone) / m_download.rate;
    s.badPieces = m_badPieces;
    s.knownPeers = int(m_candidates.size());
    s.filePriorities = m_filePriorities;
    for (const auto& [id, peer] : m_peers) {
        ++s.connectedPeers;
        s.connectedSeeds += peer->seeder ? 1 : 0;
    }
    if (!detailed)
        return s;
    s.availability = m_availability.snapshot();
    const FileLayout& layout = m_storage->layout();
    s.files.reserve(layout.fileCount());
    for (int f = 0; f < layout.fileCount(); ++f) {
        FileSnapshot file;
        file.path = layout.file(f).path;
        file.size = layout.file(f).length;
        file.priority = m_filePriorities.value(f, picker::Priority::Normal);
        // The file's share of each verified piece it touches.
        const qint64 start = layout.fileOffset(f);
        const qint64 end = start + file.size;
        const storage::PieceRange pieces = layout.piecesOfFile(f);
        for (int piece = pieces.first; piece < pieces.last; ++piece) {
            if (!have().test(piece))
                continue;
            const qint64 pieceStart = layout.pieceOffset(piece);
            file.done +=
                std::min(end, pieceStart + layout.pieceSize(piece)) - std::max(start, pieceStart);
        }
        s.files.append(file);
    }
    s.bannedPeers = QStringList(m_bannedKeys.begin(), m_bannedKeys.end());
    s.bannedPeers.sort();
    s.downloadedFrom = m_downloadedFrom;
    const qint64 clock = nowMs();
    for (const auto& [id, peer] : m_peers) {
        const PeerConnection* c = peer->connection;
        PeerSnapshot p;
        p.address = peer->key;
        p.client = clientName(c->remotePeerId());
        p.incoming = c->direction() == PeerConnection::Direction::Incoming;
        p.seeder = peer->seeder;
        p.amChoking = c->amChoking();
        p.amInterested = c->amInterested();
        p.peerChoking = c->peerChoking();
        p.peerInterested = c->peerInterested();
        p.snubbed = peer::isSnubbed(
            peer->lastBlockAtMs >= 0 ? std::optional<qint64>(peer->lastBlockAtMs) : std::nullopt,
            peer->wantedSinceMs >= 0 ? std::optional<qint64>(peer->wantedSinceMs) : std::nullopt,
            clock);
        p.progress = peer->has.size() > 0 ? double(peer->has.count()) / peer->has.size() : 0;
        p.downloadRate = peer->download.rate;
        p.uploadRate = peer->upload.rate;
        p.downloaded = peer->download.total;
        p.uploaded = peer->upload.total;
        p.requests = int(peer->requests.size());
        if (peer->download.total > 0)
            s.downloadedFrom[peer->key] += peer->download.total;
        s.peers.append(p);
    }
    return s;
}

} // namespace swarmshare::session
