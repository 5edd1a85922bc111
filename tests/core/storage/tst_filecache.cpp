// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/filecache.h"
#include "storagefixture.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace swarmshare;
using namespace swarmshare::storage;
using swarmshare::test::canMap;

class TestFileCache : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;

    QString root() const { return m_dir->path(); }

    static constexpr qint64 kWindow = FileCache::kMapWindowBytes;

    static qint64 wholePages(qint64 bytes)
    {
        const qint64 page = ::sysconf(_SC_PAGESIZE);
        return (bytes + page - 1) / page * page;
    }

    // Recognisable bytes: no two 4-byte-aligned words of a file are the same.
    static QByteArray pattern(qint64 from, qint64 length)
    {
        QByteArray bytes(length, Qt::Uninitialized);
        for (qint64 i = 0; i < length; ++i) {
            const quint64 at = quint64(from + i);
            bytes[i] = char((at >> (8 * (at % 4))) ^ (at % 251));
        }
        return bytes;
    }

    // One file of `length` bytes in the torrent, holding pattern() up to `onDisk`.
    static void writePattern(const QString& path, qint64 onDisk)
    {
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        for (qint64 at = 0; at < onDisk; at += 1 << 20) {
            const QByteArray chunk = pattern(at, qMin<qint64>(1 << 20, onDisk - at));
            QCOMPARE(file.write(chunk), chunk.size());
        }
    }

    // The mapped bytes, copied. Reading them in user space is safe here only because nothing
    // truncates the test's files (see FileCache::map()).
    static QByteArray bytesOf(const std::optional<FileCache::MappedRange>& range)
    {
        return range ? QByteArray(range->data, range->length) : QByteArray();
    }

    static torrent::FileList files(int count, qint64 length)
    {
        torrent::FileList list;
        for (int i = 0; i < count; ++i)
            list.append({QStringLiteral("d%1/f%2").arg(i % 3).arg(i), length});
        return list;
    }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void cleanup() { m_dir.reset(); }

    void missingFileReadsAsEmptyAndIsNotCreated()
    {
        FileCache cache(files(1, 100), root(), 4);
        char buffer[10];
        const Result<qint64> read = cache.read(0, 0, buffer, 10);
        QVERIFY(read.ok());
        QCOMPARE(*read, 0);
        QVERIFY(!QFileInfo::exists(cache.filePath(0)));
        QCOMPARE(cache.openCount(), 0);
    }

    void writeCreatesFoldersAndAFullLengthFile()
    {
        FileCache cache(files(1, 100000), root(), 4);
        QVERIFY(cache.write(0, 50, "hello", 5).ok());
        QCOMPARE(QFileInfo(cache.filePath(0)).size(), 100000);
        char buffer[7] = {};
        const Result<qint64> read = cache.read(0, 49, buffer, 7);
        QVERIFY(read.ok());
        QCOMPARE(*read, 7);
        QCOMPARE(QByteArray(buffer, 7), QByteArray("\0hello\0", 7));
    }

    void shortReadAtTheEndOfAFile()
    {
        FileCache cache(files(1, 10), root(), 4);
        QFile file(cache.filePath(0));
        QVERIFY(QDir().mkpath(QFileInfo(file).absolutePath()));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("abcd");
        file.close();
        char buffer[10];
        const Result<qint64> read = cache.read(0, 2, buffer, 10);
        QVERIFY(read.ok());
        QCOMPARE(*read, 2);
    }

    void keepsAtMostMaxOpenFiles()
    {
        FileCache cache(files(10, 64), root(), 3);
        for (int i = 0; i < 10; ++i) {
            const QByteArray data = QByteArray::number(i).repeated(8);
            QVERIFY(cache.write(i, 0, data.constData(), data.size()).ok());
            QVERIFY(cache.openCount() <= 3);
        }
        QCOMPARE(cache.openCount(), 3);
        for (int i = 9; i >= 0; --i) {
            char buffer[8];
            QCOMPARE(*cache.read(i, 0, buffer, 8), 8);
            QCOMPARE(QByteArray(buffer, 8), QByteArray::number(i).repeated(8));
            QVERIFY(cache.openCount() <= 3);
        }
        cache.closeAll();
        QCOMPARE(cache.openCount(), 0);
    }

    void longerFileIsNotCut()
    {
        FileCache cache(files(1, 10), root(), 4);
        QVERIFY(QDir().mkpath(QFileInfo(cache.filePath(0)).absolutePath()));
        QFile file(cache.filePath(0));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(50, 'u'));
        file.close();
        QVERIFY(cache.write(0, 0, "x", 1).ok());
        QCOMPARE(QFileInfo(cache.filePath(0)).size(), 50);
    }

    void fileDeletedWhileOpenIsAnError()
    {
        FileCache cache(files(1, 10), root(), 4);
        QVERIFY(cache.write(0, 0, "0123456789", 10).ok());
        QVERIFY(QFile::remove(cache.filePath(0)));
        char buffer[10];
        const Result<qint64> read = cache.read(0, 0, buffer, 10);
        QVERIFY(!read.ok());
        QVERIFY(read.error().message.contains(QStringLiteral("deleted")));
        QVERIFY(!cache.write(0, 0, "x", 1).ok() || QFileInfo::exists(cache.filePath(0)));
    }

    void vectoredWriteAndReadMoveBuffersInOrder()
    {
        // More buffers than one call takes (IOV_MAX is 1024), of uneven sizes.
        FileCache cache(files(1, 4 << 20), root(), 4);
        QList<QByteArray> parts;
        QByteArray whole;
        for (int i = 0; i < 1500; ++i) {
            parts.append(QByteArray(1 + (i * 37) % 2000, char('a' + i % 26)));
            whole += parts.last();
        }
        QList<FileCache::ConstBuffer> out;
        for (const QByteArray& part : std::as_const(parts))
            out.append({part.constData(), part.size()});
        QVERIFY(cache.write(0, 1000, out.constData(), int(out.size())).ok());

        QList<QByteArray> back;
        QList<FileCache::Buffer> in;
        for (const QByteArray& part : std::as_const(parts))
            back.append(QByteArray(part.size(), Qt::Uninitialized));
        for (QByteArray& part : back)
            in.append({part.data(), part.size()});
        const Result<qint64> read = cache.read(0, 1000, in.constData(), int(in.size()));
        QVERIFY(read.ok());
        QCOMPARE(*read, whole.size());
        QCOMPARE(back, parts);

        char plain[100];
        QCOMPARE(*cache.read(0, 1000, plain, 100), 100);
        QCOMPARE(QByteArray(plain, 100), whole.first(100));
    }

    void vectoredReadStopsAtTheEndOfAFile()
    {
        FileCache cache(files(1, 10), root(), 4);
        QFile file(cache.filePath(0));
        QVERIFY(QDir().mkpath(QFileInfo(file).absolutePath()));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("abcdef");
        file.close();
        char a[3];
        char b[3];
        char c[3];
        const FileCache::Buffer buffers[] = {{a, 3}, {b, 3}, {c, 3}};
        const Result<qint64> read = cache.read(0, 1, buffers, 3);
        QVERIFY(read.ok());
        QCOMPARE(*read, 5);
        QCOMPARE(QByteArray(a, 3), QByteArray("bcd"));
        QCOMPARE(QByteArray(b, 2), QByteArray("ef"));
    }

    void deletionIsCheckedOncePerBatch()
    {
        FileCache cache(files(1, 10), root(), 4);
        QVERIFY(cache.write(0, 0, "0123456789", 10).ok());
        char buffer[10];
        {
            const FileCache::Batch batch(cache);
            QVERIFY(cache.read(0, 0, buffer, 10).ok()); // checked here
            QVERIFY(QFile::remove(cache.filePath(0)));
            // Within the batch the open file is not looked at again.
            QVERIFY(cache.read(0, 0, buffer, 10).ok());
        }
        {
            // The next batch notices.
            const FileCache::Batch batch(cache);
            const Result<qint64> read = cache.read(0, 0, buffer, 10);
            QVERIFY(!read.ok());
            QVERIFY(read.error().message.contains(QStringLiteral("deleted")));
        }
    }

    void createsEmptyFiles()
    {
        torrent::FileList list{{QStringLiteral("a/b/empty"), 0},
                               {QStringLiteral("data"), 5},
                               {QStringLiteral("empty2"), 0}};
        FileCache cache(list, root(), 4);
        QVERIFY(cache.createEmptyFiles().ok());
        QVERIFY(QFileInfo(cache.filePath(0)).isFile());
        QCOMPARE(QFileInfo(cache.filePath(0)).size(), 0);
        QVERIFY(QFileInfo(cache.filePath(2)).isFile());
        QVERIFY(!QFileInfo::exists(cache.filePath(1))); // files with data wait for their blocks
    }

    void mapsRangesInsideOneWindow()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        const qint64 length = kWindow + 3 * 1024 * 1024 + 123;
        FileCache cache(files(1, length), root(), 4);
        writePattern(cache.filePath(0), length);
        const Result<std::optional<FileCache::MappedRange>> first = cache.map(0, 100, 5000);
        QVERIFY(first.ok());
        QVERIFY(first->has_value());
        QCOMPARE((*first)->length, 5000);
        QVERIFY((*first)->keepAlive);
        QCOMPARE(bytesOf(*first), pattern(100, 5000));
        QCOMPARE(cache.mappedWindowCount(), 1);
        QCOMPARE(cache.mappedBytes(), kWindow);

        // Another range of the same window, the window's very end: the same mapping.
        const auto second = cache.map(0, kWindow - 16384, 16384);
        QVERIFY(second.ok() && second->has_value());
        QCOMPARE(bytesOf(*second), pattern(kWindow - 16384, 16384));
        QCOMPARE((*second)->keepAlive.get(), (*first)->keepAlive.get());
        QCOMPARE(cache.mappedWindowCount(), 1);
        // The next window starts at kWindow.
        const auto third = cache.map(0, kWindow, 131072);
        QVERIFY(third.ok() && third->has_value());
        QCOMPARE(bytesOf(*third), pattern(kWindow, 131072));
        QVERIFY((*third)->keepAlive.get() != (*first)->keepAlive.get());
        QCOMPARE(cache.mappedWindowCount(), 2);
        QCOMPARE(cache.openCount(), 1);
    }

    void rangeAcrossAWindowBoundaryIsReadInstead()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        const qint64 length = kWindow + 65536;
        FileCache cache(files(1, length), root(), 4);
        writePattern(cache.filePath(0), length);
        const auto across = cache.map(0, kWindow - 100, 200);
        QVERIFY(across.ok());
        QVERIFY(!across->has_value()); // the caller reads it
        QCOMPARE(cache.mappedWindowCount(), 0);
        char buffer[200];
        QCOMPARE(*cache.read(0, kWindow - 100, buffer, 200), 200);
        QCOMPARE(QByteArray(buffer, 200), pattern(kWindow - 100, 200));
    }

    void mapsTheLastPartialWindow()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        // Two windows, the second 1000 bytes long: not even a page.
        const qint64 length = kWindow + 1000;
        FileCache cache(files(1, length), root(), 4);
        writePattern(cache.filePath(0), length);
        const auto tail = cache.map(0, length - 777, 777);
        QVERIFY(tail.ok() && tail->has_value());
        QCOMPARE(bytesOf(*tail), pattern(length - 777, 777));
        QCOMPARE(cache.mappedWindowCount(), 1);
        QCOMPARE(cache.mappedBytes(), wholePages(1000));
        // Past the torrent's end of the file: never.
        const auto past = cache.map(0, length - 100, 200);
        QVERIFY(past.ok());
        QVERIFY(!past->has_value());
    }

    void fileShorterThanItsTorrentLengthIsReadInstead()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        // 100,000 bytes in the torrent, 50,000 on disk: the end of the file is in a page.
        FileCache cache(files(1, 100000), root(), 4);
        writePattern(cache.filePath(0), 50000);
        const auto inside = cache.map(0, 40000, 10000); // up to the very end on disk
        QVERIFY(inside.ok() && inside->has_value());
        QCOMPARE(bytesOf(*inside), pattern(40000, 10000));
        for (const auto& [offset, size] : {std::pair<qint64, qint64>{49000, 2000},
                                           {49999, 2}, // the rest of the page reads as zeros
                                           {60000, 16384}}) {
            const auto mapped = cache.map(0, offset, size);
            QVERIFY(mapped.ok());
            QVERIFY2(!mapped->has_value(), qPrintable(QString::number(offset)));
            // What the caller does then: read() tells how much is there, as without mapping.
            QByteArray buffer(size, Qt::Uninitialized);
            const Result<qint64> read = cache.read(0, offset, buffer.data(), size);
            QVERIFY(read.ok());
            QCOMPARE(*read, qMax<qint64>(0, 50000 - offset));
        }
    }

    // A range already populated is not populated again, but the file's size is still checked
    // first: cut short since, it is read instead.
    void populatedRangeOfAFileCutShortSinceIsReadInstead()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        FileCache cache(files(1, 100000), root(), 4);
        writePattern(cache.filePath(0), 100000);
        for (int round = 0; round < 2; ++round) {
            const auto mapped = cache.map(0, 60000, 16384);
            QVERIFY(mapped.ok() && mapped->has_value());
            QCOMPARE(bytesOf(*mapped), pattern(60000, 16384));
        }
        QVERIFY(QFile::resize(cache.filePath(0), 70000));
        const auto again = cache.map(0, 60000, 16384);
        QVERIFY(again.ok());
        QVERIFY(!again->has_value());
        const auto before = cache.map(0, 50000, 16384); // still all there
        QVERIFY(before.ok() && before->has_value());
        QCOMPARE(bytesOf(*before), pattern(50000, 16384));
    }

    void missingFileIsNotMapped()
    {
        FileCache cache(files(1, 100000), root(), 4);
        const auto mapped = cache.map(0, 0, 16384);
        QVERIFY(mapped.ok());
        QVERIFY(!mapped->has_value());
        QVERIFY(!QFileInfo::exists(cache.filePath(0)));
        QCOMPARE(cache.mappedWindowCount(), 0);
    }

    void deletedFileIsAnErrorAndItsWindowsAreDropped()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        FileCache cache(files(1, 100000), root(), 4);
        writePattern(cache.filePath(0), 100000);
        const auto before = cache.map(0, 0, 16384);
        QVERIFY(before.ok() && before->has_value());
        QCOMPARE(cache.mappedWindowCount(), 1);
        QVERIFY(QFile::remove(cache.filePath(0)));
        const auto after = cache.map(0, 16384, 16384);
        QVERIFY(!after.ok());
        QVERIFY2(after.error().message.contains(QStringLiteral("deleted")),
                 qPrintable(after.error().message));
        QCOMPARE(cache.mappedWindowCount(), 0);
        QCOMPARE(cache.mappedBytes(), 0);
        // The range handed out earlier is still mapped: the unlinked file lives on with it.
        QCOMPARE(bytesOf(*before), pattern(0, 16384));
    }

    void closingAFileDropsItsWindows()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        FileCache cache(files(2, 100000), root(), 1);
        writePattern(cache.filePath(0), 100000);
        writePattern(cache.filePath(1), 100000);
        QVERIFY(cache.map(0, 0, 16384)->has_value());
        QCOMPARE(cache.mappedWindowCount(), 1);
        // One open file at a time: opening the second closes the first, and its window goes.
        const auto second = cache.map(1, 50000, 16384);
        QVERIFY(second.ok() && second->has_value());
        QCOMPARE(bytesOf(*second), pattern(50000, 16384));
        QCOMPARE(cache.mappedWindowCount(), 1);
        QCOMPARE(cache.mappedBytes(), wholePages(100000));
        cache.closeAll();
        QCOMPARE(cache.mappedWindowCount(), 0);
        QCOMPARE(cache.mappedBytes(), 0);
    }

    void keepsTheMostRecentlyUsedWindowsUnderTheCap()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        // A sparse file of four windows more than the cap holds; 16 KiB of holes read per
        // window (a page cache page of zeros each).
        const qint64 capWindows = FileCache::kMaxMappedBytes / kWindow;
        const qint64 length = FileCache::kMaxMappedBytes + 4 * kWindow;
        FileCache cache(files(1, length), root(), 4);
        {
            QVERIFY(QDir().mkpath(QFileInfo(cache.filePath(0)).absolutePath()));
            QFile file(cache.filePath(0));
            QVERIFY(file.open(QIODevice::WriteOnly));
            QVERIFY(file.resize(length));
        }
        auto keepOf = [&](qint64 window) -> const void* {
            const auto mapped = cache.map(0, window * kWindow + 4096, 16384);
            return mapped.ok() && mapped->has_value() ? (*mapped)->keepAlive.get() : nullptr;
        };
        std::vector<std::shared_ptr<const void>> held; // so that no address is reused
        auto hold = [&](qint64 window) {
            const auto mapped = cache.map(0, window * kWindow, 16384);
            if (mapped.ok() && mapped->has_value())
                held.push_back((*mapped)->keepAlive);
            return held.empty() ? nullptr : held.back().get();
        };
        const void* first = hold(0);
        QVERIFY(first);
        const void* second = hold(1);
        for (qint64 window = 2; window < capWindows; ++window)
            QVERIFY(keepOf(window));
        QCOMPARE(cache.mappedWindowCount(), capWindows);
        QCOMPARE(cache.mappedBytes(), FileCache::kMaxMappedBytes);
        QCOMPARE(keepOf(0), first); // window 0 is now the most recently used, 1 the least
        for (qint64 window = capWindows; window < capWindows + 4; ++window) {
            QVERIFY(keepOf(window));
            QVERIFY(cache.mappedBytes() <= FileCache::kMaxMappedBytes);
        }
        QCOMPARE(cache.mappedWindowCount(), capWindows);
        QCOMPARE(keepOf(0), first);    // kept
        const void* again = keepOf(1); // recycled: mapped afresh
        QVERIFY(again && again != second);
        QCOMPARE(cache.mappedWindowCount(), capWindows);
        QCOMPARE(cache.mappedBytes(), FileCache::kMaxMappedBytes);
    }

    void keptRangeOutlivesTheCache()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        auto cache = std::make_unique<FileCache>(files(1, 200000), root(), 4);
        writePattern(cache->filePath(0), 200000);
        std::optional<FileCache::MappedRange> kept;
        {
            const auto mapped = cache->map(0, 70000, 16384);
            QVERIFY(mapped.ok() && mapped->has_value());
            kept = **mapped;
        }
        cache->closeAll();
        QCOMPARE(cache->mappedWindowCount(), 0);
        QCOMPARE(bytesOf(kept), pattern(70000, 16384));
        cache.reset();
        QCOMPARE(bytesOf(kept), pattern(70000, 16384));
        std::weak_ptr<const void> gone = kept->keepAlive;
        kept.reset();
        QVERIFY(gone.expired()); // unmapped with the last reference
    }

    void mappedBytesFollowWrites()
    {
        if (!canMap())
            QSKIP("needs 64-bit Linux 5.14 or later");
        // A download seeded by the session that wrote it: the shared mapping and pwrite see
        // the same page cache, whichever comes first.
        FileCache cache(files(1, 100000), root(), 4);
        QVERIFY(cache.write(0, 30000, "first", 5).ok());
        const auto mapped = cache.map(0, 30000, 5);
        QVERIFY(mapped.ok() && mapped->has_value());
        QCOMPARE(bytesOf(*mapped), QByteArray("first"));
        QVERIFY(cache.write(0, 30000, "again", 5).ok());
        QCOMPARE(bytesOf(*mapped), QByteArray("again"));
    }

    void folderInTheWayIsAnError()
    {
        torrent::FileList list{{QStringLiteral("blocked/file"), 10}};
        QFile blocker(QDir(root()).filePath(QStringLiteral("blocked")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        FileCache cache(list, root(), 4);
        const Result<void> written = cache.write(0, 0, "x", 1);
        QVERIFY(!written.ok());
        QVERIFY(written.error().message.contains(QStringLiteral("blocked")));
    }
};

QTEST_GUILESS_MAIN(TestFileCache)
#include "tst_filecache.moc"
