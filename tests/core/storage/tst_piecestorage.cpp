// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/piecestorage.h"
#include "storage/resumedata.h"
#include "storagefixture.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace swarmshare;
using namespace swarmshare::storage;
using swarmshare::test::canMap;
using swarmshare::test::StorageHarness;
using swarmshare::test::TorrentFixture;

namespace {

// Three files with a piece that spans all of them: piece 1 = [32768, 65536) covers the end of
// a.bin, all of b.bin and the start of c/d.bin. The last piece is short.
TorrentFixture threeFiles()
{
    return TorrentFixture::make({{QStringLiteral("a.bin"), 40000},
                                 {QStringLiteral("b.bin"), 10000},
                                 {QStringLiteral("c/d.bin"), 50000},
                                 {QStringLiteral("c/empty"), 0}},
                                32768);
}

// Writes every block of `piece` in the given block order and waits for its verdict.
bool writePiece(PieceStorage& storage, const TorrentFixture& fixture, int piece,
                const QList<int>& order = {}, bool* verdict = nullptr)
{
    QSignalSpy verified(&storage, &PieceStorage::pieceVerified);
    QList<int> blocks = order;
    if (blocks.isEmpty()) {
        for (int block = 0; block < fixture.layout.blockCount(piece); ++block)
            blocks.append(block);
    }
    for (const int block : blocks) {
        const int offset = block * FileLayout::kBlockSize;
        const int length = fixture.layout.blockSize(piece, block);
        if (!storage.writeBlock(piece, offset, fixture.block(piece, offset, length)))
            return false;
    }
    if (!verified.wait(10000) || verified.constFirst().at(0).toInt() != piece)
        return false;
    if (verdict)
        *verdict = verified.constFirst().at(1).toBool();
    return true;
}

// The block may be a view into a file mapping that the spy's copy of blockRead()'s keep-alive
// holds: it is copied while the spy lives. (Reading mapped bytes in user space is safe in tests
// only because nothing truncates their files: see PieceStorage::blockRead().)
QByteArray readBlock(PieceStorage& storage, int piece, int offset, int length)
{
    QSignalSpy read(&storage, &PieceStorage::blockRead);
    if (!storage.readBlock(piece, offset, length, 42) || !read.wait(10000))
        return {};
    if (read.constFirst().at(0).toULongLong() != 42)
        return {};
    const QByteArray view = read.constFirst().at(3).toByteArray();
    return QByteArray(view.constData(), view.size());
}

// Whether blockRead()'s block `args` came from a file mapping (its keep-alive is set).
bool isMapped(const QList<QVariant>& args)
{
    return args.at(4).value<std::shared_ptr<const void>>() != nullptr;
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestPieceStorage : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<StorageHarness> m_harness;

    QString root() const { return m_dir->filePath(QStringLiteral("download")); }
    QString resumePath() const { return m_dir->filePath(QStringLiteral("state/t.resume")); }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_harness = std::make_unique<StorageHarness>();
    }

    void cleanup()
    {
        m_harness.reset();
        m_dir.reset();
    }

    void newDownloadStartsEmptyWithoutHashing()
    {
        const TorrentFixture fixture = threeFiles();
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(storage.state(), PieceStorage::State::Closed);
        QVERIFY(!storage.writeBlock(0, 0, fixture.block(0, 0, 16384))); // not open yet
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QCOMPARE(storage.state(), PieceStorage::State::Ready);
        QVERIFY(storage.have().none());
        QCOMPARE(storage.have().size(), 4);
    }

    void writesAndReadsAcrossFileBoundaries()
    {
        const TorrentFixture fixture = threeFiles();
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        for (int piece = 0; piece < fixture.layout.pieceCount(); ++piece) {
            bool ok = false;
            QVERIFY(writePiece(storage, fixture, piece, {}, &ok));
            QVERIFY2(ok, qPrintable(QString::number(piece)));
        }
        QVERIFY(storage.have().all());
        QCOMPARE(storage.pendingWriteBytes(), 0);
        for (int file = 0; file < 3; ++file)
            QCOMPARE(readFile(fixture.path(root(), file)), fixture.fileData(file));
        QVERIFY(QFileInfo(fixture.path(root(), 3)).isFile()); // the empty file was created
        // A block spanning a.bin, b.bin and c/d.bin, and an unaligned request across two files.
        QCOMPARE(readBlock(storage, 1, 0, 16384), fixture.block(1, 0, 16384));
        QCOMPARE(readBlock(storage, 1, 6000, 10000), fixture.block(1, 6000, 10000));
        QCOMPARE(readBlock(storage, 3, 0, 1696), fixture.block(3, 0, 1696));
    }

