// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/livefeed.h"

#include "common/logging.h"
#include "tracker_client/retryplan.h"
#include "tracker_client/trackerclient.h"

#include <QRandomGenerator>
#include <QWebSocket>

namespace swarmshare::trackerclient {

namespace {

// The tracker reads at most 64 KiB per message: 500 hashes of 43 bytes fit with room to spare.
constexpr qsizetype kHashesPerMessage = 500;

} // namespace

LiveFeed::LiveFeed(TrackerClient& client, QObject* parent)
    : LiveFeed(client, Options{}, parent)
{}

LiveFeed::LiveFeed(TrackerClient& client, Options options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_options(options)
{
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &LiveFeed::open);
    connect(&m_ping, &QTimer::timeout, this, &LiveFeed::ping);
}

LiveFeed::~LiveFeed()
{
    dropSocket();
}

void LiveFeed::start()
{
    m_running = true;
    m_failures = 0;
    m_urlIndex = -1;
    m_reconnect.stop();
    dropSocket();
    open();
}

void LiveFeed::stop()
{
    m_running = false;
    m_reconnect.stop();
    dropSocket();
}

void LiveFeed::open()
{
    const EndpointList& endpoints = m_client.endpoints();
    if (!m_running || endpoints.isEmpty())
        return;
    // The first try goes where HTTP requests go; each retry moves down the list.
    m_urlIndex = m_failures == 0 ? qMax(0, endpoints.urls().indexOf(m_client.currentUrl()))
                                 : (m_urlIndex + 1) % endpoints.size();
    m_url = EndpointList::webSocketUrl(endpoints.url(m_urlIndex), QStringLiteral("/live"));
    const QByteArray query =
        "token=" + QUrl::toPercentEncoding(QString::fromLatin1(m_client.token()));

    dropSocket();
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket->setMaxAllowedIncomingMessageSize(quint64(m_options.maxMessageBytes));
    m_socket->setMaxAllowedIncomingFrameSize(quint64(m_options.maxMessageBytes));
    connect(m_socket, &QWebSocket::connected, this, &LiveFeed::opened);
    connect(m_socket, &QWebSocket::disconnected, this, &LiveFeed::closed);
    // Qt 6.4 names it error(); errorOccurred() comes in 6.5.
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            &LiveFeed::closed);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &LiveFeed::received);
    connect(m_socket, &QWebSocket::pong, this, [this] { m_awaitingPong = false; });
    qCDebug(lcTrackerClient) << "live feed: connecting to" << m_url.toDisplayString();
    m_socket->open(
        EndpointList::webSocketUrl(endpoints.url(m_urlIndex), QStringLiteral("/live"), query));
}

void LiveFeed::opened()
{
    m_connected = true;
    m_failures = 0;
    m_awaitingPong = false;
    m_ping.start(m_options.pingIntervalMs);
    qCInfo(lcTrackerClient).noquote() << "live feed connected to" << m_url.toDisplayString();
    Q_EMIT connected(m_url);
    sendSubscription(m_subscriptions.values(), true);
}

void LiveFeed::closed()
{
    // Both error() and disconnected() may report one loss: the first one counts.
    if (!m_socket)
        return;
    const bool refused = m_socket->closeCode() == QWebSocketProtocol::CloseCodePolicyViolated;
    const QString reason = m_socket->closeReason();
    const bool wasConnected = std::exchange(m_connected, false);
    dropSocket();
    if (refused) {
        qCWarning(lcTrackerClient).noquote() << "live feed refused:" << reason;
        m_running = false;
    } else {
        scheduleReconnect();
    }
    // Last, and guarded: a slot may delete this feed.
    const QPointer<LiveFeed> alive(this);
    if (wasConnected)
        Q_EMIT disconnected();
    if (alive && refused)
        Q_EMIT rejected(reason);
}

void LiveFeed::scheduleReconnect()
{
    if (!m_running || m_reconnect.isActive())
        return;
    const int delay =
        backoffDelay(qMin(m_failures, 30), m_options.initialBackoffMs, m_options.maxBackoffMs, 0.2,
                     QRandomGenerator::global()->generateDouble());
    ++m_failures;
    qCInfo(lcTrackerClient) << "live feed: reconnecting in" << delay << "ms";
    m_reconnect.start(delay);
}

void LiveFeed::received(const QString& text)
{
    Result<LiveMessage> message = parseLiveMessage(text.toUtf8(), m_options.maxPieces);
    if (!message) {
        qCDebug(lcTrackerClient).noquote() << "live feed: ignored:" << message.error().message;
        return;
    }
    if (const auto* event = std::get_if<PeerJoined>(&*message))
        Q_EMIT peerJoined(*event);
    else if (const auto* left = std::get_if<PeerLeft>(&*message))
        Q_EMIT peerLeft(left->peerId);
    else if (const auto* file = std::get_if<FileAdded>(&*message))
        Q_EMIT fileAdded(*file);
    else if (const auto* update = std::get_if<SwarmUpdate>(&*message))
        Q_EMIT swarmUpdated(*update);
}

void LiveFeed::ping()
{
    if (!m_socket)
        return;
    if (m_awaitingPong) {
        // No pong for a whole interval: the connection is dead even if TCP has not noticed.
        m_socket->abort();
        return;
    }
    m_awaitingPong = true;
    m_socket->ping();
}

void LiveFeed::subscribe(const QList<QByteArray>& infoHashes)
{
    QList<QByteArray> added;
    for (const QByteArray& hash : infoHashes) {
        if (hash.size() == 20 && !m_subscriptions.contains(hash)) {
            m_subscriptions.insert(hash);
            added << hash;
        }
    }
    if (m_connected)
        sendSubscription(added, true);
}

void LiveFeed::unsubscribe(const QList<QByteArray>& infoHashes)
{
    QList<QByteArray> removed;
    for (const QByteArray& hash : infoHashes) {
        if (m_subscriptions.remove(hash))
            removed << hash;
    }
    if (m_connected)
        sendSubscription(removed, false);
}

void LiveFeed::sendSubscription(const QList<QByteArray>& infoHashes, bool subscribe)
{
    for (qsizetype at = 0; m_socket && at < infoHashes.size(); at += kHashesPerMessage) {
        const QByteArray text =
            subscriptionMessage(infoHashes.mid(at, kHashesPerMessage), subscribe);
        m_socket->sendTextMessage(QString::fromLatin1(text));
    }
}

void LiveFeed::dropSocket()
{
    m_ping.stop();
    m_connected = false;
    if (!m_socket)
        return;
    QWebSocket* socket = m_socket;
    m_socket = nullptr;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

} // namespace swarmshare::trackerclient
