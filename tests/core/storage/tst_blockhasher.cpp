// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/sha1.h"
#include "storage/blockhasher.h"
#include "support/files.h"

#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <map>

using namespace swarmshare;
using namespace swarmshare::storage;

using swarmshare::test::randomBytes;

namespace {

constexpr qsizetype kBlock = 16384;

// The blocks of a piece, as HashJobs of one token.
QList<HashJob> jobsOf(quint64 token, int piece, const QByteArray& data)
{
    QList<HashJob> jobs;
    for (qsizetype at = 0; at < data.size(); at += kBlock) {
        const qsizetype length = qMin(kBlock, data.size() - at);
        jobs.append({token, piece, data.sliced(at, length), at + length == data.size()});
    }
    return jobs;
}

} // namespace

class TestBlockHasher : public QObject {
    Q_OBJECT

private slots:
    // Blocks of six pieces (one shorter, with an odd last block), interleaved and spread over
    // several calls as the disk worker sends them: each digest is its piece's, once its last
    // block is in, and every held byte is given back.
    void interleavedPiecesGetTheirOwnDigests()
    {
        auto held = std::make_shared<std::atomic<qint64>>(0);
        BlockHasher hasher(held);
        QSignalSpy hashed(&hasher, &BlockHasher::pieceHashed);
        std::map<quint64, QByteArray> pieces;
        std::vector<QList<HashJob>> jobs;
        for (int piece = 0; piece < 6; ++piece) {
            const qsizetype size = piece == 5 ? 5 * kBlock + 1234 : 16 * kBlock;
            const quint64 token = 1000 + quint64(piece);
            pieces[token] = randomBytes(size, quint32(piece));
            jobs.push_back(jobsOf(token, piece, pieces[token]));
            *held += size;
        }
        // Round robin over the pieces, a few blocks per call.
        QList<HashJob> call;
        for (bool more = true; more;) {
            more = false;
            for (QList<HashJob>& piece : jobs) {
                if (piece.isEmpty())
                    continue;
                call.append(piece.takeFirst());
                more = true;
                if (call.size() == 5)
                    hasher.addBlocks(std::exchange(call, {}));
            }
        }
        hasher.addBlocks(call);
        QCOMPARE(hashed.size(), 0); // hashed once the calls already queued are in
        QTRY_COMPARE(hashed.size(), 6);
        for (const QList<QVariant>& digest : std::as_const(hashed)) {
            const quint64 token = digest.at(0).toULongLong();
            QCOMPARE(digest.at(1).toInt(), int(token - 1000));
            QCOMPARE(digest.at(2).toByteArray(), Sha1::hash(pieces.at(token)));
        }
        QCOMPARE(held->load(), 0);
    }

    // A piece without its last block waits; a forgotten piece's waiting blocks are dropped
    // (their bytes given back) and give no digest; a new attempt at it starts from scratch.
    void waitsForTheLastBlockAndForgets()
    {
        auto held = std::make_shared<std::atomic<qint64>>(0);
        BlockHasher hasher(held);
        QSignalSpy hashed(&hasher, &BlockHasher::pieceHashed);
        const QByteArray data = randomBytes(4 * kBlock, 9);
        QList<HashJob> first = jobsOf(1, 3, data);
        const HashJob last = first.takeLast();
        *held += data.size();
        hasher.addBlocks(first);
        QTest::qWait(50);
        QCOMPARE(hashed.size(), 0);
        QCOMPARE(held->load(), kBlock); // the three blocks hashed, the last one still out
        hasher.addBlocks({last});
        QTRY_COMPARE(hashed.size(), 1);
        QCOMPARE(hashed.at(0).at(2).toByteArray(), Sha1::hash(data));

        *held += 2 * kBlock;
        hasher.addBlocks(jobsOf(2, 3, data).first(2));
        hasher.forget(2); // before the queued hashing runs
        QCOMPARE(held->load(), 0);
        *held += data.size() + kBlock;
        hasher.addBlocks(jobsOf(3, 3, data));
        hasher.addBlocks(jobsOf(4, 4, data).first(1));
        hasher.forgetAll();
        QCOMPARE(held->load(), 0);
        QTest::qWait(50);
        QCOMPARE(hashed.size(), 1);
        *held += data.size();
        hasher.addBlocks(jobsOf(5, 3, data));
        QTRY_COMPARE(hashed.size(), 2);
        QCOMPARE(hashed.at(1).at(0).toULongLong(), 5u);
        QCOMPARE(hashed.at(1).at(2).toByteArray(), Sha1::hash(data));
        QCOMPARE(held->load(), 0);
    }
};

QTEST_GUILESS_MAIN(TestBlockHasher)
#include "tst_blockhasher.moc"
