// SPDX-License-Identifier: GPL-3.0-or-later
// Disk failures that work as root in CI: /dev/full for a full disk, RLIMIT_FSIZE for a file too
// large, a file deleted while seeding, a regular file where a folder must be created, a folder
// where a file should be.
#include "storage/piecestorage.h"
#include "storage/resumedata.h"
#include "storagefixture.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

using namespace swarmshare;
using namespace swarmshare::storage;
using swarmshare::test::StorageHarness;
using swarmshare::test::TorrentFixture;

namespace {

// a.bin holds piece 0, <second> holds pieces 1 and 2.
TorrentFixture twoFiles(const QString& second = QStringLiteral("b.bin"))
{
    return TorrentFixture::make({{QStringLiteral("a.bin"), 32768}, {second, 65536}}, 32768);
}

bool writePiece(PieceStorage& storage, const TorrentFixture& fixture, int piece)
{
    QSignalSpy verified(&storage, &PieceStorage::pieceVerified);
    for (int block = 0; block < fixture.layout.blockCount(piece); ++block) {
        const int offset = block * FileLayout::kBlockSize;
        const int length = fixture.layout.blockSize(piece, block);
        if (!storage.writeBlock(piece, offset, fixture.block(piece, offset, length)))
            return false;
    }
    return verified.wait(10000) && verified.constFirst().at(1).toBool();
}

// Writes one block that must fail and returns the error message (empty if it did not fail).
QString failingWrite(PieceStorage& storage, const TorrentFixture& fixture, int piece)
{
    QSignalSpy failed(&storage, &PieceStorage::errorOccurred);
    if (!storage.writeBlock(piece, 0, fixture.block(piece, 0, 16384)) || !failed.wait(10000))
        return {};
    return failed.constFirst().at(0).toString();
}

Bitfield bits(int size, std::initializer_list<int> set)
{
    Bitfield result(size);
    for (const int index : set)
        result.set(index);
    return result;
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Lowers RLIMIT_FSIZE for this process and ignores SIGXFSZ, so that write() and ftruncate()
// past the limit fail with EFBIG instead of killing the test; restores both when destroyed.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        m_ok = ::getrlimit(RLIMIT_FSIZE, &m_saved) == 0;
        m_handler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit lowered = m_saved;
        lowered.rlim_cur = bytes;
        m_ok = m_ok && ::setrlimit(RLIMIT_FSIZE, &lowered) == 0;
    }
    ~FileSizeLimit()
    {
        ::setrlimit(RLIMIT_FSIZE, &m_saved);
        std::signal(SIGXFSZ, m_handler);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;
    bool ok() const { return m_ok; }

private:
    struct rlimit m_saved {};
    void (*m_handler)(int) = SIG_DFL;
    bool m_ok = false;
};

} // namespace

