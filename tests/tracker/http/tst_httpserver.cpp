// SPDX-License-Identifier: GPL-3.0-or-later
// The tracker's HTTP layer over real sockets on 127.0.0.1 (ephemeral ports).
#include "tracker/http/httpserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace swarmshare::tracker::http;

class TestHttpServer : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Server> m_server;
    QList<Request> m_seen;
    QList<Responder> m_held; // responders kept for asynchronous answers

    void start(Limits limits = {})
    {
        m_seen.clear();
        m_held.clear();
        m_server = std::make_unique<Server>(limits);
        m_server->setHandler([this](const Request& request, const Responder& responder) {
            m_seen << request;
            if (request.path == "/later") {
                m_held << responder;
                return;
            }
            QJsonObject echo{{QStringLiteral("method"), QString::fromLatin1(request.method)},
                             {QStringLiteral("path"), QString::fromUtf8(request.path)},
                             {QStringLiteral("body"), QString::fromUtf8(request.body)}};
            responder.send(Response::json(200, QJsonDocument(echo).toJson(QJsonDocument::Compact)));
        });
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    }

    std::unique_ptr<QTcpSocket> connectClient()
    {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        return socket;
    }

    // Reads until `count` complete responses (by Content-Length) arrived or the peer closed.
    static QList<QByteArray> readResponses(QTcpSocket& socket, int count, int timeoutMs = 5000)
    {
        QByteArray data;
        QList<QByteArray> responses;
        QElapsedTimer clock;
        clock.start();
        while (responses.size() < count && clock.elapsed() < timeoutMs) {
            data += socket.readAll();
            for (;;) {
                const qsizetype headEnd = data.indexOf("\r\n\r\n");
                if (headEnd < 0)
                    break;
                const QByteArray head = data.left(headEnd);
                const qsizetype lengthAt = head.toLower().indexOf("content-length: ");
                const qsizetype length =
                    lengthAt < 0 ? 0 : head.mid(lengthAt + 16).split('\r').first().toLongLong();
                if (data.size() < headEnd + 4 + length)
                    break;
                responses << data.left(headEnd + 4 + length);
                data.remove(0, headEnd + 4 + length);
            }
            if (responses.size() >= count || socket.state() == QAbstractSocket::UnconnectedState)
                break;
            QSignalSpy spy(&socket, &QTcpSocket::readyRead);
            spy.wait(100);
        }
        return responses;
    }

    static bool waitClosed(QTcpSocket& socket, int timeoutMs = 5000)
    {
        if (socket.state() == QAbstractSocket::UnconnectedState)
            return true;
        QSignalSpy spy(&socket, &QTcpSocket::disconnected);
        return spy.wait(timeoutMs) || socket.state() == QAbstractSocket::UnconnectedState;
    }

    static int statusOf(const QByteArray& response) { return response.mid(9, 3).toInt(); }

