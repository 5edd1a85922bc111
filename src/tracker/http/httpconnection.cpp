// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/http/httpconnection.h"

#include "common/netaddress.h"
#include "tracker/apierror.h"
#include "tracker/http/httpserver.h"

#include <QTcpSocket>
#include <QWebSocketServer>

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace swarmshare::tracker::http {

namespace {

// Stop reading new requests while this much is still waiting to be sent: a client that
// pipelines requests but never reads its answers cannot make the server buffer without bound.
constexpr qsizetype kMaxPendingWrite = 1024 * 1024;
// Read at most this much per readiness event, so that one busy client cannot starve the rest.
constexpr qsizetype kReadChunk = 64 * 1024;
// After the last answer: how long to wait for the client to close before closing anyway.
constexpr int kLingerMs = 2000;

void peerOf(int fd, QHostAddress* address, quint16* port)
{
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0)
        return;
    *address = plainAddress(QHostAddress(reinterpret_cast<const sockaddr*>(&storage)));
    *port = storage.ss_family == AF_INET6
                ? ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port)
                : ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
}

} // namespace

Connection::Connection(Server& server, qintptr descriptor)
    : m_server(server)
    , m_fd(int(descriptor))
    , m_reader(descriptor, QSocketNotifier::Read, this)
    , m_writer(descriptor, QSocketNotifier::Write, this)
{
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    peerOf(m_fd, &m_peerAddress, &m_peerPort);
    http_parser_init(&m_parser, HTTP_REQUEST);
    m_parser.data = this;
    m_writer.setEnabled(false);
    connect(&m_reader, &QSocketNotifier::activated, this, &Connection::readable);
    connect(&m_writer, &QSocketNotifier::activated, this, &Connection::writable);
    setDeadline(server.limits().requestTimeoutMs);
}

Connection::~Connection()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void Connection::setDeadline(int timeoutMs)
{
    m_deadline = m_server.now() + timeoutMs;
}

void Connection::checkDeadline(qint64 now)
{
    if (m_mode == Mode::Closed || m_awaiting || now < m_deadline)
        return;
    if (m_mode == Mode::Closing) {
        closeNow(); // the client never closed its side
        return;
    }
    ++m_server.m_stats.timeouts;
    if (m_inMessage || m_offset < m_buffer.size())
        fail(408, "timeout", "the request took too long to arrive");
    else
        closeNow(); // idle keep-alive connection
}

