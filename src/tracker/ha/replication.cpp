// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/ha/replication.h"

#include "common/constanttime.h"
#include "tracker/ha/statecodec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QWebSocket>

namespace swarmshare::tracker::ha {

Q_LOGGING_CATEGORY(lcReplication, "swarmshare.replication")

namespace {

constexpr int kBatch = 1000;
constexpr int kTickMs = 500;
constexpr int kAuthTimeoutMs = 5000;
constexpr qint64 kMaxQueuedBytes = 8 * 1024 * 1024;
constexpr int kMaxBackoffMs = 5000;
// Caught up within this much is "standby" rather than "catching up" (DESIGN.md: lag < 1 s).
constexpr qint64 kCaughtUpLagMs = 1000;

QString compact(const QJsonObject& object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

// --- ChangeRecorder -----------------------------------------------------------------------------

ChangeRecorder::ChangeRecorder(ChangeLog& log, SwarmRegistry& registry, Clock clock,
                               QObject* parent)
    : QObject(parent)
    , m_log(log)
    , m_registry(registry)
    , m_clock(std::move(clock))
{}

void ChangeRecorder::setEnabled(bool on)
{
    if (!on) {
        m_peers.clear();
        m_files.clear();
        m_leases.clear();
    }
    m_enabled = on;
}

void ChangeRecorder::schedule()
{
    if (m_scheduled)
        return;
    m_scheduled = true;
    QMetaObject::invokeMethod(this, &ChangeRecorder::flush, Qt::QueuedConnection);
}

void ChangeRecorder::peerChanged(const QByteArray& peerId)
{
    if (!m_enabled)
        return;
    m_peers.insert(peerId);
    schedule();
}

void ChangeRecorder::peerRemoved(const QByteArray& peerId)
{
    peerChanged(peerId); // exported as a removal when it is gone
}

void ChangeRecorder::leaseChanged(quint64 id)
{
    if (!m_enabled)
        return;
    m_leases.insert(id);
    schedule();
}

void ChangeRecorder::leaseRemoved(quint64 id)
{
    leaseChanged(id);
}

void ChangeRecorder::fileChanged(const QByteArray& infoHash)
{
    if (!m_enabled)
        return;
    m_files.insert(infoHash);
    schedule();
}

void ChangeRecorder::append(const QJsonObject& delta)
{
    m_log.append(QJsonDocument(delta).toJson(QJsonDocument::Compact));
}

void ChangeRecorder::record(const QJsonObject& delta)
{
    if (!m_enabled)
        return;
    // Registry objects changed before this store change go first, to keep the order of causes.
    flush();
    append(delta);
    Q_EMIT appended();
}

void ChangeRecorder::flush()
{
    m_scheduled = false;
    if (!m_enabled || (m_peers.isEmpty() && m_files.isEmpty() && m_leases.isEmpty()))
        return;
    const qint64 now = m_clock();
    // Peers first (they create the files they hold), then files, then leases (which need both
    // their peers): the order SwarmRegistry's import wants.
    for (const QByteArray& peerId : std::as_const(m_peers)) {
        if (const auto peer = m_registry.exportPeer(peerId, now))
            append(toJson(*peer));
        else
            append({{QStringLiteral("t"), QString::fromUtf16(delta::kPeerRemoved)},
                    {QStringLiteral("id"), QString::fromLatin1(peerId.toHex())}});
    }
    for (const QByteArray& infoHash : std::as_const(m_files)) {
        // A file gone from the registry goes on the follower too, with its last holder.
        if (const auto file = m_registry.exportFile(infoHash))
            append(toJson(*file));
    }
    for (const quint64 id : std::as_const(m_leases)) {
        if (auto lease = m_registry.exportLease(id, now)) {
            QJsonObject json = toJson(*lease);
            json.insert(QStringLiteral("next"), qint64(m_registry.nextLeaseId()));
            append(json);
        } else {
            append({{QStringLiteral("t"), QString::fromUtf16(delta::kLeaseRemoved)},
                    {QStringLiteral("id"), qint64(id)}});
        }
    }
    m_peers.clear();
    m_files.clear();
    m_leases.clear();
    Q_EMIT appended();
}

// --- ReplicationServer --------------------------------------------------------------------------

ReplicationServer::ReplicationServer(QByteArray secret, ChangeLog& log, SnapshotSource snapshot,
                                     QObject* parent)
    : QObject(parent)
    , m_secret(std::move(secret))
    , m_log(log)
    , m_snapshot(std::move(snapshot))
    , m_server(QStringLiteral("swarmshare-replicate"), QWebSocketServer::NonSecureMode)
{
    connect(&m_server, &QWebSocketServer::newConnection, this, &ReplicationServer::accept);
    connect(&m_tick, &QTimer::timeout, this, &ReplicationServer::tick);
    m_tick.start(kTickMs);
}

ReplicationServer::~ReplicationServer()
{
    for (auto it = m_followers.begin(); it != m_followers.end(); ++it)
        it.key()->disconnect(this);
}

void ReplicationServer::accept()
{
    while (QWebSocket* socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        m_followers.insert(socket, Follower{});
        connect(socket, &QWebSocket::textMessageReceived, this,
                [this, socket](const QString& message) { received(socket, message); });
        connect(socket, &QWebSocket::disconnected, this, [this, socket] {
            m_followers.remove(socket);
            socket->deleteLater();
        });
        QTimer::singleShot(kAuthTimeoutMs, socket, [this, socket] {
            const auto it = m_followers.constFind(socket);
            if (it != m_followers.cend() && !it->authenticated)
                socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                              QStringLiteral("no follow message"));
        });
    }
}

void ReplicationServer::received(QWebSocket* socket, const QString& message)
{
    const auto it = m_followers.find(socket);
    if (it == m_followers.end() || it->authenticated)
        return; // followers have nothing more to say
    const QJsonObject follow = QJsonDocument::fromJson(message.toUtf8()).object();
    const QByteArray secret = follow.value(QStringLiteral("secret")).toString().toUtf8();
    if (follow.value(QStringLiteral("type")).toString() != QLatin1String("follow") ||
        m_secret.isEmpty() || !constantTimeEquals(secret, m_secret)) {
        qCWarning(lcReplication).noquote()
            << "refused a follower from" << socket->peerAddress().toString() << ": wrong secret";
        socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("wrong secret"));
        return;
    }
    it->authenticated = true;
    const qint64 epoch = follow.value(QStringLiteral("epoch")).toInteger();
    const qint64 seq = follow.value(QStringLiteral("seq")).toInteger();
    // Position 0 means "nothing": the follower's database may still hold rows from another life
    // (a restart, an earlier promotion), so it starts from a snapshot that replaces them.
    const bool stream = seq > 0 && m_log.since(epoch, seq, 0).has_value();
    socket->sendTextMessage(
        compact({{QStringLiteral("type"), QStringLiteral("hello")},
                 {QStringLiteral("epoch"), m_log.epoch()},
                 {QStringLiteral("seq"), m_log.seq()},
                 {QStringLiteral("mode"),
                  stream ? QStringLiteral("stream") : QStringLiteral("snapshot")}}));
    if (stream) {
        it->sentSeq = seq;
        qCInfo(lcReplication).noquote()
            << "follower" << socket->peerAddress().toString() << "resumes from" << epoch << seq;
    } else {
        Result<QJsonObject> state = m_snapshot();
        if (!state) {
            socket->close(QWebSocketProtocol::CloseCodeAbnormalDisconnection,
                          state.error().message.left(120));
            return;
        }
        ++m_snapshotsSent;
        it->sentSeq = m_log.seq();
        socket->sendTextMessage(compact({{QStringLiteral("type"), QStringLiteral("snapshot")},
                                         {QStringLiteral("epoch"), m_log.epoch()},
                                         {QStringLiteral("seq"), m_log.seq()},
                                         {QStringLiteral("state"), *state}}));
        qCInfo(lcReplication).noquote() << "follower" << socket->peerAddress().toString()
                                        << "sent a snapshot at" << m_log.epoch() << m_log.seq();
    }
    send(socket, *it);
}

void ReplicationServer::send(QWebSocket* socket, Follower& follower)
{
    while (socket->bytesToWrite() < kMaxQueuedBytes) {
        const auto changes = m_log.since(m_log.epoch(), follower.sentSeq, kBatch);
        if (!changes) {
            // It fell behind what the log holds: a fresh start (snapshot) is all that helps.
            socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("too far behind"));
            return;
        }
        if (changes->isEmpty())
            return;
        QString message = QStringLiteral("{\"type\":\"changes\",\"changes\":[");
        for (qsizetype i = 0; i < changes->size(); ++i) {
            const Change& change = changes->at(i);
            if (i > 0)
                message += QLatin1Char(',');
            message +=
                QStringLiteral("{\"e\":%1,\"s\":%2,\"d\":").arg(change.epoch).arg(change.seq);
            message += QString::fromUtf8(change.payload);
            message += QLatin1Char('}');
        }
        message += QStringLiteral("]}");
        socket->sendTextMessage(message);
        follower.sentSeq = changes->constLast().seq;
    }
}

