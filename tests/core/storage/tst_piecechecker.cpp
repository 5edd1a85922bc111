// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/piecechecker.h"
#include "storagefixture.h"

#include <QCryptographicHash>
#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::storage;
using swarmshare::test::TorrentFixture;

namespace {

// 13 pieces of 64 KiB over three files, the last piece short; pieces straddle the files.
TorrentFixture fixture()
{
    return TorrentFixture::make({{QStringLiteral("a.bin"), 3 * 65536 + 30000},
                                 {QStringLiteral("b/b.bin"), 6 * 65536 + 4321},
                                 {QStringLiteral("c.bin"), 3 * 65536 + 777}},
                                65536, 5);
}

PieceChecker::Outcome check(const TorrentFixture& fixture, const QString& root,
                            const QByteArray& hashes, const QList<int>& pieces)
{
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    PieceChecker checker(fixture.layout, root, hashes, pieces);
    std::atomic<int> finished{0};
    checker.start(&pool, {}, [&finished] { ++finished; });
    checker.wait();
    if (finished.load() != 1)
        qFatal("finished called %d times", finished.load());
    return checker.outcome();
}

} // namespace

// The checker hashes several pieces side by side in each task (Sha1::addData over several
// messages): pieces that are good, damaged, cut short by a truncated file or missing must each
// get their own verdict, in any mix within one group.
class TestPieceChecker : public QObject {
    Q_OBJECT

private slots:
    void verdictsForEveryKindOfPiece()
    {
        const TorrentFixture data = fixture();
        QTemporaryDir root;
        QVERIFY(root.isValid());
        data.writeFiles(root.path());
        // Damage a byte of piece 5 and cut c.bin in its second piece (piece 11).
        QByteArray b = data.fileData(1);
        b[qsizetype(5 * 65536 - data.layout.fileOffset(1) + 100)] ^= 1;
        data.writeFile(root.path(), 1, b);
        data.writeFile(root.path(), 2, data.fileData(2).first(120000));
        QList<int> all;
        for (int piece = 0; piece < data.layout.pieceCount(); ++piece)
            all.append(piece);
        QCOMPARE(all.size(), 13);

        const PieceChecker::Outcome outcome = check(data, root.path(), data.hashes, all);
        QVERIFY(!outcome.error);
        QVERIFY(!outcome.cancelled);
        QCOMPARE(outcome.good, data.expectedHave(root.path()));
        QVERIFY(!outcome.good.test(5));
        QVERIFY(outcome.good.test(10));
        QVERIFY(!outcome.good.test(11));
        QCOMPARE(outcome.hashed, 11); // pieces 11 and 12 lack data

        // A subset, out of order.
        const QList<int> some = {12, 0, 7, 5, 3, 9};
        const PieceChecker::Outcome part = check(data, root.path(), data.hashes, some);
        Bitfield expected(data.layout.pieceCount());
        for (int piece : {0, 7, 3, 9})
            expected.set(piece);
        QCOMPARE(part.good, expected);
        QCOMPARE(part.hashed, 5);
    }

    // Without expected hashes (creating a torrent): every piece's SHA-1, in order, checked here
    // against Qt's own SHA-1.
    void recordsDigests()
    {
        const TorrentFixture data = fixture();
        QTemporaryDir root;
        QVERIFY(root.isValid());
        data.writeFiles(root.path());
        QList<int> all;
        for (int piece = 0; piece < data.layout.pieceCount(); ++piece)
            all.append(piece);
        const PieceChecker::Outcome outcome = check(data, root.path(), {}, all);
        QVERIFY(outcome.good.all());
        QCOMPARE(outcome.digests.size(), 13 * 20);
        for (int piece = 0; piece < 13; ++piece) {
            QCOMPARE(outcome.digests.mid(piece * 20, 20),
                     QCryptographicHash::hash(data.pieceData(piece), QCryptographicHash::Sha1));
        }
    }
};

QTEST_GUILESS_MAIN(TestPieceChecker)
#include "tst_piecechecker.moc"