    void manyBlocksInOneBatchAreWrittenAndReadInRuns()
    {
        // Everything posted before the event loop runs is one batch for the disk thread, which
        // writes and reads blocks that follow each other in a file with one call per run (at
        // most 8 blocks): runs that cross pieces, a duplicate that breaks a run, a short tail.
        const TorrentFixture fixture =
            TorrentFixture::make({{QStringLiteral("big.bin"), 3 * 1048576 + 5000}}, 1048576);
        PieceStorage& storage = m_harness->create(fixture, root());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QSignalSpy verified(&storage, &PieceStorage::pieceVerified);
        const FileLayout& layout = fixture.layout;
        for (int piece = 0; piece < layout.pieceCount(); ++piece) {
            for (int block = 0; block < layout.blockCount(piece); ++block) {
                const int offset = block * FileLayout::kBlockSize;
                const int length = layout.blockSize(piece, block);
                QVERIFY(storage.writeBlock(piece, offset, fixture.block(piece, offset, length)));
                if (piece == 1 && block == 5) {
                    QByteArray bad = fixture.block(piece, offset, length);
                    bad[7] = char(bad.at(7) ^ 1);
                    QVERIFY(storage.writeBlock(piece, offset, bad)); // ignored: a duplicate
                }
            }
        }
        QTRY_COMPARE_WITH_TIMEOUT(verified.size(), layout.pieceCount(), 20000);
        for (const QList<QVariant>& args : std::as_const(verified))
            QVERIFY2(args.at(1).toBool(), qPrintable(args.at(0).toString()));
        QCOMPARE(readFile(fixture.path(root(), 0)), fixture.fileData(0));
        QCOMPARE(storage.pendingWriteBytes(), 0);

        QSignalSpy read(&storage, &PieceStorage::blockRead);
        QList<std::pair<int, int>> asked; // (piece, offset), length from the layout
        for (int piece = 1; piece < layout.pieceCount(); ++piece) {
            for (int block = 0; block < layout.blockCount(piece); ++block)
                asked.append({piece, block * FileLayout::kBlockSize});
        }
        for (const auto& [piece, offset] : std::as_const(asked)) {
            const int length = layout.blockSize(piece, offset / FileLayout::kBlockSize);
            QVERIFY(storage.readBlock(piece, offset, length, quint64(piece)));
        }
        QVERIFY(storage.readBlock(2, 100, 999, 9)); // unaligned, after the run: a run of its own
        QTRY_COMPARE_WITH_TIMEOUT(read.size(), asked.size() + 1, 20000);
        // Blocks are views into a mapping of the file where the kernel can populate one, which
        // the spy keeps alive with its copy of each block's keep-alive. (Compared in user space:
        // safe only because nothing truncates the test's files.)
        for (qsizetype i = 0; i < asked.size(); ++i) {
            const auto [piece, offset] = asked.at(i);
            const QList<QVariant>& args = read.at(i);
            QCOMPARE(args.at(0).toULongLong(), quint64(piece));
            QCOMPARE(args.at(1).toInt(), piece);
            QCOMPARE(args.at(2).toInt(), offset);
            const int length = layout.blockSize(piece, offset / FileLayout::kBlockSize);
            QVERIFY(args.at(3).toByteArray() == fixture.block(piece, offset, length));
            QCOMPARE(isMapped(args), canMap());
        }
        QCOMPARE(read.last().at(3).toByteArray(), fixture.block(2, 100, 999));
        QCOMPARE(isMapped(read.last()), canMap());
    }

