// SPDX-License-Identifier: GPL-3.0-or-later
// Swarmshare's peer engine against real BitTorrent clients from Debian, over real sockets on
// 127.0.0.1 with ephemeral ports: `swarmshare get` downloads from a libtorrent seeder
// (python3-libtorrent), libtorrent downloads from `swarmshare seed`, and aria2c downloads from
// `swarmshare seed` after both announced to Swarmshare's tracker. Every download must be
// byte-identical and finish within a bound; every process is stopped by PID, also on failure.
// Missing tools fail the test, never skip it.
#include "integration/trackerprocess.h"
#include "support/childprocess.h"
#include "support/process.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <sys/prctl.h>
#include <sys/types.h>

using swarmshare::test::ChildProcess;
using swarmshare::test::runChild;
using swarmshare::test::TrackerProcess;

namespace {

constexpr qint64 kPayloadSize = 8 * 1024 * 1024;
constexpr int kPieceSize = 64 * 1024;
constexpr int kDownloadTimeoutS = 60;

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The lines of a process's log that say why peers were dropped: the first thing to read when
// an interop download fails.
QByteArray disconnects(const QByteArray& log)
{
    QByteArray lines;
    for (const QByteArray& line : log.split('\n')) {
        if (line.contains("disconnected:") || line.contains(" W ") || line.contains(" E "))
            lines += line + '\n';
    }
    return lines.right(4000);
}

} // namespace

