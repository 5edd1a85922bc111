// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/filelayout.h"

#include <QTest>

using namespace swarmshare;
using namespace swarmshare::storage;

namespace {

FileLayout makeLayout(const QList<qint64>& lengths, qint64 pieceLength)
{
    torrent::FileList files;
    for (qsizetype i = 0; i < lengths.size(); ++i)
        files.append({QStringLiteral("f%1").arg(i), lengths.at(i)});
    Result<FileLayout> layout = FileLayout::create(files, pieceLength);
    if (!layout)
        qFatal("layout rejected: %s", qPrintable(layout.error().message));
    return *layout;
}

QList<FileSpan> toList(const FileSpans& spans)
{
    return QList<FileSpan>(spans.cbegin(), spans.cend());
}

} // namespace

namespace QTest {
template<>
char* toString(const FileSpan& span)
{
    return qstrdup(QByteArray("{file " + QByteArray::number(span.file) + " @" +
                              QByteArray::number(span.offset) + " +" +
                              QByteArray::number(span.length) + "}")
                       .constData());
}
} // namespace QTest

class TestFileLayout : public QObject {
    Q_OBJECT

private slots:
    void singleFileWithShortLastPiece()
    {
        const FileLayout layout = makeLayout({100000}, 32768);
        QCOMPARE(layout.pieceCount(), 4);
        QCOMPARE(layout.totalLength(), 100000);
        QCOMPARE(layout.pieceSize(0), 32768);
        QCOMPARE(layout.pieceSize(3), 100000 - 3 * 32768);
        QCOMPARE(toList(layout.pieceSpans(3)), (QList<FileSpan>{{0, 3 * 32768, 1696}}));
        QCOMPARE(layout.piecesOfFile(0), (PieceRange{0, 4}));
    }

    void exactMultipleHasNoShortPiece()
    {
        const FileLayout layout = makeLayout({65536}, 32768);
        QCOMPARE(layout.pieceCount(), 2);
        QCOMPARE(layout.pieceSize(1), 32768);
    }

    void blocksAreSixteenKiBAndTheLastIsShorter()
    {
        const FileLayout layout = makeLayout({100000}, 65536);
        QCOMPARE(layout.blockCount(0), 4);
        QCOMPARE(layout.blockSize(0, 3), FileLayout::kBlockSize);
        // Last piece: 100000 - 65536 = 34464 bytes = 2 full blocks + 1696.
        QCOMPARE(layout.blockCount(1), 3);
        QCOMPARE(layout.blockSize(1, 2), 1696);
        QVERIFY(layout.isValidBlock(1, 32768, 1696));
        QVERIFY(!layout.isValidBlock(1, 32768, 16384)); // past the end
        QVERIFY(!layout.isValidBlock(0, 100, 16384));   // not on a block boundary
        QVERIFY(!layout.isValidBlock(0, 0, 1000));      // not the block's length
        QVERIFY(!layout.isValidBlock(2, 0, 16384));     // no such piece
        QVERIFY(!layout.isValidBlock(-1, 0, 16384));
        QVERIFY(!layout.isValidBlock(0, 65536, 16384)); // offset past the piece
    }

    void requestsMayBeUnalignedButNotLarger()
    {
        const FileLayout layout = makeLayout({100000}, 65536);
        QVERIFY(layout.isValidRequest(0, 100, 1000));
        QVERIFY(layout.isValidRequest(1, 34464 - 10, 10));
        QVERIFY(!layout.isValidRequest(1, 34464 - 10, 11));
        QVERIFY(!layout.isValidRequest(0, 0, 16385));
        QVERIFY(!layout.isValidRequest(0, 0, 0));
        QVERIFY(!layout.isValidRequest(0, -1, 10));
    }

    void pieceSpanningThreeFiles()
    {
        // Piece 1 = bytes [100, 200): 50 of f0, all 30 of f1, 20 of f2.
        const FileLayout layout = makeLayout({150, 30, 120}, 100);
        QCOMPARE(layout.pieceCount(), 3);
        QCOMPARE(toList(layout.pieceSpans(1)),
                 (QList<FileSpan>{{0, 100, 50}, {1, 0, 30}, {2, 0, 20}}));
        QCOMPARE(toList(layout.pieceSpans(2)), (QList<FileSpan>{{2, 20, 100}}));
        QCOMPARE(layout.piecesOfFile(0), (PieceRange{0, 2}));
        QCOMPARE(layout.piecesOfFile(1), (PieceRange{1, 2}));
        QCOMPARE(layout.piecesOfFile(2), (PieceRange{1, 3}));
    }

