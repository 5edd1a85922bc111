// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"
#include "config/config.h"
#include "peer/peerconnection.h"
#include "picker/piecepicker.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QUrl>

namespace swarmshare::session {

// Where to reach a peer. Several peers behind one address are normal (every test here runs its
// peers on 127.0.0.1): a peer is its address *and* port.
struct Endpoint {
    QHostAddress address;
    quint16 port = 0;
    quint64 leaseId = 0; // the tracker's lease when the peer came from get_n_file_idle_peers

    QString key() const;
    friend bool operator==(const Endpoint& a, const Endpoint& b)
    {
        return a.address == b.address && a.port == b.port;
    }
};

// Parses "ADDR:PORT" / "[V6]:PORT"; nullopt when it is not one.
std::optional<Endpoint> parseEndpoint(const QString& text);

struct SessionOptions {
    // The configuration's peer settings (listen port, connection limits, upload slots, queue,
    // rate limits) and its resume folder (<data>/resume); the rest keeps its defaults.
    static SessionOptions fromConfig(const Config& config);

    QByteArray peerId; // 20 bytes; empty: a random one with our client prefix
    QHostAddress listenAddress = QHostAddress::Any;
    quint16 listenPort = 0; // 0: any free port
    int maxConnections = 200;
    int maxConnectionsPerTorrent = 60;
    int uploadSlots = 4;          // unchoked peers per torrent, the optimistic one included
    int maxActiveDownloads = 3;   // the queue: downloads beyond it wait (stalled ones don't count)
    int stalledAfterMs = 60'000;  // a download without payload this long is stalled
    qint64 downloadRateLimit = 0; // bytes/s over all torrents, 0 = unlimited
    qint64 uploadRateLimit = 0;
    QString resumeDir; // resume data, one file per torrent; "" = none
    // Keep the list of torrents in resumeDir — each one's .torrent and how it was added (folder,
    // paused, file priorities, published) — and add them again at start(): the desktop app's
    // torrents survive a restart. The CLI's seed and get add their one torrent themselves.
    bool persistTorrents = false;
    int resumeSaveIntervalMs = 30'000;
    int snapshotIntervalMs = 500;
    peer::PeerConnectionOptions connection;

    // The Swarmshare tracker's account API (register, idle peers with leases, heartbeat,
    // complete_transfer): used when urls and a username are given. Otherwise each torrent
    // announces to its own trackers (BEP 3 /announce), or to announceUrls when set.
    QList<QUrl> trackerUrls;
    QString username;
    QString password;
    // A token from an earlier login (the desktop app's "remember me", or its login dialog): used
    // instead of logging in while it is valid. When it expires and no password is known, the
    // session reports a fatal tracker error (log in again).
    QByteArray token;
    QList<QUrl> announceUrls; // overrides the .torrent's trackers in /announce mode
};

struct AddTorrentParams {
    QByteArray metainfo;                    // the .torrent bytes
    QString saveDir;                        // the torrent's files are created under it
    QList<picker::Priority> filePriorities; // per file; missing ones are Normal
    QList<Endpoint> peers;                  // peers to connect to besides the trackers'
    bool paused = false;
    // Publish the .torrent on the Swarmshare tracker, so that others find it by search.
    bool publishMetainfo = true;
};

enum class TorrentState : quint8 {
    Checking,    // hashing what is on disk
    Queued,      // waiting for a download slot
    Downloading, // missing wanted pieces
    Seeding,     // every wanted piece verified
    Paused,
    Error, // disk error or bad metainfo: see TorrentSnapshot::error
};
QString stateName(TorrentState state); // "downloading", ... (stable, for JSON and logs)

// The client a BitTorrent peer id names (Azureus style "-XX1234-", as most clients use), e.g.
// "Swarmshare 0.1.0", "libtorrent 2.0.8"; "" when unknown.
QString clientName(const QByteArray& peerId);
// Our own peer id: "-SS" + 4 version digits + "-" + 12 random characters.
QByteArray makePeerId();

struct PeerSnapshot {
    QString address; // "ADDR:PORT"
    QString client;  // from the peer id, e.g. "Swarmshare 0.1.0", "libtorrent 2.0.8"
    bool incoming = false;
    bool seeder = false;
    bool amChoking = true, amInterested = false, peerChoking = true, peerInterested = false;
    bool snubbed = false;
    double progress = 0;
    qint64 downloadRate = 0, uploadRate = 0; // bytes/s
    qint64 downloaded = 0, uploaded = 0;     // payload bytes this session
    int requests = 0;                        // our requests outstanding to it
};

struct FileSnapshot {
    QString path; // as in the torrent: name/dir/file
    qint64 size = 0;
    qint64 done = 0; // bytes of it in verified pieces
    picker::Priority priority = picker::Priority::Normal;
};

struct TorrentSnapshot {
    QByteArray infoHash;
    QString name;
    QString saveDir;
    TorrentState state = TorrentState::Checking;
    QString error;
    qint64 totalSize = 0;
    qint64 wantedSize = 0; // bytes of the pieces not skipped
    qint64 wantedDone = 0;
    double progress = 0; // of the wanted bytes, 0..1
    int pieceCount = 0;
    int piecesAtStart = 0; // verified by the check before any download
    Bitfield have;
    // The details: filled only when `detailed` (Session::setSnapshotDetail()).
    bool detailed = true;
    QList<int> availability; // per piece, connected peers that have it
    qint64 downloadRate = 0, uploadRate = 0;
    qint64 downloaded = 0, uploaded = 0; // payload bytes this session
    qint64 etaSeconds = -1;              // -1: unknown
    int badPieces = 0;
    int connectedPeers = 0, connectedSeeds = 0, knownPeers = 0;
    QList<PeerSnapshot> peers; // details
    QStringList bannedPeers;
    // Payload received from each peer this session ("ADDR:PORT" -> bytes), gone ones included.
    QMap<QString, qint64> downloadedFrom;
    QList<picker::Priority> filePriorities;
    QList<FileSnapshot> files; // details
    QString trackerStatus;     // the last answer or error of its tracker
};

struct SessionSnapshot {
    quint16 listenPort = 0;
    qint64 downloadRate = 0, uploadRate = 0;
    QString trackerState; // account mode: "connected", "logging in", an error...
    QList<TorrentSnapshot> torrents;
};

} // namespace swarmshare::session

Q_DECLARE_METATYPE(swarmshare::session::SessionSnapshot)
Q_DECLARE_METATYPE(swarmshare::session::TorrentSnapshot)
