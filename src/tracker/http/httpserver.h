// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/http/httpmessage.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>

class QTcpServer;
class QWebSocketServer;

namespace swarmshare::tracker::http {

class Connection;

// Answers one request, now or later (after a database call, a password hash on a worker
// thread, a forwarded request...). Cheap to copy; only the first send() counts; sending after
// the client went away does nothing.
class Responder {
public:
    Responder() = default;
    void send(Response response) const;
    bool isConnected() const;

private:
    friend class Connection;
    Responder(Connection* connection, quint64 serial);

    QPointer<Connection> m_connection;
    quint64 m_serial = 0;
};

struct Limits {
    int maxHeaderBytes = 8 * 1024; // request line and headers together
    int maxHeaders = 64;
    qint64 maxBodyBytes = 1024 * 1024;
    int maxConnections = 4096;
    int requestTimeoutMs = 10'000; // first byte of a request to its last: stops slow senders
    int idleTimeoutMs = 60'000;    // a kept-alive connection with nothing to do
    int listenBacklog = 1024;
};

// A hardened HTTP/1.1 server on QTcpServer, parsing with Node's http-parser (Debian's
// libhttp-parser). Why not QtHttpServer: in Qt 6.4 it buffers bodies of any size, has no
// header limit, timeout or connection cap, ignores `Connection: close` and HTTP/1.0, lacks
// `Expect: 100-continue`, and corrupts binary query strings (BEP 3 info_hash) — a tracker on the
// open internet needs all of that, and the handler API below is all the tracker uses.
//
// - limits on header bytes, header count and body size, enforced before a body is buffered
//   (413 as soon as Content-Length says too much; chunked bodies are counted as they arrive);
// - request and idle timeouts (408 / close), a connection cap (503), a listen backlog;
// - keep-alive, pipelining (answered in order), HTTP/1.0, `Connection: close`, 100-continue;
// - WebSocket upgrades on registered paths are handed to a QWebSocketServer untouched.
// Single-threaded: everything runs on the thread that owns the server.
class Server : public QObject {
    Q_OBJECT

public:
    using Handler = std::function<void(const Request&, const Responder&)>;

    struct Stats {
        quint64 requests = 0;
        quint64 connectionsAccepted = 0;
        quint64 connectionsRefused = 0; // over the connection cap
        quint64 timeouts = 0;
        quint64 badRequests = 0; // malformed or over a limit
    };

    explicit Server(Limits limits = {}, QObject* parent = nullptr);
    ~Server() override;

    void setHandler(Handler handler) { m_handler = std::move(handler); }
    // Upgrade requests (GET with `Upgrade: websocket`) for `path` go to `server`.
    void addWebSocketPath(const QByteArray& path, QWebSocketServer* server);

    bool listen(const QHostAddress& address, quint16 port);
    void close();
    bool isListening() const;
    quint16 serverPort() const;
    QHostAddress serverAddress() const;
    QString errorString() const;

    const Limits& limits() const { return m_limits; }
    int connectionCount() const { return int(m_connections.size()); }
    const Stats& stats() const { return m_stats; }

private:
    friend class Connection;
    class Listener;

    void accept(qintptr descriptor);
    void sweepTimeouts();
    void forget(Connection* connection);
    QWebSocketServer* webSocketServerFor(QByteArrayView path) const;
    qint64 now() const { return m_clock.elapsed(); }

    Limits m_limits;
    Handler m_handler;
    std::unique_ptr<Listener> m_listener;
    QSet<Connection*> m_connections;
    QHash<QByteArray, QPointer<QWebSocketServer>> m_webSocketPaths;
    QTimer m_sweep;
    QElapsedTimer m_clock;
    Stats m_stats;
};

} // namespace swarmshare::tracker::http