    void blocksOutOfOrderAreHashedFromDisk()
    {
        const TorrentFixture fixture =
            TorrentFixture::make({{QStringLiteral("one.bin"), 5 * 16384 + 100}}, 8 * 16384);
        PieceStorage& storage = m_harness->create(fixture, root());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        bool ok = false;
        QVERIFY(writePiece(storage, fixture, 0, {5, 2, 3, 0, 4, 1}, &ok));
        QVERIFY(ok);
        QVERIFY(storage.have().test(0));
    }

    void earlyBlocksBeyondWhatIsKeptInMemoryAreReadBack()
    {
        // An 8 MiB piece written back to front: every block but the first arrives early. Up to
        // 4 MiB of them wait in memory for the hash cursor, the rest are read back from disk.
        const qint64 pieceLength = 8 * 1024 * 1024;
        const TorrentFixture fixture =
            TorrentFixture::make({{QStringLiteral("one.bin"), pieceLength + 100}}, pieceLength);
        PieceStorage& storage = m_harness->create(fixture, root());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QList<int> order;
        for (int block = fixture.layout.blockCount(0) - 1; block >= 0; --block)
            order.append(block);
        bool ok = false;
        QVERIFY(writePiece(storage, fixture, 0, order, &ok));
        QVERIFY(ok);
        QVERIFY(writePiece(storage, fixture, 1, {}, &ok));
        QVERIFY(ok);
        QVERIFY(storage.have().all());
        QCOMPARE(storage.pendingWriteBytes(), 0);
        QCOMPARE(readFile(fixture.path(root(), 0)), fixture.fileData(0));
    }

    void filesAreSparseAndFullSizeFromTheFirstBlock()
    {
        const TorrentFixture fixture = threeFiles();
        PieceStorage& storage = m_harness->create(fixture, root());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        bool ok = false;
        QVERIFY(writePiece(storage, fixture, 0, {}, &ok)); // the first 32768 bytes of a.bin
        QVERIFY(ok);
        QCOMPARE(QFileInfo(fixture.path(root(), 0)).size(), 40000);
        QVERIFY(!QFileInfo::exists(fixture.path(root(), 2))); // nothing written to c/d.bin yet
    }

    void badPieceFailsAndCanBeDownloadedAgain()
    {
        const TorrentFixture fixture = threeFiles();
        PieceStorage& storage = m_harness->create(fixture, root());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QSignalSpy verified(&storage, &PieceStorage::pieceVerified);
        QByteArray bad = fixture.block(0, 16384, 16384);
        bad[100] = char(bad.at(100) ^ 0x55);
        QVERIFY(storage.writeBlock(0, 0, fixture.block(0, 0, 16384)));
        QVERIFY(storage.writeBlock(0, 16384, bad));
        QVERIFY(verified.wait(10000));
        QCOMPARE(verified.constFirst().at(0).toInt(), 0);
        QCOMPARE(verified.constFirst().at(1).toBool(), false);
        QVERIFY(!storage.have().test(0));
        bool ok = false;
        QVERIFY(writePiece(storage, fixture, 0, {}, &ok));
        QVERIFY(ok);
    }

    void secondCopyOfABlockIsIgnored()
    {
        // Endgame: two peers send the same block. The first copy was hashed as it was written;
        // a different second copy must not reach the disk behind the hash's back.
        const TorrentFixture fixture = threeFiles();
        PieceStorage& storage = m_harness->create(fixture, root());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QByteArray bad = fixture.block(2, 0, 16384);
        bad[0] = char(bad.at(0) ^ 1);
        QVERIFY(storage.writeBlock(2, 0, fixture.block(2, 0, 16384)));
        QVERIFY(storage.writeBlock(2, 0, bad));
        bool ok = false;
        QVERIFY(writePiece(storage, fixture, 2, {1}, &ok));
        QVERIFY(ok);
        QCOMPARE(readFile(fixture.path(root(), 2)).mid(65536 - 50000, 32768), fixture.pieceData(2));
    }