class TestDiskErrors : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<StorageHarness> m_harness;

    QString root() const { return m_dir->filePath(QStringLiteral("download")); }
    QString resumePath() const { return m_dir->filePath(QStringLiteral("t.resume")); }

    Bitfield savedHave(const TorrentFixture& fixture)
    {
        const Result<ResumeData> loaded =
            ResumeData::load(resumePath(), fixture.layout, fixture.hashes);
        return loaded ? loaded->have : Bitfield();
    }

    bool saveAndWait(PieceStorage& storage)
    {
        QSignalSpy saved(&storage, &PieceStorage::resumeDataSaved);
        storage.saveResumeData();
        return saved.wait(10000) && saved.constFirst().at(0).toBool();
    }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        QVERIFY(QDir().mkpath(root()));
        // Hashing on the disk thread here: the other configuration PieceStorage supports.
        m_harness = std::make_unique<StorageHarness>(false);
    }

    void cleanup()
    {
        m_harness.reset();
        m_dir.reset();
    }

    void diskFullStopsWritesAndKeepsVerifiedPieces()
    {
        if (!QFileInfo::exists(QStringLiteral("/dev/full")))
            QSKIP("no /dev/full on this system");
        const TorrentFixture fixture = twoFiles();
        QVERIFY(QFile::link(QStringLiteral("/dev/full"), fixture.path(root(), 1)));
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        // b.bin "exists" (reads as zeros): its two pieces are hashed and found bad.
        QCOMPARE(StorageHarness::openAndWait(storage), 2);
        QVERIFY(writePiece(storage, fixture, 0));

        const QString message = failingWrite(storage, fixture, 1);
        QVERIFY2(message.contains(QStringLiteral("b.bin")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("No space left")), qPrintable(message));
        QCOMPARE(storage.state(), PieceStorage::State::Error);
        QCOMPARE(storage.errorString(), message);
        QCOMPARE(storage.have(), bits(3, {0}));
        QVERIFY(!storage.writeBlock(2, 0, fixture.block(2, 0, 16384))); // refused while failed

        QVERIFY(saveAndWait(storage));
        QCOMPARE(savedHave(fixture), bits(3, {0}));

        // Space is back (the device is gone): clearing the error lets the download finish.
        QVERIFY(QFile::remove(fixture.path(root(), 1)));
        storage.clearError();
        QCOMPARE(storage.state(), PieceStorage::State::Ready);
        QVERIFY(writePiece(storage, fixture, 1));
        QVERIFY(writePiece(storage, fixture, 2));
        QVERIFY(storage.have().all());
    }

    void fileTooLargeIsAnError()
    {
        const TorrentFixture fixture = twoFiles();
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QString message;
        {
            // a.bin (32 KiB) fits under the limit, b.bin (64 KiB) does not.
            const FileSizeLimit limit(48 * 1024);
            QVERIFY(limit.ok());
            QVERIFY(writePiece(storage, fixture, 0));
            message = failingWrite(storage, fixture, 1);
        }
        QVERIFY2(message.contains(QStringLiteral("b.bin")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("File too large")), qPrintable(message));
        QCOMPARE(storage.state(), PieceStorage::State::Error);
        QCOMPARE(storage.have(), bits(3, {0}));
        QVERIFY(saveAndWait(storage));
        QCOMPARE(savedHave(fixture), bits(3, {0}));
    }

    void fileDeletedWhileSeedingIsAnError()
    {
        const TorrentFixture fixture = twoFiles();
        fixture.writeFiles(root());
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(storage), 3);
        QVERIFY(storage.have().all());
        const QByteArray resumeBefore = readFile(resumePath());
        QVERIFY(!resumeBefore.isEmpty());

        QSignalSpy read(&storage, &PieceStorage::blockRead);
        QVERIFY(storage.readBlock(1, 0, 16384)); // b.bin is open from now on
        QVERIFY(read.wait(10000));
        QVERIFY(QFile::remove(fixture.path(root(), 1)));

        QSignalSpy failedRead(&storage, &PieceStorage::blockReadFailed);
        QSignalSpy failed(&storage, &PieceStorage::errorOccurred);
        QVERIFY(storage.readBlock(2, 16384, 16384, 7));
        QVERIFY(failedRead.wait(10000));
        QCOMPARE(failedRead.constFirst().at(0).toULongLong(), 7u);
        QCOMPARE(failed.size(), 1);
        const QString message = failed.constFirst().at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("b.bin")) &&
                     message.contains(QStringLiteral("deleted")),
                 qPrintable(message));
        QCOMPARE(storage.state(), PieceStorage::State::Error);
        QVERIFY(storage.have().all()); // nothing verified is marked bad
        QCOMPARE(readFile(resumePath()), resumeBefore);

        // Next start: the deleted file's pieces are dropped without hashing, a.bin is trusted.
        m_harness->destroyAll();
        PieceStorage& next = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(next), 0);
        QCOMPARE(next.have(), bits(3, {0}));
    }

    void fileTruncatedWhileSeedingIsAnError()
    {
        // Another program cuts b.bin short (at 40,000 bytes: in the middle of a page) while it is
        // seeded, after a block of it was read (and its file mapped). A block that is still
        // there is sent; one that is not fails as it always did, with the same message, rather
        // than reaching the peer as zeros from the part of the last page past the new end.
        const TorrentFixture fixture = twoFiles();
        fixture.writeFiles(root());
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(storage), 3);
        QSignalSpy read(&storage, &PieceStorage::blockRead);
        QVERIFY(storage.readBlock(1, 16384, 16384, 5));
        QVERIFY(read.wait(10000));
        QVERIFY(QFile::resize(fixture.path(root(), 1), 40000));

        QVERIFY(storage.readBlock(1, 0, 16384, 6)); // b.bin [0, 16384): still there
        QVERIFY(read.wait(10000));
        QCOMPARE(read.at(1).at(0).toULongLong(), 6u);
        // Compared in user space: safe here, the file no longer changes.
        QVERIFY(read.at(1).at(3).toByteArray() == fixture.block(1, 0, 16384));

        QSignalSpy failedRead(&storage, &PieceStorage::blockReadFailed);
        QSignalSpy failed(&storage, &PieceStorage::errorOccurred);
        QVERIFY(storage.readBlock(2, 0, 16384, 7)); // b.bin [32768, 49152): cut at 40,000
        QVERIFY(failedRead.wait(10000));
        QCOMPARE(failedRead.constFirst().at(0).toULongLong(), 7u);
        QCOMPARE(read.size(), 2);
        QCOMPARE(failed.size(), 1);
        const QString message = failed.constFirst().at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("b.bin")) &&
                     message.contains(QStringLiteral("shorter than expected")),
                 qPrintable(message));
        QCOMPARE(storage.state(), PieceStorage::State::Error);
        QVERIFY(storage.have().all()); // nothing verified is marked bad
    }

    void cannotCreateFolderIsAnError()
    {
        // Works as root too: a regular file sits where the folder must be created.
        const TorrentFixture fixture = twoFiles(QStringLiteral("sub/b.bin"));
        QFile blocker(QDir(root()).filePath(QStringLiteral("sub")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QCOMPARE(StorageHarness::openAndWait(storage), 0);
        QVERIFY(writePiece(storage, fixture, 0));
        const QString message = failingWrite(storage, fixture, 2);
        QVERIFY2(message.contains(QStringLiteral("sub")), qPrintable(message));
        QCOMPARE(storage.state(), PieceStorage::State::Error);
        QCOMPARE(storage.have(), bits(3, {0}));
        QVERIFY(saveAndWait(storage));
        QCOMPARE(savedHave(fixture), bits(3, {0}));
    }

    void unreadableFileDuringCheckIsAnError()
    {
        // A folder where b.bin should be: it exists, but cannot be opened as a file.
        const TorrentFixture fixture = twoFiles();
        fixture.writeFile(root(), 0, fixture.fileData(0));
        QVERIFY(QDir().mkpath(fixture.path(root(), 1)));
        PieceStorage& storage = m_harness->create(fixture, root(), resumePath());
        QSignalSpy failed(&storage, &PieceStorage::errorOccurred);
        QCOMPARE(StorageHarness::openAndWait(storage), 1);
        QCOMPARE(failed.size(), 1);
        QVERIFY2(failed.constFirst().at(0).toString().contains(QStringLiteral("b.bin")),
                 qPrintable(failed.constFirst().at(0).toString()));
        QCOMPARE(storage.state(), PieceStorage::State::Error);
        QCOMPARE(storage.have(), bits(3, {0})); // what could be read was still verified
    }
};

QTEST_GUILESS_MAIN(TestDiskErrors)
#include "tst_diskerrors.moc"
