// SPDX-License-Identifier: GPL-3.0-or-later
// The failover proxy against two fake trackers that follow the HA contract (proxy.h), over real
// sockets on 127.0.0.1 (ephemeral ports), with short probe intervals so that failover and
// failback happen within a second or two.
#include "tracker/ha/proxy.h"
#include "tracker/http/httpserver.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace swarmshare::tracker;
using namespace swarmshare::tracker::ha;

namespace {

const QByteArray kSecret = "s3cret-ha";

// Every control call either fake received, in order: "main:fence {...}" and so on.
QStringList g_controlLog;

// A tracker as the proxy sees it: /health, the /ha/* calls, /echo (tells what arrived),
// /slow (never answered while `holdSlow`), and a /live WebSocket that echoes. down() closes
// every connection like a killed process; up() listens again on the same port.
class FakeTracker : public QObject {
public:
    explicit FakeTracker(QString name, QString state, qint64 epoch)
        : state(std::move(state))
        , epoch(epoch)
        , m_name(std::move(name))
        , m_ws(QStringLiteral("fake"), QWebSocketServer::NonSecureMode)
    {
        connect(&m_ws, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket* socket = m_ws.nextPendingConnection()) {
                socket->setParent(this);
                wsForwardedFor = socket->request().rawHeader("X-Forwarded-For");
                wsQuery = socket->requestUrl().query(QUrl::FullyEncoded).toLatin1();
                m_sockets << socket;
                connect(socket, &QWebSocket::textMessageReceived, socket,
                        [this, socket](const QString& message) {
                            socket->sendTextMessage(m_name + u':' + message);
                        });
            }
        });
    }

    ~FakeTracker() override
    {
        // Before the WebSocket server they came from goes.
        qDeleteAll(findChildren<QWebSocket*>(Qt::FindDirectChildrenOnly));
    }

    bool up()
    {
        m_server = std::make_unique<http::Server>();
        m_server->setHandler(
            [this](const http::Request& request, const http::Responder& responder) {
                handle(request, responder);
            });
        m_server->addWebSocketPath("/live", &m_ws);
        if (!m_server->listen(QHostAddress::LocalHost, m_port))
            return false;
        m_port = m_server->serverPort();
        return true;
    }

    void down()
    {
        m_server.reset(); // closes every connection, kept-alive ones too
        for (QWebSocket* socket : std::as_const(m_sockets))
            socket->abort();
        m_sockets.clear();
    }

    void pushToAll(const QString& message)
    {
        for (QWebSocket* socket : std::as_const(m_sockets))
            socket->sendTextMessage(message);
    }

    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }
    quint64 connectionsAccepted() const { return m_server->stats().connectionsAccepted; }

    QString state;
    qint64 epoch;
    qint64 seq = 0;
    qint64 promoteEpoch = 0; // the epoch /ha/promote gives (0: epoch + 1)
    int promoteDelayMs = 0;  // /ha/promote answers this late
    int healthStatus = 200;  // not 200: up but failing its probes
    int seqAddedByFence = 0; // writes that land just before a fence
    bool holdSlow = true;
    QList<http::Request> requests; // everything but /health
    QByteArray wsForwardedFor;
    QByteArray wsQuery;

