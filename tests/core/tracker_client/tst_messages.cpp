// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/messages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::trackerclient;

namespace {

const QByteArray kHashA = QByteArray::fromHex("00112233445566778899aabbccddeeff00112233");
const QByteArray kPeer = QByteArray::fromHex("0102030405060708090a0b0c0d0e0f1011121314");

QJsonObject object(const QByteArray& json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class TestMessages : public QObject {
    Q_OBJECT

private slots:
    void registrationUsesHexBase64AndOmitsWhatIsEmpty()
    {
        PeerRegistration registration{kPeer, 6881, 3, {}};
        registration.files.append({kHashA, QStringLiteral("a.iso"), 40000, 16384, 3, false,
                                   QByteArray("\xa0", 1), QByteArray()});
        registration.files.append({kHashA, QStringLiteral("b"), 1, 16384, 1, true,
                                   QByteArray("\x80", 1), QByteArray("d4:infod")});
        const QJsonObject json = object(encodeRegistration(registration));
        QCOMPARE(json.value(QStringLiteral("peer_id")).toString(),
                 QStringLiteral("0102030405060708090a0b0c0d0e0f1011121314"));
        QCOMPARE(json.value(QStringLiteral("port")).toInt(), 6881);
        QCOMPARE(json.value(QStringLiteral("upload_slots")).toInt(), 3);
        const QJsonArray files = json.value(QStringLiteral("files")).toArray();
        QCOMPARE(files.size(), 2);
        const QJsonObject partial = files[0].toObject();
        QCOMPARE(partial.value(QStringLiteral("info_hash")).toString(),
                 QStringLiteral("00112233445566778899aabbccddeeff00112233"));
        QCOMPARE(partial.value(QStringLiteral("complete")).toBool(), false);
        QCOMPARE(partial.value(QStringLiteral("have")).toString(), QStringLiteral("oA=="));
        QVERIFY(!partial.contains(QStringLiteral("metainfo")));
        const QJsonObject complete = files[1].toObject();
        QVERIFY(!complete.contains(QStringLiteral("have"))); // a complete file has every piece
        QCOMPARE(complete.value(QStringLiteral("metainfo")).toString(),
                 QStringLiteral("ZDQ6aW5mb2Q="));
    }

    void heartbeatListsHaveChangesOnlyWhenThereAreSome()
    {
        QJsonObject json = object(encodeHeartbeat({kPeer, {}, 10, 20}));
        QVERIFY(!json.contains(QStringLiteral("have_changes")));
        QCOMPARE(json.value(QStringLiteral("uploaded")).toInt(), 10);
        QCOMPARE(json.value(QStringLiteral("downloaded")).toInt(), 20);
        json = object(encodeHeartbeat({kPeer, {kHashA}, 0, 0}));
        QCOMPARE(json.value(QStringLiteral("have_changes")).toArray().first().toString(),
                 QString::fromLatin1(kHashA.toHex()));
    }

    void completeTransferCarriesLeaseIds()
    {
        const QJsonObject json = object(encodeCompleteTransfer({kPeer, kHashA, {7, 9}, 123}));
        QCOMPARE(json.value(QStringLiteral("lease_ids")).toArray(), (QJsonArray{7, 9}));
        QCOMPARE(json.value(QStringLiteral("bytes")).toInt(), 123);
    }

    void sessionDecodes()
    {
        const Result<Session> session = decodeSession(
            R"({"token":"abc_-","expires_at":"2030-01-02T03:04:05Z","username":"ana"})");
        QVERIFY(session);
        QCOMPARE(session->token, QByteArray("abc_-"));
        QCOMPARE(session->username, QStringLiteral("ana"));
        QCOMPARE(session->expiresAt, QDateTime(QDate(2030, 1, 2), QTime(3, 4, 5), Qt::UTC));
    }

    void malformedAnswersAreInvalidResponses_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("not json") << QByteArray("<html>");
        QTest::newRow("array") << QByteArray("[]");
        QTest::newRow("missing token") << QByteArray(R"({"expires_at":"2030-01-01T00:00:00Z",)"
                                                     R"("username":"a"})");
        QTest::newRow("empty token") << QByteArray(R"({"token":"","username":"a",)"
                                                   R"("expires_at":"2030-01-01T00:00:00Z"})");
        QTest::newRow("bad time") << QByteArray(R"({"token":"t","expires_at":"soon",)"
                                                R"("username":"a"})");
        QTest::newRow("number as string") << QByteArray(R"({"token":1,"username":"a",)"
                                                        R"("expires_at":"2030-01-01T00:00:00Z"})");
    }

    void malformedAnswersAreInvalidResponses()
    {
        QFETCH(QByteArray, body);
        const Result<Session> session = decodeSession(body);
        QVERIFY(!session);
        QCOMPARE(session.error().code, QStringLiteral("invalid_response"));
    }

    void idlePeersDecode()
    {
        const QByteArray body =
            R"({"file":{"info_hash":"00112233445566778899aabbccddeeff00112233",)"
            R"("name":"a","size":40000,"piece_length":16384,"piece_count":3},)"
            R"("peers":[{"peer_id":"0102030405060708090a0b0c0d0e0f1011121314","ip":"10.0.0.7",)"
            R"("port":6881,"lease_id":42,"complete":false}]})";
        const Result<IdlePeers> idle = decodeIdlePeers(body);
        QVERIFY2(idle, idle ? "" : qPrintable(idle.error().message));
        QCOMPARE(idle->file.infoHash, kHashA);
        QCOMPARE(idle->file.pieceCount, 3);
        QCOMPARE(idle->peers.size(), 1);
        QCOMPARE(idle->peers[0].peerId, kPeer);
        QCOMPARE(idle->peers[0].address, QHostAddress(QStringLiteral("10.0.0.7")));
        QCOMPARE(idle->peers[0].port, quint16(6881));
        QCOMPARE(idle->peers[0].leaseId, quint64(42));
        QCOMPARE(idle->peers[0].complete, false);
    }

    void idlePeersRejectBadFields_data()
    {
        QTest::addColumn<QByteArray>("peer");
        QTest::newRow("port 0") << QByteArray(R"("ip":"1.2.3.4","port":0,"lease_id":1)");
        QTest::newRow("port too big") << QByteArray(R"("ip":"1.2.3.4","port":70000,"lease_id":1)");
        QTest::newRow("bad ip") << QByteArray(R"("ip":"nowhere","port":1,"lease_id":1)");
        QTest::newRow("lease 0") << QByteArray(R"("ip":"1.2.3.4","port":1,"lease_id":0)");
        QTest::newRow("fraction") << QByteArray(R"("ip":"1.2.3.4","port":1.5,"lease_id":1)");
    }

    void idlePeersRejectBadFields()
    {
        QFETCH(QByteArray, peer);
        const QByteArray body =
            R"({"file":{"info_hash":"00112233445566778899aabbccddeeff00112233","name":"a",)"
            R"("size":1,"piece_length":16384,"piece_count":1},)"
            R"("peers":[{"peer_id":"0102030405060708090a0b0c0d0e0f1011121314",)" +
            peer + R"(,"complete":true}]})";
        const Result<IdlePeers> idle = decodeIdlePeers(body);
        QVERIFY(!idle);
        QCOMPARE(idle.error().code, QStringLiteral("invalid_response"));
    }

    void hashesMustBeFortyHexDigits_data()
    {
        QTest::addColumn<QString>("hash");
        QTest::newRow("short") << QStringLiteral("0011");
        QTest::newRow("not hex") << QStringLiteral("zz112233445566778899aabbccddeeff00112233");
        QTest::newRow("long") << QStringLiteral("00112233445566778899aabbccddeeff0011223344");
    }

    void hashesMustBeFortyHexDigits()
    {
        QFETCH(QString, hash);
        const QByteArray body = QByteArray("[{\"info_hash\":\"") + hash.toLatin1() +
                                "\",\"name\":\"a\",\"size\":1,\"seeders\":0,\"leechers\":0}]";
        QVERIFY(!decodeSearchResults(body));
    }

    void searchResultsDecode()
    {
        const Result<QList<FileSummary>> files = decodeSearchResults(
            R"([{"info_hash":"00112233445566778899AABBCCDDEEFF00112233","name":"x",)"
            R"("size":5,"seeders":2,"leechers":1}])");
        QVERIFY(files);
        QCOMPARE(files->size(), 1);
        QCOMPARE(files->first().infoHash, kHashA); // upper case is fine too
        QCOMPARE(files->first().seeders, 2);
        QVERIFY(decodeSearchResults("[]"));
        QVERIFY(!decodeSearchResults("{}"));
    }

    void errorsKeepTheTrackersCodeAndMessage()
    {
        const Error error =
            decodeError(404, R"({"error":{"code":"unknown_peer","message":"register again"}})");
        QCOMPARE(error.code, QStringLiteral("unknown_peer"));
        QCOMPARE(error.message, QStringLiteral("register again"));
    }

    void errorsWithoutABodyGetACodeFromTheStatus_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("400") << 400 << QStringLiteral("invalid_argument");
        QTest::newRow("401") << 401 << QStringLiteral("unauthenticated");
        QTest::newRow("404") << 404 << QStringLiteral("not_found");
        QTest::newRow("413") << 413 << QStringLiteral("too_large");
        QTest::newRow("429") << 429 << QStringLiteral("rate_limited");
        QTest::newRow("502") << 502 << QStringLiteral("unavailable");
        QTest::newRow("302") << 302 << QStringLiteral("http_302");
    }

    void errorsWithoutABodyGetACodeFromTheStatus()
    {
        QFETCH(int, status);
        QFETCH(QString, code);
        QCOMPARE(decodeError(status, "<html>oops</html>").code, code);
        QVERIFY(!decodeError(status, {}).message.isEmpty());
    }

    void healthNeedsOnlyTheDocumentedFields()
    {
        const Result<Health> health =
            decodeHealth(R"({"role":"main","state":"active","epoch":1,"seq":0})");
        QVERIFY(health);
        QCOMPARE(health->role, QStringLiteral("main"));
        QVERIFY(!decodeHealth(R"({"role":"main","state":"active","epoch":"1","seq":0})"));
    }
};

QTEST_GUILESS_MAIN(TestMessages)
#include "tst_messages.moc"
