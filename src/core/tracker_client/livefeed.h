// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker_client/livemessage.h"

#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QUrl>

class QWebSocket;

namespace swarmshare::trackerclient {

class TrackerClient;

// The tracker's /live WebSocket feed: connects with the client's token, keeps the info-hashes
// subscribed to (and subscribes again after every reconnect), and turns the messages into typed
// signals. A lost connection is retried with exponential backoff, over the client's URL list;
// a refused token (close code 1008) stops it until start() is called again (after a login).
// A ping every `pingIntervalMs` finds connections that died without a word.
// Use it from the thread that owns it and its TrackerClient.
class LiveFeed : public QObject {
    Q_OBJECT

public:
    struct Options {
        int initialBackoffMs = 500;
        int maxBackoffMs = 30'000;
        int pingIntervalMs = 30'000;
        qint64 maxMessageBytes = 4 * 1024 * 1024;
        int maxPieces = 1 << 22; // bound on a decoded availability map
    };

    explicit LiveFeed(TrackerClient& client, QObject* parent = nullptr);
    LiveFeed(TrackerClient& client, Options options, QObject* parent = nullptr);
    ~LiveFeed() override;

    void start();
    void stop();
    bool isConnected() const { return m_connected; }
    QUrl url() const { return m_url; } // without the token

    void subscribe(const QList<QByteArray>& infoHashes);
    void unsubscribe(const QList<QByteArray>& infoHashes);
    const QSet<QByteArray>& subscriptions() const { return m_subscriptions; }

Q_SIGNALS:
    void connected(const QUrl& url);
    void disconnected();
    // The tracker refused the token; log in again, then start().
    void rejected(const QString& reason);
    void peerJoined(const swarmshare::trackerclient::PeerJoined& event);
    void peerLeft(const QByteArray& peerId);
    void fileAdded(const swarmshare::trackerclient::FileAdded& event);
    void swarmUpdated(const swarmshare::trackerclient::SwarmUpdate& update);

private:
    void open();
    void opened();
    void closed();
    void scheduleReconnect();
    void received(const QString& text);
    void ping();
    void sendSubscription(const QList<QByteArray>& infoHashes, bool subscribe);
    void dropSocket();

    TrackerClient& m_client;
    Options m_options;
    QPointer<QWebSocket> m_socket;
    QSet<QByteArray> m_subscriptions;
    QTimer m_reconnect;
    QTimer m_ping;
    QUrl m_url;
    int m_urlIndex = -1;
    int m_failures = 0;
    bool m_running = false;
    bool m_connected = false;
    bool m_awaitingPong = false;
};

} // namespace swarmshare::trackerclient