private:
    void handle(const http::Request& request, const http::Responder& responder)
    {
        const auto json = [responder](int status, const QJsonObject& object) {
            responder.send(
                http::Response::json(status, QJsonDocument(object).toJson(QJsonDocument::Compact)));
        };
        if (request.path == "/health") {
            json(healthStatus, {{QStringLiteral("role"), m_name},
                                {QStringLiteral("state"), state},
                                {QStringLiteral("epoch"), epoch},
                                {QStringLiteral("seq"), seq},
                                {QStringLiteral("extra"), true}});
            return;
        }
        requests << request;
        if (request.path.startsWith("/ha/")) {
            if (request.header("authorization") != "Bearer " + kSecret) {
                json(401, {});
                return;
            }
            const QJsonObject body = QJsonDocument::fromJson(request.body).object();
            g_controlLog << m_name + u':' + QString::fromLatin1(request.path.mid(4)) +
                                (body.isEmpty()
                                     ? QString()
                                     : u' ' + QString::fromUtf8(QJsonDocument(body).toJson(
                                                  QJsonDocument::Compact)));
            if (request.path == "/ha/promote") {
                state = QStringLiteral("active");
                epoch = promoteEpoch > 0 ? promoteEpoch : epoch + 1;
                const QJsonObject answer{{QStringLiteral("epoch"), epoch},
                                         {QStringLiteral("seq"), seq}};
                if (promoteDelayMs > 0)
                    QTimer::singleShot(promoteDelayMs, this, [json, answer] { json(200, answer); });
                else
                    json(200, answer);
            } else if (request.path == "/ha/fence") {
                state = QStringLiteral("fenced");
                seq += seqAddedByFence;
                json(200, {});
            } else if (request.path == "/ha/follow") {
                state = QStringLiteral("catching_up");
                epoch = body.value(QStringLiteral("epoch")).toInteger();
                json(200, {});
            } else {
                json(404, {});
            }
            return;
        }
        if (request.path == "/slow" && holdSlow) {
            m_held << responder; // never answered: the test kills this tracker
            return;
        }
        http::Response response = http::Response::json(
            200,
            QJsonDocument(QJsonObject{{QStringLiteral("tracker"), m_name},
                                      {QStringLiteral("path"), QString::fromUtf8(request.path)},
                                      {QStringLiteral("body_size"), request.body.size()}})
                .toJson(QJsonDocument::Compact));
        response.headers.append({"X-Tracker", m_name.toLatin1()});
        responder.send(response);
    }

    QString m_name;
    quint16 m_port = 0;
    std::unique_ptr<http::Server> m_server;
    QWebSocketServer m_ws;
    QList<QWebSocket*> m_sockets;
    QList<http::Responder> m_held;
};

// A tracker written the way other HTTP servers answer: a chunked body or one that ends with
// the connection, `Connection: close` every time.
class RawTracker : public QObject {
public:
    bool chunked = true;

    RawTracker()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    m_in[socket] += socket->readAll();
                    if (!m_in[socket].contains("\r\n\r\n"))
                        return;
                    const QByteArray body = R"({"role":"main","state":"active","epoch":1,"seq":0})";
                    if (m_in[socket].startsWith("POST /partial ")) {
                        // Dies half-way through its answer.
                        socket->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\"");
                        socket->disconnectFromHost();
                        return;
                    }
                    if (chunked)
                        socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                                      QByteArray::number(10, 16) + "\r\n" + body.left(10) + "\r\n" +
                                      QByteArray::number(body.size() - 10, 16) + "\r\n" +
                                      body.mid(10) + "\r\n0\r\n\r\n");
                    else
                        socket->write("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" +
                                      body);
                    socket->disconnectFromHost();
                });
            }
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }

    QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
    }

private:
    QTcpServer m_server;
    QHash<QTcpSocket*, QByteArray> m_in;
};

struct HttpResult {
    int status = 0; // 0: no answer
    QByteArray head;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray header(const QByteArray& lowerName) const
    {
        for (const QByteArray& line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == lowerName)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
};

// A raw HTTP client (so the request goes out byte for byte) that never blocks the event loop.
class RawClient : public QObject {
public:
    RawClient(quint16 port, QByteArray request)
    {
        connect(&m_socket, &QTcpSocket::readyRead, this, [this] {
            m_data += m_socket.readAll();
            parse();
        });
        connect(&m_socket, &QTcpSocket::disconnected, this, [this] { m_done = true; });
        connect(&m_socket, &QTcpSocket::errorOccurred, this, [this] { m_done = true; });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.write(request);
    }

    bool done() const { return m_done; }
    const HttpResult& result() const { return m_result; }

    // Waits (bounded) for the answer.
    HttpResult wait(int timeoutMs = 5000)
    {
        QElapsedTimer clock;
        clock.start();
        while (!m_done && clock.elapsed() < timeoutMs)
            QTest::qWait(5);
        return m_result;
    }

private:
    void parse()
    {
        const qsizetype headEnd = m_data.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        HttpResult result;
        result.head = m_data.left(headEnd);
        const qsizetype length = result.header("content-length").toLongLong();
        if (m_data.size() < headEnd + 4 + length)
            return;
        result.status = result.head.mid(9, 3).toInt();
        result.body = m_data.mid(headEnd + 4, length);
        m_result = result;
        m_done = true;
    }

    QTcpSocket m_socket;
    QByteArray m_data;
    HttpResult m_result;
    bool m_done = false;
};

HttpResult get(quint16 port, const QByteArray& target, const QByteArray& extraHeaders = {})
{
    RawClient client(port,
                     "GET " + target + " HTTP/1.1\r\nHost: proxy\r\n" + extraHeaders + "\r\n");
    return client.wait();
}

HttpResult post(quint16 port, const QByteArray& target, const QByteArray& body)
{
    RawClient client(port, "POST " + target +
                               " HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\n"
                               "Content-Length: " +
                               QByteArray::number(body.size()) + "\r\n\r\n" + body);
    return client.wait();
}

} // namespace

