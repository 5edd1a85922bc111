// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/http/httpserver.h"

#include "tracker/apierror.h"
#include "tracker/http/httpconnection.h"

#include <QTcpServer>
#include <QWebSocketServer>

#include <http_parser.h>
#include <sys/socket.h>
#include <unistd.h>

namespace swarmshare::tracker::http {

// QTcpServer hands over raw descriptors so that the cap is applied before any object is made
// for a connection we will refuse.
class Server::Listener : public QTcpServer {
public:
    explicit Listener(Server& owner)
        : m_owner(owner)
    {}

protected:
    void incomingConnection(qintptr descriptor) override { m_owner.accept(descriptor); }

private:
    Server& m_owner;
};

Responder::Responder(Connection* connection, quint64 serial)
    : m_connection(connection)
    , m_serial(serial)
{}

void Responder::send(Response response) const
{
    if (m_connection)
        m_connection->respond(m_serial, response);
}

bool Responder::isConnected() const
{
    return m_connection && m_connection->isAwaitingResponse(m_serial);
}

Server::Server(Limits limits, QObject* parent)
    : QObject(parent)
    , m_limits(limits)
    , m_listener(std::make_unique<Listener>(*this))
{
    // http-parser keeps this limit in a process-wide variable; every server here uses the
    // same value.
    http_parser_set_max_header_size(uint32_t(m_limits.maxHeaderBytes));
    m_listener->setListenBacklogSize(m_limits.listenBacklog);
    m_clock.start();
    const int shortest = qMin(m_limits.requestTimeoutMs, m_limits.idleTimeoutMs);
    m_sweep.setInterval(qBound(20, shortest / 4, 1000));
    connect(&m_sweep, &QTimer::timeout, this, &Server::sweepTimeouts);
}

Server::~Server()
{
    close();
    // Connections are children of this object; make sure they do not call back while dying.
    for (Connection* connection : std::as_const(m_connections))
        connection->disconnect();
}

void Server::addWebSocketPath(const QByteArray& path, QWebSocketServer* server)
{
    m_webSocketPaths.insert(path, server);
}

QWebSocketServer* Server::webSocketServerFor(QByteArrayView path) const
{
    return m_webSocketPaths.value(path.toByteArray()).data();
}

bool Server::listen(const QHostAddress& address, quint16 port)
{
    if (!m_listener->listen(address, port))
        return false;
    m_sweep.start();
    return true;
}

void Server::close()
{
    m_listener->close();
    m_sweep.stop();
}

bool Server::isListening() const
{
    return m_listener->isListening();
}

quint16 Server::serverPort() const
{
    return m_listener->serverPort();
}

QHostAddress Server::serverAddress() const
{
    return m_listener->serverAddress();
}

QString Server::errorString() const
{
    return m_listener->errorString();
}

void Server::accept(qintptr descriptor)
{
    if (m_connections.size() >= m_limits.maxConnections) {
        // Over the cap: a clear answer rather than a silent reset, then close. Best effort: the
        // socket is new, so its send buffer takes these few bytes at once.
        ++m_stats.connectionsRefused;
        const Response busy = Response::json(
            503, ApiError::unavailable(QStringLiteral("too many connections; try again later"))
                     .toJson());
        const QByteArray bytes = serializeHead(busy, 1, true) + busy.body;
        [[maybe_unused]] const ssize_t sent = ::send(
            int(descriptor), bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::shutdown(int(descriptor), SHUT_WR);
        ::close(int(descriptor));
        return;
    }
    ++m_stats.connectionsAccepted;
    auto* connection = new Connection(*this, descriptor);
    connection->setParent(this);
    m_connections.insert(connection);
}

void Server::forget(Connection* connection)
{
    m_connections.remove(connection);
}

void Server::sweepTimeouts()
{
    const qint64 at = now();
    // checkDeadline() may close connections, which removes them from the set later.
    const QList<Connection*> connections = m_connections.values();
    for (Connection* connection : connections)
        connection->checkDeadline(at);
}

} // namespace swarmshare::tracker::http
