// SPDX-License-Identifier: GPL-3.0-or-later
// The standard HTTP tracker protocol (BEP 3/7/12/23): announce URL encoding, strict decoding of
// answers, and the Announcer's tier walking, events and stop against scripted loopback servers
// and against a real `swarmshare --tracker` process.
#include "bencode/encoder.h"
#include "core/tracker_client/scriptedserver.h"
#include "integration/trackerprocess.h"
#include "tracker_client/announce.h"
#include "tracker_client/announcer.h"
#include "tracker_client/messages.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <memory>

using namespace swarmshare;
using namespace swarmshare::trackerclient;
using bencode::Value;
using swarmshare::test::ScriptedServer;

namespace {

// Bytes that a careless encoder mangles: NUL, space, '%', '&', '+', '=', '?', '#', '/', the
// unreserved ones that must stay literal, DEL and high bytes.
const QByteArray kHash("\x00\x01 %&+=?#/~-._Az0\x7f\x80\xff", 20);
const QByteArray kPeerId("-SW0100-abcdefghijkl");

QString text(const char* s)
{
    return QString::fromLatin1(s);
}

QByteArray compactV4(const char* address, quint16 port)
{
    QByteArray bytes(6, '\0');
    auto* data = reinterpret_cast<uchar*>(bytes.data());
    qToBigEndian(QHostAddress(text(address)).toIPv4Address(), data);
    qToBigEndian(port, data + 4);
    return bytes;
}

QByteArray compactV6(const char* address, quint16 port)
{
    QByteArray bytes(18, '\0');
    const Q_IPV6ADDR raw = QHostAddress(text(address)).toIPv6Address();
    std::copy(std::begin(raw.c), std::end(raw.c), bytes.begin());
    qToBigEndian(port, reinterpret_cast<uchar*>(bytes.data()) + 16);
    return bytes;
}

QByteArray answerBody(QByteArray peers, qint64 interval = 1800)
{
    return bencode::encode(
        Value(Value::Dict{{"interval", Value(interval)}, {"peers", Value(std::move(peers))}}));
}

ScriptedServer::Answer bencoded(const QByteArray& body, int status = 200)
{
    return {"HTTP/1.1 " + QByteArray::number(status) +
                " X\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
                QByteArray::number(body.size()) + "\r\n\r\n" + body,
            false};
}

ScriptedServer::Answer peersAnswer(const QByteArray& compact)
{
    return bencoded(answerBody(compact));
}

// The decoded query of a request the server received, split by hand (QUrlQuery would
// re-encode the binary values).
QHash<QByteArray, QByteArray> queryOf(const ScriptedServer::Request& request)
{
    QHash<QByteArray, QByteArray> items;
    const QByteArray path = request.path();
    const qsizetype question = path.indexOf('?');
    if (question < 0)
        return items;
    for (const QByteArray& item : path.mid(question + 1).split('&')) {
        const qsizetype equals = item.indexOf('=');
        items.insert(item.left(equals), QByteArray::fromPercentEncoding(item.mid(equals + 1)));
    }
    return items;
}

QByteArray eventOf(const ScriptedServer::Request& request)
{
    return queryOf(request).value("event");
}

QString announceUrlOf(const ScriptedServer& server)
{
    return server.url().toString() + QStringLiteral("/announce");
}

QString closedPortUrl()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return QStringLiteral("http://127.0.0.1:%1/announce").arg(server.serverPort());
}

Announcer::StatsProvider stats(quint16 port, qint64 left = 1000, QByteArray peerId = kPeerId,
                               QByteArray hash = kHash)
{
    return [=] {
        AnnounceRequest request;
        request.infoHash = hash;
        request.peerId = peerId;
        request.port = port;
        request.left = left;
        request.uploaded = 7;
        request.downloaded = 9;
        return request;
    };
}

// An announcer with test-sized waits.
std::unique_ptr<Announcer> announcer(QList<QStringList> tiers, quint16 port = 6881,
                                     qint64 left = 1000)
{
    auto a = std::make_unique<Announcer>(std::move(tiers), stats(port, left));
    a->setRequestTimeoutMs(400);
    a->setRetryBackoffMs(50, 100);
    a->setMinimumAnnounceGapMs(0);
    return a;
}

} // namespace