    void refusesInvalidOrAlreadyVerifiedBlocks()
    {
        const TorrentFixture fixture = threeFiles();
        PieceStorage& storage = m_harness->create(fixture, root());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QVERIFY(!storage.writeBlock(0, 100, fixture.block(0, 100, 16384)));
        QVERIFY(!storage.writeBlock(0, 0, fixture.block(0, 0, 1000)));
        QVERIFY(!storage.writeBlock(4, 0, QByteArray(16384, 'x')));
        QVERIFY(!storage.readBlock(0, 0, 16384)); // not verified yet
        QVERIFY(writePiece(storage, fixture, 0));
        QVERIFY(!storage.writeBlock(0, 0, fixture.block(0, 0, 16384)));
        QVERIFY(!storage.readBlock(0, 0, 16385));
        QVERIFY(storage.readBlock(0, 0, 16384));
    }

    void fullRecheckFindsGoodBadAndMissingPieces()
    {
        const TorrentFixture fixture = threeFiles();
        fixture.writeFiles(root());
        // Damage piece 0 (inside a.bin) and remove b.bin (pieces 1 only).
        QByteArray a = fixture.fileData(0);
        a[10] = char(a.at(10) ^ 1);
        fixture.writeFile(root(), 0, a);
        QVERIFY(QFile::remove(fixture.path(root(), 1)));
        PieceStorage& storage = m_harness->create(fixture, root());
        QSignalSpy progress(&storage, &PieceStorage::checkProgressed);
        // Piece 1 touches the missing b.bin: dropped without reading.
        QCOMPARE(StorageHarness::openAndWait(storage), 3);
        Bitfield expected(4);
        expected.set(2);
        expected.set(3);
        QCOMPARE(storage.have(), expected);
        QCOMPARE(storage.have(), fixture.expectedHave(root()));
        QVERIFY(!progress.isEmpty());
        QVERIFY(storage.state() == PieceStorage::State::Ready);
        // The check's tasks report from several threads, so the reports may arrive out of
        // order; all of them arrive before the check's end, among them the one for 3 of 3.
        QVERIFY(std::any_of(progress.cbegin(), progress.cend(), [](const QList<QVariant>& args) {
            return args.at(0).toInt() == 3 && args.at(1).toInt() == 3;
        }));

        // Put everything right and ask for a recheck: every piece is hashed and good.
        fixture.writeFiles(root());
        QCOMPARE(StorageHarness::recheckAndWait(storage), 4);
        QVERIFY(storage.have().all());
    }