void ReplicationServer::pushChanges()
{
    for (auto it = m_followers.begin(); it != m_followers.end(); ++it) {
        if (it->authenticated)
            send(it.key(), *it);
    }
}

void ReplicationServer::tick()
{
    const QString message = compact({{QStringLiteral("type"), QStringLiteral("tick")},
                                     {QStringLiteral("epoch"), m_log.epoch()},
                                     {QStringLiteral("seq"), m_log.seq()}});
    for (auto it = m_followers.begin(); it != m_followers.end(); ++it) {
        if (!it->authenticated)
            continue;
        send(it.key(), *it);
        it.key()->sendTextMessage(message);
    }
}

void ReplicationServer::closeAll(const QString& reason)
{
    const QList<QWebSocket*> sockets = m_followers.keys();
    for (QWebSocket* socket : sockets)
        socket->close(QWebSocketProtocol::CloseCodeGoingAway, reason);
}

// --- ReplicationClient --------------------------------------------------------------------------

ReplicationClient::ReplicationClient(QUrl primary, QByteArray secret, ChangeLog& log, Apply apply,
                                     LoadSnapshot load, QObject* parent)
    : QObject(parent)
    , m_primary(std::move(primary))
    , m_secret(std::move(secret))
    , m_log(log)
    , m_apply(std::move(apply))
    , m_load(std::move(load))
{
    m_clock.start();
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &ReplicationClient::connectNow);
}

