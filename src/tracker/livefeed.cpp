// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/livefeed.h"

#include "tracker/accounts.h"
#include "tracker/jsonbody.h"
#include "tracker/trackercontext.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <QWebSocket>

namespace swarmshare::tracker {

namespace {

constexpr int kMaxSubscriptions = 1000;
constexpr qint64 kMaxIncoming = 64 * 1024;

QString compact(const QJsonObject& object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

LiveFeed::LiveFeed(Accounts& accounts, SwarmRegistry& registry, int maxClients, int flushMs,
                   QObject* parent)
    : QObject(parent)
    , m_accounts(accounts)
    , m_registry(registry)
    , m_maxClients(maxClients)
    , m_server(QStringLiteral("swarmshare"), QWebSocketServer::NonSecureMode)
{
    connect(&m_server, &QWebSocketServer::newConnection, this, &LiveFeed::accept);
    m_flush.setInterval(flushMs);
    m_flush.setSingleShot(true);
    connect(&m_flush, &QTimer::timeout, this, &LiveFeed::flush);
}

LiveFeed::~LiveFeed()
{
    const QList<QWebSocket*> sockets = m_clients.keys();
    for (QWebSocket* socket : sockets) {
        socket->disconnect(this);
        socket->abort();
        delete socket;
    }
}

QJsonArray LiveFeed::runLengths(const QList<int>& counts)
{
    QJsonArray runs;
    for (qsizetype i = 0; i < counts.size();) {
        qsizetype end = i + 1;
        while (end < counts.size() && counts[end] == counts[i])
            ++end;
        runs.append(QJsonArray{counts[i], qint64(end - i)});
        i = end;
    }
    return runs;
}

void LiveFeed::accept()
{
    while (QWebSocket* socket = m_server.nextPendingConnection()) {
        const QByteArray token =
            QUrlQuery(socket->requestUrl()).queryItemValue(QStringLiteral("token")).toLatin1();
        if (!m_accounts.authenticate(token)) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("a valid token is needed: /live?token=TOKEN"));
            socket->deleteLater();
            continue;
        }
        if (m_clients.size() >= m_maxClients) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("too many live clients; try again later"));
            socket->deleteLater();
            continue;
        }
        socket->setParent(this);
        socket->setMaxAllowedIncomingMessageSize(kMaxIncoming);
        m_clients.insert(socket, Client{token, {}});
        connect(socket, &QWebSocket::textMessageReceived, this,
                [this, socket](const QString& message) { received(socket, message); });
        connect(socket, &QWebSocket::disconnected, this, [this, socket] {
            const Client client = m_clients.take(socket);
            for (const QByteArray& hash : client.subscriptions) {
                if (--m_subscribers[hash] <= 0)
                    m_subscribers.remove(hash);
            }
            socket->deleteLater();
        });
    }
}

void LiveFeed::closeClient(QWebSocket* socket, const QString& reason)
{
    // `disconnected` then forgets the client and its subscriptions.
    socket->close(QWebSocketProtocol::CloseCodePolicyViolated, reason);
}

void LiveFeed::revoke(const QByteArray& token)
{
    QList<QWebSocket*> closing;
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it) {
        if (it->token == token)
            closing << it.key();
    }
    for (QWebSocket* socket : std::as_const(closing))
        closeClient(socket, QStringLiteral("logged out"));
}

void LiveFeed::revalidate()
{
    QList<QWebSocket*> closing;
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it) {
        if (!m_accounts.authenticate(it->token))
            closing << it.key();
    }
    for (QWebSocket* socket : std::as_const(closing))
        closeClient(socket, QStringLiteral("the login token is no longer valid"));
}

void LiveFeed::received(QWebSocket* socket, const QString& message)
{
    auto it = m_clients.find(socket);
    if (it == m_clients.end())
        return;
    const QJsonObject request = QJsonDocument::fromJson(message.toUtf8()).object();
    const bool subscribe = request.contains(QStringLiteral("subscribe"));
    const QJsonArray hashes =
        request.value(subscribe ? QStringLiteral("subscribe") : QStringLiteral("unsubscribe"))
            .toArray();
    for (const QJsonValue& value : hashes) {
        const QByteArray hash = hashFromHex(value.toString());
        if (hash.isEmpty())
            continue;
        if (subscribe) {
            if (it->subscriptions.size() >= kMaxSubscriptions)
                break;
            if (!it->subscriptions.contains(hash)) {
                it->subscriptions.insert(hash);
                ++m_subscribers[hash];
            }
            sendSwarm(socket, hash);
        } else if (it->subscriptions.remove(hash) && --m_subscribers[hash] <= 0) {
            m_subscribers.remove(hash);
        }
    }
}

void LiveFeed::broadcast(const QJsonObject& event)
{
    const QString text = compact(event);
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it)
        it.key()->sendTextMessage(text);
}

void LiveFeed::fileAdded(const SwarmRegistry::FileInfo& file)
{
    if (m_clients.isEmpty())
        return;
    broadcast({{QStringLiteral("type"), QStringLiteral("file_added")},
               {QStringLiteral("info_hash"), hex(file.infoHash)},
               {QStringLiteral("name"), file.name},
               {QStringLiteral("size"), file.size}});
}

void LiveFeed::peerJoined(const SwarmRegistry::PeerInfo& peer)
{
    if (m_clients.isEmpty())
        return;
    broadcast({{QStringLiteral("type"), QStringLiteral("peer_joined")},
               {QStringLiteral("peer_id"), hex(peer.peerId)},
               {QStringLiteral("ip"), peer.address.toString()},
               {QStringLiteral("port"), peer.port}});
}

void LiveFeed::peerLeft(const QByteArray& peerId)
{
    if (m_clients.isEmpty())
        return;
    broadcast({{QStringLiteral("type"), QStringLiteral("peer_left")},
               {QStringLiteral("peer_id"), hex(peerId)}});
}

void LiveFeed::swarmChanged(const QByteArray& infoHash)
{
    if (!m_subscribers.contains(infoHash))
        return;
    m_dirty.insert(infoHash);
    if (!m_flush.isActive())
        m_flush.start();
}

QString LiveFeed::swarmMessage(const QByteArray& infoHash) const
{
    const SwarmRegistry::FileStats stats = m_registry.fileStats(infoHash);
    return compact(
        {{QStringLiteral("type"), QStringLiteral("swarm")},
         {QStringLiteral("info_hash"), hex(infoHash)},
         {QStringLiteral("seeders"), stats.seeders},
         {QStringLiteral("leechers"), stats.leechers},
         {QStringLiteral("availability"), runLengths(m_registry.availability(infoHash))}});
}

void LiveFeed::sendSwarm(QWebSocket* socket, const QByteArray& infoHash)
{
    socket->sendTextMessage(swarmMessage(infoHash));
}

void LiveFeed::flush()
{
    // One message per changed file, sent to each of its subscribers.
    const QSet<QByteArray> dirty = std::exchange(m_dirty, {});
    QHash<QByteArray, QString> messages;
    for (const QByteArray& hash : dirty) {
        if (m_subscribers.contains(hash))
            messages.insert(hash, swarmMessage(hash));
    }
    for (auto it = m_clients.cbegin(); it != m_clients.cend(); ++it) {
        for (const QByteArray& hash : it->subscriptions) {
            if (const auto message = messages.constFind(hash); message != messages.cend())
                it.key()->sendTextMessage(*message);
        }
    }
}

} // namespace swarmshare::tracker
