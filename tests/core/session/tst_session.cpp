// SPDX-License-Identifier: GPL-3.0-or-later
// The Session in-process: a seeding and a downloading Session in the test's thread, talking over
// real sockets on 127.0.0.1, with real files in a temporary folder. What the CLI cannot show
// easily: file priorities (a skipped file is not written), pause and resume, removing with and
// without data, and the download queue.
#include "session/session.h"
#include "support/files.h"
#include "support/torrentbuilder.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>
#include <sys/stat.h>

using namespace swarmshare;
using namespace swarmshare::session;

namespace {

constexpr qint64 kPieceLength = 64 * 1024;

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Bytes the file really occupies on disk (sparse files occupy less than their size).
qint64 allocatedBytes(const QString& path)
{
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return 0;
    return qint64(info.st_blocks) * 512;
}

} // namespace

class SessionTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void downloadsFromAPeer();
    void skippedFileIsNotWritten();
    void pauseStopsTransfersAndResumeFinishes();
    void removeKeepsOrDeletesData();
    void queueRunsOneDownloadAndSkipsAStalledOne();
    void rejectsBadMetainfoAndDuplicates();
    void keepsItsTorrentsAcrossRestarts();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    std::unique_ptr<Session> makeSession(const QString& name, SessionOptions options = {})
    {
        options.listenAddress = QHostAddress::LocalHost;
        options.listenPort = 0;
        options.resumeDir = path(name + QStringLiteral("/resume"));
        options.snapshotIntervalMs = 0;
        auto session = std::make_unique<Session>(options);
        if (!session->start())
            qWarning("session did not start: %s", qPrintable(session->errorString()));
        return session;
    }
    AddTorrentParams paramsFor(const QByteArray& metainfo, const QString& saveDir) const
    {
        AddTorrentParams params;
        params.metainfo = metainfo;
        params.saveDir = saveDir;
        return params;
    }
    // Adds the album to the seeder and waits until it seeds.
    void startSeeder()
    {
        m_seeder = makeSession(QStringLiteral("seeder"));
        const Result<QByteArray> added =
            m_seeder->addTorrent(paramsFor(m_album, path(QStringLiteral("share"))));
        QVERIFY(added);
        QTRY_COMPARE_WITH_TIMEOUT(m_seeder->snapshot().torrents.value(0).state,
                                  TorrentState::Seeding, 10000);
    }
    Endpoint seederEndpoint() const { return {QHostAddress::LocalHost, m_seeder->listenPort()}; }
    static TorrentSnapshot first(const Session& session)
    {
        return session.snapshot().torrents.value(0);
    }
    void checkFile(const QString& downloadDir, const QString& name)
    {
        QVERIFY2(readAll(downloadDir + QStringLiteral("/album/") + name) ==
                     readAll(path(QStringLiteral("share/album/")) + name),
                 qPrintable(name + QStringLiteral(" differs")));
    }

    QTemporaryDir m_dir;
    QByteArray m_album; // a.bin, b.bin, c.bin: sizes not multiples of the piece length
    QByteArray m_infoHash;
    std::unique_ptr<Session> m_seeder;
};

void SessionTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString album = path(QStringLiteral("share/album"));
    QVERIFY(QDir().mkpath(album));
    QVERIFY(test::writeFile(album + QStringLiteral("/a.bin"),
                            test::randomBytes(3 * 1024 * 1024 + 123, 1)));
    QVERIFY(test::writeFile(album + QStringLiteral("/b.bin"),
                            test::randomBytes(5 * 1024 * 1024 + 4567, 2)));
    QVERIFY(test::writeFile(album + QStringLiteral("/c.bin"),
                            test::randomBytes(2 * 1024 * 1024 + 7, 3)));
    const Result<torrent::CreatedTorrent> created = test::createTorrent(album, kPieceLength);
    QVERIFY(created);
    m_album = created->torrentFile;
    m_infoHash = created->infoHash;
}

void SessionTest::init()
{
    startSeeder();
}

void SessionTest::cleanup()
{
    m_seeder.reset();
}

