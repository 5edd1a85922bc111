// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/http/httpmessage.h"

#include <QObject>

#include <http_parser.h>

class QTcpSocket;

namespace swarmshare::tracker::http {

class Server;

// One client connection of a Server: reads, parses (http-parser), dispatches one request at a
// time (so pipelined answers keep their order), writes responses, enforces limits and timeouts.
// Deletes itself when the socket closes; a WebSocket upgrade hands the socket to the
// QWebSocketServer registered for the path, without reading the handshake.
class Connection : public QObject {
    Q_OBJECT

public:
    Connection(Server& server, QTcpSocket* socket);
    ~Connection() override;

    void respond(quint64 serial, const Response& response);
    bool isAwaitingResponse(quint64 serial) const { return m_awaiting && serial == m_serial; }
    // Called by the server's sweep: closes the connection when its deadline has passed.
    void checkDeadline(qint64 now);

private:
    enum class Mode {
        FirstRequest, // peeking: the first request may be a WebSocket upgrade
        Requests,     // reading and parsing HTTP requests
        Closing,
    };

    void processIncoming();
    bool checkFirstRequest();
    void parseBuffered();
    void dispatch();
    void fail(int status, const QByteArray& code, const QByteArray& message);
    void closeNow();
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
    QTcpSocket* m_socket;
    http_parser m_parser;
    Mode m_mode = Mode::FirstRequest;
    QByteArray m_buffer;
    qsizetype m_offset = 0;

    // The request being parsed.
    Request m_request;
    QByteArray m_url;
    QByteArray m_field;
    QByteArray m_value;
    bool m_lastWasValue = false;
    int m_failStatus = 0; // a limit a callback hit (413, 431)
    bool m_keepAlive = true;
    bool m_inMessage = false;

    bool m_awaiting = false; // a request is with the handler
    bool m_parsing = false;  // inside parseBuffered(): no re-entry
    quint64 m_serial = 0;
    qint64 m_deadline = 0;
};

} // namespace swarmshare::tracker::http
