// SPDX-License-Identifier: GPL-3.0-or-later
// Bad input over raw HTTP: every malformed request gets the documented JSON error and status
// (never a 500), and the tracker stays up.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>

using namespace swarmshare;
using namespace swarmshare::test;

namespace {

struct RawResponse {
    int status = 0;
    QByteArray head;
    QByteArray body;
    QString code() const
    {
        return QJsonDocument::fromJson(body)
            .object()
            .value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    }
};

// Sends `bytes` as they are and reads the answer until the tracker closes (the requests ask
// for `Connection: close`). The tracker is another process, so blocking here is fine.
RawResponse exchange(quint16 port, const QByteArray& bytes)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    RawResponse response;
    if (!socket.waitForConnected(5000))
        return response;
    socket.write(bytes);
    QByteArray data;
    for (int i = 0; i < 100 && socket.state() == QAbstractSocket::ConnectedState; ++i) {
        socket.waitForReadyRead(100);
        data += socket.readAll();
    }
    data += socket.readAll();
    const qsizetype end = data.indexOf("\r\n\r\n");
    response.head = data.left(end);
    response.body = end < 0 ? QByteArray() : data.mid(end + 4);
    response.status = data.mid(9, 3).toInt();
    return response;
}

QByteArray request(const QByteArray& method, const QByteArray& target, const QByteArray& body,
                   const QByteArray& authorization = {})
{
    QByteArray bytes =
        method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "Connection: close\r\n";
    if (!authorization.isEmpty())
        bytes += "Authorization: " + authorization + "\r\n";
    if (!body.isEmpty() || method == "POST")
        bytes +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\n";
    return bytes + "\r\n" + body;
}

const QByteArray kHash = "00112233445566778899aabbccddeeff00112233";

QByteArray file(const QByteArray& fields)
{
    return "{\"info_hash\":\"" + kHash + "\",\"name\":\"f\",\"size\":40000," + fields + "}";
}

} // namespace