void SessionTest::downloadsFromAPeer()
{
    auto leecher = makeSession(QStringLiteral("plain"));
    QSignalSpy finished(leecher.get(), &Session::torrentFinished);
    AddTorrentParams params = paramsFor(m_album, path(QStringLiteral("plain/out")));
    params.peers = {seederEndpoint()};
    const Result<QByteArray> added = leecher->addTorrent(params);
    QVERIFY(added);
    QCOMPARE(*added, m_infoHash);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.at(0).at(0).toByteArray(), m_infoHash);
    const TorrentSnapshot t = first(*leecher);
    QCOMPARE(t.state, TorrentState::Seeding);
    QVERIFY(t.have.all());
    QCOMPARE(t.progress, 1.0);
    QCOMPARE(t.downloaded, t.totalSize);
    QCOMPARE(t.badPieces, 0);
    QCOMPARE(t.downloadedFrom.value(seederEndpoint().key()), t.totalSize);
    for (const QString& name :
         {QStringLiteral("a.bin"), QStringLiteral("b.bin"), QStringLiteral("c.bin")})
        checkFile(path(QStringLiteral("plain/out")), name);
    // The seeder served it all and counts it.
    QTRY_COMPARE_WITH_TIMEOUT(first(*m_seeder).uploaded, t.totalSize, 5000);
}

void SessionTest::skippedFileIsNotWritten()
{
    auto leecher = makeSession(QStringLiteral("skip"));
    QSignalSpy finished(leecher.get(), &Session::torrentFinished);
    AddTorrentParams params = paramsFor(m_album, path(QStringLiteral("skip/out")));
    params.peers = {seederEndpoint()};
    params.filePriorities = {picker::Priority::High, picker::Priority::Skip,
                             picker::Priority::Normal};
    QVERIFY(leecher->addTorrent(params));
    QVERIFY(finished.wait(30000));
    TorrentSnapshot t = first(*leecher);
    QCOMPARE(t.state, TorrentState::Seeding); // every wanted piece, not the whole torrent
    QVERIFY(!t.have.all());
    QCOMPARE(t.wantedDone, t.wantedSize);
    QVERIFY(t.wantedSize < t.totalSize);
    checkFile(path(QStringLiteral("skip/out")), QStringLiteral("a.bin"));
    checkFile(path(QStringLiteral("skip/out")), QStringLiteral("c.bin"));
    // Of b.bin only the two pieces it shares with a.bin and c.bin were fetched.
    QVERIFY2(
        allocatedBytes(path(QStringLiteral("skip/out/album/b.bin"))) <= 2 * kPieceLength,
        qPrintable(QString::number(allocatedBytes(path(QStringLiteral("skip/out/album/b.bin"))))));

    // Wanting it after all: the download resumes and completes.
    leecher->setFilePriorities(
        m_infoHash, {picker::Priority::Normal, picker::Priority::Normal, picker::Priority::Normal});
    QTRY_VERIFY_WITH_TIMEOUT(first(*leecher).have.all(), 30000);
    checkFile(path(QStringLiteral("skip/out")), QStringLiteral("b.bin"));
}

void SessionTest::pauseStopsTransfersAndResumeFinishes()
{
    m_seeder->setRateLimits(0, 2 * 1024 * 1024); // about 5 s for the album
    auto leecher = makeSession(QStringLiteral("pause"));
    AddTorrentParams params = paramsFor(m_album, path(QStringLiteral("pause/out")));
    params.peers = {seederEndpoint()};
    QVERIFY(leecher->addTorrent(params));
    QTRY_VERIFY_WITH_TIMEOUT(first(*leecher).wantedDone > 0, 15000);

    leecher->pauseTorrent(m_infoHash);
    TorrentSnapshot paused = first(*leecher);
    QCOMPARE(paused.state, TorrentState::Paused);
    QCOMPARE(paused.connectedPeers, 0);
    QVERIFY(!paused.have.all());
    // Blocks in flight may still complete a piece being hashed; after that nothing moves.
    QTest::qWait(500);
    const qint64 done = first(*leecher).wantedDone;
    QTest::qWait(1000);
    QCOMPARE(first(*leecher).wantedDone, done);

    QSignalSpy finished(leecher.get(), &Session::torrentFinished);
    leecher->resumeTorrent(m_infoHash);
    QCOMPARE(first(*leecher).state, TorrentState::Downloading);
    QVERIFY(finished.wait(30000));
    for (const QString& name :
         {QStringLiteral("a.bin"), QStringLiteral("b.bin"), QStringLiteral("c.bin")})
        checkFile(path(QStringLiteral("pause/out")), name);
}