ReplicationClient::~ReplicationClient()
{
    stop();
}

void ReplicationClient::start()
{
    m_running = true;
    connectNow();
}

void ReplicationClient::stop()
{
    m_running = false;
    m_retry.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_connected = false;
}

void ReplicationClient::connectNow()
{
    if (!m_running)
        return;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_connected = false;
    m_awaitingSnapshot = false;
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket->setMaxAllowedIncomingMessageSize(1024LL * 1024 * 1024);
    connect(m_socket, &QWebSocket::connected, this, &ReplicationClient::onConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &ReplicationClient::onDisconnected);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &ReplicationClient::onMessage);
    QUrl url = m_primary;
    url.setScheme(url.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                         : QStringLiteral("ws"));
    url.setPath(QStringLiteral("/replicate"));
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this] {
        m_lastError = m_socket->errorString();
        qCInfo(lcReplication).noquote()
            << "cannot follow" << m_primary.toString() << ":" << m_lastError;
    });
    m_socket->open(url);
}

void ReplicationClient::onConnected()
{
    qCInfo(lcReplication).noquote() << "connected to" << m_primary.toString();
    m_connected = true;
    m_backoffMs = 250;
    m_socket->sendTextMessage(compact({{QStringLiteral("type"), QStringLiteral("follow")},
                                       {QStringLiteral("secret"), QString::fromUtf8(m_secret)},
                                       {QStringLiteral("epoch"), m_log.epoch()},
                                       {QStringLiteral("seq"), m_log.seq()}}));
}

