// SPDX-License-Identifier: GPL-3.0-or-later
// TrackerClient's decisions against scripted loopback servers: failover, timeouts, backoff
// bounds, Retry-After, answer size bounds, the token, automatic heartbeats. The real tracker
// is exercised in tests/integration.
#include "config/config.h"
#include "core/tracker_client/scriptedserver.h"
#include "support/awaitreply.h"
#include "tracker_client/trackerclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::trackerclient;
using swarmshare::test::awaitReply;
using swarmshare::test::describe;
using swarmshare::test::ScriptedServer;

namespace {

const QByteArray kHealth = R"({"role":"main","state":"active","epoch":1,"seq":0})";
const QByteArray kPeer = QByteArray::fromHex("0102030405060708090a0b0c0d0e0f1011121314");
const QByteArray kHash = QByteArray::fromHex("00112233445566778899aabbccddeeff00112233");

TrackerClient::Options options(const QList<QUrl>& urls, int timeoutMs = 5000)
{
    TrackerClient::Options o;
    o.urls = urls;
    o.requestTimeoutMs = timeoutMs;
    o.retry.rounds = 2;
    o.retry.initialBackoffMs = 10;
    o.retry.maxBackoffMs = 20;
    o.retry.maxRetryAfterMs = 2000;
    return o;
}

QUrl closedPortUrl()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
}

Reply<Health> health(TrackerClient& client)
{
    return awaitReply<Health>([&](auto done) { client.health(done); });
}

} // namespace

class TestTrackerClient : public QObject {
    Q_OBJECT

private slots:
    void optionsComeFromTheConfig()
    {
        Config config;
        config.tracker.urls = {QStringLiteral("http://proxy:7000"),
                               QStringLiteral("http://m:7070")};
        config.tracker.requestTimeoutMs = 1234;
        const TrackerClient::Options o = TrackerClient::Options::fromConfig(config);
        QCOMPARE(o.urls, (QList<QUrl>{QUrl(QStringLiteral("http://proxy:7000")),
                                      QUrl(QStringLiteral("http://m:7070"))}));
        QCOMPARE(o.requestTimeoutMs, 1234);
    }

    void failsOverOnServerErrorsAndRemembersTheWorkingUrl()
    {
        ScriptedServer first;
        ScriptedServer second;
        first.setScript({ScriptedServer::error(503, "unavailable")});
        second.setScript({ScriptedServer::json(200, kHealth)});
        TrackerClient client(options({first.url(), second.url()}));
        QSignalSpy moved(&client, &TrackerClient::currentUrlChanged);

        const Reply<Health> reply = health(client);
        QVERIFY2(reply, describe(reply));
        QCOMPARE(reply->role, QStringLiteral("main"));
        QCOMPARE(first.requests(), 1);
        QCOMPARE(client.endpoints().preferred(), 1);
        QCOMPARE(moved.size(), 1);
        QCOMPARE(moved.first().first().toUrl(), second.url());

        QVERIFY(health(client)); // straight to the one that works
        QCOMPARE(first.requests(), 1);
        QCOMPARE(second.requests(), 2);
    }

    void failsOverWhenAnAttemptTimesOut()
    {
        ScriptedServer silent;
        ScriptedServer second;
        silent.setScript({ScriptedServer::hang()});
        second.setScript({ScriptedServer::json(200, kHealth)});
        TrackerClient client(options({silent.url(), second.url()}, 300));
        const Reply<Health> reply = health(client);
        QVERIFY2(reply, describe(reply));
        QCOMPARE(silent.requests(), 1);
    }

    void failsOverFromAClosedPort()
    {
        ScriptedServer second;
        second.setScript({ScriptedServer::json(200, kHealth)});
        TrackerClient client(options({closedPortUrl(), second.url()}));
        const Reply<Health> reply = health(client);
        QVERIFY2(reply, describe(reply));
        QCOMPARE(client.currentUrl(), second.url());
    }

