// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "peer/choker.h"
#include "peer/peerconnection.h"
#include "picker/availability.h"
#include "picker/piecepicker.h"
#include "session/sessiontypes.h"
#include "storage/piecestorage.h"
#include "torrent/metainfo.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QRandomGenerator>
#include <QSet>

#include <deque>
#include <memory>
#include <unordered_map>

namespace swarmshare::session {

class Session;

// Bytes per second, smoothed over a few one-second ticks.
struct RateMeter {
    qint64 total = 0;
    qint64 rate = 0;

    void add(qint64 bytes)
    {
        total += bytes;
        m_interval += bytes;
    }
    void tick(qint64 elapsedMs);

private:
    qint64 m_interval = 0;
};

// One torrent inside the Session: its storage, the peers connected for it, the picker and the
// availability counters, the choker. Lives in the session thread, like everything it owns.
//
// Download loop: a peer that unchokes us and has pieces we want gets requests from the picker, as
// many as its pipeline target (its measured rate x (base RTT + kQueueTimeMs), so one fast peer
// fills a fast link and a slow one does not hoard blocks); every arriving block is checked
// against our outstanding requests, handed to the storage (which hashes the piece on its own
// thread once complete) and the pipeline is refilled at once. A piece is announced with `have`
// only after its SHA-1 matched. A piece that fails is downloaded again; its contributors get a
// strike, and a peer that was the only source of a bad piece, or got kMaxStrikes, is banned for
// the session.
//
// Upload loop: requests from unchoked peers are queued per peer (at most kMaxPeerRequests) and
// read from disk only while that peer's unsent bytes stay under kSendBufferBytes, so a slow peer
// costs bounded memory and a fast one is never starved.
class Torrent : public QObject, private picker::PiecePicker::Mediator {
    Q_OBJECT

public:
    static constexpr int kMinQueue = 16;
    static constexpr int kMaxQueue = 500; // libtorrent's and our own per-peer request cap
    static constexpr int kQueueTimeMs = 100;
    static constexpr int kMaxPeerRequests = 500;
    static constexpr qint64 kSendBufferBytes = 2 * 1024 * 1024;
    static constexpr qint64 kMaxPendingWriteBytes = 8 * 1024 * 1024;
    static constexpr int kMaxTorrentRequests = 1024; // 16 MiB in flight over all peers
    static constexpr int kMaxStrikes = 3;
    static constexpr qint64 kRequestTimeoutMs = 30'000;
    static constexpr int kMaxHalfOpen = 8;
    static constexpr qint64 kReconnectDelayMs = 30'000;
    static constexpr int kMaxConnectAttempts = 5;

    Torrent(Session& session, torrent::Metainfo meta, storage::FileLayout layout,
            const AddTorrentParams& params, QObject* parent = nullptr);
    ~Torrent() override;

    const torrent::Metainfo& metainfo() const { return m_meta; }
    const storage::FileLayout& storageLayout() const { return m_storage->layout(); }
    const QString& saveDir() const { return m_saveDir; }
    const QByteArray& infoHash() const { return m_meta.infoHash(); }
    TorrentState state() const { return m_state; }
    bool isFinished() const; // every wanted piece verified
    bool isChecking() const { return m_state == TorrentState::Checking; }
    const Bitfield& have() const { return m_storage->have(); }
    peer::PieceGeometry geometry() const;
    qint64 left() const; // wanted bytes not verified yet
    qint64 downloadedBytes() const { return m_download.total; }
    qint64 uploadedBytes() const { return m_upload.total; }
    int connectionCount() const { return int(m_peers.size()) + m_halfOpen; }
    // True while downloading and no payload arrived for SessionOptions::stalledAfterMs: the
    // queue lets another download run instead.
    bool isStalled() const;
    QList<quint64> leaseIds() const { return m_leaseIds; }

    void start();
    void pause();
    void resume();
    // The queue's decisions: a queued download waits without connecting to peers.
    void setQueued(bool queued);
    bool isQueued() const { return m_queued; }
    void setFilePriorities(const QList<picker::Priority>& priorities);
    // Saves resume data and drops every peer; the storage stays until the object is deleted.
    void shutdown();

    void addCandidates(const QList<Endpoint>& endpoints);
    // An incoming connection whose handshake named this torrent.
    void adoptIncoming(peer::PeerConnection* connection);

    // Session ticks.
    void secondTick();
    void chokeRound();
    // Rate-limited mode: refill pipelines and upload queues within the bytes the session's
    // limiters grant (`limiterNowMs` is on the limiters' clock).
    void transferTick(qint64 limiterNowMs);

