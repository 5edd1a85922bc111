// SPDX-License-Identifier: GPL-3.0-or-later
// Swarms of real processes on 127.0.0.1: a real tracker, `swarmshare seed` and `swarmshare get`
// peers (each with its own HOME), and a lying peer. What a user would check by hand: the data
// arrives from several peers and is byte-identical, a liar is banned and the file still comes out
// right, a killed download resumes without fetching verified pieces again, and a finished
// download is shared with the next one.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"
#include "support/process.h"
#include "swarm/peerprocess.h"
#include "torrent/metainfo.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace swarmshare;
using namespace swarmshare::test;

namespace {

constexpr qint64 kPayloadSize = 24 * 1024 * 1024 + 12345; // a short last piece
constexpr int kPieceLength = 64 * 1024;
const QString kPassword = QStringLiteral("correct horse battery");

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class SwarmTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void downloadsFromSeveralSeeders();
    void bansPeerSendingCorruptData();
    void resumesAfterSigkillWithoutRefetching();
    void interruptSavesResumeData();
    void finishedLeecherServesTheNextOne();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    // A peer process with its own HOME under the test folder.
    PeerProcess& peer(const QString& name)
    {
        m_peers.push_back(std::make_unique<PeerProcess>(path(QStringLiteral("homes/") + name)));
        return *m_peers.back();
    }
    QStringList account(const QString& user)
    {
        const QByteArray problem = signUp(*m_client, user, kPassword);
        if (!problem.isEmpty())
            qWarning("sign-up of %s failed: %s", qPrintable(user), problem.constData());
        return {QStringLiteral("--tracker"),       m_tracker->url().toString(),
                QStringLiteral("--user"),          user,
                QStringLiteral("--password-file"), path(QStringLiteral("password"))};
    }
    QString startSeeder(const QString& name, const QStringList& extra = {})
    {
        return peer(name).start(QStringList{QStringLiteral("seed"), m_torrent,
                                            QStringLiteral("--data"), path(QStringLiteral("seed")),
                                            QStringLiteral("--port"), QStringLiteral("0")} +
                                extra);
    }
    QStringList getArgs(const QString& output) const
    {
        return {QStringLiteral("get"),    m_torrent,           QStringLiteral("-o"),    output,
                QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--json")};
    }
    int seedersOnTracker()
    {
        const Reply<FileDetails> details = fileDetails(*m_client, m_infoHash);
        return details ? details->seeders : -1;
    }
    void checkDownloaded(const QString& output)
    {
        QVERIFY2(readAll(output + QStringLiteral("/payload.bin")) == m_payload,
                 "the downloaded file differs from the original");
    }

    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;
    std::unique_ptr<TrackerClient> m_client;
    std::vector<std::unique_ptr<PeerProcess>> m_peers;
    QString m_torrent;
    QByteArray m_payload;
    QByteArray m_infoHash;
    int m_pieceCount = 0;
};

void SwarmTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_tracker = std::make_unique<TrackerProcess>(path(QStringLiteral("tracker")));
    const QString started = m_tracker->start({});
    QVERIFY2(started.isEmpty(), qPrintable(started));
    m_client = makeClient({m_tracker->url()});

    m_payload = randomBytes(kPayloadSize, 20261121);
    QVERIFY(QDir().mkpath(path(QStringLiteral("seed"))));
    QVERIFY(writeFile(path(QStringLiteral("seed/payload.bin")), m_payload));
    QVERIFY(writeFile(path(QStringLiteral("password")), kPassword.toUtf8() + '\n'));
    m_torrent = path(QStringLiteral("payload.torrent"));
    const ProcessResult created = runSwarmshare(
        {QStringLiteral("create"), path(QStringLiteral("seed/payload.bin")), QStringLiteral("-o"),
         m_torrent, QStringLiteral("--piece-length"), QString::number(kPieceLength)},
        path(QStringLiteral("homes/creator")));
    QVERIFY2(created.exitCode == 0, created.err.constData());
    const Result<torrent::Metainfo> meta = torrent::Metainfo::load(m_torrent);
    QVERIFY(meta);
    m_infoHash = meta->infoHash();
    m_pieceCount = meta->pieceCount();
}

void SwarmTest::cleanupTestCase()
{
    m_peers.clear(); // SIGKILL by PID for whatever is still running
    if (m_tracker)
        m_tracker->kill();
}