void Connection::readable()
{
    if (m_awaiting) {
        // A request is with the handler: look, don't take. A client that closes or resets now
        // has given up (as nginx assumes too): its answer has nowhere to go. Data waits in the
        // kernel until the answer is out (back-pressure).
        char byte;
        const ssize_t peeked = ::recv(m_fd, &byte, 1, MSG_PEEK);
        if (peeked == 0 ||
            (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            closeNow();
        else
            m_reader.setEnabled(false);
        return;
    }
    const qsizetype old = m_buffer.size();
    m_buffer.resize(old + kReadChunk);
    ssize_t got;
    do {
        got = ::recv(m_fd, m_buffer.data() + old, size_t(kReadChunk), 0);
    } while (got < 0 && errno == EINTR);
    m_buffer.resize(old + qMax<ssize_t>(got, 0));
    if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        closeNow(); // the connection broke
        return;
    }
    if (m_mode == Mode::Closing) {
        m_buffer.resize(0); // draining until the client's EOF
        if (got == 0)
            closeNow();
        return;
    }
    if (got == 0) {
        // The client is done sending; what it sent before still gets its answers.
        m_peerDone = true;
        m_reader.setEnabled(false);
    }
    parseBuffered();
}

void Connection::send(QByteArrayView bytes)
{
    if (m_mode == Mode::Closed)
        return;
    if (m_outOffset < m_out.size()) {
        m_out.append(bytes.data(), bytes.size()); // already queued: keep the order
        return;
    }
    ssize_t sent;
    do {
        sent = ::send(m_fd, bytes.data(), size_t(bytes.size()), MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        closeNow();
        return;
    }
    const qsizetype done = qMax<ssize_t>(sent, 0);
    if (done < bytes.size()) {
        m_out = bytes.sliced(done).toByteArray();
        m_outOffset = 0;
        m_writer.setEnabled(true);
    }
}

void Connection::writable()
{
    while (m_outOffset < m_out.size()) {
        const ssize_t sent = ::send(m_fd, m_out.constData() + m_outOffset,
                                    size_t(m_out.size() - m_outOffset), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (sent <= 0) {
            closeNow();
            return;
        }
        m_outOffset += sent;
    }
    m_out.clear();
    m_outOffset = 0;
    m_writer.setEnabled(false);
    if (m_mode == Mode::Closing)
        closeGracefully();
    else
        parseBuffered(); // a stalled pipeline may go on
}

void Connection::parseBuffered()
{
    if (m_parsing)
        return;
    m_parsing = true;
    while (m_mode == Mode::Requests && !m_awaiting && m_offset < m_buffer.size() &&
           m_out.size() - m_outOffset < kMaxPendingWrite) {
        const size_t length = size_t(m_buffer.size() - m_offset);
        const size_t used = http_parser_execute(&m_parser, &parserSettings(),
                                                m_buffer.constData() + m_offset, length);
        m_offset += qsizetype(used);
        const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
        if (m_upgradeTo) {
            handOver(m_upgradeTo);
            return; // this object is gone with deleteLater(); nothing else to do
        }
        if (error == HPE_PAUSED) {
            http_parser_pause(&m_parser, 0);
            dispatch();
        } else if (m_failStatus == 413) {
            fail(413, "too_large", "the request body is larger than the limit");
        } else if (m_failStatus == 431 || error == HPE_HEADER_OVERFLOW) {
            fail(431, "too_large", "the request head is larger than the limit");
        } else if (m_failStatus == 404) {
            fail(404, "not_found", "no WebSocket endpoint at this path");
        } else if (m_failStatus == 400) {
            fail(400, "invalid_argument", "an upgrade must be the first request of a connection");
        } else if (error != HPE_OK) {
            fail(400, "invalid_argument",
                 QByteArray("malformed HTTP request: ") + http_errno_description(error));
        }
    }
    if (m_offset >= m_buffer.size()) {
        m_buffer.resize(0); // keeps the allocation for the next request
        m_offset = 0;
    } else if (m_offset > 64 * 1024) {
        m_buffer.remove(0, m_offset);
        m_offset = 0;
    }
    m_parsing = false;
    if (m_peerDone && m_mode == Mode::Requests && !m_awaiting)
        closeGracefully(); // nothing more will come
}

void Connection::dispatch()
{
    m_awaiting = true;
    m_reader.setEnabled(!m_peerDone); // readable() watches for a client that gives up
    m_firstMessage = false;
    ++m_serial;
    ++m_server.m_stats.requests;
    m_request.peerAddress = m_peerAddress;
    m_request.peerPort = m_peerPort;
    const Responder responder(this, m_serial);
    if (m_server.m_handler)
        m_server.m_handler(m_request, responder);
    else
        responder.send(Response::json(
            404, ApiError::notFound(QStringLiteral("not_found"), QStringLiteral("nothing here"))
                     .toJson()));
}

void Connection::respond(quint64 serial, const Response& response)
{
    if (!isAwaitingResponse(serial) || m_mode != Mode::Requests)
        return;
    m_awaiting = false;
    m_request = Request();
    const bool close = !m_keepAlive || !m_server.isListening();
    QByteArray bytes = serializeHead(response, m_parser.http_minor, close);
    bytes += response.body;
    send(bytes);
    if (close) {
        closeGracefully();
        return;
    }
    setDeadline(m_server.limits().idleTimeoutMs);
    m_reader.setEnabled(!m_peerDone);
    parseBuffered(); // pipelined requests may be waiting
    if (m_awaiting)
        m_reader.setEnabled(true); // to notice a client that gives up meanwhile
}

void Connection::fail(int status, const QByteArray& code, const QByteArray& message)
{
    if (m_mode != Mode::Requests)
        return;
    ++m_server.m_stats.badRequests;
    m_awaiting = false;
    const Response response = Response::json(
        status, ApiError(status, QString::fromLatin1(code), QString::fromLatin1(message)).toJson());
    send(serializeHead(response, 1, true) + response.body);
    closeGracefully();
}

// Sends what is queued, then shuts the sending side and waits (bounded) for the client to
// close: closing at once could turn unread request bytes into a reset that destroys the
// answer on its way.
void Connection::closeGracefully()
{
    if (m_mode == Mode::Closed)
        return;
    m_mode = Mode::Closing;
    m_awaiting = false;
    if (m_outOffset < m_out.size())
        return; // writable() comes back here once everything is out
    ::shutdown(m_fd, SHUT_WR);
    if (m_peerDone) {
        closeNow();
        return;
    }
    m_reader.setEnabled(true);
    setDeadline(kLingerMs);
}

void Connection::closeNow()
{
    if (m_mode == Mode::Closed)
        return;
    m_mode = Mode::Closed;
    m_awaiting = false;
    m_reader.setEnabled(false);
    m_writer.setEnabled(false);
    ::close(m_fd);
    m_fd = -1;
    m_server.forget(this);
    deleteLater();
}

void Connection::handOver(QWebSocketServer* target)
{
    // The notifiers must go before a QTcpSocket watches the same descriptor.
    m_reader.setEnabled(false);
    m_writer.setEnabled(false);
    m_reader.setSocket(-1);
    m_writer.setSocket(-1);
    auto* socket = new QTcpSocket;
    if (!socket->setSocketDescriptor(m_fd)) {
        delete socket;
        closeNow();
        return;
    }
    // The handshake was read already: put it back for the WebSocket server to read. A client
    // waits for the 101 answer, so everything received so far is the handshake.
    for (qsizetype i = m_buffer.size() - 1; i >= 0; --i)
        socket->ungetChar(m_buffer.at(i));
    m_fd = -1; // the socket owns it now
    m_mode = Mode::Closed;
    m_server.forget(this);
    deleteLater();
    target->handleConnection(socket); // takes ownership
}

// --- http-parser callbacks -------------------------------------------------------------------

const http_parser_settings& Connection::parserSettings()
{
    static const http_parser_settings settings = [] {
        http_parser_settings s{};
        s.on_message_begin = &Connection::onMessageBegin;
        s.on_url = &Connection::onUrl;
        s.on_header_field = &Connection::onHeaderField;
        s.on_header_value = &Connection::onHeaderValue;
        s.on_headers_complete = &Connection::onHeadersComplete;
        s.on_body = &Connection::onBody;
        s.on_message_complete = &Connection::onMessageComplete;
        return s;
    }();
    return settings;
}

Connection* Connection::self(http_parser* parser)
{
    return static_cast<Connection*>(parser->data);
}

int Connection::onMessageBegin(http_parser* parser)
{
    Connection* c = self(parser);
    c->m_request = Request();
    c->m_url.clear();
    c->m_field.clear();
    c->m_value.clear();
    c->m_lastWasValue = false;
    c->m_inMessage = true;
    c->setDeadline(c->m_server.limits().requestTimeoutMs);
    return 0;
}

int Connection::onUrl(http_parser* parser, const char* at, size_t length)
{
    self(parser)->m_url.append(at, qsizetype(length));
    return 0;
}

int Connection::onHeaderField(http_parser* parser, const char* at, size_t length)
{
    Connection* c = self(parser);
    if (c->m_lastWasValue)
        c->finishHeader();
    c->m_field.append(at, qsizetype(length));
    return 0;
}

int Connection::onHeaderValue(http_parser* parser, const char* at, size_t length)
{
    Connection* c = self(parser);
    c->m_value.append(at, qsizetype(length));
    c->m_lastWasValue = true;
    return 0;
}

void Connection::finishHeader()
{
    m_request.headers.append({m_field.toLower(), m_value.trimmed()});
    m_field.clear();
    m_value.clear();
    m_lastWasValue = false;
}

int Connection::onHeadersComplete(http_parser* parser)
{
    Connection* c = self(parser);
    if (c->m_lastWasValue)
        c->finishHeader();
    if (parser->upgrade) {
        // A WebSocket upgrade as the first request goes to its server; anything else is refused.
        // (QByteArray::left(-1) is empty in Qt 6: a URL without a query needs its own case.)
        const qsizetype query = c->m_url.indexOf('?');
        const QByteArray path = query < 0 ? c->m_url : c->m_url.left(query);
        QWebSocketServer* target = c->m_server.webSocketServerFor(path);
        if (c->m_firstMessage && target && parser->method == HTTP_GET)
            c->m_upgradeTo = target;
        else
            c->m_failStatus = c->m_firstMessage ? 404 : 400;
        return -1;
    }
    const Limits& limits = c->m_server.limits();
    if (c->m_request.headers.size() > limits.maxHeaders) {
        c->m_failStatus = 431;
        return -1;
    }
    // Content-Length is known before any byte of the body is buffered.
    const bool hasLength = parser->content_length != ULLONG_MAX && !(parser->flags & F_CHUNKED);
    if (hasLength && parser->content_length > quint64(limits.maxBodyBytes)) {
        c->m_failStatus = 413;
        return -1;
    }
    Request& request = c->m_request;
    request.method = http_method_str(http_method(parser->method));
    request.httpMinor = parser->http_minor;
    const qsizetype question = c->m_url.indexOf('?');
    const QByteArrayView target(c->m_url);
    request.path = percentDecode(question < 0 ? target : target.first(question), false);
    request.query = question < 0 ? QByteArray() : c->m_url.mid(question + 1);
    if (const qsizetype hash = request.query.indexOf('#'); hash >= 0)
        request.query.truncate(hash);
    if (hasLength && parser->content_length > 0 &&
        request.header("expect").compare("100-continue", Qt::CaseInsensitive) == 0)
        c->send("HTTP/1.1 100 Continue\r\n\r\n");
    if (hasLength)
        request.body.reserve(qsizetype(parser->content_length));
    return 0;
}

int Connection::onBody(http_parser* parser, const char* at, size_t length)
{
    Connection* c = self(parser);
    if (c->m_request.body.size() + qint64(length) > c->m_server.limits().maxBodyBytes) {
        c->m_failStatus = 413; // a chunked body that grew past the limit
        return -1;
    }
    c->m_request.body.append(at, qsizetype(length));
    return 0;
}

int Connection::onMessageComplete(http_parser* parser)
{
    Connection* c = self(parser);
    c->m_keepAlive = http_should_keep_alive(parser) != 0;
    c->m_inMessage = false;
    // Stop here: the request goes to the handler before the next pipelined one is parsed.
    http_parser_pause(parser, 1);
    return 0;
}

} // namespace swarmshare::tracker::http
