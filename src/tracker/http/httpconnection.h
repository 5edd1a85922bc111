// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/http/httpmessage.h"

#include <QObject>
#include <QSocketNotifier>

#include <http_parser.h>

class QWebSocketServer;

namespace swarmshare::tracker::http {

class Server;

// One client connection of a Server, on the raw socket descriptor: recv()/send() driven by
// socket notifiers, parsed by http-parser, one request at a time with the handler (so pipelined
// answers keep their order), limits and timeouts enforced. QTcpSocket is not used here: its
// per-connection objects, buffers and signals cost more than the request itself when every
// request comes on a new connection (BitTorrent clients announce that way).
// A WebSocket upgrade as the first request hands the descriptor, wrapped in a QTcpSocket with
// the handshake bytes put back, to the QWebSocketServer registered for the path.
// Deletes itself once closed.
class Connection : public QObject {
    Q_OBJECT

public:
    Connection(Server& server, qintptr descriptor);
    ~Connection() override;

    void respond(quint64 serial, const Response& response);
    bool isAwaitingResponse(quint64 serial) const { return m_awaiting && serial == m_serial; }
    // Called by the server's sweep: closes the connection when its deadline has passed.
    void checkDeadline(qint64 now);

private:
    enum class Mode {
        Requests, // reading and parsing HTTP requests
        Closing,  // answered for the last time: flushing, then waiting for the client's EOF
        Closed,
    };

    void readable();
    void writable();
    void parseBuffered();
    void dispatch();
    void send(QByteArrayView bytes);
    void fail(int status, const QByteArray& code, const QByteArray& message);
    void closeGracefully();
    void closeNow();
    void handOver(QWebSocketServer* target);
    void setDeadline(int timeoutMs);

    static const http_parser_settings& parserSettings();
    static Connection* self(http_parser* parser);
    static int onMessageBegin(http_parser* parser);
    static int onUrl(http_parser* parser, const char* at, size_t length);
    static int onHeaderField(http_parser* parser, const char* at, size_t length);
    static int onHeaderValue(http_parser* parser, const char* at, size_t length);
    static int onHeadersComplete(http_parser* parser);
    static int onBody(http_parser* parser, const char* at, size_t length);
    static int onMessageComplete(http_parser* parser);
    void finishHeader();

    Server& m_server;
    int m_fd;
    QSocketNotifier m_reader;
    QSocketNotifier m_writer;
    QHostAddress m_peerAddress;
    quint16 m_peerPort = 0;
    http_parser m_parser;
    Mode m_mode = Mode::Requests;
    QByteArray m_buffer; // received, not yet parsed from m_offset on
    qsizetype m_offset = 0;
    QByteArray m_out; // not yet accepted by the kernel
    qsizetype m_outOffset = 0;

    // The request being parsed.
    Request m_request;
    QByteArray m_url;
    QByteArray m_field;
    QByteArray m_value;
    bool m_lastWasValue = false;
    int m_failStatus = 0; // a limit a callback hit (413, 431), or 400 for a late upgrade
    QWebSocketServer* m_upgradeTo = nullptr;
    bool m_keepAlive = true;
    bool m_inMessage = false;
    bool m_firstMessage = true;
    bool m_peerDone = false; // the client shut its sending side

    bool m_awaiting = false; // a request is with the handler
    bool m_parsing = false;  // inside parseBuffered(): no re-entry
    quint64 m_serial = 0;
    qint64 m_deadline = 0;
};

} // namespace swarmshare::tracker::http