void SwarmTest::downloadsFromSeveralSeeders()
{
    // Three seeders behind one address, each on its own port, slowed down a little so that a
    // 24 MiB download lasts long enough for the leecher to use all of them.
    for (int i = 1; i <= 3; ++i) {
        const QString name = QStringLiteral("several-seed%1").arg(i);
        const QString started =
            startSeeder(name, account(name) + QStringList{QStringLiteral("--upload-limit"),
                                                          QStringLiteral("8M")});
        QVERIFY2(started.isEmpty(), qPrintable(started));
    }
    QVERIFY2(waitUntil([&] { return seedersOnTracker() >= 3; }),
             "the three seeders never appeared on the tracker");

    PeerProcess& leecher = peer(QStringLiteral("several-leech"));
    const QString output = path(QStringLiteral("several-out"));
    QVERIFY(leecher.start(getArgs(output) + account(QStringLiteral("several-leech"))).isEmpty());
    QVERIFY2(leecher.waitForExit(60000) == 0, qPrintable(leecher.describe()));
    const QJsonObject summary = leecher.summary();
    QVERIFY2(summary.value(QStringLiteral("complete")).toBool(), qPrintable(leecher.describe()));
    QVERIFY2(summary.value(QStringLiteral("peersUsed")).toInt() >= 2,
             qPrintable(leecher.describe()));
    QCOMPARE(summary.value(QStringLiteral("badPieces")).toInt(), 0);
    checkDownloaded(output);
}

void SwarmTest::bansPeerSendingCorruptData()
{
    // The liar answers every request at once; the honest seeder is slow, so the liar surely
    // gets asked for pieces.
    ChildProcess liar;
    QVERIFY(liar.start(QStringLiteral("/usr/bin/python3"),
                       {QStringLiteral(SWARMSHARE_EVIL_PEER), QString::number(m_pieceCount)}));
    const QString liarPort = liar.waitFor(QRegularExpression(QStringLiteral("listening on (\\d+)")),
                                          QProcess::StandardOutput, 10000);
    QVERIFY2(!liarPort.isEmpty(), liar.err().constData());
    const QString liarEndpoint = QStringLiteral("127.0.0.1:") + liarPort;

    const QString name = QStringLiteral("corrupt-seed");
    QVERIFY(startSeeder(name, account(name) + QStringList{QStringLiteral("--upload-limit"),
                                                          QStringLiteral("4M")})
                .isEmpty());
    QVERIFY(waitUntil([&] { return seedersOnTracker() >= 1; }));

    PeerProcess& leecher = peer(QStringLiteral("corrupt-leech"));
    const QString output = path(QStringLiteral("corrupt-out"));
    QVERIFY(leecher
                .start(getArgs(output) + account(QStringLiteral("corrupt-leech")) +
                       QStringList{QStringLiteral("--peer"), liarEndpoint})
                .isEmpty());
    QVERIFY2(leecher.waitForExit(90000) == 0, qPrintable(leecher.describe()));
    const QJsonObject summary = leecher.summary();
    QVERIFY2(summary.value(QStringLiteral("complete")).toBool(), qPrintable(leecher.describe()));
    QVERIFY2(summary.value(QStringLiteral("badPieces")).toInt() >= 1,
             qPrintable(leecher.describe()));
    QVERIFY2(summary.value(QStringLiteral("bannedPeers")).toArray().contains(liarEndpoint),
             qPrintable(leecher.describe()));
    checkDownloaded(output);
}

void SwarmTest::resumesAfterSigkillWithoutRefetching()
{
    // A slow seeder (3 MiB/s: about 8 s for the file), reached directly.
    PeerProcess& seeder = peer(QStringLiteral("resume-seed"));
    QVERIFY(seeder
                .start({QStringLiteral("seed"), m_torrent, QStringLiteral("--data"),
                        path(QStringLiteral("seed")), QStringLiteral("--port"), QStringLiteral("0"),
                        QStringLiteral("--upload-limit"), QStringLiteral("3M")})
                .isEmpty());
    const QStringList args = getArgs(path(QStringLiteral("resume-out"))) +
                             QStringList{QStringLiteral("--peer"), seeder.endpoint()};

    PeerProcess& first = peer(QStringLiteral("resume-leech"));
    QVERIFY(first.start(args).isEmpty());
    QTest::qWait(3000);
    QVERIFY2(first.isRunning(), qPrintable(first.describe()));
    first.kill(); // SIGKILL: no chance to save anything

    PeerProcess& second = peer(QStringLiteral("resume-leech")); // same HOME, same folder
    QVERIFY(second.start(args).isEmpty());
    QVERIFY2(second.waitForExit(60000) == 0, qPrintable(second.describe()));
    const QJsonObject summary = second.summary();
    const int atStart = summary.value(QStringLiteral("piecesAtStart")).toInt();
    QVERIFY2(atStart > 0 && atStart < m_pieceCount, qPrintable(second.describe()));
    // Only the pieces missing at the restart travel again (endgame may duplicate a few blocks).
    const qint64 missingBytes = qint64(m_pieceCount - atStart) * kPieceLength;
    QVERIFY2(summary.value(QStringLiteral("bytesDownloaded")).toInteger() <= missingBytes,
             qPrintable(second.describe()));
    checkDownloaded(path(QStringLiteral("resume-out")));
}