void ReplicationClient::onDisconnected()
{
    m_connected = false;
    if (m_wasCaughtUp) {
        m_wasCaughtUp = false;
        Q_EMIT caughtUpChanged(false);
    }
    if (!m_running)
        return;
    m_retry.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, kMaxBackoffMs);
}

void ReplicationClient::fail(const QString& message)
{
    m_lastError = message;
    qCWarning(lcReplication).noquote()
        << "replication from" << m_primary.toString() << ":" << message;
    Q_EMIT failed(message);
    if (m_socket)
        m_socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("resynchronising"));
}

void ReplicationClient::onMessage(const QString& message)
{
    const QJsonObject json = QJsonDocument::fromJson(message.toUtf8()).object();
    const QString type = json.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("hello")) {
        m_primarySeq = json.value(QStringLiteral("seq")).toInteger();
        m_awaitingSnapshot =
            json.value(QStringLiteral("mode")).toString() == QLatin1String("snapshot");
        // Streaming from a later epoch: the proxy compares (epoch, seq) to decide a failback,
        // so report the primary's epoch at once rather than from its next change.
        if (!m_awaitingSnapshot)
            m_log.adoptEpoch(json.value(QStringLiteral("epoch")).toInteger());
    } else if (type == QLatin1String("snapshot")) {
        if (!m_awaitingSnapshot)
            return fail(QStringLiteral("unexpected snapshot"));
        if (Result<void> loaded = m_load(json.value(QStringLiteral("state")).toObject()); !loaded)
            return fail(loaded.error().message);
        m_log.reset(json.value(QStringLiteral("epoch")).toInteger(),
                    json.value(QStringLiteral("seq")).toInteger());
        m_awaitingSnapshot = false;
        qCInfo(lcReplication).noquote() << "loaded a snapshot at" << m_log.epoch() << m_log.seq()
                                        << "from" << m_primary.toString();
    } else if (type == QLatin1String("changes")) {
        if (m_awaitingSnapshot)
            return fail(QStringLiteral("changes before the snapshot"));
        for (const QJsonValue& value : json.value(QStringLiteral("changes")).toArray()) {
            const QJsonObject change = value.toObject();
            const qint64 epoch = change.value(QStringLiteral("e")).toInteger();
            const qint64 seq = change.value(QStringLiteral("s")).toInteger();
            if (seq <= m_log.seq())
                continue; // already applied (a resend after a reconnect)
            if (seq != m_log.seq() + 1)
                return fail(QStringLiteral("gap in the change stream at %1").arg(seq));
            const QJsonObject delta = change.value(QStringLiteral("d")).toObject();
            if (Result<void> applied = m_apply(delta); !applied)
                return fail(applied.error().message);
            m_log.mirror({epoch, seq, QJsonDocument(delta).toJson(QJsonDocument::Compact)});
        }
        m_primarySeq = std::max(m_primarySeq, m_log.seq());
    } else if (type == QLatin1String("tick")) {
        m_primarySeq = json.value(QStringLiteral("seq")).toInteger();
    }
    noteProgress();
}

void ReplicationClient::noteProgress()
{
    const bool caughtUp = m_connected && !m_awaitingSnapshot && m_log.seq() >= m_primarySeq;
    if (caughtUp)
        m_caughtUpAtMs = m_clock.elapsed();
    const bool standby = isCaughtUp();
    if (standby != m_wasCaughtUp) {
        m_wasCaughtUp = standby;
        Q_EMIT caughtUpChanged(standby);
    }
}

qint64 ReplicationClient::lagMs() const
{
    if (m_connected && !m_awaitingSnapshot && m_log.seq() >= m_primarySeq)
        return 0;
    return m_caughtUpAtMs < 0 ? -1 : m_clock.elapsed() - m_caughtUpAtMs;
}

bool ReplicationClient::isCaughtUp() const
{
    const qint64 lag = lagMs();
    return m_connected && lag >= 0 && lag < kCaughtUpLagMs;
}

} // namespace swarmshare::tracker::ha