void SessionTest::removeKeepsOrDeletesData()
{
    auto leecher = makeSession(QStringLiteral("remove"));
    const QString out = path(QStringLiteral("remove/out"));
    AddTorrentParams params = paramsFor(m_album, out);
    params.peers = {seederEndpoint()};
    QSignalSpy finished(leecher.get(), &Session::torrentFinished);
    QVERIFY(leecher->addTorrent(params));
    QVERIFY(finished.wait(30000));
    const QString resume = leecher->resumePath(m_infoHash);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(resume), 5000);

    // Without data: the files stay, the torrent and its resume data go.
    leecher->removeTorrent(m_infoHash, false);
    QVERIFY(leecher->snapshot().torrents.isEmpty());
    QVERIFY(!QFile::exists(resume));
    checkFile(out, QStringLiteral("a.bin"));

    // Added again it finds every piece on disk, and seeds without downloading.
    QVERIFY(leecher->addTorrent(paramsFor(m_album, out)));
    QTRY_COMPARE_WITH_TIMEOUT(first(*leecher).state, TorrentState::Seeding, 15000);
    QCOMPARE(first(*leecher).piecesAtStart, first(*leecher).pieceCount);
    QCOMPARE(first(*leecher).downloaded, 0);

    // With data: the torrent's files and its folder go, nothing else in the download folder.
    QVERIFY(test::writeFile(out + QStringLiteral("/unrelated.txt"), "keep me"));
    leecher->removeTorrent(m_infoHash, true);
    QVERIFY(!QFile::exists(out + QStringLiteral("/album/a.bin")));
    QVERIFY(!QFile::exists(out + QStringLiteral("/album")));
    QVERIFY(QFile::exists(out + QStringLiteral("/unrelated.txt")));
}

void SessionTest::queueRunsOneDownloadAndSkipsAStalledOne()
{
    // A torrent nobody seeds, added first: it takes the only slot, stalls, and must not block
    // the album behind it.
    const QString orphanPath = path(QStringLiteral("orphan.bin"));
    QVERIFY(test::writeFile(orphanPath, test::randomBytes(300 * 1024, 9)));
    const Result<torrent::CreatedTorrent> orphan = test::createTorrent(orphanPath, kPieceLength);
    QVERIFY(orphan);

    SessionOptions sessionOptions;
    sessionOptions.maxActiveDownloads = 1;
    // Long enough that the album is still seen queued while the orphan has the slot, on a
    // loaded machine too.
    sessionOptions.stalledAfterMs = 5000;
    auto leecher = makeSession(QStringLiteral("queue"), sessionOptions);
    QVERIFY(leecher->addTorrent(paramsFor(orphan->torrentFile, path(QStringLiteral("queue/out")))));
    AddTorrentParams album = paramsFor(m_album, path(QStringLiteral("queue/out")));
    album.peers = {seederEndpoint()};
    QVERIFY(leecher->addTorrent(album));

    auto stateOf = [&](const QByteArray& hash) {
        for (const TorrentSnapshot& t : leecher->snapshot().torrents) {
            if (t.infoHash == hash)
                return t.state;
        }
        return TorrentState::Error;
    };
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(orphan->infoHash), TorrentState::Downloading, 5000);
    QCOMPARE(stateOf(m_infoHash), TorrentState::Queued);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(m_infoHash), TorrentState::Seeding, 30000);
    QCOMPARE(stateOf(orphan->infoHash), TorrentState::Downloading); // still trying, not blocking
}

void SessionTest::rejectsBadMetainfoAndDuplicates()
{
    const Result<QByteArray> bad =
        m_seeder->addTorrent(paramsFor("d4:infoi1ee", path(QStringLiteral("x"))));
    QVERIFY(!bad);
    QVERIFY(!bad.error().message.isEmpty());
    const Result<QByteArray> again =
        m_seeder->addTorrent(paramsFor(m_album, path(QStringLiteral("share"))));
    QVERIFY(!again);
    QVERIFY2(again.error().message.contains(QStringLiteral("already")),
             qPrintable(again.error().message));
    QCOMPARE(m_seeder->snapshot().torrents.size(), 1);
}