    void restartTrustsResumeDataWithoutHashing()
    {
        const TorrentFixture fixture = threeFiles();
        fixture.writeFiles(root());
        {
            PieceStorage& first = m_harness->create(fixture, root(), resumePath());
            QCOMPARE(StorageHarness::openAndWait(first), 4);
            QVERIFY(first.have().all());
        }
        m_harness->destroyAll();
        QVERIFY(QFile::exists(resumePath()));
        PieceStorage& second = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(second), 0);
        QVERIFY(second.have().all());
        QCOMPARE(readBlock(second, 2, 0, 16384), fixture.block(2, 0, 16384));
    }

    void downloadProgressSurvivesARestart()
    {
        const TorrentFixture fixture = threeFiles();
        {
            PieceStorage& first = m_harness->create(fixture, root(), resumePath());
            QCOMPARE(StorageHarness::openAndWait(first), 0);
            QVERIFY(writePiece(first, fixture, 0));
            QVERIFY(writePiece(first, fixture, 2));
            // Half of piece 1 written but never verified: must not count after the restart.
            QVERIFY(first.writeBlock(1, 0, fixture.block(1, 0, 16384)));
        }
        m_harness->destroyAll(); // the worker saves on its way out
        PieceStorage& second = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(second), 0);
        Bitfield expected(4);
        expected.set(0);
        expected.set(2);
        QCOMPARE(second.have(), expected);
    }

    void changedFileIsRecheckedAlone()
    {
        const TorrentFixture fixture = threeFiles();
        fixture.writeFiles(root());
        {
            PieceStorage& first = m_harness->create(fixture, root(), resumePath());
            QCOMPARE(StorageHarness::openAndWait(first), 4);
        }
        m_harness->destroyAll();
        // Corrupt c/d.bin (pieces 1 to 3) keeping its size; set an mtime that surely differs.
        const QString changed = fixture.path(root(), 2);
        QByteArray d = fixture.fileData(2);
        d[40000] = char(d.at(40000) ^ 1); // torrent offset 90000: piece 2
        fixture.writeFile(root(), 2, d);
        QFile file(changed);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::currentDateTime().addSecs(3600),
                                 QFileDevice::FileModificationTime));
        file.close();
        PieceStorage& second = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(second), fixture.layout.piecesOfFile(2).size());
        Bitfield expected(4, true);
        expected.reset(2);
        QCOMPARE(second.have(), expected);
    }

    void missingFileDropsItsPiecesOnRestart()
    {
        const TorrentFixture fixture = threeFiles();
        fixture.writeFiles(root());
        {
            PieceStorage& first = m_harness->create(fixture, root(), resumePath());
            QCOMPARE(StorageHarness::openAndWait(first), 4);
        }
        m_harness->destroyAll();
        QVERIFY(QFile::remove(fixture.path(root(), 0))); // a.bin: pieces 0 and 1
        PieceStorage& second = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(second), 0);
        Bitfield expected(4, true);
        expected.reset(0);
        expected.reset(1);
        QCOMPARE(second.have(), expected);
    }

    void corruptResumeDataLeadsToAFullRecheck_data()
    {
        QTest::addColumn<int>("cut"); // bytes kept; -1 = replace with garbage, -2 = forge
        QTest::newRow("truncated") << 60;
        QTest::newRow("empty") << 0;
        QTest::newRow("garbage") << -1;
        QTest::newRow("forged bitfield with spare bits") << -2;
    }

    void corruptResumeDataLeadsToAFullRecheck()
    {
        QFETCH(int, cut);
        const TorrentFixture fixture = threeFiles();
        fixture.writeFiles(root());
        QByteArray a = fixture.fileData(0);
        a[0] = char(a.at(0) ^ 1); // piece 0 is bad on disk
        fixture.writeFile(root(), 0, a);
        {
            PieceStorage& first = m_harness->create(fixture, root(), resumePath());
            QCOMPARE(StorageHarness::openAndWait(first), 4);
        }
        m_harness->destroyAll();
        QByteArray saved = readFile(resumePath());
        QVERIFY(saved.contains("\"have\""));
        if (cut >= 0) {
            saved.truncate(cut);
        } else if (cut == -1) {
            saved = QByteArray(500, '\x7f');
        } else {
            // Claims piece 0 and sets a spare bit: strict validation must reject it all.
            const QByteArray have = QByteArray("\xf1", 1).toBase64();
            const qsizetype at = saved.indexOf("\"have\":\"") + 8;
            saved.replace(at, saved.indexOf('"', at) - at, have);
        }
        QFile out(resumePath());
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(saved);
        out.close();
        PieceStorage& second = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(second), 4);
        QCOMPARE(second.have(), fixture.expectedHave(root()));
        QVERIFY(!second.have().test(0));
    }

    void recheckDistrustsResumeDataAndSupersedesAnEarlierCheck()
    {
        const TorrentFixture fixture = threeFiles();
        fixture.writeFiles(root());
        {
            PieceStorage& first = m_harness->create(fixture, root(), resumePath());
            QCOMPARE(StorageHarness::openAndWait(first), 4);
        }
        m_harness->destroyAll();
        // Corrupt piece 0 behind the resume data's back: same size, same mtime.
        const QString path = fixture.path(root(), 0);
        const QDateTime mtime = QFileInfo(path).fileTime(QFileDevice::FileModificationTime);
        QByteArray a = fixture.fileData(0);
        a[5] = char(a.at(5) ^ 1);
        fixture.writeFile(root(), 0, a);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(mtime, QFileDevice::FileModificationTime));
        file.close();

        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QSignalSpy finished(&storage, &PieceStorage::checkFinished);
        storage.open();
        // Let the open's check finish and answer on the disk thread (nothing to hash: the resume
        // data is trusted), but do not deliver the answer here before asking for a recheck.
        m_harness->syncDiskThread();
        m_harness->syncDiskThread();
        storage.recheck();
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.size(), 1); // the open's answer was stale and dropped
        QCOMPARE(finished.constFirst().at(0).toInt(), 4);
        Bitfield expected(4, true);
        expected.reset(0);
        QCOMPARE(storage.have(), expected);
        QCOMPARE(storage.state(), PieceStorage::State::Ready);
    }

    void checkCanBeCancelled()
    {
        const TorrentFixture fixture =
            TorrentFixture::make({{QStringLiteral("big.bin"), 64 * 16384}}, 16384);
        fixture.writeFiles(root());
        m_harness->pool().setMaxThreadCount(1);
        // Hold the pool's only thread so that no piece is hashed before the cancel lands.
        QSemaphore gate;
        QSemaphore holding;
        m_harness->pool().start([&] {
            holding.release();
            gate.acquire();
        });
        holding.acquire();
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QSignalSpy finished(&storage, &PieceStorage::checkFinished);
        storage.open();
        storage.cancelCheck();
        // The cancel is queued after the open on the disk thread; a queued no-op after both
        // tells us both ran.
        QSignalSpy saved(&storage, &PieceStorage::resumeDataSaved);
        storage.saveResumeData();
        QVERIFY(saved.wait(10000));
        gate.release();
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.constFirst().at(0).toInt(), 0);
        QCOMPARE(finished.constFirst().at(1).toBool(), true);
        QCOMPARE(storage.state(), PieceStorage::State::Ready);
        QVERIFY(storage.have().none());
        // A recheck after a cancel starts over and finishes.
        QCOMPARE(StorageHarness::recheckAndWait(storage), 64);
        QVERIFY(storage.have().all());
    }

    void resumeDataIsSavedOnRequest()
    {
        const TorrentFixture fixture = threeFiles();
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QVERIFY(writePiece(storage, fixture, 2));
        QSignalSpy saved(&storage, &PieceStorage::resumeDataSaved);
        storage.saveResumeData();
        QVERIFY(saved.wait(10000));
        QCOMPARE(saved.constFirst().at(0).toBool(), true);
        const Result<ResumeData> loaded =
            ResumeData::load(resumePath(), fixture.layout, fixture.hashes);
        QVERIFY2(loaded.ok(), loaded ? "" : qPrintable(loaded.error().message));
        QCOMPARE(loaded->have, storage.have());
        QCOMPARE(loaded->files, ResumeData::statFiles(fixture.layout, root()));
    }

    void resumeDataIsSavedPeriodicallyWhenSomethingChanged()
    {
        const TorrentFixture fixture = threeFiles();
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath(), 8, 20);
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        const QByteArray before = readFile(resumePath());
        QVERIFY(!before.isEmpty()); // saved after the check
        QSignalSpy saved(&storage, &PieceStorage::resumeDataSaved);
        QVERIFY(writePiece(storage, fixture, 0));
        QVERIFY(saved.wait(10000));
        QCOMPARE(saved.constFirst().at(0).toBool(), true);
        const Result<ResumeData> loaded =
            ResumeData::load(resumePath(), fixture.layout, fixture.hashes);
        QVERIFY(loaded.ok());
        QVERIFY(loaded->have.test(0));
        QCOMPARE(loaded->have.count(), 1);
    }

    void fewFilesOpenAtOnceStillWorks()
    {
        // Forty one-block files through a cache of two handles.
        torrent::FileList files;
        for (int i = 0; i < 40; ++i)
            files.append({QStringLiteral("many/f%1").arg(i), 16384});
        const TorrentFixture fixture = TorrentFixture::make(files, 4 * 16384);
        PieceStorage& storage = m_harness->create(fixture, root(), {}, 2);
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        for (int piece = 0; piece < fixture.layout.pieceCount(); ++piece)
            QVERIFY(writePiece(storage, fixture, piece, {3, 1, 2, 0}));
        QVERIFY(storage.have().all());
        for (int file = 0; file < 40; ++file)
            QCOMPARE(readFile(fixture.path(root(), file)), fixture.fileData(file));
        QCOMPARE(readBlock(storage, 9, 3 * 16384, 16384), fixture.block(9, 3 * 16384, 16384));
    }
};

QTEST_GUILESS_MAIN(TestPieceStorage)
#include "tst_piecestorage.moc"
