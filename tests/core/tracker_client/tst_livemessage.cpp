// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/livemessage.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::trackerclient;

namespace {

const QByteArray kHash = QByteArray::fromHex("00112233445566778899aabbccddeeff00112233");

QJsonArray runs(const QByteArray& json)
{
    return QJsonDocument::fromJson(json).array();
}

} // namespace

class TestLiveMessage : public QObject {
    Q_OBJECT

private slots:
    void runLengthsExpandToOneCountPerPiece_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QList<int>>("expected");
        QTest::newRow("empty") << QByteArray("[]") << QList<int>{};
        QTest::newRow("one run") << QByteArray("[[3,4]]") << QList<int>{3, 3, 3, 3};
        QTest::newRow("several") << QByteArray("[[3,2],[2,1],[0,3]]")
                                 << QList<int>{3, 3, 2, 0, 0, 0};
        QTest::newRow("repeated count") << QByteArray("[[1,1],[1,1]]") << QList<int>{1, 1};
    }

    void runLengthsExpandToOneCountPerPiece()
    {
        QFETCH(QByteArray, json);
        QFETCH(QList<int>, expected);
        const Result<QList<int>> counts = decodeRunLengths(runs(json), 1000);
        QVERIFY(counts);
        QCOMPARE(*counts, expected);
    }

    void badRunLengthsAreRejected_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("zero run") << QByteArray("[[1,0]]");
        QTest::newRow("negative count") << QByteArray("[[-1,2]]");
        QTest::newRow("fraction") << QByteArray("[[1.5,2]]");
        QTest::newRow("triple") << QByteArray("[[1,2,3]]");
        QTest::newRow("not a pair") << QByteArray("[5]");
        QTest::newRow("string") << QByteArray(R"([["1",2]])");
        QTest::newRow("over the bound") << QByteArray("[[1,600],[2,401]]");
        QTest::newRow("huge run") << QByteArray("[[1,1000000000]]");
    }

    void badRunLengthsAreRejected()
    {
        QFETCH(QByteArray, json);
        const Result<QList<int>> counts = decodeRunLengths(runs(json), 1000);
        QVERIFY(!counts);
        QCOMPARE(counts.error().code, QStringLiteral("invalid_response"));
    }

    void swarmMessageCarriesTheAvailabilityMap()
    {
        const QByteArray json =
            R"({"type":"swarm","info_hash":"00112233445566778899aabbccddeeff00112233","seeders":2,"leechers":1,"availability":[[3,2],[2,1]]})";
        const Result<LiveMessage> message = parseLiveMessage(json, 100);
        QVERIFY(message);
        const auto* update = std::get_if<SwarmUpdate>(&*message);
        QVERIFY(update);
        QCOMPARE(update->infoHash, kHash);
        QCOMPARE(update->seeders, 2);
        QCOMPARE(update->leechers, 1);
        QCOMPARE(update->availability, (QList<int>{3, 3, 2}));
    }

    void peerMessagesDecode()
    {
        const Result<LiveMessage> joined = parseLiveMessage(
            R"({"type":"peer_joined","peer_id":"00112233445566778899aabbccddeeff00112233","ip":"::1","port":6881})",
            10);
        QVERIFY(joined);
        const auto* event = std::get_if<PeerJoined>(&*joined);
        QVERIFY(event);
        QCOMPARE(event->address, QHostAddress(QHostAddress::LocalHostIPv6));
        QCOMPARE(event->port, quint16(6881));

        const Result<LiveMessage> left = parseLiveMessage(
            R"({"type":"peer_left","peer_id":"00112233445566778899aabbccddeeff00112233"})", 10);
        QVERIFY(left);
        QCOMPARE(std::get<PeerLeft>(*left).peerId, kHash);
    }

    void fileAddedDecodes()
    {
        const Result<LiveMessage> added = parseLiveMessage(
            R"({"type":"file_added","info_hash":"00112233445566778899aabbccddeeff00112233","name":"Phim.mkv","size":123})",
            10);
        QVERIFY(added);
        QCOMPARE(std::get<FileAdded>(*added).name, QStringLiteral("Phim.mkv"));
        QCOMPARE(std::get<FileAdded>(*added).size, 123);
    }

    void badMessagesAreRejected_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("code");
        const QString invalid = QStringLiteral("invalid_response");
        QTest::newRow("not json") << QByteArray("hello") << invalid;
        QTest::newRow("array") << QByteArray("[]") << invalid;
        QTest::newRow("unknown type")
            << QByteArray(R"({"type":"weather"})") << QStringLiteral("unknown_type");
        QTest::newRow("joined without port")
            << QByteArray(
                   R"({"type":"peer_joined","peer_id":"00112233445566778899aabbccddeeff00112233","ip":"1.2.3.4"})")
            << invalid;
        QTest::newRow("joined with a bad ip")
            << QByteArray(
                   R"({"type":"peer_joined","peer_id":"00112233445566778899aabbccddeeff00112233","ip":"x","port":1})")
            << invalid;
        QTest::newRow("left with a short id")
            << QByteArray(R"({"type":"peer_left","peer_id":"0011"})") << invalid;
        QTest::newRow("swarm without availability")
            << QByteArray(
                   R"({"type":"swarm","info_hash":"00112233445566778899aabbccddeeff00112233","seeders":1,"leechers":0})")
            << invalid;
        QTest::newRow("swarm with a map too large")
            << QByteArray(
                   R"({"type":"swarm","info_hash":"00112233445566778899aabbccddeeff00112233","seeders":1,"leechers":0,"availability":[[1,11]]})")
            << invalid;
        QTest::newRow("file_added with a negative size")
            << QByteArray(
                   R"({"type":"file_added","info_hash":"00112233445566778899aabbccddeeff00112233","name":"a","size":-1})")
            << invalid;
    }

    void badMessagesAreRejected()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, code);
        const Result<LiveMessage> message = parseLiveMessage(json, 10);
        QVERIFY(!message);
        QCOMPARE(message.error().code, code);
    }

    void subscriptionMessagesListHexHashes()
    {
        QCOMPARE(subscriptionMessage({kHash}, true),
                 QByteArray(R"({"subscribe":["00112233445566778899aabbccddeeff00112233"]})"));
        QCOMPARE(subscriptionMessage({kHash}, false),
                 QByteArray(R"({"unsubscribe":["00112233445566778899aabbccddeeff00112233"]})"));
    }
};

QTEST_GUILESS_MAIN(TestLiveMessage)
#include "tst_livemessage.moc"