void SessionTest::keepsItsTorrentsAcrossRestarts()
{
    // A second torrent: one file.
    const QString single = path(QStringLiteral("single/notes.txt"));
    QVERIFY(test::writeFile(single, test::randomBytes(300 * 1024 + 5, 9)));
    const Result<torrent::CreatedTorrent> notes = test::createTorrent(single, kPieceLength);
    QVERIFY(notes);

    SessionOptions persist;
    persist.persistTorrents = true;
    auto session = makeSession(QStringLiteral("keeper"), persist);
    QVERIFY(session->addTorrent(paramsFor(m_album, path(QStringLiteral("share")))));
    AddTorrentParams second = paramsFor(notes->torrentFile, path(QStringLiteral("single")));
    second.publishMetainfo = false;
    QVERIFY(session->addTorrent(second));
    session->pauseTorrent(m_infoHash);
    const QList<picker::Priority> priorities{picker::Priority::High, picker::Priority::Skip,
                                             picker::Priority::Normal};
    session->setFilePriorities(m_infoHash, priorities);
    session.reset();

    // Started again: both back, in the order added, as they were left.
    session = makeSession(QStringLiteral("keeper"), persist);
    QList<TorrentSnapshot> torrents = session->snapshot().torrents;
    QCOMPARE(torrents.size(), 2);
    QCOMPARE(torrents[0].infoHash, m_infoHash);
    QCOMPARE(torrents[0].saveDir, path(QStringLiteral("share")));
    QCOMPARE(torrents[0].filePriorities, priorities);
    QTRY_COMPARE_WITH_TIMEOUT(session->snapshot().torrents.value(0).state, TorrentState::Paused,
                              10000);
    QCOMPARE(torrents[1].infoHash, notes->infoHash);
    QTRY_COMPARE_WITH_TIMEOUT(session->snapshot().torrents.value(1).state, TorrentState::Seeding,
                              10000);

    // Snapshots carry the details of the torrent asked for only (a window shows one).
    session->setSnapshotDetail(notes->infoHash);
    torrents = session->snapshot().torrents;
    QVERIFY(!torrents[0].detailed);
    QVERIFY(torrents[0].availability.isEmpty() && torrents[0].files.isEmpty());
    QCOMPARE(torrents[0].pieceCount, first(*session).pieceCount); // the summary stays
    QVERIFY(torrents[1].detailed);
    QCOMPARE(torrents[1].availability.size(), torrents[1].pieceCount);
    QCOMPARE(torrents[1].files.size(), 1);
    session->setSnapshotDetail(QByteArray());
    QVERIFY(!session->snapshot().torrents[1].detailed);
    session->setSnapshotDetail(std::nullopt);
    QVERIFY(session->snapshot().torrents[0].detailed && session->snapshot().torrents[1].detailed);

    // Resumed and removed: remembered too. A damaged entry is reported and left alone; the
    // others still come back.
    session->resumeTorrent(m_infoHash);
    session->removeTorrent(notes->infoHash, false);
    QVERIFY(QFileInfo::exists(single)); // the data stays
    session.reset();
    const QString resume = path(QStringLiteral("keeper/resume/"));
    QVERIFY(!QFileInfo::exists(resume + QString::fromLatin1(notes->infoHash.toHex()) +
                               QStringLiteral(".torrent")));
    QVERIFY(test::writeFile(resume + QString(40, QLatin1Char('a')) + QStringLiteral(".state.json"),
                            "{\"save_dir\": 12}"));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("cannot restore the torrent a{40}")));
    session = makeSession(QStringLiteral("keeper"), persist);
    torrents = session->snapshot().torrents;
    QCOMPARE(torrents.size(), 1);
    QCOMPARE(torrents[0].infoHash, m_infoHash);
    QTRY_VERIFY_WITH_TIMEOUT(session->snapshot().torrents.value(0).state != TorrentState::Paused &&
                                 session->snapshot().torrents.value(0).state !=
                                     TorrentState::Checking,
                             10000);
}

QTEST_GUILESS_MAIN(SessionTest)
#include "tst_session.moc"
