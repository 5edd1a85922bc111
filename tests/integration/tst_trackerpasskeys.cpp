// SPDX-License-Identifier: GPL-3.0-or-later
// trackerServer.announcePasskeys: /announce and /scrape answer only with a user's passkey,
// which a logged-in user gets from GET /auth/passkey; forged or missing ones are refused.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"

#include <QJsonDocument>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare::test;

namespace {

// A GET over its own connection; the whole answer (head and body).
QByteArray get(quint16 port, const QByteArray& target, const QByteArray& bearer = {})
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {};
    QByteArray request =
        "GET " + target + " HTTP/1.1\r\nHost: tracker.test\r\nConnection: close\r\n";
    if (!bearer.isEmpty())
        request += "Authorization: Bearer " + bearer + "\r\n";
    socket.write(request + "\r\n");
    QByteArray answer;
    while (socket.waitForReadyRead(5000))
        answer += socket.readAll();
    return answer;
}

QByteArray announceQuery()
{
    return "?info_hash=" + QByteArray(20, 'h').toPercentEncoding() +
           "&peer_id=-TEST-00000000000001&port=5000&left=0&compact=1";
}

} // namespace

class TestTrackerPasskeys : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;
    QByteArray m_token;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tracker = std::make_unique<TrackerProcess>(m_dir.path());
        TrackerProcess::Settings settings;
        settings.extra.insert(QStringLiteral("announcePasskeys"), true);
        const QString started = m_tracker->start(settings);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        auto client = makeClient({m_tracker->url()});
        QVERIFY(signUp(*client, QStringLiteral("keyholder")).isEmpty());
        m_token = client->token();
    }

    void cleanupTestCase()
    {
        if (m_tracker)
            QVERIFY(m_tracker->stop());
    }

    void announceWithoutAPasskeyIsRefused()
    {
        const QByteArray answer = get(m_tracker->port(), "/announce" + announceQuery());
        QVERIFY2(answer.contains("14:failure reason") && answer.contains("passkey"),
                 answer.constData());
        QVERIFY(
            get(m_tracker->port(), "/scrape?info_hash=" + QByteArray(20, 'h')).contains("failure"));
    }

    void aUsersPasskeyOpensAnnounceAndScrape()
    {
        const QByteArray answer = get(m_tracker->port(), "/auth/passkey", m_token);
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        const QJsonObject json =
            QJsonDocument::fromJson(answer.mid(answer.indexOf("\r\n\r\n") + 4)).object();
        const QByteArray passkey = json.value(QStringLiteral("passkey")).toString().toLatin1();
        QVERIFY(!passkey.isEmpty());
        QCOMPARE(json.value(QStringLiteral("announce_url")).toString(),
                 QStringLiteral("http://tracker.test/announce/") + QString::fromLatin1(passkey));
        const QByteArray announced =
            get(m_tracker->port(), "/announce/" + passkey + announceQuery());
        QVERIFY2(announced.contains("8:completei1e"), announced.constData());
        const QByteArray scraped =
            get(m_tracker->port(),
                "/scrape/" + passkey + "?info_hash=" + QByteArray(20, 'h').toPercentEncoding());
        QVERIFY2(scraped.contains("8:completei1e"), scraped.constData());
    }

    void forgedPasskeysAreRefused_data()
    {
        QTest::addColumn<QByteArray>("passkey");
        QTest::newRow("made up") << QByteArray("1-00112233445566778899aabbccddeeff");
        QTest::newRow("another account's id") << QByteArray("2-00112233445566778899aabbccddeeff");
        QTest::newRow("no mac") << QByteArray("1");
        QTest::newRow("garbage") << QByteArray("%00%ff..");
    }

    void forgedPasskeysAreRefused()
    {
        QFETCH(QByteArray, passkey);
        const QByteArray answer = get(m_tracker->port(), "/announce/" + passkey + announceQuery());
        QVERIFY2(answer.contains("failure reason"), answer.constData());
    }

    void thePasskeyNeedsALogin()
    {
        QVERIFY(get(m_tracker->port(), "/auth/passkey").startsWith("HTTP/1.1 401"));
    }
};

QTEST_GUILESS_MAIN(TestTrackerPasskeys)
#include "tst_trackerpasskeys.moc"
