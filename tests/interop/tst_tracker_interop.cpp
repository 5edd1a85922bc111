// SPDX-License-Identifier: GPL-3.0-or-later
// Standard BitTorrent clients use Swarmshare's tracker through /announce: two libtorrent
// sessions (Debian's python3-libtorrent) find each other and the download completes; aria2c
// announces and downloads from the same swarm. Missing tools fail the test, never skip it.
#include "integration/trackerprocess.h"

#include <QCryptographicHash>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using swarmshare::test::TrackerProcess;

class TestTrackerInterop : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;
    QProcess m_seeder;
    QNetworkAccessManager m_network;
    QString m_torrent;

    QString path(const QString& relative) const { return m_dir.filePath(relative); }

    static int run(const QString& program, const QStringList& args, QByteArray* output,
                   int timeoutMs)
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(program, args);
        if (!process.waitForStarted(10000))
            return -1;
        if (!process.waitForFinished(timeoutMs)) {
            ::kill(pid_t(process.processId()), SIGKILL);
            process.waitForFinished(5000);
            *output = process.readAll() + "\n(killed after the time limit)";
            return -1;
        }
        *output = process.readAll();
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }

    static QByteArray sha1Of(const QString& file)
    {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        QCryptographicHash hash(QCryptographicHash::Sha1);
        hash.addData(&f);
        return hash.result().toHex();
    }

    // The tracker's scrape counts for the torrent, as "complete/incomplete/downloaded".
    QByteArray scrape(const QByteArray& infoHash)
    {
        QUrl url = m_tracker->url();
        url.setPath(QStringLiteral("/scrape"));
        url.setQuery(QStringLiteral("info_hash=") +
                     QString::fromLatin1(infoHash.toPercentEncoding()));
        QNetworkReply* reply = m_network.get(QNetworkRequest(url));
        QSignalSpy done(reply, &QNetworkReply::finished);
        done.wait(5000);
        const QByteArray body = reply->readAll();
        reply->deleteLater();
        const auto count = [&body](const char* key) {
            const qsizetype at = body.indexOf(QByteArray(key) + 'i');
            return at < 0 ? QByteArray("?")
                          : body.mid(at + qstrlen(key) + 1,
                                     body.indexOf('e', at + qstrlen(key)) - at - qstrlen(key) - 1);
        };
        return count("8:complete") + '/' + count("10:incomplete") + '/' + count("10:downloaded");
    }

    QByteArray infoHash()
    {
        QByteArray output;
        const int status = run(QStringLiteral("/usr/bin/python3"),
                               {QStringLiteral(SWARMSHARE_LT_INFO), m_torrent}, &output, 30000);
        const qsizetype at = output.indexOf("\"info_hash\": \"");
        return status == 0 && at >= 0 ? QByteArray::fromHex(output.mid(at + 14, 40)) : QByteArray();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tracker = std::make_unique<TrackerProcess>(path(QStringLiteral("tracker")));
        // Real clients re-announce every few minutes at the most: keep the default intervals.
        TrackerProcess::Settings settings;
        settings.heartbeatInterval = 30;
        settings.leaseTtl = 120;
        const QString started = m_tracker->start(settings);
        QVERIFY2(started.isEmpty(), qPrintable(started));

        m_torrent = path(QStringLiteral("payload.torrent"));
        QByteArray output;
        const QString announce = m_tracker->url().toString() + QStringLiteral("/announce");
        const int made =
            run(QStringLiteral("/usr/bin/python3"),
                {QStringLiteral(SWARMSHARE_LT_SWARM), QStringLiteral("make"),
                 path(QStringLiteral("seed")), m_torrent, announce, QStringLiteral("3000000")},
                &output, 60000);
        QVERIFY2(made == 0, output.constData()); // fails when python3-libtorrent is missing

        // The seeder keeps running until its stdin closes (cleanupTestCase).
        m_seeder.setProcessChannelMode(QProcess::MergedChannels);
        m_seeder.start(QStringLiteral("/usr/bin/python3"),
                       {QStringLiteral(SWARMSHARE_LT_SWARM), QStringLiteral("seed"), m_torrent,
                        path(QStringLiteral("seed"))});
        QVERIFY(m_seeder.waitForStarted(10000));
        QByteArray said;
        QTRY_VERIFY_WITH_TIMEOUT((said += m_seeder.readAllStandardOutput()).contains("seeding") ||
                                     m_seeder.state() == QProcess::NotRunning,
                                 30000);
        QVERIFY2(said.contains("seeding"), said.constData());
        // Downloaders must find the seeder in their first announce.
        const QByteArray hash = infoHash();
        QCOMPARE(hash.size(), 20);
        QTRY_VERIFY_WITH_TIMEOUT(scrape(hash).startsWith("1/"), 15000);
    }

    void cleanupTestCase()
    {
        if (m_seeder.state() != QProcess::NotRunning) {
            m_seeder.closeWriteChannel();
            if (!m_seeder.waitForFinished(10000)) {
                ::kill(pid_t(m_seeder.processId()), SIGKILL);
                m_seeder.waitForFinished(5000);
            }
        }
        if (m_tracker)
            QVERIFY(m_tracker->stop());
    }

    void libtorrentPeersFindEachOtherThroughAnnounce()
    {
        QByteArray output;
        const int status =
            run(QStringLiteral("/usr/bin/python3"),
                {QStringLiteral(SWARMSHARE_LT_SWARM), QStringLiteral("get"), m_torrent,
                 path(QStringLiteral("libtorrent")), QStringLiteral("60")},
                &output, 90000);
        QVERIFY2(status == 0, output.constData());
        QCOMPARE(sha1Of(path(QStringLiteral("libtorrent/payload.bin"))),
                 sha1Of(path(QStringLiteral("seed/payload.bin"))));
    }

    void aria2cAnnouncesAndDownloads()
    {
        QByteArray output;
        const int status = run(
            QStringLiteral("aria2c"),
            {QStringLiteral("--enable-dht=false"), QStringLiteral("--enable-dht6=false"),
             QStringLiteral("--bt-enable-lpd=false"), QStringLiteral("--seed-time=0"),
             QStringLiteral("--listen-port=40000-40999"), QStringLiteral("--summary-interval=0"),
             QStringLiteral("--console-log-level=warn"), QStringLiteral("--bt-stop-timeout=60"),
             QStringLiteral("--dir=") + path(QStringLiteral("aria2")), m_torrent},
            &output, 90000);
        QVERIFY2(status == 0, output.constData()); // -1: aria2c missing or stuck
        QCOMPARE(sha1Of(path(QStringLiteral("aria2/payload.bin"))),
                 sha1Of(path(QStringLiteral("seed/payload.bin"))));
        // aria2c said "completed" to the tracker: two finished downloads counted.
        const QByteArray counts = scrape(infoHash());
        QVERIFY2(counts.endsWith("/2"), counts.constData());
    }
};

QTEST_GUILESS_MAIN(TestTrackerInterop)
#include "tst_tracker_interop.moc"