    // `detailed`: with the availability, the files and the peers (costs O(pieces + peers)).
    TorrentSnapshot snapshot(bool detailed = true) const;

Q_SIGNALS:
    void stateChanged(swarmshare::session::TorrentState state);
    // Every wanted piece verified (after a download, or right after the check).
    void finished();
    // The torrent wants more peers than it has candidates for.
    void needPeers();
    void storageError(const QString& message);

private:
    struct Peer {
        quint64 id = 0;
        peer::PeerConnection* connection = nullptr;
        QString key; // address:port
        Bitfield has;
        bool seeder = false;
        qint64 connectedAtMs = 0;
        // Download side: our requests, keyed like the picker's (piece << 32 | block), with the
        // time they were sent.
        QHash<quint64, qint64> requests;
        int queueTarget = kMinQueue;
        // Slow start (as TCP, and libtorrent): one more request per block received, doubling the
        // pipeline every round trip, until a second's rate stops growing.
        bool slowStart = true;
        qint64 lastRate = 0;
        qint64 minRttMs = -1;
        qint64 lastBlockAtMs = -1;
        qint64 wantedSinceMs = -1;
        bool gotPayload = false;
        RateMeter download;
        RateMeter upload;
        // Upload side: the peer's requests not read yet, and reads in flight.
        struct Ask {
            int piece;
            int offset;
            int length;
        };
        std::deque<Ask> asks;
        QList<Ask> reading;
        qint64 readingBytes = 0;
    };

    // PiecePicker::Mediator
    int pieceCount() const override;
    int blockCount(int piece) const override;
    bool clientHasPiece(int piece) const override;
    picker::Priority priority(int piece) const override;
    int availability(int piece) const override;

    void setState(TorrentState state);
    void updateState();
    bool isActive() const; // connects to peers and transfers data
    void reactivated();    // after a pause or the queue: back to work
    void connectToCandidates(qint64 nowMs);
    void attach(peer::PeerConnection* connection, bool incoming);
    void detach(quint64 id, const QString& reason);
    Peer* peerById(quint64 id);
    void ban(Peer& peer, const QString& why);
    bool isBanned(const QString& key, const QByteArray& peerId) const;

    void onBitfield(Peer& peer, const Bitfield& bits);
    void onHave(Peer& peer, int piece);
    void onBlock(Peer& peer, int piece, qint64 begin, const QByteArray& block);
    void onRequest(Peer& peer, int piece, qint64 begin, qint64 length);
    void onCancel(Peer& peer, int piece, qint64 begin, qint64 length);
    void onPieceVerified(int piece, bool ok);
    void onBlockRead(quint64 tag, int piece, int offset, const QByteArray& data,
                     const std::shared_ptr<const void>& keepAlive);
    void onCheckFinished();

    bool wants(int piece) const;
    void updateInterest(Peer& peer);
    void refill(Peer& peer, qint64 budgetBytes = -1);
    void pumpUploads(Peer& peer, qint64 budgetBytes = -1);
    void cancelAllRequests(Peer& peer);
    // Our requests to the peer are void (choke, timeout, disconnect): the picker has those blocks
    // missing again.
    void forgetRequests(Peer& peer);
    void computePiecePriorities();
    void maybeUnchoke(Peer& peer);
    qint64 nowMs() const { return m_clock.elapsed(); }

    Session& m_session;
    torrent::Metainfo m_meta;
    QString m_saveDir;
    std::unique_ptr<storage::PieceStorage> m_storage;
    picker::Availability m_availability;
    std::unique_ptr<picker::PiecePicker> m_picker;
    peer::Choker m_choker;
    QRandomGenerator m_random;
    QElapsedTimer m_clock;

    QList<picker::Priority> m_filePriorities;
    QList<picker::Priority> m_piecePriorities;
    qint64 m_wantedSize = 0;
    int m_missingWanted = 0; // wanted pieces not verified yet

    TorrentState m_state = TorrentState::Checking;
    bool m_paused = false;
    bool m_queued = false;
    bool m_checked = false;
    bool m_shutdown = false;
    bool m_wasFinished = false;
    QString m_error;
    int m_piecesAtStart = 0;
    qint64 m_startedAtMs = -1;
    qint64 m_lastPayloadAtMs = -1;
    int m_badPieces = 0;

    std::unordered_map<quint64, std::unique_ptr<Peer>> m_peers;
    quint64 m_nextPeerId = 1;
    int m_halfOpen = 0;
    int m_requestsInFlight = 0; // over all peers
    RateMeter m_download;
    RateMeter m_upload;
    qint64 m_lastTickMs = 0;

    struct Candidate {
        Endpoint endpoint;
        qint64 nextAttemptMs = 0;
        int attempts = 0;
        bool connected = false;
    };
    QHash<QString, Candidate> m_candidates;
    QList<quint64> m_leaseIds;

    // Peers (by key) that sent blocks of each piece not verified yet.
    std::unordered_map<int, QSet<QString>> m_contributors;
    QHash<QString, int> m_strikes;
    QMap<QString, qint64> m_downloadedFrom; // peers gone, see TorrentSnapshot
    QSet<QString> m_bannedKeys;
    QSet<QByteArray> m_bannedIds;
};

} // namespace swarmshare::session
