// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "tracker/ha/changelog.h"
#include "tracker/store/store.h"
#include "tracker/swarmregistry.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QUrl>
#include <QWebSocketServer>

#include <functional>

class QWebSocket;

namespace swarmshare::tracker::ha {

// Turns what changed into deltas in the change log (docs/ha.md). The registry reports objects
// through its Journal; they are marked dirty and exported once, at the end of the event-loop turn
// (a burst of heartbeats from one peer is one delta). Store changes (from JournalingStore) are
// logged at once.
class ChangeRecorder : public QObject, public SwarmRegistry::Journal {
    Q_OBJECT

public:
    using Clock = std::function<qint64()>;

    ChangeRecorder(ChangeLog& log, SwarmRegistry& registry, Clock clock, QObject* parent = nullptr);

    // Off while following (the primary's changes are mirrored instead).
    void setEnabled(bool on);
    bool isEnabled() const { return m_enabled; }

    void record(const QJsonObject& delta);
    // Writes the dirty registry objects now (also done at the end of each event-loop turn).
    void flush();

    void peerChanged(const QByteArray& peerId) override;
    void peerRemoved(const QByteArray& peerId) override;
    void leaseChanged(quint64 id) override;
    void leaseRemoved(quint64 id) override;
    void fileChanged(const QByteArray& infoHash) override;

Q_SIGNALS:
    // New changes are in the log.
    void appended();

private:
    void schedule();
    void append(const QJsonObject& delta);

    ChangeLog& m_log;
    SwarmRegistry& m_registry;
    Clock m_clock;
    bool m_enabled = true;
    bool m_scheduled = false;
    QSet<QByteArray> m_peers;
    QSet<QByteArray> m_files;
    QSet<quint64> m_leases;
};

// Serves /replicate (docs/ha.md) to followers: checks the shared secret, then streams from the
// follower's position or sends a snapshot first, then every new change and a tick every 500 ms.
class ReplicationServer : public QObject {
    Q_OBJECT

public:
    using SnapshotSource = std::function<Result<QJsonObject>()>;

    ReplicationServer(QByteArray secret, ChangeLog& log, SnapshotSource snapshot,
                      QObject* parent = nullptr);
    ~ReplicationServer() override;

    QWebSocketServer* server() { return &m_server; }
    int followerCount() const { return int(m_followers.size()); }
    // How many snapshots were sent (tests: a resumed follower streams, a late one does not).
    int snapshotsSent() const { return m_snapshotsSent; }
    // Closes every follower (a fenced tracker stops feeding others).
    void closeAll(const QString& reason);

public Q_SLOTS:
    void pushChanges();

private:
    struct Follower {
        bool authenticated = false;
        qint64 sentSeq = 0;
    };

    void accept();
    void received(QWebSocket* socket, const QString& message);
    void send(QWebSocket* socket, Follower& follower);
    void tick();

    QByteArray m_secret;
    ChangeLog& m_log;
    SnapshotSource m_snapshot;
    QWebSocketServer m_server;
    QHash<QWebSocket*, Follower> m_followers;
    QTimer m_tick{this};
    int m_snapshotsSent = 0;
};

// The follower side: connects to the primary's /replicate, loads a snapshot when told to, applies
// changes in order (mirroring them into its own change log), reconnects with back-off after a
// drop or a gap, and measures its lag.
class ReplicationClient : public QObject {
    Q_OBJECT

public:
    using Apply = std::function<Result<void>(const QJsonObject& delta)>;
    using LoadSnapshot = std::function<Result<void>(const QJsonObject& snapshot)>;

    ReplicationClient(QUrl primary, QByteArray secret, ChangeLog& log, Apply apply,
                      LoadSnapshot load, QObject* parent = nullptr);
    ~ReplicationClient() override;

    void start();
    void stop();
    const QUrl& primary() const { return m_primary; }
    bool isConnected() const { return m_connected; }
    // Caught up: connected, and nothing the primary announced is missing.
    bool isCaughtUp() const;
    // Time since the follower last held everything the primary had; 0 when caught up.
    qint64 lagMs() const;
    qint64 primarySeq() const { return m_primarySeq; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void caughtUpChanged(bool caughtUp);
    void failed(const QString& message);

private:
    void connectNow();
    void onConnected();
    void onDisconnected();
    void onMessage(const QString& message);
    void fail(const QString& message);
    void noteProgress();

    QUrl m_primary;
    QByteArray m_secret;
    ChangeLog& m_log;
    Apply m_apply;
    LoadSnapshot m_load;
    QWebSocket* m_socket = nullptr;
    QTimer m_retry{this};
    int m_backoffMs = 250;
    bool m_running = false;
    bool m_connected = false;
    bool m_awaitingSnapshot = false;
    qint64 m_primarySeq = 0;
    QElapsedTimer m_clock;
    qint64 m_caughtUpAtMs = -1;
    bool m_wasCaughtUp = false;
    QString m_lastError;
};

} // namespace swarmshare::tracker::ha