    void givesUpAfterTheConfiguredRounds()
    {
        ScriptedServer first;
        ScriptedServer second;
        first.setScript({ScriptedServer::error(503, "unavailable")});
        second.setScript({ScriptedServer::error(502, "bad_gateway")});
        TrackerClient client(options({first.url(), second.url()}));
        const Reply<Health> reply = health(client);
        QVERIFY(!reply);
        QCOMPARE(reply.status(), 502); // the last answer decides
        QCOMPARE(reply.error().code, QStringLiteral("bad_gateway"));
        QCOMPARE(first.requests(), 2); // two rounds over both
        QCOMPARE(second.requests(), 2);
    }

    void unreachableTrackersAreUnavailable()
    {
        TrackerClient client(options({closedPortUrl(), closedPortUrl()}));
        const Reply<Health> reply = health(client);
        QVERIFY(!reply);
        QCOMPARE(reply.error().code, QStringLiteral("unavailable"));
        QCOMPARE(reply.status(), 0);
        QVERIFY(!reply.error().message.isEmpty());
    }

    void noUrlsIsUnavailable()
    {
        TrackerClient client(options({}));
        const Reply<Health> reply = health(client);
        QCOMPARE(reply.error().code, QStringLiteral("unavailable"));
    }

    void waitsOutRetryAfterOnTheSameUrl()
    {
        ScriptedServer first;
        ScriptedServer second;
        first.setScript({ScriptedServer::error(429, "rate_limited", "Retry-After: 1\r\n"),
                         ScriptedServer::json(200, kHealth)});
        TrackerClient client(options({first.url(), second.url()}));
        const Reply<Health> reply = health(client);
        QVERIFY2(reply, describe(reply));
        QCOMPARE(first.requests(), 2);
        QCOMPARE(second.requests(), 0); // a busy tracker is not a dead one
    }

    void aLongRetryAfterReachesTheCaller()
    {
        ScriptedServer first;
        first.setScript({ScriptedServer::error(429, "rate_limited", "Retry-After: 60\r\n")});
        TrackerClient client(options({first.url()}));
        const Reply<Health> reply = health(client);
        QVERIFY(!reply);
        QCOMPARE(reply.status(), 429);
        QCOMPARE(reply.error().code, QStringLiteral("rate_limited"));
        QCOMPARE(first.requests(), 1);
    }

    void clientErrorsAreFinal()
    {
        ScriptedServer first;
        ScriptedServer second;
        first.setScript({ScriptedServer::error(404, "unknown_peer")});
        TrackerClient client(options({first.url(), second.url()}));
        const Reply<HeartbeatResult> reply = awaitReply<HeartbeatResult>([&](auto done) {
            client.heartbeat({kPeer, {}, 0, 0}, done);
        });
        QVERIFY(!reply);
        QCOMPARE(reply.status(), 404);
        QCOMPARE(reply.error().code, QStringLiteral("unknown_peer"));
        QCOMPARE(second.requests(), 0);
    }

    void oversizedAnswersAreCutOff_data()
    {
        QTest::addColumn<bool>("declared");
        QTest::newRow("Content-Length") << true;
        QTest::newRow("streamed") << false;
    }

    void oversizedAnswersAreCutOff()
    {
        QFETCH(bool, declared);
        const QByteArray body(kMaxJsonBytes + 1024, ' ');
        ScriptedServer server;
        server.setScript(
            {{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
                  (declared ? "Content-Length: " + QByteArray::number(body.size()) + "\r\n"
                            : QByteArray("Connection: close\r\n")) +
                  "\r\n" + body,
              false}});
        TrackerClient client(options({server.url()}));
        const Reply<Health> reply = health(client);
        QVERIFY(!reply);
        QCOMPARE(reply.error().code, QStringLiteral("too_large"));
    }

