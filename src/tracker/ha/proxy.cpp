// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/ha/proxy.h"

#include "common/netaddress.h"
#include "tracker/apierror.h"

#include <QJsonDocument>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>
#include <climits>
#include <http_parser.h>

Q_LOGGING_CATEGORY(lcProxy, "swarmshare.proxy")

namespace swarmshare::tracker::ha {

namespace detail {

// What a tracker answered, or why it did not.
struct UpstreamReply {
    int status = 0;           // 0: no complete response
    http::HeaderList headers; // names lower-cased
    QByteArray body;
    bool responded = false; // some bytes of a response arrived (then a retry is not safe)
    bool timedOut = false;  // the tracker has the request and may have acted on it
    QString error;          // empty on success

    bool ok() const { return error.isEmpty() && status > 0; }
    QByteArray header(QByteArrayView lowerCaseName) const
    {
        for (const auto& [name, value] : headers) {
            if (name == lowerCaseName)
                return value;
        }
        return {};
    }
};

namespace {

QString endpointKey(const QUrl& url)
{
    return url.host() + u':' + QString::number(url.port(80));
}

} // namespace

// Kept-alive connections to the trackers, so that a busy proxy does not pay a TCP handshake
// (and a TIME_WAIT socket) per forwarded request. Idle sockets the tracker closes are dropped.
class UpstreamPool {
public:
    static constexpr int kMaxIdlePerEndpoint = 32;

    ~UpstreamPool() { clear(); }

    // An idle connection to `url`, or null.
    QTcpSocket* take(const QUrl& url)
    {
        QList<QTcpSocket*>& idle = m_idle[endpointKey(url)];
        while (!idle.isEmpty()) {
            QTcpSocket* socket = idle.takeLast();
            QObject::disconnect(socket, nullptr, nullptr, nullptr);
            // Bytes on an idle connection can only be the start of a close: not reusable.
            if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() == 0)
                return socket;
            socket->deleteLater();
        }
        return nullptr;
    }

    void give(const QUrl& url, QTcpSocket* socket)
    {
        QList<QTcpSocket*>& idle = m_idle[endpointKey(url)];
        if (idle.size() >= kMaxIdlePerEndpoint ||
            socket->state() != QAbstractSocket::ConnectedState) {
            socket->deleteLater();
            return;
        }
        socket->setParent(nullptr);
        idle.append(socket);
        const QString key = endpointKey(url);
        const auto drop = [this, key, socket] {
            m_idle[key].removeOne(socket);
            QObject::disconnect(socket, nullptr, nullptr, nullptr);
            socket->deleteLater();
        };
        QObject::connect(socket, &QTcpSocket::disconnected, socket, drop);
        QObject::connect(socket, &QTcpSocket::readyRead, socket, drop);
    }

    void clear()
    {
        for (QList<QTcpSocket*>& idle : m_idle) {
            for (QTcpSocket* socket : std::as_const(idle)) {
                QObject::disconnect(socket, nullptr, nullptr, nullptr);
                socket->abort();
                delete socket;
            }
        }
        m_idle.clear();
    }

private:
    QHash<QString, QList<QTcpSocket*>> m_idle;
};

namespace {

// One HTTP exchange with a tracker over a pooled or new connection, parsed with http-parser.
// Calls `done` exactly once (unless the proxy goes away first: it owns the call).
class UpstreamCall : public QObject {
public:
    using Done = std::function<void(UpstreamReply)>;

    struct Params {
        QUrl target;
        QByteArray request; // the complete request bytes
        bool head = false;  // a HEAD request: the response has no body
        int timeoutMs = 10'000;
        qint64 maxResponseBytes = 8 * 1024 * 1024;
    };

    UpstreamCall(UpstreamPool& pool, Params params, Done done, QObject* parent)
        : QObject(parent)
        , m_pool(pool)
        , m_params(std::move(params))
        , m_done(std::move(done))
    {
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            m_reply.timedOut = true;
            complete(QStringLiteral("the tracker did not answer in time"));
        });
        m_timer.start(m_params.timeoutMs);
        attach(m_pool.take(m_params.target));
    }

private:
    void attach(QTcpSocket* pooled)
    {
        m_reused = pooled != nullptr;
        m_socket = pooled ? pooled : new QTcpSocket;
        m_socket->setParent(this);
        http_parser_init(&m_parser, HTTP_RESPONSE);
        m_parser.data = this;
        m_reply = UpstreamReply();
        connect(m_socket, &QTcpSocket::readyRead, this, &UpstreamCall::readable);
        connect(m_socket, &QTcpSocket::disconnected, this, &UpstreamCall::closed);
        connect(m_socket, &QTcpSocket::errorOccurred, this, &UpstreamCall::closed);
        if (!m_reused) {
            m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            m_socket->connectToHost(m_params.target.host(), quint16(m_params.target.port(80)));
        }
        // QAbstractSocket buffers what is written while it connects.
        m_socket->write(m_params.request);
    }

    void readable()
    {
        if (m_finished)
            return;
        const QByteArray data = m_socket->readAll();
        if (data.isEmpty())
            return;
        m_reply.responded = true;
        feed(data.constData(), size_t(data.size()));
    }

    void feed(const char* data, size_t length)
    {
        http_parser_execute(&m_parser, &settings(), data, length);
        if (m_messageDone) {
            // Trailing bytes after a response: the connection is out of step, do not reuse it.
            m_keepAlive = m_keepAlive && m_socket->bytesAvailable() == 0;
            complete({});
            return;
        }
        const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
        if (m_tooLarge)
            complete(QStringLiteral("the tracker's answer is larger than the proxy's limit"));
        else if (error != HPE_OK)
            complete(QStringLiteral("malformed answer from the tracker: ") +
                     QString::fromLatin1(http_errno_description(error)));
    }