class TestAnnounce : public QObject {
    Q_OBJECT

private slots:
    // --- announceUrl -----------------------------------------------------------------------
    void urlEncodesBinaryBytesExactlyAndKeepsTheQuery()
    {
        AnnounceRequest request;
        request.infoHash = kHash;
        request.peerId = kPeerId;
        request.port = 6881;
        request.uploaded = 1;
        request.downloaded = 2;
        request.left = 3;
        request.event = AnnounceEvent::Started;
        request.numWant = 80;
        request.key = "a1b2";
        const QUrl url =
            announceUrl(QUrl(QStringLiteral("http://t.example:8080/announce?passkey=a%2Fb#frag")),
                        request, QByteArray("id 1"));
        QCOMPARE(url.toEncoded(),
                 QByteArray("http://t.example:8080/announce?passkey=a%2Fb"
                            "&info_hash=%00%01%20%25%26%2B%3D%3F%23%2F~-._Az0%7F%80%FF"
                            "&peer_id=-SW0100-abcdefghijkl&port=6881&uploaded=1&downloaded=2"
                            "&left=3&compact=1&no_peer_id=1&event=started&numwant=80&key=a1b2"
                            "&trackerid=id%201"));
    }

    void urlRoundTripsEveryByteValue()
    {
        for (int first = 0; first < 256; first += 20) {
            QByteArray hash(20, '\0');
            for (int i = 0; i < 20; ++i)
                hash[i] = char((first + i) % 256);
            AnnounceRequest request;
            request.infoHash = hash;
            request.peerId = kPeerId;
            const QUrl url = QUrl::fromEncoded(
                announceUrl(QUrl(QStringLiteral("http://t/announce")), request).toEncoded(),
                QUrl::StrictMode);
            ScriptedServer::Request received{
                "GET " + url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority) +
                    " HTTP/1.1\r\n",
                {}};
            QCOMPARE(queryOf(received).value("info_hash"), hash);
        }
    }

    void urlOmitsEventNoneAndEmptyOptionals()
    {
        AnnounceRequest request;
        request.infoHash = kHash;
        request.peerId = kPeerId;
        request.port = 1;
        const QByteArray query =
            announceUrl(QUrl(QStringLiteral("https://t/announce")), request).toEncoded();
        QVERIFY(!query.contains("event="));
        QVERIFY(!query.contains("key="));
        QVERIFY(!query.contains("trackerid="));
        QVERIFY(query.startsWith("https://t/announce?info_hash="));
        QVERIFY(query.endsWith("&compact=1&no_peer_id=1&numwant=50"));
    }

    // --- decodeAnnounce --------------------------------------------------------------------
    void decodesCompactPeers()
    {
        const QByteArray peers = compactV4("127.0.0.1", 6881) + compactV4("10.0.0.2", 51413) +
                                 compactV4("0.0.0.0", 1) + compactV4("1.2.3.4", 0) +
                                 compactV4("224.0.0.1", 5) + compactV4("127.0.0.1", 6881);
        const QByteArray body = bencode::encode(Value(Value::Dict{
            {"complete", Value(qint64(3))},
            {"incomplete", Value(qint64(4))},
            {"interval", Value(qint64(900))},
            {"min interval", Value(qint64(60))},
            {"peers", Value(peers)},
            {"tracker id", Value(QByteArray("tid"))},
            {"warning message", Value(QByteArray("be nice\nplease"))},
        }));
        const Result<AnnounceResult> result = decodeAnnounce(body);
        QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
        QCOMPARE(result->intervalSec, 900);
        QCOMPARE(result->minIntervalSec, 60);
        QCOMPARE(result->complete, 3);
        QCOMPARE(result->incomplete, 4);
        QCOMPARE(result->trackerId, QByteArray("tid"));
        QCOMPARE(result->warning, QStringLiteral("be nice please"));
        QCOMPARE(result->peers.size(), 2); // 0.0.0.0, port 0, multicast and the repeat skipped
        QCOMPARE(result->peers[0].address, QHostAddress(QStringLiteral("127.0.0.1")));
        QCOMPARE(result->peers[0].port, quint16(6881));
        QVERIFY(result->peers[0].peerId.isEmpty());
        QCOMPARE(result->peers[1].address, QHostAddress(QStringLiteral("10.0.0.2")));
        QCOMPARE(result->peers[1].port, quint16(51413));
    }

    void decodesDictionaryPeers()
    {
        auto peer = [](const char* ip, qint64 port, QByteArray id = {}) {
            Value::Dict dict{{"ip", Value(QByteArray(ip))}, {"port", Value(port)}};
            if (!id.isEmpty())
                dict.emplace("peer id", Value(id));
            return Value(dict);
        };
        const QByteArray body = bencode::encode(Value(Value::Dict{
            {"interval", Value(qint64(1800))},
            {"peers",
             Value(Value::List{peer("192.168.1.5", 7000, kPeerId), peer("peer.example.com", 7001),
                               peer("::1", 7002), peer("192.168.1.6", 0),
                               peer("192.168.1.7", 70000), peer("192.168.1.8", 7003, "short")})},
        }));
        const Result<AnnounceResult> result = decodeAnnounce(body);
        QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
        QCOMPARE(result->peers.size(), 3);
        QCOMPARE(result->peers[0],
                 (AnnouncePeer{QHostAddress(QStringLiteral("192.168.1.5")), 7000, kPeerId}));
        QCOMPARE(result->peers[1], (AnnouncePeer{QHostAddress(QStringLiteral("::1")), 7002, {}}));
        QCOMPARE(result->peers[2],
                 (AnnouncePeer{QHostAddress(QStringLiteral("192.168.1.8")), 7003, {}}));
        QCOMPARE(result->complete, -1);
        QCOMPARE(result->incomplete, -1);
    }

    void decodesPeers6()
    {
        const QByteArray body = bencode::encode(Value(Value::Dict{
            {"interval", Value(qint64(1800))},
            {"peers", Value(QByteArray())},
            {"peers6", Value(compactV6("2001:db8::1", 7000) + compactV6("::ffff:1.2.3.4", 7001) +
                             compactV6("::", 7002))},
        }));
        const Result<AnnounceResult> result = decodeAnnounce(body);
        QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
        QCOMPARE(result->peers.size(), 2);
        QCOMPARE(result->peers[0].address, QHostAddress(QStringLiteral("2001:db8::1")));
        QCOMPARE(result->peers[0].port, quint16(7000));
        // IPv4-mapped addresses become plain IPv4: one spelling per peer.
        QCOMPARE(result->peers[1].address.protocol(), QAbstractSocket::IPv4Protocol);
        QCOMPARE(result->peers[1].address, QHostAddress(QStringLiteral("1.2.3.4")));
    }

    void keepsAtMost2000Peers()
    {
        QByteArray peers;
        for (int i = 0; i < 2500; ++i)
            peers += compactV4("10.0.0.1", quint16(1000 + i));
        const Result<AnnounceResult> result = decodeAnnounce(answerBody(peers));
        QVERIFY(result);
        QCOMPARE(result->peers.size(), kMaxAnnouncePeers);
    }

    void failureReasonIsAnError()
    {
        const Result<AnnounceResult> result = decodeAnnounce(bencode::encode(
            Value(Value::Dict{{"failure reason", Value(QByteArray("torrent not registered"))}})));
        QVERIFY(!result);
        QCOMPARE(result.error().code, QStringLiteral("tracker_failure"));
        QVERIFY2(result.error().message.contains(QStringLiteral("torrent not registered")),
                 qPrintable(result.error().message));
    }

    void clampsIntervals_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("interval");
        QTest::addColumn<int>("minInterval");
        QTest::newRow("absent") << QByteArray("d5:peers0:e") << 1800 << 0;
        QTest::newRow("too short")
            << QByteArray("d8:intervali5e12:min intervali1e5:peers0:e") << 30 << 30;
        QTest::newRow("too long")
            << QByteArray("d8:intervali1000000000e12:min intervali999999999e5:peers0:e") << 86400
            << 86400;
        QTest::newRow("negative") << QByteArray("d8:intervali-5e5:peers0:e") << 30 << 0;
        QTest::newRow("in range") << QByteArray("d8:intervali120e12:min intervali60e5:peers0:e")
                                  << 120 << 60;
    }

    void clampsIntervals()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, interval);
        QFETCH(int, minInterval);
        const Result<AnnounceResult> result = decodeAnnounce(body);
        QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
        QCOMPARE(result->intervalSec, interval);
        QCOMPARE(result->minIntervalSec, minInterval);
    }

    void rejectsMalformedAnswers_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        const QString invalid = QString::fromUtf16(errorcode::kInvalidResponse);
        QTest::newRow("empty") << QByteArray() << invalid;
        QTest::newRow("not bencode") << QByteArray("<html>busy</html>") << invalid;
        QTest::newRow("integer") << QByteArray("i5e") << invalid;
        QTest::newRow("list") << QByteArray("le") << invalid;
        QTest::newRow("truncated") << QByteArray("d8:intervali1800e5:peers6:abc") << invalid;
        QTest::newRow("trailing bytes") << QByteArray("d5:peers0:ex") << invalid;
        QTest::newRow("unsorted keys") << QByteArray("d5:peers0:8:intervali1ee") << invalid;
        QTest::newRow("odd compact") << QByteArray("d5:peers5:abcdee") << invalid;
        QTest::newRow("odd peers6") << QByteArray("d6:peers65:abcdee") << invalid;
        QTest::newRow("interval string") << QByteArray("d8:interval2:105:peers0:e") << invalid;
        QTest::newRow("peers integer") << QByteArray("d5:peersi1ee") << invalid;
        QTest::newRow("peers6 list") << QByteArray("d6:peers6lee") << invalid;
        QTest::newRow("peer not dict") << QByteArray("d5:peersli1eee") << invalid;
        QTest::newRow("peer without ip") << QByteArray("d5:peersld4:porti1eeee") << invalid;
        QTest::newRow("peer port string")
            << QByteArray("d5:peersld2:ip3:::14:port1:1eee") << invalid;
        QTest::newRow("peer id integer")
            << QByteArray("d5:peersld2:ip3:::17:peer idi1e4:porti1eeee") << invalid;
        QTest::newRow("negative complete") << QByteArray("d8:completei-1e5:peers0:e") << invalid;
        QTest::newRow("failure reason integer") << QByteArray("d14:failure reasoni1ee") << invalid;
        QTest::newRow("warning list") << QByteArray("d5:peers0:15:warning messagelee") << invalid;
        QTest::newRow("tracker id too long")
            << QByteArray("d5:peers0:10:tracker id300:" + QByteArray(300, 'x') + "e") << invalid;
        QByteArray huge = "d5:peers" + QByteArray::number(kMaxAnnounceBodyBytes) + ":" +
                          QByteArray(kMaxAnnounceBodyBytes, 'a') + "e";
        QTest::newRow("oversized") << huge << QString::fromUtf16(errorcode::kTooLarge);
    }

    void rejectsMalformedAnswers()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        const Result<AnnounceResult> result = decodeAnnounce(body);
        QVERIFY(!result);
        QCOMPARE(result.error().code, code);
        QVERIFY(!result.error().message.isEmpty());
    }

    // --- Announcer -------------------------------------------------------------------------
    void skipsNonHttpUrls()
    {
        Announcer a({{QStringLiteral("udp://tracker.example:1337/announce"),
                      QStringLiteral("http://a.example/announce")},
                     {QStringLiteral("wss://b.example/announce")},
                     {QStringLiteral("https://c.example/announce"),
                      QStringLiteral("http://a.example/announce")}},
                    stats(1));
        QCOMPARE(a.tiers(), (QList<QList<QUrl>>{{QUrl(QStringLiteral("http://a.example/announce"))},
                                                {QUrl(QStringLiteral("https://c.example/"
                                                                     "announce"))}}));
    }

    void sendsStartedFirstAndDeliversPeers()
    {
        ScriptedServer server;
        server.setScript(
            {peersAnswer(compactV4("127.0.0.1", 7001) + compactV4("127.0.0.2", 7002))});
        auto a = announcer({{announceUrlOf(server)}}, 6999);
        QSignalSpy announced(a.get(), &Announcer::announced);
        QSignalSpy peers(a.get(), &Announcer::peersReceived);
        a->start();
        QVERIFY(a->isRunning());
        QVERIFY(announced.wait(5000));
        QCOMPARE(server.requests(), 1);
        const QHash<QByteArray, QByteArray> query = queryOf(server.received().first());
        QCOMPARE(query.value("event"), QByteArray("started"));
        QCOMPARE(query.value("info_hash"), kHash);
        QCOMPARE(query.value("peer_id"), kPeerId);
        QCOMPARE(query.value("port"), QByteArray("6999"));
        QCOMPARE(query.value("left"), QByteArray("1000"));
        QCOMPARE(query.value("uploaded"), QByteArray("7"));
        QCOMPARE(query.value("downloaded"), QByteArray("9"));
        QCOMPARE(query.value("compact"), QByteArray("1"));
        QCOMPARE(peers.size(), 1);
        const auto received = peers.first().first().value<QList<AnnouncePeer>>();
        QCOMPARE(received.size(), 2);
        QCOMPARE(received[1].address, QHostAddress(QStringLiteral("127.0.0.2")));
        QCOMPARE(received[1].port, quint16(7002));
        QCOMPARE(a->lastUrl(), QUrl(announceUrlOf(server)));

        // A regular announce after that carries no event.
        a->announceNow();
        QVERIFY(announced.wait(5000));
        QCOMPARE(server.requests(), 2);
        QVERIFY(!queryOf(server.received().last()).contains("event"));
    }

    void announceNowHonoursTheMinimumGap()
    {
        ScriptedServer server;
        server.setScript({peersAnswer({})});
        auto a = announcer({{announceUrlOf(server)}});
        a->setMinimumAnnounceGapMs(60'000);
        QSignalSpy announced(a.get(), &Announcer::announced);
        a->start();
        QVERIFY(announced.wait(5000));
        a->announceNow();
        QVERIFY(!announced.wait(300));
        QCOMPARE(server.requests(), 1);
    }

    void failsOverWithinTheTierAndMovesTheAnswererToTheFront()
    {
        ScriptedServer bad;
        ScriptedServer good;
        bad.setScript({bencoded("busy", 503)});
        good.setScript({peersAnswer(compactV4("127.0.0.1", 7001))});
        const QUrl badUrl(announceUrlOf(bad));
        const QUrl goodUrl(announceUrlOf(good));
        // The tier is shuffled: take an announcer that tries the failing URL first.
        std::unique_ptr<Announcer> a;
        for (int i = 0; i < 100 && (!a || a->tiers()[0][0] != badUrl); ++i)
            a = announcer({{badUrl.toString(), goodUrl.toString()}});
        QCOMPARE(a->tiers()[0][0], badUrl);

        QSignalSpy announced(a.get(), &Announcer::announced);
        QSignalSpy failed(a.get(), &Announcer::announceFailed);
        a->start();
        QVERIFY(announced.wait(5000));
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.first().first().toUrl(), badUrl);
        QCOMPARE(failed.first().last().value<Error>().code, QStringLiteral("unavailable"));
        QCOMPARE(announced.first().first().toUrl(), goodUrl);
        QCOMPARE(eventOf(bad.received().first()), QByteArray("started"));
        QCOMPARE(eventOf(good.received().first()), QByteArray("started"));
        QCOMPARE(a->tiers()[0], (QList<QUrl>{goodUrl, badUrl}));

        // The next announce goes straight to the URL that answered.
        a->announceNow();
        QVERIFY(announced.wait(5000));
        QCOMPARE(bad.requests(), 1);
        QCOMPARE(good.requests(), 2);
    }

    void triesTheNextTierAfterTheWholeTierFails()
    {
        ScriptedServer silent;
        ScriptedServer refusing;
        ScriptedServer good;
        silent.setScript({ScriptedServer::hang()});
        refusing.setScript({bencoded("d14:failure reason8:not heree")});
        good.setScript({peersAnswer(compactV4("127.0.0.1", 7001))});
        const QString closed = closedPortUrl();
        auto a = announcer(
            {{announceUrlOf(silent), announceUrlOf(refusing), closed}, {announceUrlOf(good)}});
        QSignalSpy announced(a.get(), &Announcer::announced);
        QSignalSpy failed(a.get(), &Announcer::announceFailed);
        QElapsedTimer clock;
        clock.start();
        a->start();
        QVERIFY(announced.wait(5000));
        QVERIFY(clock.elapsed() < 3000); // one timeout (400 ms), no backoff inside a round
        QCOMPARE(failed.size(), 3);
        QStringList codes;
        for (const QList<QVariant>& failure : failed)
            codes << failure.last().value<Error>().code;
        codes.sort();
        QCOMPARE(codes,
                 (QStringList{QStringLiteral("tracker_failure"), QStringLiteral("unavailable"),
                              QStringLiteral("unavailable")}));
        QCOMPARE(announced.first().first().toUrl(), QUrl(announceUrlOf(good)));
        QCOMPARE(eventOf(good.received().first()), QByteArray("started"));
        QCOMPARE(a->lastUrl(), QUrl(announceUrlOf(good)));
    }

    void retriesWithBackoffWhenEveryTrackerFails()
    {
        ScriptedServer server;
        server.setScript({bencoded("busy", 503), bencoded("busy", 503), peersAnswer({})});
        auto a = announcer({{announceUrlOf(server)}});
        QSignalSpy announced(a.get(), &Announcer::announced);
        QSignalSpy failed(a.get(), &Announcer::announceFailed);
        a->start();
        QVERIFY(announced.wait(5000));
        QCOMPARE(failed.size(), 2);
        QCOMPARE(server.requests(), 3);
        // "started" is repeated until a tracker took it.
        for (const ScriptedServer::Request& request : server.received())
            QCOMPARE(eventOf(request), QByteArray("started"));
    }

    void boundsTheAnswerSize()
    {
        ScriptedServer server;
        server.setScript({bencoded(answerBody(QByteArray(6 * 200'000, 'a')))});
        auto a = announcer({{announceUrlOf(server)}});
        a->setRetryBackoffMs(60'000, 60'000);
        QSignalSpy failed(a.get(), &Announcer::announceFailed);
        a->start();
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.first().last().value<Error>().code,
                 QString::fromUtf16(errorcode::kTooLarge));
    }

    void echoesTheTrackerId()
    {
        ScriptedServer server;
        server.setScript({bencoded("d8:intervali1800e5:peers0:10:tracker id3:T&1e")});
        auto a = announcer({{announceUrlOf(server)}});
        QSignalSpy announced(a.get(), &Announcer::announced);
        a->start();
        QVERIFY(announced.wait(5000));
        QVERIFY(!queryOf(server.received().first()).contains("trackerid"));
        a->announceNow();
        QVERIFY(announced.wait(5000));
        QCOMPARE(queryOf(server.received().last()).value("trackerid"), QByteArray("T&1"));
    }

    void sendsCompletedOnceAndStopped()
    {
        ScriptedServer server;
        server.setScript({peersAnswer({})});
        auto a = announcer({{announceUrlOf(server)}});
        QSignalSpy announced(a.get(), &Announcer::announced);
        QSignalSpy stopped(a.get(), &Announcer::stopped);
        a->start();
        QVERIFY(announced.wait(5000));
        a->completed();
        QVERIFY(announced.wait(5000));
        QCOMPARE(eventOf(server.received().last()), QByteArray("completed"));
        a->completed(); // once only
        QVERIFY(!announced.wait(200));
        QCOMPARE(server.requests(), 2);

        a->stop();
        QVERIFY(a->isRunning()); // until stopped()
        QVERIFY(stopped.wait(5000));
        QVERIFY(!a->isRunning());
        QCOMPARE(server.requests(), 3);
        QCOMPARE(eventOf(server.received().last()), QByteArray("stopped"));
        QCOMPARE(queryOf(server.received().last()).value("numwant"), QByteArray("0"));
    }

    void completedDuringStartedFollowsIt()
    {
        ScriptedServer server;
        server.setScript({peersAnswer({})});
        auto a = announcer({{announceUrlOf(server)}});
        QSignalSpy announced(a.get(), &Announcer::announced);
        a->start();
        a->completed();
        QTRY_COMPARE_WITH_TIMEOUT(announced.size(), 2, 5000);
        QCOMPARE(eventOf(server.received().at(0)), QByteArray("started"));
        QCOMPARE(eventOf(server.received().at(1)), QByteArray("completed"));
    }

    void stopDoesNotWaitLongerThanTwoSeconds()
    {
        ScriptedServer server;
        server.setScript({peersAnswer({}), ScriptedServer::hang()});
        auto a = announcer({{announceUrlOf(server)}});
        a->setRequestTimeoutMs(30'000);
        QSignalSpy announced(a.get(), &Announcer::announced);
        QSignalSpy stopped(a.get(), &Announcer::stopped);
        a->start();
        QVERIFY(announced.wait(5000));
        QElapsedTimer clock;
        clock.start();
        a->stop();
        QVERIFY(stopped.wait(5000));
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(server.requests(), 2);
    }

    void stopBeforeAnyAnswerEmitsStopped()
    {
        auto idle = announcer({{closedPortUrl()}});
        QSignalSpy stopped(idle.get(), &Announcer::stopped);
        idle->stop();                // never started
        QCOMPARE(stopped.size(), 0); // never inside the call
        QVERIFY(stopped.wait(2000));
    }

    // --- against the real tracker ----------------------------------------------------------
    void twoAnnouncersSeeEachOtherThroughTheRealTracker()
    {
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        test::TrackerProcess tracker(folder.path());
        test::TrackerProcess::Settings settings;
        settings.heartbeatInterval = 30; // no peer expires during the test
        const QString started = tracker.start(settings);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        const QString url = tracker.url().toString() + QStringLiteral("/announce");
        const QByteArray hash = QByteArray::fromHex("00112233445566778899aabbccddeeff00112233");

        // The first leecher finishes during the test: its `left` drops to 0 then.
        auto firstLeft = std::make_shared<qint64>(500);
        Announcer first({{url}},
                        [firstLeft, firstStats = stats(40001, 500, "-SW0100-leecher00001", hash)] {
                            AnnounceRequest request = firstStats();
                            request.left = *firstLeft;
                            return request;
                        });
        Announcer second({{url}}, stats(40002, 500, QByteArray("-SW0100-leecher00002"), hash));
        for (Announcer* a : {&first, &second}) {
            a->setRequestTimeoutMs(5000);
            a->setMinimumAnnounceGapMs(0);
        }
        QSignalSpy firstAnnounced(&first, &Announcer::announced);
        QSignalSpy firstFailed(&first, &Announcer::announceFailed);
        QSignalSpy secondAnnounced(&second, &Announcer::announced);
        QSignalSpy secondFailed(&second, &Announcer::announceFailed);

        auto describeFailure = [](const QSignalSpy& spy) {
            return spy.isEmpty() ? QString() : spy.last().last().value<Error>().message;
        };
        auto hasPeer = [](const AnnounceResult& result, quint16 port) {
            for (const AnnouncePeer& peer : result.peers) {
                if (peer.address == QHostAddress(QHostAddress::LocalHost) && peer.port == port)
                    return true;
            }
            return false;
        };

        first.start();
        QVERIFY2(firstAnnounced.wait(10000), qPrintable(describeFailure(firstFailed)));
        QVERIFY(firstAnnounced.last().last().value<AnnounceResult>().peers.isEmpty());
        second.start();
        QVERIFY2(secondAnnounced.wait(10000), qPrintable(describeFailure(secondFailed)));
        const auto seen = secondAnnounced.last().last().value<AnnounceResult>();
        QVERIFY(hasPeer(seen, 40001));
        QCOMPARE(seen.complete, 0);
        QCOMPARE(seen.incomplete, 2);
        QCOMPARE(seen.intervalSec, 30);

        // "completed" goes at once (no waiting for the interval) and, as a seeder now, the
        // first peer is given the leecher.
        *firstLeft = 0;
        first.completed();
        QVERIFY2(firstAnnounced.wait(10000), qPrintable(describeFailure(firstFailed)));
        const auto afterCompleted = firstAnnounced.last().last().value<AnnounceResult>();
        QVERIFY(hasPeer(afterCompleted, 40002));
        QCOMPARE(afterCompleted.complete, 1);
        QCOMPARE(afterCompleted.incomplete, 1);

        QSignalSpy firstStopped(&first, &Announcer::stopped);
        QSignalSpy secondStopped(&second, &Announcer::stopped);
        first.stop();
        QVERIFY(firstStopped.wait(5000));
        second.stop();
        QVERIFY(secondStopped.wait(5000));
        QVERIFY(tracker.stop());
    }
};

QTEST_GUILESS_MAIN(TestAnnounce)
#include "tst_announce.moc"