    void malformedAnswersAreInvalidResponses()
    {
        ScriptedServer server;
        server.setScript({ScriptedServer::json(200, "<html>hello</html>")});
        TrackerClient client(options({server.url()}));
        const Reply<Health> reply = health(client);
        QCOMPARE(reply.error().code, QStringLiteral("invalid_response"));
        QCOMPARE(reply.status(), 200);
    }

    void redirectsAreNotFollowed()
    {
        ScriptedServer elsewhere;
        ScriptedServer server;
        server.setScript({{"HTTP/1.1 302 Found\r\nLocation: " + elsewhere.url().toEncoded() +
                               "/health\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                           false}});
        TrackerClient client(options({server.url()}));
        client.setToken("secret");
        const Reply<Health> reply = health(client);
        QVERIFY(!reply);
        QCOMPARE(reply.status(), 302);
        QCOMPARE(elsewhere.requests(), 0);
    }

    void loginKeepsTheTokenForLaterCalls()
    {
        ScriptedServer server;
        server.setScript(
            {ScriptedServer::json(
                 200, R"({"token":"tok_1","expires_at":"2030-01-01T00:00:00Z","username":"ana"})"),
             ScriptedServer::json(200, R"({"heartbeat_interval":30})")});
        TrackerClient client(options({server.url()}));
        QSignalSpy tokenChanged(&client, &TrackerClient::tokenChanged);
        const Reply<Session> session = awaitReply<Session>(
            [&](auto done) { client.login(QStringLiteral("ana"), QStringLiteral("pw"), done); });
        QVERIFY2(session, describe(session));
        QCOMPARE(client.token(), QByteArray("tok_1"));
        QCOMPARE(tokenChanged.size(), 1);
        QVERIFY(!server.received()[0].head.toLower().contains("authorization"));
        QCOMPARE(QJsonDocument::fromJson(server.received()[0].body).object(),
                 (QJsonObject{{QStringLiteral("username"), QStringLiteral("ana")},
                              {QStringLiteral("password"), QStringLiteral("pw")}}));

        QVERIFY(awaitReply<HeartbeatResult>([&](auto done) {
            client.heartbeat({kPeer, {}, 0, 0}, done);
        }));
        QVERIFY(server.received()[1].hasHeader("Authorization: Bearer tok_1"));
        QVERIFY(server.received()[1].hasHeader("Content-Type: application/json"));
    }

    void unauthenticatedAnswersAskForALogin()
    {
        ScriptedServer server;
        server.setScript({ScriptedServer::error(401, "unauthenticated")});
        TrackerClient client(options({server.url()}));
        QSignalSpy required(&client, &TrackerClient::authenticationRequired);
        const Reply<int> reply = awaitReply<int>([&](auto done) {
            client.completeTransfer({kPeer, kHash, {1}, 0}, done);
        });
        QCOMPARE(reply.error().code, QStringLiteral("unauthenticated"));
        QCOMPARE(required.size(), 1);
    }

    void logoutForgetsTheToken()
    {
        ScriptedServer server;
        server.setScript({{"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", false}});
        TrackerClient client(options({server.url()}));
        client.setToken("tok");
        const Reply<void> reply = awaitReply<void>([&](auto done) { client.logout(done); });
        QVERIFY2(reply, describe(reply));
        QVERIFY(client.token().isEmpty());
        QVERIFY(server.received()[0].hasHeader("Authorization: Bearer tok"));
    }

    void searchTextIsPercentEncoded()
    {
        ScriptedServer server;
        server.setScript({ScriptedServer::json(200, "[]")});
        TrackerClient client(options({server.url()}));
        const Reply<QList<FileSummary>> reply = awaitReply<QList<FileSummary>>([&](auto done) {
            client.searchFiles({QStringLiteral("a+b&c=đ"), 5, 10}, done);
        });
        QVERIFY2(reply, describe(reply));
        QCOMPARE(server.received()[0].path(),
                 QByteArray("/files?q=a%2Bb%26c%3D%C4%91&limit=5&offset=10"));
    }

    void metainfoIsReturnedAsBytes()
    {
        ScriptedServer server;
        const QByteArray torrent("d4:infod4:name1:aee\x00\xff", 21);
        server.setScript({{"HTTP/1.1 200 OK\r\nContent-Type: application/x-bittorrent\r\n"
                           "Connection: close\r\nContent-Length: 21\r\n\r\n" +
                               torrent,
                           false}});
        TrackerClient client(options({server.url()}));
        const Reply<QByteArray> reply =
            awaitReply<QByteArray>([&](auto done) { client.downloadMetainfo(kHash, done); });
        QVERIFY2(reply, describe(reply));
        QCOMPARE(*reply, torrent);
        QCOMPARE(server.received()[0].path(),
                 QByteArray("/files/00112233445566778899aabbccddeeff00112233/metainfo"));
    }

    void callbacksDoNotOutliveTheClient()
    {
        ScriptedServer server;
        server.setScript({ScriptedServer::hang()});
        auto* client = new TrackerClient(options({server.url()}));
        bool called = false;
        client->health([&called](const Reply<Health>&) { called = true; });
        QTRY_COMPARE(server.requests(), 1);
        delete client;
        QCoreApplication::processEvents();
        QVERIFY(!called);
    }

    void heartbeatsKeepGoingAndReregisterAnUnknownPeer()
    {
        ScriptedServer server;
        server.setScript({ScriptedServer::json(200, R"({"heartbeat_interval":1,"lease_ttl":2})"),
                          ScriptedServer::error(404, "unknown_peer"),
                          ScriptedServer::json(200, R"({"heartbeat_interval":1,"lease_ttl":2})"),
                          ScriptedServer::json(200, R"({"heartbeat_interval":1})")});
        TrackerClient client(options({server.url()}));
        QSignalSpy reregistering(&client, &TrackerClient::reregistering);
        QSignalSpy beats(&client, &TrackerClient::heartbeatSucceeded);
        PeerRegistration registration{kPeer, 6881, 2, {}};
        registration.files.append(
            {kHash, QStringLiteral("a"), 40000, 16384, 3, false, QByteArray("\x80", 1), {}});
        QVERIFY(awaitReply<RegisterResult>(
            [&](auto done) { client.registerPeer(registration, done); }));
        client.noteComplete(kHash); // finished before the first heartbeat

        QTRY_VERIFY_WITH_TIMEOUT(beats.size() >= 1, 10000);
        QCOMPARE(reregistering.size(), 1);
        const QList<ScriptedServer::Request>& seen = server.received();
        QCOMPARE(seen[0].path(), QByteArray("/register"));
        QCOMPARE(seen[1].path(), QByteArray("/heartbeat"));
        QCOMPARE(seen[2].path(), QByteArray("/register"));
        QCOMPARE(seen[3].path(), QByteArray("/heartbeat"));
        const QJsonObject beat = QJsonDocument::fromJson(seen[1].body).object();
        QCOMPARE(beat.value(QStringLiteral("have_changes")).toArray().size(), 1);

        // Registered again as the same peer, with the finished file now complete.
        QJsonObject before = QJsonDocument::fromJson(seen[0].body).object();
        const QJsonObject again = QJsonDocument::fromJson(seen[2].body).object();
        QJsonArray files = before.value(QStringLiteral("files")).toArray();
        QJsonObject file = files[0].toObject();
        file.insert(QStringLiteral("complete"), true);
        file.remove(QStringLiteral("have"));
        files[0] = file;
        before.insert(QStringLiteral("files"), files);
        QCOMPARE(again, before);
        // Reported once: the next heartbeat has nothing new.
        QVERIFY(!QJsonDocument::fromJson(seen[3].body)
                     .object()
                     .contains(QStringLiteral("have_changes")));
    }
};

QTEST_GUILESS_MAIN(TestTrackerClient)
#include "tst_trackerclient.moc"