class TestPeerInterop : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_torrent; // v1, no trackers: peers meet directly or through --tracker
    QByteArray m_payload;

    QString path(const QString& relative) const { return m_dir.filePath(relative); }

    // Swarmshare's HOME and XDG folders, inside the test's folder.
    QProcessEnvironment swarmshareEnv(const QString& name) const
    {
        return swarmshare::test::isolatedEnvironment(path(name + QStringLiteral(".home")));
    }

    // Starts `swarmshare seed` on the test torrent with a free port; returns the port it
    // listens on, 0 on failure.
    quint16 startSwarmshareSeeder(ChildProcess& seeder, const QStringList& extra)
    {
        const QStringList args = QStringList{QStringLiteral("seed"),   m_torrent,
                                             QStringLiteral("--data"), path(QStringLiteral("seed")),
                                             QStringLiteral("--port"), QStringLiteral("0"),
                                             QStringLiteral("--json")} +
                                 extra;
        if (!seeder.start(QStringLiteral(SWARMSHARE_BIN), args,
                          swarmshareEnv(QStringLiteral("seeder"))))
            return 0;
        static const QRegularExpression listening(
            QStringLiteral("swarmshare seed: listening for peers on port (\\d+)"));
        const quint16 port =
            quint16(seeder.waitFor(listening, QProcess::StandardError, 15000).toUInt());
        if (port == 0)
            return 0;
        // Listening comes before the check of the data: wait until the seeder has all of it.
        static const QRegularExpression seeding(QStringLiteral("(is now seeding)"));
        return seeder.waitFor(seeding, QProcess::StandardError, 30000).isEmpty() ? 0 : port;
    }

    // Stops a Swarmshare seeder (SIGTERM) and returns its JSON summary ({} on failure).
    static QJsonObject stopSwarmshareSeeder(ChildProcess& seeder)
    {
        if (!seeder.stop())
            return {};
        const QByteArray out = seeder.out().trimmed();
        return QJsonDocument::fromJson(out.mid(out.lastIndexOf('\n') + 1)).object();
    }

    // The tracker's scrape counts for the torrent, as "complete/incomplete/downloaded".
    static QByteArray scrape(QNetworkAccessManager& network, QUrl url, const QByteArray& infoHash)
    {
        url.setPath(QStringLiteral("/scrape"));
        url.setQuery(QStringLiteral("info_hash=") +
                     QString::fromLatin1(infoHash.toPercentEncoding()));
        QNetworkReply* reply = network.get(QNetworkRequest(url));
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            done.wait(5000);
        const QByteArray body = reply->readAll();
        reply->deleteLater();
        const auto count = [&body](const char* key) {
            const qsizetype at = body.indexOf(QByteArray(key) + 'i');
            if (at < 0)
                return QByteArray("?");
            const qsizetype from = at + qstrlen(key) + 1;
            return body.mid(from, body.indexOf('e', from) - from);
        };
        return count("8:complete") + '/' + count("10:incomplete") + '/' + count("10:downloaded");
    }

    // Starts Swarmshare's tracker with a real client's intervals; returns its announce URL.
    QString startTracker(TrackerProcess& tracker, QString* error) const
    {
        TrackerProcess::Settings settings;
        settings.heartbeatInterval = 30; // real clients re-announce every few minutes at most
        settings.leaseTtl = 120;
        *error = tracker.start(settings);
        return tracker.url().toString() + QStringLiteral("/announce");
    }

    // The torrent's info-hash (20 bytes), as `swarmshare info` reads it.
    QByteArray infoHash() const
    {
        const swarmshare::test::ProcessResult info = swarmshare::test::runSwarmshare(
            {QStringLiteral("info"), QStringLiteral("--json"), m_torrent},
            path(QStringLiteral("info.home")));
        return QByteArray::fromHex(QJsonDocument::fromJson(info.out)
                                       .object()
                                       .value(QStringLiteral("infoHash"))
                                       .toString()
                                       .toLatin1());
    }

    // A TCP port that was free a moment ago (aria2c needs one on its command line).
    static quint16 freePort()
    {
        QTcpServer server;
        return server.listen(QHostAddress::LocalHost, 0) ? server.serverPort() : quint16(0);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_torrent = path(QStringLiteral("payload.torrent"));
        QByteArray out;
        QByteArray err;
        const int made = runChild(QStringLiteral(SWARMSHARE_PYTHON),
                                  {QStringLiteral(SWARMSHARE_LT_SWARM), QStringLiteral("make"),
                                   path(QStringLiteral("seed")), m_torrent, QString(),
                                   QString::number(kPayloadSize), QString::number(kPieceSize)},
                                  &out, &err, 60000);
        QVERIFY2(made == 0, (out + err).constData()); // fails when python3-libtorrent is missing
        m_payload = readAll(path(QStringLiteral("seed/payload.bin")));
        QCOMPARE(m_payload.size(), kPayloadSize);
    }

    void swarmshareDownloadsFromLibtorrent()
    {
        ChildProcess seeder;
        QVERIFY(seeder.start(QStringLiteral(SWARMSHARE_PYTHON),
                             {QStringLiteral(SWARMSHARE_LT_SWARM), QStringLiteral("seed"),
                              m_torrent, path(QStringLiteral("seed"))}));
        static const QRegularExpression listening(QStringLiteral("listening on port (\\d+)"));
        const QString port = seeder.waitFor(listening, QProcess::StandardOutput, 30000);
        static const QRegularExpression seeding(QStringLiteral("(seeding)"));
        QVERIFY2(!port.isEmpty() &&
                     !seeder.waitFor(seeding, QProcess::StandardOutput, 60000).isEmpty(),
                 (seeder.out() + seeder.err()).constData());
        const QString peer = QStringLiteral("127.0.0.1:") + port;

        QByteArray out;
        QByteArray err;
        const int status = runChild(
            QStringLiteral(SWARMSHARE_BIN),
            {QStringLiteral("get"), m_torrent, QStringLiteral("-o"),
             path(QStringLiteral("from-libtorrent")), QStringLiteral("--port"), QStringLiteral("0"),
             QStringLiteral("--peer"), peer, QStringLiteral("--json")},
            &out, &err, kDownloadTimeoutS * 1000, swarmshareEnv(QStringLiteral("getter")));
        QVERIFY2(status == 0, (out + err + "\nlibtorrent: " + seeder.err()).constData());
        QVERIFY2(seeder.stop(true), seeder.err().constData());

        const QJsonObject summary = QJsonDocument::fromJson(out.trimmed()).object();
        QVERIFY2(summary.value(QStringLiteral("complete")).toBool(), out.constData());
        QCOMPARE(summary.value(QStringLiteral("bytesDownloaded")).toInteger(), kPayloadSize);
        QCOMPARE(summary.value(QStringLiteral("badPieces")).toInteger(), 0);
        QCOMPARE(summary.value(QStringLiteral("piecesAtStart")).toInteger(), 0);
        // Every byte came from the libtorrent seeder, the only peer there is.
        const QJsonObject from = summary.value(QStringLiteral("downloadedFrom")).toObject();
        QVERIFY2(from.size() == 1, out.constData());
        QCOMPARE(from.value(peer).toInteger(), kPayloadSize);
        QVERIFY(readAll(path(QStringLiteral("from-libtorrent/payload.bin"))) == m_payload);
    }

    void libtorrentDownloadsFromSwarmshare()
    {
        ChildProcess seeder;
        const quint16 port = startSwarmshareSeeder(seeder, {});
        QVERIFY2(port != 0, seeder.err().constData());
        const QString peer = QStringLiteral("127.0.0.1:%1").arg(port);

        QByteArray out;
        QByteArray err;
        const int status =
            runChild(QStringLiteral(SWARMSHARE_PYTHON),
                     {QStringLiteral(SWARMSHARE_LT_SWARM), QStringLiteral("get"), m_torrent,
                      path(QStringLiteral("libtorrent")), QString::number(kDownloadTimeoutS), peer},
                     &out, &err, (kDownloadTimeoutS + 30) * 1000);
        // Stopped first, so that its log is complete (nothing reads its pipes meanwhile).
        const QJsonObject summary = stopSwarmshareSeeder(seeder);
        QVERIFY2(status == 0, ("swarmshare seed: " + disconnects(seeder.err()).right(600) +
                               "\nlibtorrent: " + (out + err).right(400))
                                  .constData());
        QVERIFY2(!summary.isEmpty(), seeder.err().constData());

        const QJsonObject got = QJsonDocument::fromJson(out.mid(out.lastIndexOf('{'))).object();
        QCOMPARE(got.value(QStringLiteral("total_download")).toInteger(), kPayloadSize);
        QVERIFY2(got.value(QStringLiteral("peers")).toArray().contains(peer), out.constData());
        QVERIFY(readAll(path(QStringLiteral("libtorrent/payload.bin"))) == m_payload);
        // The seeder counts what it sent: at least the payload, once.
        QVERIFY2(summary.value(QStringLiteral("bytesUploaded")).toInteger() >= kPayloadSize,
                 QJsonDocument(summary).toJson().constData());
    }

    void swarmshareSeederAnnouncesAsSeedAndStops()
    {
        // What every BitTorrent tracker expects from a seeder: listed as complete (left=0) from
        // its first announce on, and gone after its "stopped" announce.
        TrackerProcess tracker(path(QStringLiteral("tracker-seed")));
        QString error;
        const QString announce = startTracker(tracker, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        ChildProcess seeder;
        const quint16 port = startSwarmshareSeeder(seeder, {QStringLiteral("--tracker"), announce});
        QVERIFY2(port != 0, seeder.err().constData());
        const QByteArray hash = infoHash();
        QCOMPARE(hash.size(), 20);

        QNetworkAccessManager network;
        // Well within the tracker's 30 s interval: the first announce must be right.
        QTRY_VERIFY2_WITH_TIMEOUT(scrape(network, tracker.url(), hash).startsWith("1/0/"),
                                  ("the tracker lists the seeder as " +
                                   scrape(network, tracker.url(), hash) +
                                   " (complete/incomplete/downloaded)")
                                      .constData(),
                                  10000);
        QVERIFY2(!stopSwarmshareSeeder(seeder).isEmpty(), seeder.err().constData());
        QTRY_VERIFY2_WITH_TIMEOUT(scrape(network, tracker.url(), hash).startsWith("0/0/"),
                                  ("after the seeder stopped, the tracker still lists " +
                                   scrape(network, tracker.url(), hash) +
                                   " (complete/incomplete/downloaded)")
                                      .constData(),
                                  10000);
        QVERIFY(tracker.stop());
    }

    void aria2cDownloadsFromSwarmshareThroughTracker()
    {
        // aria2c cannot be pointed at a peer: both sides meet at Swarmshare's tracker.
        TrackerProcess tracker(path(QStringLiteral("tracker-aria2")));
        QString error;
        const QString announce = startTracker(tracker, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        ChildProcess seeder;
        const quint16 port = startSwarmshareSeeder(seeder, {QStringLiteral("--tracker"), announce});
        QVERIFY2(port != 0, seeder.err().constData());

        // aria2c announces once and then waits a whole interval: the seeder must already be
        // listed by then (as a seed or not: swarmshareSeederAnnouncesAsSeedAndStops checks that).
        const QByteArray hash = infoHash();
        QCOMPARE(hash.size(), 20);
        QNetworkAccessManager network;
        const auto listed = [&] {
            const QByteArray counts = scrape(network, tracker.url(), hash);
            return counts.startsWith("1/0/") || counts.startsWith("0/1/");
        };
        QTRY_VERIFY_WITH_TIMEOUT(listed(), 20000);

        const quint16 ariaPort = freePort();
        QVERIFY(ariaPort != 0);
        QByteArray out;
        QByteArray err;
        const int status = runChild(
            QStringLiteral("aria2c"),
            {QStringLiteral("--enable-dht=false"), QStringLiteral("--enable-dht6=false"),
             QStringLiteral("--bt-enable-lpd=false"),
             QStringLiteral("--enable-peer-exchange=false"), QStringLiteral("--seed-time=0"),
             QStringLiteral("--listen-port=%1").arg(ariaPort),
             QStringLiteral("--bt-tracker=") + announce, QStringLiteral("--summary-interval=0"),
             QStringLiteral("--show-console-readout=false"),
             QStringLiteral("--console-log-level=warn"),
             QStringLiteral("--bt-stop-timeout=%1").arg(kDownloadTimeoutS),
             QStringLiteral("--dir=") + path(QStringLiteral("aria2")), m_torrent},
            &out, &err, (kDownloadTimeoutS + 30) * 1000);
        // -1: aria2c missing (install aria2) or stuck.
        // Stopped first, so that its log is complete (nothing reads its pipes while aria2c runs).
        const QJsonObject summary = stopSwarmshareSeeder(seeder);
        // The seeder's reasons for dropping aria2c come first: the message is cut at 1 KiB or so.
        QVERIFY2(status == 0, ("swarmshare seed: " + disconnects(seeder.err()).right(600) +
                               "\naria2c: " + (out + err).right(400))
                                  .constData());
        QVERIFY(readAll(path(QStringLiteral("aria2/payload.bin"))) == m_payload);
        QVERIFY2(!summary.isEmpty(), seeder.err().constData());
        QVERIFY2(summary.value(QStringLiteral("bytesUploaded")).toInteger() >= kPayloadSize,
                 QJsonDocument(summary).toJson().constData());
        QVERIFY(tracker.stop());
    }
};

QTEST_GUILESS_MAIN(TestPeerInterop)
#include "tst_peer_interop.moc"
