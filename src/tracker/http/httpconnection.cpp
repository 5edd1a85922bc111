// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/http/httpconnection.h"

#include "tracker/apierror.h"
#include "tracker/http/httpserver.h"

#include <QTcpSocket>

#include <cstring>

namespace swarmshare::tracker::http {

namespace {

// Stop reading new requests while this much is still waiting to be sent: a client that
// pipelines requests but never reads its answers cannot make the server buffer without bound.
constexpr qint64 kMaxPendingWrite = 1024 * 1024;

// glibc's memmem: QByteArrayView::indexOf with a multi-byte needle costs ~20 instructions a
// byte in Qt 6.4, and this runs on the first bytes of every connection.
qsizetype find(QByteArrayView haystack, QByteArrayView needle)
{
    const void* at =
        ::memmem(haystack.data(), size_t(haystack.size()), needle.data(), size_t(needle.size()));
    return at ? static_cast<const char*>(at) - haystack.data() : -1;
}

QHostAddress normalised(const QHostAddress& address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

} // namespace

Connection::Connection(Server& server, QTcpSocket* socket)
    : m_server(server)
    , m_socket(socket)
{
    m_socket->setParent(this);
    // Bounded reading: while a request is with the handler, further bytes wait in the kernel.
    m_socket->setReadBufferSize(qMax<qint64>(64 * 1024, server.limits().maxHeaderBytes + 1));
    http_parser_init(&m_parser, HTTP_REQUEST);
    m_parser.data = this;
    connect(m_socket, &QTcpSocket::readyRead, this, &Connection::processIncoming);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_mode == Mode::Requests && m_socket->bytesToWrite() < kMaxPendingWrite)
            processIncoming();
    });
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        m_mode = Mode::Closing;
        m_server.forget(this);
        deleteLater();
    });
    setDeadline(server.limits().requestTimeoutMs);
}

Connection::~Connection() = default;

void Connection::setDeadline(int timeoutMs)
{
    m_deadline = m_server.now() + timeoutMs;
}

void Connection::checkDeadline(qint64 now)
{
    if (m_mode == Mode::Closing || m_awaiting || now < m_deadline)
        return;
    ++m_server.m_stats.timeouts;
    const bool midRequest =
        m_inMessage || m_socket->bytesAvailable() > 0 || m_offset < m_buffer.size();
    if (midRequest)
        fail(408, "timeout", "the request took too long to arrive");
    else
        closeNow(); // idle keep-alive connection
}

void Connection::processIncoming()
{
    if (m_mode == Mode::FirstRequest && !checkFirstRequest())
        return;
    if (m_mode != Mode::Requests || m_awaiting)
        return;
    // Read into the connection's own buffer, which keeps its capacity between requests.
    if (const qint64 available = m_socket->bytesAvailable(); available > 0) {
        const qsizetype old = m_buffer.size();
        m_buffer.resize(old + available);
        const qint64 got = m_socket->read(m_buffer.data() + old, available);
        m_buffer.resize(old + qMax<qint64>(got, 0));
    }
    parseBuffered();
}

// Looks at the first request without consuming it: a WebSocket upgrade must reach the
// QWebSocketServer with its handshake unread.
bool Connection::checkFirstRequest()
{
    const int maxHead = m_server.limits().maxHeaderBytes;
    // Most first requests fit the stack buffer; a larger limit falls back to the heap.
    char stackBuffer[8 * 1024 + 4];
    QByteArray heapBuffer;
    char* buffer = stackBuffer;
    if (maxHead + 4 > qsizetype(sizeof stackBuffer)) {
        heapBuffer.resize(maxHead + 4);
        buffer = heapBuffer.data();
    }
    const qint64 peeked = m_socket->peek(buffer, maxHead + 4);
    const QByteArrayView head(buffer, qMax<qint64>(peeked, 0));
    const qsizetype end = find(head, "\r\n\r\n");
    if (end < 0) {
        if (head.size() > maxHead)
            fail(431, "too_large", "the request head is larger than the limit");
        return false;
    }
    if (find(head.first(end), "pgrade") >= 0) {
        // Parse just the head with a scratch parser to see whether it asks for an upgrade.
        http_parser probe;
        http_parser_init(&probe, HTTP_REQUEST);
        QByteArray url;
        http_parser_settings settings{};
        probe.data = &url;
        settings.on_url = [](http_parser* p, const char* at, size_t length) {
            static_cast<QByteArray*>(p->data)->append(at, qsizetype(length));
            return 0;
        };
        http_parser_execute(&probe, &settings, head.data(), size_t(end + 4));
        if (probe.upgrade && HTTP_PARSER_ERRNO(&probe) == HPE_OK) {
            const QByteArray path = url.left(url.indexOf('?'));
            if (QWebSocketServer* target = m_server.webSocketServerFor(path);
                target && probe.method == HTTP_GET) {
                m_mode = Mode::Closing;
                m_server.handOver(this, m_socket, target);
                return false;
            }
            fail(404, "not_found", "no WebSocket endpoint at this path");
            return false;
        }
    }
    m_mode = Mode::Requests;
    return true;
}

void Connection::parseBuffered()
{
    if (m_parsing)
        return;
    m_parsing = true;
    while (m_mode == Mode::Requests && !m_awaiting && m_offset < m_buffer.size() &&
           m_socket->bytesToWrite() < kMaxPendingWrite) {
        const size_t length = size_t(m_buffer.size() - m_offset);
        const size_t used = http_parser_execute(&m_parser, &parserSettings(),
                                                m_buffer.constData() + m_offset, length);
        m_offset += qsizetype(used);
        const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
        if (error == HPE_PAUSED) {
            http_parser_pause(&m_parser, 0);
            dispatch();
        } else if (m_failStatus == 413) {
            fail(413, "too_large", "the request body is larger than the limit");
        } else if (m_failStatus == 431 || error == HPE_HEADER_OVERFLOW) {
            fail(431, "too_large", "the request head is larger than the limit");
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
}

void Connection::dispatch()
{
    m_awaiting = true;
    ++m_serial;
    ++m_server.m_stats.requests;
    m_request.peerAddress = normalised(m_socket->peerAddress());
    m_request.peerPort = m_socket->peerPort();
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
    if (!isAwaitingResponse(serial) || m_mode == Mode::Closing)
        return;
    m_awaiting = false;
    m_request = Request();
    const bool close = !m_keepAlive || !m_server.isListening();
    QByteArray bytes = serializeHead(response, m_parser.http_minor, close);
    bytes += response.body;
    m_socket->write(bytes);
    if (close) {
        closeNow();
        return;
    }
    setDeadline(m_server.limits().idleTimeoutMs);
    processIncoming(); // pipelined requests may be waiting
}

void Connection::fail(int status, const QByteArray& code, const QByteArray& message)
{
    if (m_mode == Mode::Closing)
        return;
    ++m_server.m_stats.badRequests;
    Response response = Response::json(
        status, ApiError(status, QString::fromLatin1(code), QString::fromLatin1(message)).toJson());
    m_socket->write(serializeHead(response, 1, true));
    m_socket->write(response.body);
    closeNow();
}

void Connection::closeNow()
{
    m_mode = Mode::Closing;
    m_awaiting = false;
    // Flushes what was written, then closes; `disconnected` deletes this object.
    m_socket->disconnectFromHost();
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
        c->m_failStatus = 400; // upgrades are only taken as the first request (see above)
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
        c->m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
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