class TestProxy : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<FakeTracker> m_main;
    std::unique_ptr<FakeTracker> m_backup;
    std::unique_ptr<Proxy> m_proxy;

    Proxy::Options options() const
    {
        Proxy::Options o;
        o.mainUrl = m_main->url();
        o.backupUrl = m_backup->url();
        o.secret = kSecret;
        o.probeIntervalMs = 100;
        o.probeTimeoutMs = 150;
        o.failedProbesToSwitch = 3;
        o.requestTimeoutMs = 1000;
        o.switchHoldMs = 2000;
        o.controlTimeoutMs = 1000;
        return o;
    }

    void startProxy(Proxy::Options o)
    {
        m_proxy = std::make_unique<Proxy>(std::move(o));
        QVERIFY(m_proxy->start());
        QTRY_VERIFY_WITH_TIMEOUT(
            m_proxy->snapshot().main.probed && m_proxy->snapshot().backup.probed, 2000);
    }

    void startProxy() { startProxy(options()); }

    quint16 port() const { return m_proxy->port(); }

    // Kills main and waits for the proxy to route to the backup.
    void failOver()
    {
        QSignalSpy switched(m_proxy.get(), &Proxy::activeChanged);
        m_main->down();
        QVERIFY(switched.wait(3000));
        QCOMPARE(switched.constFirst().constFirst().toUrl(), m_backup->url());
    }

