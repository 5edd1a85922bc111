// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/swarmregistry.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <QWebSocketServer>

class QWebSocket;

namespace swarmshare::tracker {

class Accounts;

// The /live WebSocket feed (DESIGN.md section 3). A client connects to /live?token=TOKEN and
// receives JSON text messages:
//   {"type":"peer_joined","peer_id":HEX,"ip":"1.2.3.4","port":6881}
//   {"type":"peer_left","peer_id":HEX}
//   {"type":"file_added","info_hash":HEX,"name":"...","size":N}
//   {"type":"swarm","info_hash":HEX,"seeders":N,"leechers":N,"availability":[[count,run],...]}
// `swarm` goes only to clients that sent {"subscribe":[HEX,...]} for that file (and once right
// after subscribing); changes are coalesced and sent at most every `flushMs`. `availability`
// is the per-piece count of peers holding each piece, run-length encoded: [[3,10],[2,5]] means
// ten pieces held by 3 peers, then five held by 2. {"unsubscribe":[HEX,...]} stops them.
// A bad token closes the socket with code 1008 (policy violation), and so does logging that
// token out or its expiry (checked by revalidate()). At most `maxClients` are connected.
class LiveFeed : public QObject, public SwarmRegistry::Listener {
    Q_OBJECT

public:
    LiveFeed(Accounts& accounts, SwarmRegistry& registry, int maxClients, int flushMs = 500,
             QObject* parent = nullptr);
    ~LiveFeed() override;

    QWebSocketServer* server() { return &m_server; }
    int clientCount() const { return int(m_clients.size()); }

    void fileAdded(const SwarmRegistry::FileInfo& file);
    // Closes the feeds opened with `token` (after /auth/logout).
    void revoke(const QByteArray& token);
    // Closes the feeds whose token is no longer valid (expired). Called periodically.
    void revalidate();
    void peerJoined(const SwarmRegistry::PeerInfo& peer) override;
    void peerLeft(const QByteArray& peerId) override;
    void swarmChanged(const QByteArray& infoHash) override;

    static QJsonArray runLengths(const QList<int>& counts);

private:
    struct Client {
        QByteArray token;
        QSet<QByteArray> subscriptions;
    };

    void accept();
    void closeClient(QWebSocket* socket, const QString& reason);
    void received(QWebSocket* socket, const QString& message);
    void broadcast(const QJsonObject& event);
    QString swarmMessage(const QByteArray& infoHash) const;
    void sendSwarm(QWebSocket* socket, const QByteArray& infoHash);
    void flush();

    Accounts& m_accounts;
    SwarmRegistry& m_registry;
    int m_maxClients;
    QWebSocketServer m_server;
    QHash<QWebSocket*, Client> m_clients;
    QHash<QByteArray, int> m_subscribers; // info-hash -> number of subscribed clients
    QSet<QByteArray> m_dirty;
    QTimer m_flush;
};

} // namespace swarmshare::tracker