    void blockAcrossAFileBoundary()
    {
        const FileLayout layout = makeLayout({20000, 30000}, 32768);
        QCOMPARE(toList(layout.blockSpans(0, 16384, 16384)),
                 (QList<FileSpan>{{0, 16384, 3616}, {1, 0, 12768}}));
        QCOMPARE(toList(layout.blockSpans(1, 0, 16384)), (QList<FileSpan>{{1, 12768, 16384}}));
        QCOMPARE(layout.blockCount(1), 2); // 50000 - 32768 = 17232 bytes
        QCOMPARE(layout.blockSize(1, 1), 17232 - 16384);
    }

    void zeroLengthFilesTakeNoBytes()
    {
        // f0 and f4 empty at the ends, f2 empty in the middle of piece 0.
        const FileLayout layout = makeLayout({0, 10, 0, 10, 0}, 16);
        QCOMPARE(layout.pieceCount(), 2);
        QCOMPARE(toList(layout.pieceSpans(0)), (QList<FileSpan>{{1, 0, 10}, {3, 0, 6}}));
        QCOMPARE(toList(layout.pieceSpans(1)), (QList<FileSpan>{{3, 6, 4}}));
        QVERIFY(layout.piecesOfFile(0).isEmpty());
        QVERIFY(layout.piecesOfFile(2).isEmpty());
        QVERIFY(layout.piecesOfFile(4).isEmpty());
        QCOMPARE(layout.piecesOfFile(3), (PieceRange{0, 2}));
        QCOMPARE(layout.fileOffset(2), 10);
        QCOMPARE(layout.fileOffset(4), 20);
    }

    void onlyEmptyFilesMeansNoPieces()
    {
        const FileLayout layout = makeLayout({0, 0}, 16384);
        QCOMPARE(layout.pieceCount(), 0);
        QCOMPARE(layout.totalLength(), 0);
        QVERIFY(layout.piecesOfFile(1).isEmpty());
    }

    void manyFilesFindTheRightOne()
    {
        // 1000 files of 7 bytes, pieces of 64: every span must add up and be in order.
        const FileLayout layout = makeLayout(QList<qint64>(1000, 7), 64);
        QCOMPARE(layout.pieceCount(), (7000 + 63) / 64);
        qint64 covered = 0;
        for (int piece = 0; piece < layout.pieceCount(); ++piece) {
            for (const FileSpan& span : layout.pieceSpans(piece)) {
                QCOMPARE(layout.fileOffset(span.file) + span.offset, covered);
                QVERIFY(span.length > 0 && span.offset + span.length <= 7);
                covered += span.length;
            }
        }
        QCOMPARE(covered, 7000);
        QCOMPARE(layout.piecesOfFile(500), (PieceRange{3500 / 64, 3506 / 64 + 1}));
    }

    void spansOfAnArbitraryRange()
    {
        const FileLayout layout = makeLayout({5, 5, 5}, 4);
        QCOMPARE(toList(layout.spans(4, 7)), (QList<FileSpan>{{0, 4, 1}, {1, 0, 5}, {2, 0, 1}}));
        QVERIFY(layout.spans(3, 0).isEmpty());
    }

    void rejectsBadInput_data()
    {
        QTest::addColumn<QList<qint64>>("lengths");
        QTest::addColumn<qint64>("pieceLength");
        QTest::addColumn<QString>("path");
        const QString f = QStringLiteral("f");
        QTest::newRow("zero piece length") << QList<qint64>{10} << qint64(0) << f;
        QTest::newRow("negative piece length") << QList<qint64>{10} << qint64(-16384) << f;
        QTest::newRow("huge piece length") << QList<qint64>{10} << (qint64(1) << 31) << f;
        QTest::newRow("negative file") << QList<qint64>{10, -1} << qint64(16384) << f;
        QTest::newRow("total overflows")
            << QList<qint64>{std::numeric_limits<qint64>::max(), 1} << qint64(16384) << f;
        QTest::newRow("too many pieces") << QList<qint64>{qint64(1) << 40} << qint64(1) << f;
        for (const char* bad : {"", "/etc/passwd", "a/../../b", "..", "a//b", "./a", "a/", "a\\b"})
            QTest::addRow("path \"%s\"", bad)
                << QList<qint64>{1} << qint64(16384) << QString::fromLatin1(bad);
    }

    void rejectsBadInput()
    {
        QFETCH(QList<qint64>, lengths);
        QFETCH(qint64, pieceLength);
        QFETCH(QString, path);
        torrent::FileList files;
        for (const qint64 length : lengths)
            files.append({path, length});
        const Result<FileLayout> layout = FileLayout::create(files, pieceLength);
        QVERIFY(!layout.ok());
        QVERIFY(!layout.error().message.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestFileLayout)
#include "tst_filelayout.moc"