    void closed()
    {
        if (m_finished)
            return;
        readable(); // whatever arrived before the close
        if (m_finished)
            return;
        if (m_reply.responded) {
            // A body delimited by the end of the connection ends here.
            feed(nullptr, 0);
            if (!m_finished)
                complete(QStringLiteral("the tracker closed the connection mid-answer"));
            return;
        }
        if (m_reused) {
            // The tracker closed an idle kept-alive connection just as it was reused: the
            // request never reached it, so a fresh connection is always safe.
            disconnect(m_socket, nullptr, this, nullptr);
            m_socket->deleteLater();
            attach(nullptr);
            return;
        }
        complete(m_socket->error() == QAbstractSocket::RemoteHostClosedError
                     ? QStringLiteral("the tracker closed the connection")
                     : m_socket->errorString());
    }

    void complete(const QString& error)
    {
        if (m_finished)
            return;
        m_finished = true;
        m_timer.stop();
        disconnect(m_socket, nullptr, this, nullptr);
        if (error.isEmpty() && m_keepAlive)
            m_pool.give(m_params.target, m_socket);
        else {
            m_socket->abort();
            m_socket->deleteLater();
        }
        m_socket = nullptr;
        UpstreamReply reply = std::move(m_reply);
        reply.error = error;
        if (!error.isEmpty())
            reply.status = 0;
        const Done done = std::move(m_done);
        deleteLater();
        done(std::move(reply));
    }

    static UpstreamCall* self(http_parser* parser)
    {
        return static_cast<UpstreamCall*>(parser->data);
    }

    static const http_parser_settings& settings()
    {
        static const http_parser_settings s = [] {
            http_parser_settings x{};
            x.on_message_begin = [](http_parser* p) {
                UpstreamCall* c = self(p);
                c->m_reply.headers.clear();
                c->m_reply.body.clear();
                c->m_field.clear();
                c->m_value.clear();
                c->m_lastWasValue = false;
                return 0;
            };
            x.on_header_field = [](http_parser* p, const char* at, size_t length) {
                UpstreamCall* c = self(p);
                if (c->m_lastWasValue)
                    c->finishHeader();
                c->m_field.append(at, qsizetype(length));
                return 0;
            };
            x.on_header_value = [](http_parser* p, const char* at, size_t length) {
                UpstreamCall* c = self(p);
                c->m_value.append(at, qsizetype(length));
                c->m_lastWasValue = true;
                return 0;
            };
            x.on_headers_complete = [](http_parser* p) {
                UpstreamCall* c = self(p);
                if (c->m_lastWasValue)
                    c->finishHeader();
                c->m_reply.status = int(p->status_code);
                if (p->content_length != ULLONG_MAX &&
                    p->content_length > quint64(c->m_params.maxResponseBytes)) {
                    c->m_tooLarge = true;
                    return -1;
                }
                return c->m_params.head ? 1 : 0; // 1: no body follows
            };
            x.on_body = [](http_parser* p, const char* at, size_t length) {
                UpstreamCall* c = self(p);
                if (c->m_reply.body.size() + qint64(length) > c->m_params.maxResponseBytes) {
                    c->m_tooLarge = true;
                    return -1;
                }
                c->m_reply.body.append(at, qsizetype(length));
                return 0;
            };
            x.on_message_complete = [](http_parser* p) {
                UpstreamCall* c = self(p);
                // An interim 1xx answer (we never send Expect, but a tracker may) is skipped.
                if (p->status_code >= 100 && p->status_code < 200)
                    return 0;
                c->m_keepAlive = http_should_keep_alive(p) != 0;
                c->m_messageDone = true;
                http_parser_pause(p, 1);
                return 0;
            };
            return x;
        }();
        return s;
    }

    void finishHeader()
    {
        m_reply.headers.append({m_field.toLower(), m_value.trimmed()});
        m_field.clear();
        m_value.clear();
        m_lastWasValue = false;
    }

    UpstreamPool& m_pool;
    Params m_params;
    Done m_done;
    QTimer m_timer;
    QTcpSocket* m_socket = nullptr;
    bool m_reused = false;
    http_parser m_parser{};
    UpstreamReply m_reply;
    QByteArray m_field;
    QByteArray m_value;
    bool m_lastWasValue = false;
    bool m_tooLarge = false;
    bool m_messageDone = false;
    bool m_keepAlive = false;
    bool m_finished = false;
};

} // namespace
} // namespace detail

using detail::UpstreamReply;

namespace {

// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded; the
// length and host are rewritten for the next hop.
bool isHopByHop(QByteArrayView lowerName)
{
    static const QByteArrayView names[] = {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-authorization",
        "proxy-authenticate",
        "content-length",
        "host",
        "expect",
    };
    return std::find(std::begin(names), std::end(names), lowerName) != std::end(names);
}

// Header names the Connection header lists are hop-by-hop too.
QList<QByteArray> connectionTokens(QByteArrayView value)
{
    QList<QByteArray> tokens;
    for (const QByteArray& token : value.toByteArray().split(','))
        tokens << token.trimmed().toLower();
    return tokens;
}

QByteArray hostHeader(const QUrl& url)
{
    return url.host().toUtf8() + ':' + QByteArray::number(url.port(80));
}

QString baseUrl(const QUrl& url)
{
    return QStringLiteral("http://%1:%2").arg(url.host()).arg(url.port(80));
}

http::Response unavailable(const QString& message)
{
    http::Response response = http::Response::json(503, ApiError::unavailable(message).toJson());
    response.headers.append({QByteArray("Retry-After"), QByteArray("1")});
    return response;
}

QString whichName(Proxy::Which which)
{
    return which == Proxy::Which::Main ? QStringLiteral("main") : QStringLiteral("backup");
}

// What a client may send before the tracker's side of its WebSocket is open.
constexpr qsizetype kMaxQueuedWebSocketBytes = 1024 * 1024;

} // namespace

// One client request on its way through the proxy.
struct Proxy::Exchange {
    http::Request request;
    http::Responder responder;
    int attempts = 0;          // forwarded this many times
    quint64 generation = 0;    // m_generation when last forwarded
    qint64 heldUntil = 0;      // while held: when it gets a 503
    bool afterFailure = false; // held because its first attempt failed without an answer
};