private slots:
    void init()
    {
        g_controlLog.clear();
        m_main = std::make_unique<FakeTracker>(QStringLiteral("main"), QStringLiteral("active"), 1);
        m_backup =
            std::make_unique<FakeTracker>(QStringLiteral("backup"), QStringLiteral("standby"), 1);
        QVERIFY(m_main->up());
        QVERIFY(m_backup->up());
    }

    void cleanup()
    {
        m_proxy.reset();
        m_main.reset();
        m_backup.reset();
        // Lets deleteLater() run for what the proxy and the fakes closed last.
        QTest::qWait(20);
    }

    void forwardsRequestsByteExact()
    {
        startProxy();
        // A BEP 3 info_hash with NUL, '+', '&', '%' and high bytes, percent-encoded as clients
        // do; the tracker must get the query exactly as sent.
        const QByteArray query =
            "info_hash=%00%2B%26%25%FF%7e%20abc+d&peer_id=-XX0001-%01%02&port=1";
        const HttpResult answer =
            get(port(), "/announce?" + query,
                "X-Forwarded-For: 10.9.9.9\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
                "TE: trailers\r\nX-Custom: kept\r\n");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json().value(QStringLiteral("tracker")).toString(), QStringLiteral("main"));
        QCOMPARE(answer.header("x-tracker"), QByteArray("main"));
        QCOMPARE(m_main->requests.size(), 1);
        const http::Request& seen = m_main->requests.constFirst();
        QCOMPARE(seen.query, query);
        QCOMPARE(seen.queryValue("info_hash"), QByteArray("\x00+&%\xff~ abc d", 12));
        // The client's claim first, the address the proxy saw last (the one trackers use).
        QCOMPARE(seen.header("x-forwarded-for"), QByteArray("10.9.9.9, 127.0.0.1"));
        QCOMPARE(seen.header("host"),
                 QByteArray("127.0.0.1:") + QByteArray::number(m_main->url().port()));
        QCOMPARE(seen.header("x-custom"), QByteArray("kept"));
        QVERIFY(seen.header("x-hop").isEmpty());
        QVERIFY(seen.header("te").isEmpty());

        // Encoded path characters and a body.
        const HttpResult posted = post(port(), "/files/a%20b%3Fc", "{\"x\":1}");
        QCOMPARE(posted.status, 200);
        QCOMPARE(m_main->requests.last().path, QByteArray("/files/a b?c"));
        QCOMPARE(m_main->requests.last().body, QByteArray("{\"x\":1}"));
        QCOMPARE(m_main->requests.last().header("x-forwarded-for"), QByteArray("127.0.0.1"));

        // The proxy's own health.
        const HttpResult health = get(port(), "/proxy/health");
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value(QStringLiteral("active")).toString(), QStringLiteral("main"));
        QCOMPARE(health.json()
                     .value(QStringLiteral("backup"))
                     .toObject()
                     .value(QStringLiteral("state"))
                     .toString(),
                 QStringLiteral("standby"));
        QCOMPARE(m_main->requests.size(), 2); // /proxy/health is not forwarded
        QVERIFY(m_backup->requests.isEmpty());
        QCOMPARE(m_proxy->snapshot().requestsForwarded, 2u);

        // Upstream connections are kept alive and reused: not one per request.
        const quint64 before = m_main->connectionsAccepted();
        for (int i = 0; i < 10; ++i)
            QCOMPARE(get(port(), "/files").status, 200);
        QVERIFY(m_main->connectionsAccepted() - before <= 2);
    }

    void bodyLimit()
    {
        startProxy();
        const QByteArray mib(1024 * 1024, 'x');
        const HttpResult atLimit = post(port(), "/register", mib);
        QCOMPARE(atLimit.status, 200);
        QCOMPARE(atLimit.json().value(QStringLiteral("body_size")).toInt(), 1024 * 1024);
        const HttpResult over = post(port(), "/register", mib + 'x');
        QCOMPARE(over.status, 413);
        QCOMPARE(
            over.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")),
            QStringLiteral("too_large"));
        QCOMPARE(m_main->requests.size(), 1);
    }

    void failsOverAfterFailedProbes()
    {
        startProxy();
        QElapsedTimer clock;
        clock.start();
        failOver();
        // 3 failed probes at 100 ms intervals, plus a probe timeout and the promote call.
        QVERIFY2(clock.elapsed() < 3 * 100 + 600, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(g_controlLog, QStringList{QStringLiteral("backup:promote")});
        QCOMPARE(m_backup->state, QStringLiteral("active"));
        const Proxy::Snapshot snapshot = m_proxy->snapshot();
        QCOMPARE(snapshot.active, Proxy::Which::Backup);
        QCOMPARE(snapshot.switchCount, 1u);
        QCOMPARE(snapshot.backup.epoch, 2);
        QVERIFY(!snapshot.main.reachable);
        QCOMPARE(m_proxy->activeUrl(), m_backup->url());

        const HttpResult answer = get(port(), "/files");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json().value(QStringLiteral("tracker")).toString(),
                 QStringLiteral("backup"));
    }

    void inFlightRequestRetriedOnNewActive()
    {
        startProxy();
        m_backup->holdSlow = false;
        RawClient slow(port(), "POST /slow HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\n\r\n{}");
        QTRY_COMPARE_WITH_TIMEOUT(m_main->requests.size(), 1, 2000);
        QElapsedTimer clock;
        clock.start();
        failOver(); // main dies with the request unanswered: no response byte came
        const HttpResult answer = slow.wait(3000);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json().value(QStringLiteral("tracker")).toString(),
                 QStringLiteral("backup"));
        QCOMPARE(m_backup->requests.last().path, QByteArray("/slow"));
        QCOMPARE(m_proxy->snapshot().requestsRetried, 1u);
        QVERIFY(clock.elapsed() < 2000);
    }

    void unansweredRequestTimesOut()
    {
        startProxy();
        // Main keeps the request and never answers: it may have acted on it, so no retry, and
        // the client still gets an answer within the request timeout.
        QElapsedTimer clock;
        clock.start();
        const HttpResult answer = post(port(), "/slow", "{}");
        QCOMPARE(answer.status, 503);
        QCOMPARE(
            answer.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")),
            QStringLiteral("unavailable"));
        QVERIFY(clock.elapsed() >= 900 && clock.elapsed() < 2500);
        QCOMPARE(m_main->requests.size(), 1);
    }

    void noTrackerUsable()
    {
        startProxy();
        m_backup->down();
        // A request that fails while main is still within its probe budget waits, then gets a
        // 503 once the proxy knows nobody can take over (bounded either way).
        m_main->down();
        QElapsedTimer clock;
        clock.start();
        const HttpResult early = get(port(), "/files");
        QCOMPARE(early.status, 503);
        QVERIFY2(clock.elapsed() < 2500, qPrintable(QString::number(clock.elapsed())));
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->snapshot().phase, Proxy::Phase::Unavailable, 2000);
        clock.restart();
        const HttpResult answer = get(port(), "/files");
        QCOMPARE(answer.status, 503);
        QVERIFY(clock.elapsed() < 500);
        const QJsonObject error = answer.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("unavailable"));
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
        QVERIFY(g_controlLog.isEmpty()); // nobody to promote

        // Main comes back: routing resumes.
        QVERIFY(m_main->up());
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->snapshot().phase, Proxy::Phase::Normal, 2000);
        QCOMPARE(get(port(), "/files").status, 200);
    }

    void staleMainFollowsThenFailsBack()
    {
        startProxy();
        failOver();
        QCOMPARE(m_backup->epoch, 2);
        m_backup->seq = 40;

        // Main returns still believing it is active at epoch 1: stale.
        m_main->state = QStringLiteral("active");
        QVERIFY(m_main->up());
        const QString primary = m_backup->url().toString();
        QTRY_COMPARE_WITH_TIMEOUT(g_controlLog.size(), 3, 2000);
        QCOMPARE(g_controlLog.at(1), QStringLiteral("main:fence {\"epoch\":2}"));
        QCOMPARE(g_controlLog.at(2),
                 QStringLiteral("main:follow {\"epoch\":2,\"primary\":\"%1\"}").arg(primary));
        QCOMPARE(m_main->state, QStringLiteral("catching_up"));

        // Standby but behind: no failback yet.
        m_main->state = QStringLiteral("standby");
        m_main->seq = 30;
        QTest::qWait(400);
        QCOMPARE(g_controlLog.size(), 3);
        QCOMPARE(m_proxy->activeUrl(), m_backup->url());

        // Caught up: fence backup, promote main, backup follows main. A request that comes
        // during the switch waits for it and goes to main.
        QSignalSpy switched(m_proxy.get(), &Proxy::activeChanged);
        m_main->promoteDelayMs = 300;
        m_main->seq = 40;
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->snapshot().phase, Proxy::Phase::FailingBack, 2000);
        RawClient during(port(), "GET /during HTTP/1.1\r\nHost: p\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->snapshot().requestsHeld, 1, 1000);
        QVERIFY(switched.wait(3000));
        const HttpResult held = during.wait(2000);
        QCOMPARE(held.status, 200);
        QCOMPARE(held.json().value(QStringLiteral("tracker")).toString(), QStringLiteral("main"));
        QCOMPARE(switched.constFirst().constFirst().toUrl(), m_main->url());
        QCOMPARE(g_controlLog.mid(3),
                 (QStringList{QStringLiteral("backup:fence {\"epoch\":2}"),
                              QStringLiteral("main:promote"),
                              QStringLiteral("backup:follow {\"epoch\":3,\"primary\":\"%1\"}")
                                  .arg(m_main->url().toString())}));
        QCOMPARE(m_main->state, QStringLiteral("active"));
        QCOMPARE(m_backup->state, QStringLiteral("catching_up"));
        QCOMPARE(m_proxy->snapshot().switchCount, 2u);
        const HttpResult answer = get(port(), "/files");
        QCOMPARE(answer.json().value(QStringLiteral("tracker")).toString(), QStringLiteral("main"));
    }

    void chunkedAndCloseDelimitedAnswers()
    {
        RawTracker raw;
        Proxy::Options o = options();
        o.mainUrl = raw.url();
        startProxy(o);
        QVERIFY(m_proxy->snapshot().main.reachable); // the chunked /health was understood
        for (const bool chunked : {true, false}) {
            raw.chunked = chunked;
            for (int i = 0; i < 3; ++i) {
                const HttpResult answer = get(port(), "/files");
                QCOMPARE(answer.status, 200);
                QCOMPARE(answer.json().value(QStringLiteral("role")).toString(),
                         QStringLiteral("main"));
                QVERIFY(answer.header("transfer-encoding").isEmpty());
            }
        }
        QCOMPARE(m_proxy->snapshot().requestsForwarded, 6u);

        // Half an answer, then the connection breaks: the tracker may have acted on the request,
        // so there is no retry, and the client gets a 503 rather than half a body.
        const HttpResult partial = post(port(), "/partial", "{}");
        QCOMPARE(partial.status, 503);
        QCOMPARE(
            partial.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")),
            QStringLiteral("unavailable"));
        QCOMPARE(m_proxy->snapshot().requestsRetried, 0u);
    }

    void wrongSecretMeansNoSwitch()
    {
        Proxy::Options o = options();
        o.secret = "wrong";
        startProxy(o);
        m_main->down();
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->snapshot().phase, Proxy::Phase::Unavailable, 2000);
        QVERIFY(g_controlLog.isEmpty()); // the backup refused the promotion (401)
        QCOMPARE(m_backup->state, QStringLiteral("standby"));
        QCOMPARE(m_proxy->activeUrl(), m_main->url());
        QCOMPARE(get(port(), "/files").status, 503);
    }

    void findsTheNewerEpochOnStart()
    {
        // The proxy restarts after a failover: the backup is active at a newer epoch, the old
        // main still thinks it is active.
        m_backup->state = QStringLiteral("active");
        m_backup->epoch = 5;
        startProxy();
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->activeUrl(), m_backup->url(), 2000);
        QTRY_COMPARE_WITH_TIMEOUT(m_main->state, QStringLiteral("catching_up"), 2000);
        QCOMPARE(g_controlLog.first(), QStringLiteral("main:fence {\"epoch\":5}"));
        QCOMPARE(get(port(), "/files").json().value(QStringLiteral("tracker")).toString(),
                 QStringLiteral("backup"));
    }

    void failbackAbortsWhenMainFallsBehind()
    {
        startProxy();
        failOver();
        m_backup->seq = 10;
        m_main->state = QStringLiteral("standby");
        m_main->epoch = 2;
        m_main->seq = 10;
        // A write lands on the backup just before the fence and main never gets it: the proxy
        // must not promote main, and the backup must take writes again.
        m_backup->seqAddedByFence = 1;
        QVERIFY(m_main->up());
        QTRY_VERIFY_WITH_TIMEOUT(
            g_controlLog.contains(QStringLiteral("backup:fence {\"epoch\":2}")), 2000);
        m_backup->seqAddedByFence = 0;
        QTRY_VERIFY_WITH_TIMEOUT(g_controlLog.size() >= 3, 3000);
        QCOMPARE(g_controlLog.at(2), QStringLiteral("backup:promote"));
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->snapshot().phase, Proxy::Phase::Normal, 1000);
        QCOMPARE(m_proxy->activeUrl(), m_backup->url());
        QCOMPARE(m_backup->state, QStringLiteral("active"));
        QVERIFY(!g_controlLog.contains(QStringLiteral("main:promote")));
        // Main, a standby of the backup's old epoch, is told to follow the new one.
        QTRY_COMPARE_WITH_TIMEOUT(g_controlLog.size(), 4, 2000);
        QCOMPARE(g_controlLog.at(3), QStringLiteral("main:follow {\"epoch\":3,\"primary\":\"%1\"}")
                                         .arg(m_backup->url().toString()));
        QCOMPARE(m_proxy->snapshot().switchCount, 1u);
    }

    void webSocketRelayedAndClosedOnFailover()
    {
        startProxy();
        QWebSocket client;
        QSignalSpy connected(&client, &QWebSocket::connected);
        QSignalSpy messages(&client, &QWebSocket::textMessageReceived);
        QSignalSpy closed(&client, &QWebSocket::disconnected);
        client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/live?token=abc%20d").arg(port())));
        QVERIFY(connected.wait(2000));
        client.sendTextMessage(QStringLiteral("hello"));
        QVERIFY(messages.wait(2000));
        QCOMPARE(messages.constFirst().constFirst().toString(), QStringLiteral("main:hello"));
        QCOMPARE(m_main->wsQuery, QByteArray("token=abc%20d"));
        QCOMPARE(m_main->wsForwardedFor, QByteArray("127.0.0.1"));
        m_main->pushToAll(QStringLiteral("peer_joined"));
        QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 2, 2000);
        QCOMPARE(messages.at(1).constFirst().toString(), QStringLiteral("peer_joined"));
        QCOMPARE(m_proxy->snapshot().webSockets, 1);

        // Main stays up but fails its probes: the proxy closes the relayed connection itself.
        QSignalSpy switched(m_proxy.get(), &Proxy::activeChanged);
        m_main->healthStatus = 503;
        QVERIFY(switched.wait(3000));
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 2000);
        QCOMPARE(client.closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->snapshot().webSockets, 0, 2000);

        // Reconnecting reaches the backup.
        QWebSocket again;
        QSignalSpy againConnected(&again, &QWebSocket::connected);
        QSignalSpy againMessages(&again, &QWebSocket::textMessageReceived);
        again.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/live?token=t").arg(port())));
        QVERIFY2(againConnected.wait(2000), qPrintable(again.errorString()));
        again.sendTextMessage(QStringLiteral("hi"));
        QVERIFY(againMessages.wait(2000));
        QCOMPARE(againMessages.constFirst().constFirst().toString(), QStringLiteral("backup:hi"));
    }
};

QTEST_GUILESS_MAIN(TestProxy)
#include "tst_proxy.moc"
