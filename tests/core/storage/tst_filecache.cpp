// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/filecache.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::storage;

class TestFileCache : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;

    QString root() const { return m_dir->path(); }

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
