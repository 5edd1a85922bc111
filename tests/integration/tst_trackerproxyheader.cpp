// SPDX-License-Identifier: GPL-3.0-or-later
// X-Forwarded-For names the client only when the connection comes from a trusted proxy
// (trackerServer.trustedProxies); from anyone else it is ignored. Checked through /announce,
// whose compact peer list shows the address the tracker recorded.
#include "integration/trackerprocess.h"

#include <QJsonArray>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using swarmshare::test::TrackerProcess;

namespace {

const QByteArray kHash = QByteArray::fromHex("0102030405060708090a0b0c0d0e0f1011121314");

// One announce over its own connection; returns the raw bencoded answer.
QByteArray announce(quint16 trackerPort, const QByteArray& peerId, int port, int left,
                    const QByteArray& forwardedFor = {})
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, trackerPort);
    if (!socket.waitForConnected(5000))
        return {};
    QByteArray request = "GET /announce?info_hash=" + kHash.toPercentEncoding() +
                         "&peer_id=" + peerId.toPercentEncoding() +
                         "&port=" + QByteArray::number(port) + "&left=" + QByteArray::number(left) +
                         "&compact=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
    if (!forwardedFor.isEmpty())
        request += "X-Forwarded-For: " + forwardedFor + "\r\n";
    socket.write(request + "\r\n");
    QByteArray answer;
    while (socket.waitForReadyRead(5000))
        answer += socket.readAll();
    return answer.mid(answer.indexOf("\r\n\r\n") + 4);
}

// The first peer of a compact list, as "a.b.c.d:port".
QString firstPeer(const QByteArray& body)
{
    const qsizetype at = body.indexOf("5:peers");
    if (at < 0)
        return QStringLiteral("no peers in ") + QString::fromLatin1(body.toPercentEncoding());
    const qsizetype colon = body.indexOf(':', at + 7);
    if (body.mid(at + 7, colon - at - 7).toInt() < 6)
        return QStringLiteral("empty peer list");
    const auto* entry = reinterpret_cast<const uchar*>(body.constData() + colon + 1);
    return QHostAddress(qFromBigEndian<quint32>(entry)).toString() + QLatin1Char(':') +
           QString::number(qFromBigEndian<quint16>(entry + 4));
}

} // namespace

class TestTrackerProxyHeader : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // `trusted`: trackerServer.trustedProxies, or nothing for the default (loopback).
    QString recordedAddress(const std::optional<QStringList>& trusted, const QByteArray& header)
    {
        TrackerProcess tracker(m_dir.filePath(QString::number(++m_runs)));
        TrackerProcess::Settings settings;
        settings.heartbeatInterval = 30;
        if (trusted)
            settings.extra.insert(QStringLiteral("trustedProxies"),
                                  QJsonArray::fromStringList(*trusted));
        const QString started = tracker.start(settings);
        if (!started.isEmpty())
            return started;
        announce(tracker.port(), "-SEEDER-000000000001", 5000, 0, header);
        const QString seen = firstPeer(announce(tracker.port(), "-LEECHER-00000000001", 6000, 1));
        tracker.stop();
        return seen;
    }

    int m_runs = 0;

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void trustedProxyNamesTheClient()
    {
        // The default trusts loopback, where this test's "proxy" connects from.
        QCOMPARE(recordedAddress(std::nullopt, "198.51.100.7"),
                 QStringLiteral("198.51.100.7:5000"));
    }

    void theProxysOwnEntryCountsNotTheClaimsBeforeIt()
    {
        QCOMPARE(recordedAddress(std::nullopt, "203.0.113.9, 198.51.100.7"),
                 QStringLiteral("198.51.100.7:5000"));
    }

    void untrustedSendersCannotChooseTheirAddress()
    {
        QCOMPARE(recordedAddress(QStringList{QStringLiteral("10.9.9.9")}, "198.51.100.7"),
                 QStringLiteral("127.0.0.1:5000"));
    }

    void garbageInTheHeaderIsIgnored()
    {
        QCOMPARE(recordedAddress(std::nullopt, "not an address"), QStringLiteral("127.0.0.1:5000"));
    }
};

QTEST_GUILESS_MAIN(TestTrackerProxyHeader)
#include "tst_trackerproxyheader.moc"
