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