// A client WebSocket and its twin to the active tracker.
struct Proxy::Relay : QObject {
    QWebSocket* client = nullptr;
    QWebSocket* upstream = nullptr;
    QList<std::pair<bool, QByteArray>> queued; // (binary, data) sent before upstream was open
    qsizetype queuedBytes = 0;
    bool upstreamOpen = false;
    bool closing = false;
};

Proxy::Proxy(Options options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_http(m_options.httpLimits)
    , m_webSockets(std::make_unique<QWebSocketServer>(QStringLiteral("swarmshare-proxy"),
                                                      QWebSocketServer::NonSecureMode))
    , m_pool(std::make_unique<detail::UpstreamPool>())
{
    m_main.url = m_options.mainUrl;
    m_backup.url = m_options.backupUrl;
    m_clock.start();
    m_http.setHandler([this](const http::Request& request, const http::Responder& responder) {
        handle(request, responder);
    });
    for (const QByteArray& path : std::as_const(m_options.webSocketPaths))
        m_http.addWebSocketPath(path, m_webSockets.get());
    connect(m_webSockets.get(), &QWebSocketServer::newConnection, this, &Proxy::acceptWebSockets);
    m_probeTimer.setInterval(m_options.probeIntervalMs);
    connect(&m_probeTimer, &QTimer::timeout, this, &Proxy::probeAll);
    m_holdTimer.setInterval(qBound(10, m_options.switchHoldMs / 20, 100));
    connect(&m_holdTimer, &QTimer::timeout, this, &Proxy::expireHeld);
}

Proxy::~Proxy()
{
    stop();
    // Relayed WebSockets go now, before the QWebSocketServer member they came from: a QWebSocket
    // that outlives its server leaks its QTcpSocket (seen with valgrind, Qt 6.4).
    const QObjectList kids = children(); // a copy: deleting a child changes children()
    for (QObject* child : kids) {
        if (auto* relay = dynamic_cast<Relay*>(child))
            delete relay;
    }
    // Calls still running are children of this object: they die with it without calling back.
    m_pool->clear();
}

bool Proxy::start()
{
    if (!m_http.listen(m_options.address, m_options.port))
        return false;
    m_probeTimer.start();
    probeAll(); // know both trackers' state right away
    qCInfo(lcProxy).noquote() << "proxy listening on"
                              << endpointText(m_http.serverAddress(), m_http.serverPort()) << "main"
                              << baseUrl(m_options.mainUrl) << "backup"
                              << baseUrl(m_options.backupUrl);
    return true;
}

void Proxy::stop()
{
    m_http.close();
    m_probeTimer.stop();
    m_holdTimer.stop();
    const QList<std::shared_ptr<Exchange>> held = std::exchange(m_held, {});
    for (const auto& exchange : held)
        failRequest(exchange, QStringLiteral("the proxy is shutting down"));
    closeWebSockets(QStringLiteral("the proxy is shutting down"));
}

quint16 Proxy::port() const
{
    return m_http.serverPort();
}

QHostAddress Proxy::address() const
{
    return m_http.serverAddress();
}

QString Proxy::errorString() const
{
    return m_http.errorString();
}

QUrl Proxy::activeUrl() const
{
    return status(m_active).url;
}

QString Proxy::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Normal:
        return QStringLiteral("normal");
    case Phase::FailingOver:
        return QStringLiteral("failing_over");
    case Phase::FailingBack:
        return QStringLiteral("failing_back");
    case Phase::Unavailable:
        return QStringLiteral("unavailable");
    }
    return {};
}

Proxy::Snapshot Proxy::snapshot() const
{
    Snapshot s;
    s.active = m_active;
    s.activeUrl = activeUrl();
    s.phase = m_phase;
    s.main = m_main;
    s.backup = m_backup;
    s.switchCount = m_switchCount;
    s.requestsForwarded = m_forwarded;
    s.requestsRetried = m_retried;
    s.requestsFailed = m_failed;
    s.requestsHeld = int(m_held.size());
    s.requestsInFlight = m_inFlight;
    s.webSockets = int(m_relays.size());
    s.lastSwitchAt = m_lastSwitchAt;
    return s;
}

QJsonObject Proxy::snapshotJson() const
{
    const auto tracker = [](const TrackerStatus& t) {
        QJsonObject object{{QStringLiteral("url"), baseUrl(t.url)},
                           {QStringLiteral("reachable"), t.reachable},
                           {QStringLiteral("consecutive_failures"), t.consecutiveFailures},
                           {QStringLiteral("probes"), t.probes},
                           {QStringLiteral("failed_probes"), t.failedProbes}};
        if (!t.role.isEmpty())
            object.insert(QStringLiteral("role"), t.role);
        if (!t.state.isEmpty())
            object.insert(QStringLiteral("state"), t.state);
        if (t.epoch >= 0)
            object.insert(QStringLiteral("epoch"), t.epoch);
        if (t.seq >= 0)
            object.insert(QStringLiteral("seq"), t.seq);
        if (t.lastProbeAt.isValid())
            object.insert(QStringLiteral("last_probe_at"),
                          t.lastProbeAt.toUTC().toString(Qt::ISODateWithMs));
        if (!t.lastError.isEmpty())
            object.insert(QStringLiteral("last_error"), t.lastError);
        return object;
    };
    QJsonObject object{
        {QStringLiteral("active"), whichName(m_active)},
        {QStringLiteral("active_url"), baseUrl(activeUrl())},
        {QStringLiteral("phase"), phaseName(m_phase)},
        {QStringLiteral("usable"), activeUsable()},
        {QStringLiteral("switch_count"), qint64(m_switchCount)},
        {QStringLiteral("requests"), QJsonObject{{QStringLiteral("forwarded"), qint64(m_forwarded)},
                                                 {QStringLiteral("retried"), qint64(m_retried)},
                                                 {QStringLiteral("failed"), qint64(m_failed)},
                                                 {QStringLiteral("held"), qint64(m_held.size())},
                                                 {QStringLiteral("in_flight"), m_inFlight}}},
        {QStringLiteral("websockets"), qint64(m_relays.size())},
        {QStringLiteral("main"), tracker(m_main)},
        {QStringLiteral("backup"), tracker(m_backup)}};
    if (m_lastSwitchAt.isValid())
        object.insert(QStringLiteral("last_switch_at"),
                      m_lastSwitchAt.toUTC().toString(Qt::ISODateWithMs));
    return object;
}