void SwarmTest::interruptSavesResumeData()
{
    PeerProcess& seeder = peer(QStringLiteral("interrupt-seed"));
    QVERIFY(
        seeder
            .start({QStringLiteral("seed"), m_torrent, QStringLiteral("--data"),
                    path(QStringLiteral("seed")), QStringLiteral("--port"), QStringLiteral("0")})
            .isEmpty());
    const QStringList args = getArgs(path(QStringLiteral("interrupt-out"))) +
                             QStringList{QStringLiteral("--peer"), seeder.endpoint()};
    const QString home = path(QStringLiteral("homes/interrupt-leech"));

    // Ctrl+C half way (a slow download): exit status 1, and the verified pieces are on record.
    PeerProcess& first = peer(QStringLiteral("interrupt-leech"));
    QVERIFY(
        first.start(args + QStringList{QStringLiteral("--download-limit"), QStringLiteral("4M")})
            .isEmpty());
    QTest::qWait(2500);
    const int status = first.interrupt(); // stopped, but incomplete: not a success
    QVERIFY2(status == 1 && first.err().contains("run the same command again"),
             qPrintable(first.describe()));
    QDirIterator resume(home, {QStringLiteral("*.resume.json")}, QDir::Files,
                        QDirIterator::Subdirectories);
    QVERIFY2(resume.hasNext(), "no resume data after SIGINT");
    const QJsonObject saved = QJsonDocument::fromJson(readAll(resume.next())).object();
    QVERIFY(!saved.value(QStringLiteral("have")).toString().isEmpty());

    // Run again: it picks up from there and completes.
    PeerProcess& second = peer(QStringLiteral("interrupt-leech"));
    QVERIFY(second.start(args).isEmpty());
    QVERIFY2(second.waitForExit(60000) == 0, qPrintable(second.describe()));
    QVERIFY(second.summary().value(QStringLiteral("piecesAtStart")).toInt() > 0);
    checkDownloaded(path(QStringLiteral("interrupt-out")));
}

void SwarmTest::finishedLeecherServesTheNextOne()
{
    const QString seedName = QStringLiteral("reshare-seed");
    PeerProcess& seeder = peer(seedName);
    QVERIFY(seeder
                .start(QStringList{QStringLiteral("seed"), m_torrent, QStringLiteral("--data"),
                                   path(QStringLiteral("seed")), QStringLiteral("--port"),
                                   QStringLiteral("0")} +
                       account(seedName))
                .isEmpty());
    QVERIFY(waitUntil([&] { return seedersOnTracker() >= 1; }));

    // A downloads and stays to share.
    PeerProcess& first = peer(QStringLiteral("reshare-a"));
    QVERIFY(first
                .start(getArgs(path(QStringLiteral("reshare-a-out"))) +
                       account(QStringLiteral("reshare-a")) +
                       QStringList{QStringLiteral("--keep-seeding")})
                .isEmpty());
    QVERIFY2(first.waitForLog(QStringLiteral("is now seeding"), 60000),
             qPrintable(first.describe()));
    checkDownloaded(path(QStringLiteral("reshare-a-out")));

    // The original seeder leaves; B can only get the file from A, which the tracker now lists.
    QCOMPARE(seeder.interrupt(), 0);
    PeerProcess& second = peer(QStringLiteral("reshare-b"));
    const QString output = path(QStringLiteral("reshare-b-out"));
    QVERIFY(second.start(getArgs(output) + account(QStringLiteral("reshare-b"))).isEmpty());
    QVERIFY2(second.waitForExit(60000) == 0, qPrintable(second.describe()));
    const QJsonObject from = second.summary().value(QStringLiteral("downloadedFrom")).toObject();
    QVERIFY2(from.value(first.endpoint()).toInteger() > 0, qPrintable(second.describe()));
    checkDownloaded(output);
    QCOMPARE(first.interrupt(), 0);
}

QTEST_GUILESS_MAIN(SwarmTest)
#include "tst_swarm.moc"