private slots:
    void cleanup() { m_server.reset(); }

    void answersAGetWithJson()
    {
        start();
        auto client = connectClient();
        client->write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QVERIFY(responses[0].startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(responses[0].contains("Content-Type: application/json\r\n"));
        QVERIFY(responses[0].contains("\"path\":\"/health\""));
        QCOMPARE(m_seen.size(), 1);
        QCOMPARE(m_seen[0].peerAddress, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(m_seen[0].peerPort, client->localPort());
    }

    void postBodyArrivesWhole()
    {
        start();
        auto client = connectClient();
        const QByteArray body(300000, 'b');
        client->write("POST /register HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                      QByteArray::number(body.size()) + "\r\n\r\n");
        client->write(body);
        QCOMPARE(readResponses(*client, 1).size(), 1);
        QCOMPARE(m_seen.size(), 1);
        QCOMPARE(m_seen[0].method, QByteArray("POST"));
        QCOMPARE(m_seen[0].body, body);
    }

    void keepAliveServesManyRequestsOnOneConnection()
    {
        start();
        auto client = connectClient();
        for (int i = 0; i < 5; ++i) {
            client->write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            QCOMPARE(readResponses(*client, 1).size(), 1);
        }
        QCOMPARE(m_seen.size(), 5);
        QCOMPARE(client->state(), QAbstractSocket::ConnectedState);
    }

    void pipelinedRequestsAreAnsweredInOrder()
    {
        start();
        auto client = connectClient();
        QByteArray requests;
        for (int i = 0; i < 20; ++i)
            requests += "GET /p" + QByteArray::number(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        client->write(requests);
        const QList<QByteArray> responses = readResponses(*client, 20);
        QCOMPARE(responses.size(), 20);
        for (int i = 0; i < 20; ++i)
            QVERIFY2(responses[i].contains("\"/p" + QByteArray::number(i) + "\""), responses[i]);
    }

    void asynchronousAnswersKeepTheOrder()
    {
        start();
        auto client = connectClient();
        client->write(
            "GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n");
        QTRY_COMPARE(m_held.size(), 1);
        QCOMPARE(m_seen.size(), 1); // the second request waits for the first answer
        QVERIFY(m_held[0].isConnected());
        m_held[0].send(Response::text(200, "late"));
        m_held[0].send(Response::text(500, "twice")); // only the first send counts
        const QList<QByteArray> responses = readResponses(*client, 2);
        QCOMPARE(responses.size(), 2);
        QVERIFY(responses[0].endsWith("late"));
        QVERIFY(responses[1].contains("/after"));
    }

    void answeringAfterTheClientLeftIsHarmless()
    {
        start();
        {
            auto client = connectClient();
            client->write("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
            QTRY_COMPARE(m_held.size(), 1);
            client->abort();
        }
        QTRY_COMPARE(m_server->connectionCount(), 0);
        QVERIFY(!m_held[0].isConnected());
        m_held[0].send(Response::text(200, "nobody listens"));
    }

    void http10AndConnectionCloseAreHonoured_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("statusLine");
        QTest::newRow("HTTP/1.0") << QByteArray("GET /x HTTP/1.0\r\n\r\n")
                                  << QByteArray("HTTP/1.0 200 OK");
        QTest::newRow("Connection: close")
            << QByteArray("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            << QByteArray("HTTP/1.1 200 OK");
    }

    void http10AndConnectionCloseAreHonoured()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, statusLine);
        start();
        auto client = connectClient();
        client->write(request);
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QVERIFY(responses[0].startsWith(statusLine));
        QVERIFY(responses[0].contains("Connection: close\r\n"));
        QVERIFY(waitClosed(*client));
    }

    void http10KeepAliveStaysOpen()
    {
        start();
        auto client = connectClient();
        client->write("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QVERIFY(responses[0].contains("Connection: keep-alive\r\n"));
        client->write("GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        QCOMPARE(readResponses(*client, 1).size(), 1);
    }

    void binaryQueryValuesSurvive()
    {
        start();
        auto client = connectClient();
        QByteArray hash;
        for (int i = 0; i < 20; ++i)
            hash += char(i * 13); // includes 0x00 and bytes above 0x7f
        client->write("GET /announce?info_hash=" + hash.toPercentEncoding() +
                      "&port=6881&peer_id=%2D%00x HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(readResponses(*client, 1).size(), 1);
        QCOMPARE(m_seen[0].path, QByteArray("/announce"));
        QCOMPARE(m_seen[0].queryValue("info_hash"), hash);
        QCOMPARE(m_seen[0].queryValue("info_hash").size(), 20);
        QCOMPARE(m_seen[0].queryValue("port"), QByteArray("6881"));
        QCOMPARE(m_seen[0].queryValue("peer_id"), QByteArray("-\0x", 3));
    }

    void oversizedBodyIsRefusedBeforeItIsSent()
    {
        Limits limits;
        limits.maxBodyBytes = 1000;
        start(limits);
        auto client = connectClient();
        client->write("POST /register HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 413);
        QVERIFY(responses[0].contains("\"code\":\"too_large\""));
        QVERIFY(waitClosed(*client));
        QCOMPARE(m_seen.size(), 0);
    }

    void oversizedChunkedBodyIsRefused()
    {
        Limits limits;
        limits.maxBodyBytes = 1000;
        start(limits);
        auto client = connectClient();
        client->write("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 5; ++i)
            client->write("190\r\n" + QByteArray(400, 'c') + "\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 413);
        QCOMPARE(m_seen.size(), 0);
    }

    void chunkedBodyWithinTheLimitIsAccepted()
    {
        start();
        auto client = connectClient();
        client->write("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        QCOMPARE(readResponses(*client, 1).size(), 1);
        QCOMPARE(m_seen[0].body, QByteArray("hello world"));
    }

    void oversizedHeadIsRefused()
    {
        Limits limits;
        limits.maxHeaderBytes = 1024;
        start(limits);
        auto client = connectClient();
        client->write("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(4000, 'h') + "\r\n\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 431);
        QVERIFY(waitClosed(*client));
    }

    void oversizedHeadOnALaterRequestIsRefused()
    {
        Limits limits;
        limits.maxHeaderBytes = 1024;
        start(limits);
        auto client = connectClient();
        client->write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(readResponses(*client, 1).size(), 1);
        client->write("GET /x?" + QByteArray(4000, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 431);
    }

    void tooManyHeadersAreRefused()
    {
        Limits limits;
        limits.maxHeaders = 10;
        start(limits);
        auto client = connectClient();
        QByteArray request = "GET /x HTTP/1.1\r\n";
        for (int i = 0; i < 20; ++i)
            request += "X-H" + QByteArray::number(i) + ": v\r\n";
        client->write(request + "\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 431);
    }

    void malformedRequestGetsAJsonError()
    {
        start();
        auto client = connectClient();
        client->write("NOT HTTP AT ALL\r\n\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 400);
        const QByteArray body = responses[0].mid(responses[0].indexOf("\r\n\r\n") + 4);
        const QJsonObject error =
            QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(),
                 QStringLiteral("invalid_argument"));
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
        QVERIFY(waitClosed(*client));
        QCOMPARE(m_server->stats().badRequests, 1u);
    }

    void slowRequestTimesOut()
    {
        Limits limits;
        limits.requestTimeoutMs = 300;
        start(limits);
        auto client = connectClient();
        client->write("GET /slow HTTP/1.1\r\nHost: x\r\n"); // the head never ends
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 408);
        QVERIFY(waitClosed(*client));
    }

    void slowBodyTimesOut()
    {
        Limits limits;
        limits.requestTimeoutMs = 300;
        start(limits);
        auto client = connectClient();
        client->write("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(readResponses(*client, 1).size(), 1);
        client->write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 408);
    }

    void idleConnectionIsClosed()
    {
        Limits limits;
        limits.idleTimeoutMs = 300;
        start(limits);
        auto client = connectClient();
        client->write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(readResponses(*client, 1).size(), 1);
        QVERIFY(waitClosed(*client));
        QTRY_COMPARE(m_server->connectionCount(), 0);
    }

    void connectionsOverTheCapGet503()
    {
        Limits limits;
        limits.maxConnections = 2;
        start(limits);
        auto first = connectClient();
        auto second = connectClient();
        QTRY_COMPARE(m_server->connectionCount(), 2);
        auto third = connectClient();
        const QList<QByteArray> responses = readResponses(*third, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 503);
        QVERIFY(waitClosed(*third));
        first->abort();
        QTRY_COMPARE(m_server->connectionCount(), 1);
        auto fourth = connectClient(); // room again
        fourth->write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(statusOf(readResponses(*fourth, 1).value(0)), 200);
    }

    void expectContinueGetsAnInterimResponse()
    {
        start();
        auto client = connectClient();
        client->write(
            "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        QList<QByteArray> interim = readResponses(*client, 1);
        QCOMPARE(interim.size(), 1);
        QVERIFY(interim[0].startsWith("HTTP/1.1 100 Continue"));
        client->write("data");
        const QList<QByteArray> final = readResponses(*client, 1);
        QCOMPARE(final.size(), 1);
        QCOMPARE(statusOf(final[0]), 200);
        QCOMPARE(m_seen[0].body, QByteArray("data"));
    }

    void webSocketUpgradeIsHandedOver()
    {
        start();
        QWebSocketServer live(QStringLiteral("test"), QWebSocketServer::NonSecureMode);
        m_server->addWebSocketPath("/live", &live);
        QWebSocket* serverSide = nullptr;
        connect(&live, &QWebSocketServer::newConnection, this,
                [&] { serverSide = live.nextPendingConnection(); });
        QWebSocket client;
        QSignalSpy received(&client, &QWebSocket::textMessageReceived);
        client.open(
            QUrl(QStringLiteral("ws://127.0.0.1:%1/live?token=abc").arg(m_server->serverPort())));
        QTRY_VERIFY(serverSide != nullptr);
        QCOMPARE(serverSide->requestUrl().query(), QStringLiteral("token=abc"));
        serverSide->sendTextMessage(QStringLiteral("hello"));
        QVERIFY(received.wait(5000));
        QCOMPARE(received[0][0].toString(), QStringLiteral("hello"));
        QCOMPARE(m_server->connectionCount(), 0); // no longer an HTTP connection
        delete serverSide;
    }

    void responseHeadsAreWrittenExactly()
    {
        Response response = Response::text(431, QByteArray(5, 'x'), "text/plain; charset=utf-8");
        for (int i = 0; i < 20; ++i)
            response.headers.append({"X-Header-" + QByteArray::number(i), QByteArray(30, 'v')});
        QByteArray expected = "HTTP/1.0 431 Request Header Fields Too Large\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 5";
        for (int i = 0; i < 20; ++i)
            expected += "\r\nX-Header-" + QByteArray::number(i) + ": " + QByteArray(30, 'v');
        QCOMPARE(serializeHead(response, 0, false),
                 expected + "\r\nConnection: keep-alive\r\n\r\n");
        QCOMPARE(serializeHead(Response::json(204, {}), 1, true),
                 QByteArray("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"));
        Response huge = Response::json(200, QByteArray(123456789, '\0'));
        QVERIFY(serializeHead(huge, 1, false).contains("\r\nContent-Length: 123456789\r\n"));
    }

    void webSocketUpgradeOnAnUnknownPathIs404()
    {
        start();
        auto client = connectClient();
        client->write(
            "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        const QList<QByteArray> responses = readResponses(*client, 1);
        QCOMPARE(responses.size(), 1);
        QCOMPARE(statusOf(responses[0]), 404);
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
