// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "peer/ratelimiter.h"
#include "session/sessiontypes.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>

namespace swarmshare::peer {
class PeerServer;
}
namespace swarmshare::trackerclient {
class TrackerClient;
class Announcer;
} // namespace swarmshare::trackerclient

namespace swarmshare::session {

class Torrent;

// The peer engine (DESIGN.md section 2): owns the torrents, the listening socket, the global
// rate limits and the conversation with the trackers. Lives in one thread and is only called
// there — SessionHost runs it in its own thread for the GUI and the CLI, tests may run it in
// theirs. Disk I/O and hashing run on the storage's threads, started here.
//
// Peers come from three places: the Swarmshare tracker's account API (when options give tracker
// URLs and a username: one /register for all torrents, get_n_file_idle_peers while a download
// wants peers, heartbeats, complete_transfer when it finishes — after which the tracker lists us
// as a holder: the re-share), the standard /announce of each torrent's trackers (otherwise), and
// endpoints given when the torrent is added. Incoming peers are matched to a torrent by the
// info-hash of their handshake.
class Session : public QObject {
    Q_OBJECT

public:
    explicit Session(SessionOptions options, QObject* parent = nullptr);
    ~Session() override;

    // Listens for peers; false (with errorString()) when the port cannot be bound.
    bool start();
    QString errorString() const { return m_errorString; }
    quint16 listenPort() const;
    const SessionOptions& options() const { return m_options; }
    const QByteArray& peerId() const { return m_options.peerId; }

    // Adds a torrent; returns its info-hash, or an error (bad metainfo, already added).
    Result<QByteArray> addTorrent(const AddTorrentParams& params);
    void removeTorrent(const QByteArray& infoHash, bool deleteData);
    void pauseTorrent(const QByteArray& infoHash);
    void resumeTorrent(const QByteArray& infoHash);
    void setFilePriorities(const QByteArray& infoHash, const QList<picker::Priority>& priorities);
    void setRateLimits(qint64 downloadBytesPerSecond, qint64 uploadBytesPerSecond);
    // Use this Swarmshare tracker's account API from now on, with a token from a login (empty
    // urls or username: no account; torrents still announce to their own trackers).
    void setTrackerAccount(const QList<QUrl>& urls, const QString& username,
                           const QByteArray& token);
    // Stops announcing (event=stopped, bounded), saves resume data, drops every peer; emits
    // shutdownFinished() when done.
    void shutdown();

    SessionSnapshot snapshot() const;
    // Which torrents' snapshots carry the details (availability, files, peers): all of them
    // (nullopt, the default), or only the one with this info-hash (empty: none) — the one a
    // window shows. Publishes a snapshot at once, so that the new one's details come now.
    void setSnapshotDetail(const std::optional<QByteArray>& infoHash);
    Torrent* torrent(const QByteArray& infoHash) const;

    // For the torrents.
    QThread* diskThread() const { return m_diskThread.get(); }
    QThread* hashThread() const { return m_hashThread.get(); }
    peer::RateLimiter& downloadLimiter() { return m_downloadLimiter; }
    peer::RateLimiter& uploadLimiter() { return m_uploadLimiter; }
    bool isRateLimited() const
    {
        return !m_downloadLimiter.isUnlimited() || !m_uploadLimiter.isUnlimited();
    }
    int totalConnections() const;
    QString resumePath(const QByteArray& infoHash) const;

Q_SIGNALS:
    void snapshotReady(const swarmshare::session::SessionSnapshot& snapshot);
    void torrentFinished(const QByteArray& infoHash);
    void torrentError(const QByteArray& infoHash, const QString& message);
    // `fatal`: retrying cannot help (wrong password, unknown user).
    void trackerError(const QString& message, bool fatal);
    void shutdownFinished();

private:
    struct TorrentEntry {
        std::unique_ptr<Torrent> torrent;
        std::unique_ptr<trackerclient::Announcer> announcer;
        QByteArray metainfo; // the .torrent bytes, published with the registration
        bool publishMetainfo = true;
        // In a registration the tracker accepted; and with its .torrent (sent once: the tracker
        // keeps it, and a re-registration need not carry every .torrent again).
        bool registered = false;
        bool metainfoSent = false;
        bool completeReported = false;
        QString trackerStatus;
        // How it was added, kept current (paused, priorities) for persistTorrents.
        AddTorrentParams params;
        qint64 position = 0; // order of addition, kept across restarts
    };

    void onSecondTick();
    void onChokeTick();
    void onTransferTick();
    void updateQueue();
    void onIncomingPeer(peer::PeerConnection* connection);
    void onTorrentFinished(const QByteArray& infoHash);
    void onNeedPeers(const QByteArray& infoHash);
    // The torrent's announcer, started once its check is done.
    void makeAnnouncer(TorrentEntry& entry);
    bool useAccountApi() const;
    void connectTracker();
    void login();
    void scheduleRegistration();
    void registerPeer();
    void finishShutdown();
    // persistTorrents: <hex>.torrent and <hex>.state.json in resumeDir.
    QString torrentFilePath(const QByteArray& infoHash, QLatin1StringView suffix) const;
    void saveTorrentState(const TorrentEntry& entry);
    void restoreTorrents();
    qint64 nowMs() const { return m_clock.elapsed(); }

    SessionOptions m_options;
    QString m_errorString;
    quint16 m_listenPort = 0;
    std::unique_ptr<QThread> m_diskThread;
    std::unique_ptr<QThread> m_hashThread;
    peer::PeerServer* m_server = nullptr;
    std::map<QByteArray, TorrentEntry> m_torrents;
    QList<QByteArray> m_order; // info-hashes in the order added: the queue's order
    qint64 m_nextPosition = 0;
    std::optional<QByteArray> m_detailOnly;
    qsizetype m_transferRotation = 0;
    peer::RateLimiter m_downloadLimiter;
    peer::RateLimiter m_uploadLimiter;
    QElapsedTimer m_clock;
    // Children, so that they move with the session to its thread.
    QTimer m_secondTimer{this};
    QTimer m_chokeTimer{this};
    QTimer m_transferTimer{this};
    QTimer m_snapshotTimer{this};

    trackerclient::TrackerClient* m_tracker = nullptr;
    QString m_trackerState;
    bool m_loggedIn = false;
    bool m_loginInFlight = false;
    bool m_registered = false;
    QTimer m_registerTimer{this};
    QHash<QByteArray, qint64> m_lastIdlePeersMs;

    bool m_shuttingDown = false;
    bool m_shutdownFinished = false;
    int m_pendingStops = 0;
};

} // namespace swarmshare::session
