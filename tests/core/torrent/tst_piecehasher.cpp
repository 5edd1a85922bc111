// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/sha1.h"
#include "support/files.h"
#include "torrent/piecehasher.h"

#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare;
using swarmshare::torrent::PieceHasher;

class TestPieceHasher : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // Writes files of the given sizes and returns them with the concatenated data.
    QList<PieceHasher::File> makeFiles(const QList<qint64>& sizes, QByteArray& all)
    {
        QList<PieceHasher::File> files;
        for (qsizetype i = 0; i < sizes.size(); ++i) {
            const QString path = m_dir.filePath(QStringLiteral("f%1-%2").arg(i).arg(sizes[i]));
            const QByteArray data = test::randomBytes(sizes[i], quint32(i * 7 + sizes[i]));
            if (!test::writeFile(path, data))
                qFatal("cannot write %s", qPrintable(path));
            all += data;
            files << PieceHasher::File{path, sizes[i]};
        }
        return files;
    }

    static QByteArray expectedHashes(const QByteArray& all, qint64 pieceLength)
    {
        QByteArray hashes;
        for (qint64 at = 0; at < all.size(); at += pieceLength)
            hashes +=
                Sha1::hash(QByteArrayView(all).sliced(at, qMin(pieceLength, all.size() - at)));
        return hashes;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void hashesPiecesAcrossFileBoundaries_data()
    {
        QTest::addColumn<QList<qint64>>("sizes");
        QTest::addColumn<qint64>("pieceLength");
        QTest::addColumn<int>("threads");
        const qint64 k16 = 16384;
        QTest::newRow("one file, exact pieces") << QList<qint64>{4 * k16} << k16 << 2;
        QTest::newRow("one file, short last piece") << QList<qint64>{4 * k16 + 5} << k16 << 2;
        QTest::newRow("smaller than a piece") << QList<qint64>{100} << k16 << 4;
        QTest::newRow("piece spans three files")
            << QList<qint64>{k16 / 2, 1000, k16 + 3, 7} << k16 << 3;
        QTest::newRow("empty files in between")
            << QList<qint64>{0, k16 + 1, 0, 0, k16 - 1, 0} << k16 << 2;
        QTest::newRow("many small files, one thread")
            << QList<qint64>{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 20000} << k16 << 1;
        QTest::newRow("chunk-sized spans")
            << QList<qint64>{PieceHasher::kChunkSize + 1, 3} << 2 * PieceHasher::kChunkSize << 2;
    }

    void hashesPiecesAcrossFileBoundaries()
    {
        QFETCH(QList<qint64>, sizes);
        QFETCH(qint64, pieceLength);
        QFETCH(int, threads);
        QByteArray all;
        PieceHasher hasher(makeFiles(sizes, all), pieceLength, threads);
        QCOMPARE(hasher.totalBytes(), all.size());
        const Result<QByteArray> hashes = hasher.run();
        QVERIFY2(hashes.ok(), hashes ? "" : qPrintable(hashes.error().message));
        QCOMPARE(hasher.pieceCount(), int((all.size() + pieceLength - 1) / pieceLength));
        QCOMPARE(hashes->toHex(), expectedHashes(all, pieceLength).toHex());
        QCOMPARE(hasher.bytesHashed(), all.size());
    }

    void threadCountDoesNotChangeTheResult()
    {
        QByteArray all;
        const auto files = makeFiles({300000, 12345, 700001}, all);
        const Result<QByteArray> one = PieceHasher(files, 16384, 1).run();
        const Result<QByteArray> four = PieceHasher(files, 16384, 4).run();
        QVERIFY(one.ok() && four.ok());
        QCOMPARE(*one, *four);
    }

    void missingFileIsAnErrorNamingIt()
    {
        QList<PieceHasher::File> files{{m_dir.filePath(QStringLiteral("absent.bin")), 100}};
        const Result<QByteArray> hashes = PieceHasher(files, 16384, 2).run();
        QVERIFY(!hashes.ok());
        QVERIFY2(hashes.error().message.contains(QStringLiteral("absent.bin")),
                 qPrintable(hashes.error().message));
    }

    void fileShorterThanListedIsAnError()
    {
        QByteArray all;
        auto files = makeFiles({5000}, all);
        files[0].length = 9000; // the file shrank after it was listed
        const Result<QByteArray> hashes = PieceHasher(files, 16384, 1).run();
        QVERIFY(!hashes.ok());
        QVERIFY2(hashes.error().message.contains(QStringLiteral("shorter")),
                 qPrintable(hashes.error().message));
    }

    void cancelStopsTheRun()
    {
        QByteArray all;
        const auto files = makeFiles({8 * 1024 * 1024}, all);
        PieceHasher hasher(files, 16384, 2);
        hasher.cancel(); // before run(): nothing is hashed
        const Result<QByteArray> hashes = hasher.run();
        QVERIFY(!hashes.ok());
        QVERIFY2(hashes.error().message.contains(QStringLiteral("cancelled")),
                 qPrintable(hashes.error().message));
        QCOMPARE(hasher.bytesHashed(), 0);
    }
};

QTEST_GUILESS_MAIN(TestPieceHasher)
#include "tst_piecehasher.moc"