// --- client requests ---------------------------------------------------------------------------

bool Proxy::activeUsable() const
{
    return m_phase != Phase::Unavailable &&
           status(m_active).consecutiveFailures < m_options.failedProbesToSwitch;
}

void Proxy::handle(const http::Request& request, const http::Responder& responder)
{
    if (request.path == "/proxy/health" && (request.method == "GET" || request.method == "HEAD")) {
        responder.send(http::Response::json(
            200, QJsonDocument(snapshotJson()).toJson(QJsonDocument::Compact)));
        return;
    }
    auto exchange = std::make_shared<Exchange>();
    exchange->request = request;
    exchange->responder = responder;
    if (m_phase == Phase::FailingOver || m_phase == Phase::FailingBack) {
        hold(exchange);
        return;
    }
    if (!activeUsable()) {
        failRequest(exchange, QStringLiteral("no tracker is reachable; try again later"));
        return;
    }
    forward(exchange);
}

void Proxy::forward(const std::shared_ptr<Exchange>& exchange)
{
    const http::Request& request = exchange->request;
    const QUrl target = activeUrl();
    ++exchange->attempts;
    exchange->generation = m_generation;
    ++m_inFlight;

    // The path came decoded; the query is forwarded as it arrived, so that a binary BEP 3
    // info_hash reaches the tracker byte for byte.
    QByteArray bytes = request.method + ' ' + request.path.toPercentEncoding("/!$&'()*+,;=:@~") +
                       (request.query.isEmpty() ? QByteArray() : '?' + request.query) +
                       " HTTP/1.1\r\nHost: " + hostHeader(target) + "\r\n";
    const QList<QByteArray> listed = connectionTokens(request.header("connection"));
    QByteArray forwardedFor;
    for (const auto& [name, value] : request.headers) {
        if (name == "x-forwarded-for") {
            forwardedFor += (forwardedFor.isEmpty() ? "" : ", ") + value;
            continue;
        }
        if (isHopByHop(name) || listed.contains(name))
            continue;
        bytes += name + ": " + value + "\r\n";
    }
    // The trackers take the last entry: the address this proxy saw, not what a client claims.
    const QByteArray client = plainAddress(request.peerAddress).toString().toLatin1();
    bytes +=
        "X-Forwarded-For: " + (forwardedFor.isEmpty() ? client : forwardedFor + ", " + client) +
        "\r\n";
    if (!request.body.isEmpty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH")
        bytes += "Content-Length: " + QByteArray::number(request.body.size()) + "\r\n";
    bytes += "\r\n" + request.body;

    detail::UpstreamCall::Params params;
    params.target = target;
    params.request = std::move(bytes);
    params.head = request.method == "HEAD";
    params.timeoutMs = m_options.requestTimeoutMs;
    params.maxResponseBytes = m_options.maxResponseBytes;
    new detail::UpstreamCall(
        *m_pool, std::move(params),
        [this, exchange](UpstreamReply reply) { finish(exchange, std::move(reply)); }, this);
}

void Proxy::finish(const std::shared_ptr<Exchange>& exchange, UpstreamReply reply)
{
    --m_inFlight;
    if (!exchange->responder.isConnected())
        return; // the client gave up; nobody to answer
    if (reply.ok()) {
        http::Response response;
        response.status = reply.status;
        response.contentType = reply.header("content-type");
        if (response.contentType.isEmpty())
            response.contentType = "application/octet-stream";
        const QList<QByteArray> listed = connectionTokens(reply.header("connection"));
        for (auto& [name, value] : reply.headers) {
            if (isHopByHop(name) || name == "content-type" || listed.contains(name))
                continue;
            response.headers.append({name, value});
        }
        response.body = std::move(reply.body);
        ++m_forwarded;
        exchange->responder.send(response);
        return;
    }
    qCDebug(lcProxy).noquote() << "request" << exchange->request.method << exchange->request.path
                               << "failed:" << reply.error;
    if (reply.responded || reply.timedOut || exchange->attempts >= 2) {
        // Part of an answer came, or the tracker kept the request without answering: it may
        // have acted on it, so it is not sent again.
        failRequest(exchange, QStringLiteral("the tracker failed to answer: ") + reply.error);
        return;
    }
    // Nothing came back: the tracker never took the request. Send it again once, to the new
    // active tracker if a switch already happened, or after the next switch or good probe.
    if (exchange->generation != m_generation && m_phase == Phase::Normal && activeUsable()) {
        ++m_retried;
        forward(exchange);
        return;
    }
    if (m_phase == Phase::Unavailable) {
        failRequest(exchange, QStringLiteral("no tracker is reachable; try again later"));
        return;
    }
    exchange->afterFailure = true;
    hold(exchange);
}

void Proxy::hold(const std::shared_ptr<Exchange>& exchange)
{
    exchange->heldUntil = m_clock.elapsed() + m_options.switchHoldMs;
    m_held.append(exchange);
    if (!m_holdTimer.isActive())
        m_holdTimer.start();
}

// Sends held requests on: all of them after a switch, or only those waiting for the active
// tracker to answer a probe again (`afterFailureOnly`).
void Proxy::releaseHeld(bool afterFailureOnly)
{
    QList<std::shared_ptr<Exchange>> release;
    for (auto it = m_held.begin(); it != m_held.end();) {
        if (!afterFailureOnly || (*it)->afterFailure) {
            release.append(*it);
            it = m_held.erase(it);
        } else {
            ++it;
        }
    }
    if (m_held.isEmpty())
        m_holdTimer.stop();
    for (const auto& exchange : std::as_const(release)) {
        if (!exchange->responder.isConnected())
            continue;
        if (!activeUsable()) {
            failRequest(exchange, QStringLiteral("no tracker is reachable; try again later"));
            continue;
        }
        if (exchange->attempts > 0)
            ++m_retried;
        exchange->afterFailure = false;
        forward(exchange);
    }
}

void Proxy::expireHeld()
{
    const qint64 now = m_clock.elapsed();
    QList<std::shared_ptr<Exchange>> expired;
    for (auto it = m_held.begin(); it != m_held.end();) {
        if ((*it)->heldUntil <= now || !(*it)->responder.isConnected()) {
            expired.append(*it);
            it = m_held.erase(it);
        } else {
            ++it;
        }
    }
    if (m_held.isEmpty())
        m_holdTimer.stop();
    for (const auto& exchange : std::as_const(expired))
        failRequest(exchange, exchange->afterFailure
                                  ? QStringLiteral("the tracker is unreachable; try again later")
                                  : QStringLiteral("the trackers are switching over and did not "
                                                   "finish in time; try again later"));
}

void Proxy::failRequest(const std::shared_ptr<Exchange>& exchange, const QString& message)
{
    if (!exchange->responder.isConnected())
        return;
    ++m_failed;
    exchange->responder.send(unavailable(message));
}

// --- probes and switching ----------------------------------------------------------------------

void Proxy::probeAll()
{
    probe(Which::Main);
    probe(Which::Backup);
}

void Proxy::probe(Which which)
{
    const int index = int(which);
    if (m_probing[index])
        return; // the previous probe is still out (it times out before the next round)
    m_probing[index] = true;
    const QUrl url = status(which).url;
    detail::UpstreamCall::Params params;
    params.target = url;
    params.request = "GET /health HTTP/1.1\r\nHost: " + hostHeader(url) + "\r\n\r\n";
    params.timeoutMs = m_options.probeTimeoutMs;
    params.maxResponseBytes = 64 * 1024;
    // An answer that crosses a switch (say a failback's last step) tells the state from before
    // it: acting on it would "repair" a tracker that already did as told. Ask again instead.
    const quint64 generation = m_generation;
    new detail::UpstreamCall(
        *m_pool, std::move(params),
        [this, which, generation](UpstreamReply reply) {
            m_probing[int(which)] = false;
            if (generation != m_generation) {
                probe(which);
                return;
            }
            probed(which, reply);
        },
        this);
}

void Proxy::probed(Which which, const UpstreamReply& reply)
{
    TrackerStatus& t = status(which);
    t.probed = true;
    ++t.probes;
    t.lastProbeAt = QDateTime::currentDateTimeUtc();
    const QJsonDocument document = QJsonDocument::fromJson(reply.body);
    if (reply.ok() && reply.status == 200 && document.isObject()) {
        const QJsonObject health = document.object();
        if (t.consecutiveFailures > 0)
            qCInfo(lcProxy).noquote() << whichName(which) << "tracker answers probes again after"
                                      << t.consecutiveFailures << "failure(s)";
        t.reachable = true;
        t.consecutiveFailures = 0;
        t.lastError.clear();
        t.role = health.value(QStringLiteral("role")).toString();
        t.state = health.value(QStringLiteral("state")).toString();
        t.epoch = health.value(QStringLiteral("epoch")).toInteger(-1);
        t.seq = health.value(QStringLiteral("seq")).toInteger(-1);
    } else {
        const bool wasReachable = t.reachable;
        t.reachable = false;
        ++t.consecutiveFailures;
        ++t.failedProbes;
        t.lastError = !reply.ok()           ? reply.error
                      : reply.status != 200 ? QStringLiteral("HTTP %1").arg(reply.status)
                                            : QStringLiteral("the answer is not a JSON object");
        if (wasReachable || t.consecutiveFailures == m_options.failedProbesToSwitch)
            qCWarning(lcProxy).noquote() << whichName(which) << "tracker probe failed"
                                         << t.consecutiveFailures << "time(s):" << t.lastError;
        // Confirm a failure of the active tracker quickly rather than a whole interval apart:
        // N failed probes then take one interval plus (N - 1) quarters, not N intervals.
        if (which == m_active && t.consecutiveFailures < m_options.failedProbesToSwitch)
            QTimer::singleShot(m_options.probeIntervalMs / 4, this,
                               [this, which] { probe(which); });
    }
    emit stateChanged();
    if (which == m_active && t.reachable && m_phase == Phase::Normal)
        releaseHeld(true); // it answers again: what failed on it meanwhile may go again
    evaluate();
}

void Proxy::evaluate()
{
    if (m_phase == Phase::FailingOver || m_phase == Phase::FailingBack)
        return;
    const Which activeWhich = m_active;
    const Which otherWhich = other(m_active);
    const TrackerStatus& a = status(activeWhich);
    const TrackerStatus& o = status(otherWhich);

    // The other tracker is active with a newer epoch (say this proxy restarted after a
    // failover): it is the truth.
    if (a.probed && o.reachable && o.state == u"active" && o.epoch > a.epoch) {
        qCInfo(lcProxy).noquote() << whichName(otherWhich) << "is active with epoch" << o.epoch
                                  << "(newer than" << a.epoch << "): routing there";
        setActive(otherWhich);
        setPhase(Phase::Normal);
        releaseHeld(false);
        return;
    }

    if (a.consecutiveFailures >= m_options.failedProbesToSwitch) {
        if (o.reachable) {
            failOver();
        } else if (m_phase != Phase::Unavailable) {
            qCWarning(lcProxy).noquote() << "no tracker can take over from" << whichName(m_active);
            setPhase(Phase::Unavailable);
            const QList<std::shared_ptr<Exchange>> held = std::exchange(m_held, {});
            for (const auto& exchange : held)
                failRequest(exchange, QStringLiteral("no tracker is reachable; try again later"));
        }
        return;
    }
    if (m_phase == Phase::Unavailable && a.reachable)
        setPhase(Phase::Normal);
    if (!a.reachable || a.state != u"active") {
        // The active tracker was fenced (a failback that stopped half-way): let it write again.
        if (a.reachable && a.state == u"fenced" && !m_repairing[int(activeWhich)]) {
            m_repairing[int(activeWhich)] = true;
            control(activeWhich, "/ha/promote", {}, [this, activeWhich](const UpstreamReply&) {
                m_repairing[int(activeWhich)] = false;
            });
        }
        return;
    }
    if (!o.reachable)
        return;

    // A tracker that still believes it is active (the old main coming back) or sits fenced
    // must follow the active one, or it would take writes that the cluster never sees.
    if ((o.state == u"active" && o.epoch <= a.epoch) || o.state == u"fenced") {
        repair(otherWhich);
        return;
    }

    // Failback: main follows the backup and has everything the backup has.
    if (activeWhich == Which::Backup && o.state == u"standby" && o.epoch == a.epoch &&
        o.seq == a.seq && o.seq >= 0)
        failBack();
}

void Proxy::control(Which which, const QByteArray& path, const QJsonObject& body,
                    std::function<void(const UpstreamReply&)> done)
{
    const QUrl url = status(which).url;
    const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
    detail::UpstreamCall::Params params;
    params.target = url;
    params.request =
        "POST " + path + " HTTP/1.1\r\nHost: " + hostHeader(url) + "\r\nAuthorization: Bearer " +
        m_options.secret +
        "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(json.size()) +
        "\r\n\r\n" + json;
    params.timeoutMs = m_options.controlTimeoutMs;
    params.maxResponseBytes = 64 * 1024;
    qCInfo(lcProxy).noquote() << "POST" << path << "to" << whichName(which) << json;
    new detail::UpstreamCall(
        *m_pool, std::move(params),
        [which, path, done = std::move(done)](UpstreamReply reply) {
            if (!reply.ok() || reply.status != 200)
                qCWarning(lcProxy).noquote()
                    << "POST" << path << "to" << whichName(which) << "failed:"
                    << (reply.ok() ? QStringLiteral("HTTP %1 %2")
                                         .arg(reply.status)
                                         .arg(QString::fromUtf8(reply.body.left(200)))
                                   : reply.error);
            done(reply);
        },
        this);
}

namespace {

bool succeeded(const UpstreamReply& reply)
{
    return reply.ok() && reply.status == 200;
}

QJsonObject replyObject(const UpstreamReply& reply)
{
    return QJsonDocument::fromJson(reply.body).object();
}

} // namespace

void Proxy::failOver()
{
    const Which to = other(m_active);
    qCWarning(lcProxy).noquote() << whichName(m_active) << "failed"
                                 << status(m_active).consecutiveFailures << "probes: promoting"
                                 << whichName(to);
    setPhase(Phase::FailingOver);
    control(to, "/ha/promote", {}, [this, to](const UpstreamReply& reply) {
        if (m_phase != Phase::FailingOver)
            return;
        if (!succeeded(reply)) {
            // The next failed probe tries again; meanwhile there is no usable tracker.
            setPhase(Phase::Unavailable);
            const QList<std::shared_ptr<Exchange>> held = std::exchange(m_held, {});
            for (const auto& exchange : held)
                failRequest(exchange, QStringLiteral("no tracker is reachable; try again later"));
            return;
        }
        const QJsonObject answer = replyObject(reply);
        TrackerStatus& t = status(to);
        t.state = QStringLiteral("active");
        t.epoch = answer.value(QStringLiteral("epoch")).toInteger(t.epoch);
        t.seq = answer.value(QStringLiteral("seq")).toInteger(t.seq);
        setActive(to);
        setPhase(Phase::Normal);
        releaseHeld(false);
    });
}

// Switching back to main without losing a write: stop writes on the backup, let main take the
// last of them, then make main active and the backup its follower. Requests wait meanwhile.
void Proxy::failBack()
{
    qCInfo(lcProxy).noquote() << "main caught up with the backup at epoch" << m_backup.epoch
                              << "seq" << m_backup.seq << ": switching back";
    setPhase(Phase::FailingBack);
    // New requests are held from now on; those already with the backup finish first, so that
    // the fence does not turn them into errors (bounded: a slow one gets the fence's answer).
    failBackDrain(0);
}

void Proxy::failBackDrain(int attempt)
{
    constexpr int kPollMs = 20;
    if (m_phase != Phase::FailingBack)
        return;
    if (m_inFlight > 0 && (attempt + 1) * kPollMs < m_options.controlTimeoutMs) {
        QTimer::singleShot(kPollMs, this, [this, attempt] { failBackDrain(attempt + 1); });
        return;
    }
    const qint64 epoch = m_backup.epoch;
    control(Which::Backup, "/ha/fence", {{QStringLiteral("epoch"), epoch}},
            [this, epoch](const UpstreamReply& reply) {
                if (m_phase != Phase::FailingBack)
                    return;
                if (!succeeded(reply)) {
                    failBackAbort(QStringLiteral("the backup did not accept the fence"));
                    return;
                }
                // The last seq the backup wrote: from the fence answer when it tells, else from
                // its health once fenced.
                const qint64 seq = replyObject(reply).value(QStringLiteral("seq")).toInteger(-1);
                if (seq >= 0) {
                    failBackWaitForMain(seq, epoch, 0);
                    return;
                }
                detail::UpstreamCall::Params params;
                params.target = m_backup.url;
                params.request =
                    "GET /health HTTP/1.1\r\nHost: " + hostHeader(m_backup.url) + "\r\n\r\n";
                params.timeoutMs = m_options.controlTimeoutMs;
                params.maxResponseBytes = 64 * 1024;
                new detail::UpstreamCall(
                    *m_pool, std::move(params),
                    [this, epoch](UpstreamReply health) {
                        if (m_phase != Phase::FailingBack)
                            return;
                        const qint64 last =
                            succeeded(health)
                                ? replyObject(health).value(QStringLiteral("seq")).toInteger(-1)
                                : -1;
                        if (last < 0)
                            failBackAbort(QStringLiteral("the fenced backup did not tell its seq"));
                        else
                            failBackWaitForMain(last, epoch, 0);
                    },
                    this);
            });
}

void Proxy::failBackWaitForMain(qint64 targetSeq, qint64 backupEpoch, int attempt)
{
    constexpr int kPollMs = 50;
    detail::UpstreamCall::Params params;
    params.target = m_main.url;
    params.request = "GET /health HTTP/1.1\r\nHost: " + hostHeader(m_main.url) + "\r\n\r\n";
    params.timeoutMs = m_options.probeTimeoutMs;
    params.maxResponseBytes = 64 * 1024;
    new detail::UpstreamCall(
        *m_pool, std::move(params),
        [this, targetSeq, backupEpoch, attempt](UpstreamReply reply) {
            if (m_phase != Phase::FailingBack)
                return;
            const QJsonObject health = succeeded(reply) ? replyObject(reply) : QJsonObject();
            const qint64 seq = health.value(QStringLiteral("seq")).toInteger(-1);
            const qint64 epoch = health.value(QStringLiteral("epoch")).toInteger(-1);
            if (seq == targetSeq && epoch == backupEpoch) {
                m_main.seq = seq;
                failBackPromoteMain();
                return;
            }
            if ((attempt + 1) * kPollMs >= m_options.controlTimeoutMs) {
                failBackAbort(QStringLiteral("main did not catch up with the fenced backup"));
                return;
            }
            QTimer::singleShot(kPollMs, this, [this, targetSeq, backupEpoch, attempt] {
                if (m_phase == Phase::FailingBack)
                    failBackWaitForMain(targetSeq, backupEpoch, attempt + 1);
            });
        },
        this);
}

void Proxy::failBackPromoteMain()
{
    control(Which::Main, "/ha/promote", {}, [this](const UpstreamReply& reply) {
        if (m_phase != Phase::FailingBack)
            return;
        if (!succeeded(reply)) {
            failBackAbort(QStringLiteral("main did not accept the promotion"));
            return;
        }
        const QJsonObject answer = replyObject(reply);
        m_main.state = QStringLiteral("active");
        m_main.epoch = answer.value(QStringLiteral("epoch")).toInteger(m_main.epoch);
        m_main.seq = answer.value(QStringLiteral("seq")).toInteger(m_main.seq);
        const QJsonObject follow{{QStringLiteral("primary"), baseUrl(m_main.url)},
                                 {QStringLiteral("epoch"), m_main.epoch}};
        control(Which::Backup, "/ha/follow", follow, [this](const UpstreamReply& reply) {
            if (m_phase != Phase::FailingBack)
                return;
            // What a probe said of the backup before this is stale now.
            if (succeeded(reply))
                m_backup.state = QStringLiteral("catching_up");
            // Main is active either way; a backup that did not take the follow is repaired
            // after the next probes (it shows as fenced).
            setActive(Which::Main);
            setPhase(Phase::Normal);
            releaseHeld(false);
        });
    });
}

void Proxy::failBackAbort(const QString& why)
{
    qCWarning(lcProxy).noquote() << "failback aborted:" << why << "- the backup stays active";
    // The backup may be fenced by now: a promotion lets it take writes again (new epoch).
    control(Which::Backup, "/ha/promote", {}, [this](const UpstreamReply& reply) {
        if (m_phase != Phase::FailingBack)
            return;
        if (succeeded(reply)) {
            const QJsonObject answer = replyObject(reply);
            m_backup.state = QStringLiteral("active");
            m_backup.epoch = answer.value(QStringLiteral("epoch")).toInteger(m_backup.epoch);
            // Main followed the backup's previous epoch: it follows the new one.
            const QJsonObject follow{{QStringLiteral("primary"), baseUrl(m_backup.url)},
                                     {QStringLiteral("epoch"), m_backup.epoch}};
            control(Which::Main, "/ha/follow", follow, [](const UpstreamReply&) {});
        }
        setPhase(Phase::Normal);
        releaseHeld(false);
    });
}

void Proxy::repair(Which which)
{
    const int index = int(which);
    const qint64 now = m_clock.elapsed();
    // One repair at a time, and time for the tracker to act on it before the next.
    if (m_repairing[index] ||
        (m_lastRepairAt[index] > 0 && now - m_lastRepairAt[index] < 3 * m_options.probeIntervalMs))
        return;
    m_repairing[index] = true;
    m_lastRepairAt[index] = now;
    const TrackerStatus& active = status(m_active);
    const qint64 epoch = active.epoch;
    const QJsonObject follow{{QStringLiteral("primary"), baseUrl(active.url)},
                             {QStringLiteral("epoch"), epoch}};
    qCWarning(lcProxy).noquote() << whichName(which) << "is" << status(which).state << "at epoch"
                                 << status(which).epoch << "while" << whichName(m_active)
                                 << "is active at epoch" << epoch << ": fencing it, then following";
    const auto doFollow = [this, which, follow] {
        control(which, "/ha/follow", follow,
                [this, which](const UpstreamReply&) { m_repairing[int(which)] = false; });
    };
    if (status(which).state == u"active") {
        control(which, "/ha/fence", {{QStringLiteral("epoch"), epoch}},
                [this, which, doFollow](const UpstreamReply& reply) {
                    if (succeeded(reply))
                        doFollow();
                    else
                        m_repairing[int(which)] = false;
                });
    } else {
        doFollow();
    }
}

void Proxy::setActive(Which which)
{
    if (which == m_active)
        return;
    m_active = which;
    ++m_generation;
    ++m_switchCount;
    m_lastSwitchAt = QDateTime::currentDateTimeUtc();
    qCWarning(lcProxy).noquote() << "routing to" << whichName(which) << baseUrl(activeUrl());
    // Clients reconnect and so reach the new active tracker.
    closeWebSockets(QStringLiteral("the tracker switched over; reconnect"));
    emit activeChanged(activeUrl());
    emit stateChanged();
}

void Proxy::setPhase(Phase phase)
{
    if (phase == m_phase)
        return;
    m_phase = phase;
    emit stateChanged();
}

// --- WebSockets --------------------------------------------------------------------------------

void Proxy::acceptWebSockets()
{
    while (QWebSocket* client = m_webSockets->nextPendingConnection()) {
        if (m_phase != Phase::Normal || !activeUsable()) {
            client->close(QWebSocketProtocol::CloseCodeBadOperation,
                          QStringLiteral("no tracker is available; try again later"));
            client->deleteLater();
            continue;
        }
        auto* relay = new Relay;
        relay->setParent(this);
        relay->client = client;
        client->setParent(relay);
        client->setMaxAllowedIncomingMessageSize(quint64(m_options.httpLimits.maxBodyBytes));
        m_relays.append(relay);

        const QUrl target = activeUrl();
        const QUrl requested = client->requestUrl();
        QUrl url(QStringLiteral("ws://%1:%2").arg(target.host()).arg(target.port(80)));
        url.setPath(requested.path(QUrl::FullyEncoded), QUrl::StrictMode);
        url.setQuery(requested.query(QUrl::FullyEncoded), QUrl::StrictMode);
        QNetworkRequest upstreamRequest(url);
        const QNetworkRequest clientRequest = client->request();
        QByteArray forwardedFor = clientRequest.rawHeader("X-Forwarded-For");
        const QByteArray peer = plainAddress(client->peerAddress()).toString().toLatin1();
        forwardedFor = forwardedFor.isEmpty() ? peer : forwardedFor + ", " + peer;
        upstreamRequest.setRawHeader("X-Forwarded-For", forwardedFor);
        if (const QByteArray auth = clientRequest.rawHeader("Authorization"); !auth.isEmpty())
            upstreamRequest.setRawHeader("Authorization", auth);

        relay->upstream = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, relay);
        QWebSocket* upstream = relay->upstream;
        upstream->setMaxAllowedIncomingMessageSize(quint64(m_options.maxResponseBytes));

        const auto finish = [this, relay](QWebSocketProtocol::CloseCode code, const QString& why) {
            if (relay->closing)
                return;
            relay->closing = true;
            m_relays.removeOne(relay);
            relay->client->disconnect(relay);
            relay->upstream->disconnect(relay);
            if (relay->client->state() != QAbstractSocket::UnconnectedState)
                relay->client->close(code, why);
            if (relay->upstream->state() != QAbstractSocket::UnconnectedState)
                relay->upstream->close(code, why);
            relay->deleteLater(); // the sockets are its children
            emit stateChanged();
        };
        const auto queue = [relay, finish](bool binary, const QByteArray& data) {
            relay->queuedBytes += data.size();
            if (relay->queuedBytes > kMaxQueuedWebSocketBytes)
                finish(QWebSocketProtocol::CloseCodeTooMuchData,
                       QStringLiteral("too much sent before the tracker answered"));
            else
                relay->queued.append({binary, data});
        };
        connect(client, &QWebSocket::textMessageReceived, relay,
                [relay, queue](const QString& message) {
                    if (relay->upstreamOpen)
                        relay->upstream->sendTextMessage(message);
                    else
                        queue(false, message.toUtf8());
                });
        connect(client, &QWebSocket::binaryMessageReceived, relay,
                [relay, queue](const QByteArray& message) {
                    if (relay->upstreamOpen)
                        relay->upstream->sendBinaryMessage(message);
                    else
                        queue(true, message);
                });
        connect(upstream, &QWebSocket::connected, relay, [relay] {
            relay->upstreamOpen = true;
            for (const auto& [binary, data] : std::as_const(relay->queued)) {
                if (binary)
                    relay->upstream->sendBinaryMessage(data);
                else
                    relay->upstream->sendTextMessage(QString::fromUtf8(data));
            }
            relay->queued.clear();
            relay->queuedBytes = 0;
        });
        connect(upstream, &QWebSocket::textMessageReceived, relay,
                [relay](const QString& message) { relay->client->sendTextMessage(message); });
        connect(upstream, &QWebSocket::binaryMessageReceived, relay,
                [relay](const QByteArray& message) { relay->client->sendBinaryMessage(message); });
        connect(client, &QWebSocket::disconnected, relay, [relay, finish] {
            finish(relay->client->closeCode(), relay->client->closeReason());
        });
        connect(upstream, &QWebSocket::disconnected, relay, [relay, finish] {
            if (!relay->upstreamOpen) {
                finish(QWebSocketProtocol::CloseCodeBadOperation,
                       QStringLiteral("the tracker is unreachable; try again later"));
                return;
            }
            finish(relay->upstream->closeCode(), relay->upstream->closeReason());
        });
        QTimer::singleShot(m_options.requestTimeoutMs, relay, [relay, finish] {
            if (!relay->upstreamOpen)
                finish(QWebSocketProtocol::CloseCodeBadOperation,
                       QStringLiteral("the tracker did not answer in time; try again later"));
        });
        upstream->open(upstreamRequest);
        emit stateChanged();
    }
}

void Proxy::closeWebSockets(const QString& reason)
{
    const QList<Relay*> relays = std::exchange(m_relays, {});
    for (Relay* relay : relays) {
        relay->closing = true;
        relay->client->disconnect(relay);
        relay->upstream->disconnect(relay);
        relay->client->close(QWebSocketProtocol::CloseCodeGoingAway, reason);
        relay->upstream->close(QWebSocketProtocol::CloseCodeGoingAway, reason);
        relay->deleteLater();
    }
}

} // namespace swarmshare::tracker::ha