class TestTrackerBadInput : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;
    QByteArray m_bearer;
    QByteArray m_peer; // hex id of a registered peer

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tracker = std::make_unique<TrackerProcess>(m_dir.path());
        const QString problem = m_tracker->start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        auto client = makeClient({m_tracker->url()});
        QVERIFY(signUp(*client, QStringLiteral("mallory")).isEmpty());
        m_bearer = "Bearer " + client->token();
        const QByteArray id = randomId();
        m_peer = id.toHex();
        QVERIFY(
            registerPeer(*client, id, 6881, 1,
                         {sharedFile(QByteArray::fromHex(kHash), QStringLiteral("f"), 3, true)}));
        client->forgetRegistration();
    }

    void cleanupTestCase()
    {
        if (m_tracker)
            QVERIFY2(m_tracker->stop(), m_tracker->errorOutput().constData());
    }

    void badRequestsGetTheDocumentedErrors_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QByteArray>("message"); // a part of the message

        const QString invalid = QStringLiteral("invalid_argument");
        const QString unauthenticated = QStringLiteral("unauthenticated");
        const auto post = [this](const QByteArray& path, const QByteArray& body) {
            return request("POST", path, body, m_bearer);
        };
        const QByteArray peer = "\"peer_id\":\"" + m_peer + "\"";
        const QByteArray pieces = R"("piece_length":16384,"piece_count":3)";

        // Accounts
        QTest::newRow("malformed JSON") << request("POST", "/auth/register", "{\"username\":")
                                        << 400 << invalid << QByteArray("not valid JSON");
        QTest::newRow("JSON array") << request("POST", "/auth/login", "[1,2]") << 400 << invalid
                                    << QByteArray("must be a JSON object");
        QTest::newRow("deep nesting") << request("POST", "/auth/login", QByteArray(5000, '['))
                                      << 400 << invalid << QByteArray("not valid JSON");
        QTest::newRow("name of the wrong type")
            << request("POST", "/auth/register", R"({"username":5,"password":"long enough"})")
            << 400 << invalid << QByteArray("username: expected a string, got a number");
        QTest::newRow("missing password")
            << request("POST", "/auth/login", R"({"username":"mallory"})") << 400 << invalid
            << QByteArray("password: missing");
        QTest::newRow("logout without a token")
            << request("POST", "/auth/logout", {}) << 401 << unauthenticated << QByteArray();

        // Tokens
        QTest::newRow("no token") << request("POST", "/register", "{}") << 401 << unauthenticated
                                  << QByteArray("Bearer");
        QTest::newRow("wrong token")
            << request("POST", "/register", "{}", "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") << 401
            << unauthenticated << QByteArray();
        QTest::newRow("basic auth") << request("POST", "/register", "{}", "Basic bWFsOmxvcnk=")
                                    << 401 << unauthenticated << QByteArray();

        // /register
        QTest::newRow("bad peer id")
            << post("/register", R"({"peer_id":"xyz","port":6881,"files":[]})") << 400 << invalid
            << QByteArray("peer_id: expected 40 hexadecimal digits");
        QTest::newRow("port 0") << post("/register", "{" + peer + R"(,"port":0,"files":[]})") << 400
                                << invalid << QByteArray("port: must be from 1 to 65535");
        QTest::newRow("port 70000")
            << post("/register", "{" + peer + R"(,"port":70000,"files":[]})") << 400 << invalid
            << QByteArray("port: must be from 1 to 65535");
        QTest::newRow("port as text")
            << post("/register", "{" + peer + R"(,"port":"6881","files":[]})") << 400 << invalid
            << QByteArray("port: expected an integer, got a string");
        QTest::newRow("fractional port")
            << post("/register", "{" + peer + R"(,"port":1.5,"files":[]})") << 400 << invalid
            << QByteArray("port: expected an integer");
        QTest::newRow("absurd port")
            << post("/register", "{" + peer + R"(,"port":1e300,"files":[]})") << 400 << invalid
            << QByteArray("port: expected an integer");
        QTest::newRow("zero upload slots")
            << post("/register", "{" + peer + R"(,"port":1,"upload_slots":0,"files":[]})") << 400
            << invalid << QByteArray("upload_slots");
        QTest::newRow("files missing") << post("/register", "{" + peer + R"(,"port":1})") << 400
                                       << invalid << QByteArray("files: missing");
        QTest::newRow("files not a list")
            << post("/register", "{" + peer + R"(,"port":1,"files":{}})") << 400 << invalid
            << QByteArray("files: expected an array, got an object");
        QTest::newRow("file not an object")
            << post("/register", "{" + peer + R"(,"port":1,"files":[7]})") << 400 << invalid
            << QByteArray("files[0]: expected an object");
        QTest::newRow("bad info hash")
            << post(
                   "/register",
                   "{" + peer +
                       R"(,"port":1,"files":[{"info_hash":"00112233445566778899aabbccddeeff0011223g","name":"f","size":1,"piece_length":16384,"piece_count":1}]})")
            << 400 << invalid << QByteArray("files[0].info_hash: expected 40 hexadecimal digits");
        QTest::newRow("piece length not a power of two")
            << post("/register", "{" + peer + R"(,"port":1,"files":[)" +
                                     file(R"("piece_length":20000,"piece_count":2)") + "]}")
            << 400 << invalid << QByteArray("power of two");
        QTest::newRow("piece count that does not fit")
            << post("/register", "{" + peer + R"(,"port":1,"files":[)" +
                                     file(R"("piece_length":16384,"piece_count":9)") + "]}")
            << 400 << invalid << QByteArray("piece_count 9 does not fit");
        QTest::newRow("have of the wrong size")
            << post("/register", "{" + peer + R"(,"port":1,"files":[)" +
                                     file(pieces + R"(,"have":"AAAA")") + "]}")
            << 400 << invalid << QByteArray("have");
        QTest::newRow("have with spare bits")
            << post("/register", "{" + peer + R"(,"port":1,"files":[)" +
                                     file(pieces + R"(,"have":"/w==")") + "]}")
            << 400 << invalid << QByteArray("spare bits zero");
        QTest::newRow("metainfo not base64")
            << post("/register", "{" + peer + R"(,"port":1,"files":[)" +
                                     file(pieces + R"(,"complete":true,"metainfo":"***")") + "]}")
            << 400 << invalid << QByteArray("not valid base64");
        QTest::newRow("metainfo not a torrent")
            << post("/register", "{" + peer + R"(,"port":1,"files":[)" +
                                     file(pieces + R"(,"complete":true,"metainfo":"aGVsbG8=")") +
                                     "]}")
            << 400 << invalid << QByteArray("metainfo: ");

        // Peer calls
        QTest::newRow("heartbeat of an unknown peer")
            << post("/heartbeat", R"({"peer_id":"ffffffffffffffffffffffffffffffffffffffff"})")
            << 404 << QStringLiteral("unknown_peer") << QByteArray("register again");
        QTest::newRow("n = 0") << post("/get_n_file_idle_peers",
                                       "{" + peer + ",\"info_hash\":\"" + kHash + "\",\"n\":0}")
                               << 400 << invalid << QByteArray("n: must be from 1 to 200");
        QTest::newRow("absurd n") << post("/get_n_file_idle_peers",
                                          "{" + peer + ",\"info_hash\":\"" + kHash +
                                              "\",\"n\":1000000000000}")
                                  << 400 << invalid << QByteArray("n: must be from 1 to 200");
        QTest::newRow("negative n")
            << post("/get_n_file_idle_peers",
                    "{" + peer + ",\"info_hash\":\"" + kHash + "\",\"n\":-3}")
            << 400 << invalid << QByteArray("n: must be from 1 to 200");
        QTest::newRow("lease ids of the wrong type")
            << post("/complete_transfer",
                    "{" + peer + ",\"info_hash\":\"" + kHash + "\",\"lease_ids\":[\"1\"]}")
            << 400 << invalid << QByteArray("lease_ids[0]: expected a positive integer");
        QTest::newRow("negative bytes")
            << post("/complete_transfer",
                    "{" + peer + ",\"info_hash\":\"" + kHash + "\",\"lease_ids\":[],\"bytes\":-1}")
            << 400 << invalid << QByteArray("bytes");

        // Files
        QTest::newRow("hash not hex") << request("GET", "/files/not-a-hash", {}) << 404
                                      << QStringLiteral("not_found") << QByteArray();
        QTest::newRow("unknown sub-resource") << request("GET", "/files/" + kHash + "/peers", {})
                                              << 404 << QStringLiteral("not_found") << QByteArray();
        QTest::newRow("limit 0") << request("GET", "/files?limit=0", {}) << 400 << invalid
                                 << QByteArray("limit must be an integer from 1 to 1000");
        QTest::newRow("limit not a number")
            << request("GET", "/files?limit=ten", {}) << 400 << invalid << QByteArray("limit");
        QTest::newRow("query too long") << request("GET", "/files?q=" + QByteArray(300, 'a'), {})
                                        << 400 << invalid << QByteArray("q: at most 256");

        // HTTP itself
        QTest::newRow("wrong method") << request("GET", "/register", {}) << 405
                                      << QStringLiteral("method_not_allowed") << QByteArray("POST");
        QTest::newRow("unknown path")
            << request("GET", "/nope", {}) << 404 << QStringLiteral("not_found") << QByteArray();
        QTest::newRow("body over 1 MiB")
            << QByteArray("POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                          "\r\nContent-Length: 2000000\r\n\r\n{")
            << 413 << QStringLiteral("too_large") << QByteArray();
        QTest::newRow("head over 8 KiB") << request("GET", "/health?" + QByteArray(9000, 'x'), {})
                                         << 431 << QStringLiteral("too_large") << QByteArray();
        QTest::newRow("not HTTP") << QByteArray("HELLO THERE\r\n\r\n") << 400 << invalid
                                  << QByteArray("malformed HTTP request");
    }

    void badRequestsGetTheDocumentedErrors()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QByteArray, message);
        const RawResponse response = exchange(m_tracker->port(), bytes);
        QVERIFY2(response.status == status, response.head + "\n" + response.body);
        QVERIFY2(response.head.toLower().contains("content-type: application/json"),
                 response.head.constData());
        QCOMPARE(response.code(), code);
        QVERIFY2(response.body.contains(message), response.body.constData());
    }

    void wrongMethodNamesTheAllowedOne()
    {
        const RawResponse response = exchange(m_tracker->port(), request("GET", "/heartbeat", {}));
        QCOMPARE(response.status, 405);
        QVERIFY2(response.head.contains("\r\nAllow: POST"), response.head.constData());
    }

    void logoutAnswersABare204()
    {
        auto client = makeClient({m_tracker->url()});
        QVERIFY(signUp(*client, QStringLiteral("brief")).isEmpty());
        const RawResponse response = exchange(
            m_tracker->port(), request("POST", "/auth/logout", {}, "Bearer " + client->token()));
        QCOMPARE(response.status, 204);
        QVERIFY2(!response.head.toLower().contains("content-length"), response.head.constData());
        QVERIFY2(!response.head.toLower().contains("content-type"), response.head.constData());
        QVERIFY(response.body.isEmpty());
    }

    void rateLimitAnswersCarryRetryAfter()
    {
        // The login throttle is the one limit a test can reach without a special config.
        for (int i = 0; i < 6; ++i)
            exchange(m_tracker->port(), request("POST", "/auth/login",
                                                R"({"username":"mallory","password":"nope!"})"));
        const RawResponse response =
            exchange(m_tracker->port(), request("POST", "/auth/login",
                                                R"({"username":"mallory","password":"nope!"})"));
        QCOMPARE(response.status, 429);
        QCOMPARE(response.code(), QStringLiteral("rate_limited"));
        QVERIFY2(response.head.contains("\r\nRetry-After: "), response.head.constData());
    }

    void announceErrorsAreBencoded()
    {
        const RawResponse response = exchange(m_tracker->port(), request("GET", "/announce", {}));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("d14:failure reason26:info_hash must be 20 bytese"));
    }

    void theTrackerIsStillUp()
    {
        QVERIFY(m_tracker->isRunning());
        const RawResponse response = exchange(m_tracker->port(), request("GET", "/health", {}));
        QCOMPARE(response.status, 200);
        QVERIFY(response.body.contains("\"state\":\"active\""));
    }
};

QTEST_GUILESS_MAIN(TestTrackerBadInput)
#include "tst_trackerbadinput.moc"
