// SPDX-License-Identifier: GPL-3.0-or-later
#include "picker/availability.h"
#include "picker/piecepicker.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <set>
#include <utility>

using swarmshare::Bitfield;
using swarmshare::picker::Availability;
using swarmshare::picker::BlockRequest;
using swarmshare::picker::PeerHandle;
using swarmshare::picker::PiecePicker;
using swarmshare::picker::Priority;

namespace {

// One character per piece: 'x' present, '.' absent (our have-state, or a peer's bitfield).
Bitfield bits(const QByteArray& pattern)
{
    Bitfield result(int(pattern.size()));
    for (int i = 0; i < pattern.size(); ++i)
        result.set(i, pattern.at(i) == 'x');
    return result;
}

// A torrent described by strings, one character per piece:
//   availability  digit = peers with the piece ("3112");
//   have          'x' verified, '.' missing, 'p' partly on disk (its block 0 is there);
//   priority      '-' skip, 'n' normal, 'h' high (default all normal).
// Or, for the scale case, backed by a real Availability.
class FakeMediator : public PiecePicker::Mediator {
public:
    FakeMediator(QByteArray availability, QByteArray have, int blocksPerPiece = 1,
                 QByteArray priority = {})
        : m_availability(std::move(availability))
        , m_have(std::move(have))
        , m_priority(priority.isEmpty() ? QByteArray(m_have.size(), 'n') : std::move(priority))
        , m_blocks(blocksPerPiece)
    {}

    int pieceCount() const override { return int(m_have.size()); }
    int blockCount(int) const override { return m_blocks; }
    bool clientHasPiece(int piece) const override { return m_have.at(piece) == 'x'; }
    Priority priority(int piece) const override
    {
        switch (m_priority.at(piece)) {
        case '-':
            return Priority::Skip;
        case 'h':
            return Priority::High;
        default:
            return Priority::Normal;
        }
    }
    int availability(int piece) const override
    {
        return m_counts ? m_counts->count(piece) : m_availability.at(piece) - '0';
    }
    QList<int> partialPieces() const override
    {
        QList<int> result;
        for (int i = 0; i < m_have.size(); ++i) {
            if (m_have.at(i) == 'p')
                result.append(i);
        }
        return result;
    }
    bool clientHasBlock(int piece, int block) const override
    {
        return m_have.at(piece) == 'p' && block == 0;
    }

    QByteArray m_availability;
    QByteArray m_have;
    QByteArray m_priority;
    int m_blocks;
    const Availability* m_counts = nullptr;
};

QList<int> piecesOf(const QList<BlockRequest>& requests)
{
    QList<int> result;
    for (const BlockRequest& r : requests)
        result.append(r.piece);
    return result;
}

constexpr quint64 kSalt = 42;
constexpr PeerHandle kA = 1;
constexpr PeerHandle kB = 2;
constexpr PeerHandle kC = 3;
constexpr PeerHandle kD = 4;

} // namespace

class TestPiecePicker : public QObject {
    Q_OBJECT

private slots:
    void prefersRarerPieces()
    {
        FakeMediator mediator("3112", "....");
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        const QList<int> order = piecesOf(picker.pick(kA, bits("xxxx"), 10));
        QCOMPARE(order.size(), 4);
        QCOMPARE((std::set<int>{order.at(0), order.at(1)}), (std::set<int>{1, 2}));
        QCOMPARE(order.at(2), 3);
        QCOMPARE(order.at(3), 0);
    }

    void followsHaveUpdates()
    {
        FakeMediator mediator("1222", "....");
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        mediator.m_availability = "3221";
        picker.availabilityChanged(0);
        picker.availabilityChanged(3);
        QCOMPARE(piecesOf(picker.pick(kA, bits("xxxx"), 1)), QList<int>{3});
        mediator.m_availability = "3920";
        picker.availabilityChanged(); // bulk change: rebuilt on the next pick
        QCOMPARE(piecesOf(picker.pick(kA, bits("xxxx"), 1)), QList<int>{2});
    }

    void breaksTiesRandomlyButDeterministicallyPerSalt()
    {
        QSet<int> firsts;
        for (quint64 salt = 1; salt <= 32; ++salt) {
            FakeMediator mediator("1111111111", "..........");
            PiecePicker one(mediator, salt);
            PiecePicker two(mediator, salt);
            one.setRandomFirstPieces(0);
            two.setRandomFirstPieces(0);
            const QList<int> order = piecesOf(one.pick(kA, bits("xxxxxxxxxx"), 10));
            QCOMPARE(piecesOf(two.pick(kA, bits("xxxxxxxxxx"), 10)), order);
            firsts.insert(order.first());
        }
        QVERIFY2(firsts.size() >= 4, "the salt should spread the first choice over the ties");
    }

    void neverPicksPiecesWeHave()
    {
        FakeMediator mediator("1111", "x.x.");
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        QList<int> pieces = piecesOf(picker.pick(kA, bits("xxxx"), 10));
        std::sort(pieces.begin(), pieces.end());
        QCOMPARE(pieces, (QList<int>{1, 3}));
    }

    void picksOnlyWhatThePeerHas()
    {
        FakeMediator mediator("1112", "....");
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        QCOMPARE(piecesOf(picker.pick(kA, bits(".x.x"), 10)), (QList<int>{1, 3}));
        QVERIFY(picker.pick(kB, bits("...."), 10).isEmpty());
        QVERIFY(picker.pick(kB, bits("xxx"), 10).isEmpty()); // wrong size: nothing
    }

    void finishesPartialPiecesFirst()
    {
        FakeMediator mediator("1119", "....", 4);
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        // A has only the common piece: it starts it.
        QCOMPARE(picker.pick(kA, bits("...x"), 1), (QList<BlockRequest>{{3, 0}}));
        // B has everything: the started piece comes before the rarer ones.
        QCOMPARE(picker.pick(kB, bits("xxxx"), 3), (QList<BlockRequest>{{3, 1}, {3, 2}, {3, 3}}));
    }

    void finishesPiecesPartlyOnDiskFirst()
    {
        FakeMediator mediator("1119", "...p", 3);
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        QCOMPARE(picker.activePieces(), 1);
        QCOMPARE(picker.pick(kA, bits("xxxx"), 2), (QList<BlockRequest>{{3, 1}, {3, 2}}));
    }

    void respectsPriorities()
    {
        FakeMediator mediator("1291", "....", 1, "-nhn");
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        // Skip never; high before the rarer normal ones; then rarest first.
        QCOMPARE(piecesOf(picker.pick(kA, bits("xxxx"), 10)), (QList<int>{2, 3, 1}));

        FakeMediator later("1111", "....", 1, "nnnn");
        PiecePicker changed(later, kSalt);
        changed.setRandomFirstPieces(0);
        later.m_priority = "--h-";
        changed.prioritiesChanged();
        QCOMPARE(piecesOf(changed.pick(kA, bits("xxxx"), 10)), QList<int>{2});
    }

    void randomFirstPiecesUntilAFewAreComplete()
    {
        // Rarest first would always start with piece 0.
        QSet<int> firsts;
        for (quint64 salt = 1; salt <= 32; ++salt) {
            FakeMediator mediator("12345678", "xxx.....");
            PiecePicker picker(mediator, salt);
            QCOMPARE(picker.randomFirstPieces(), 4);
            const QList<int> pieces = piecesOf(picker.pick(kA, bits("xxxxxxxx"), 1));
            QCOMPARE(pieces.size(), 1);
            QVERIFY(pieces.first() >= 3);
            firsts.insert(pieces.first());
        }
        QVERIFY2(firsts.size() >= 3, "the first pieces should be random");

        // The fourth complete piece switches to rarest first.
        FakeMediator mediator("12345678", "xxx.....");
        PiecePicker picker(mediator, kSalt);
        picker.pieceVerified(7);
        QCOMPARE(picker.completedPieces(), 4);
        QCOMPARE(piecesOf(picker.pick(kA, bits("xxxxxxxx"), 2)), (QList<int>{3, 4}));
    }

    void endgameDuplicatesOutstandingBlocksAndListsCancels()
    {
        FakeMediator mediator("11", "..", 2);
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        QVERIFY(!picker.isEndgame());
        QCOMPARE(picker.pick(kA, bits("xx"), 3).size(), 3);
        QVERIFY(!picker.isEndgame()); // one block still unrequested
        QCOMPARE(picker.pick(kA, bits("xx"), 3).size(), 1);
        QVERIFY(picker.isEndgame());
        // A already asked for everything: no duplicates to itself.
        QVERIFY(picker.pick(kA, bits("xx"), 10).isEmpty());
        // B gets every outstanding block again, C only those of the piece it has.
        QCOMPARE(picker.pick(kB, bits("xx"), 10).size(), 4);
        QCOMPARE(picker.pick(kC, bits(".x"), 10), (QList<BlockRequest>{{1, 0}, {1, 1}}));

        const PiecePicker::Received got = picker.blockReceived(kB, 1, 0);
        QVERIFY(got.accepted);
        QVERIFY(!got.pieceComplete);
        QCOMPARE(QSet<PeerHandle>(got.cancels.cbegin(), got.cancels.cend()),
                 (QSet<PeerHandle>{kA, kC}));
        QVERIFY(!picker.isRequested(kA, 1, 0));
        QCOMPARE(picker.outstandingRequests(kA), 3);
        QCOMPARE(picker.outstandingRequests(kB), 3);
        QCOMPARE(picker.outstandingRequests(kC), 1);
        // The cancelled duplicate arriving anyway is not new data.
        const PiecePicker::Received late = picker.blockReceived(kA, 1, 0);
        QVERIFY(!late.accepted);
        QVERIFY(late.cancels.isEmpty());
        // A newcomer is offered only what is still outstanding.
        QCOMPARE(picker.pick(kD, bits("xx"), 10), (QList<BlockRequest>{{0, 0}, {0, 1}, {1, 1}}));
        QVERIFY(picker.blockReceived(kD, 1, 1).pieceComplete);
    }

    void failedHashPutsBlocksBack()
    {
        FakeMediator mediator("1", ".", 2);
        PiecePicker picker(mediator, kSalt);
        QCOMPARE(picker.pick(kA, bits("x"), 10).size(), 2);
        QVERIFY(!picker.blockReceived(kA, 0, 0).pieceComplete);
        QVERIFY(picker.blockReceived(kA, 0, 1).pieceComplete);
        QVERIFY(picker.pick(kB, bits("x"), 10).isEmpty());
        picker.pieceFailed(0);
        QCOMPARE(picker.pick(kB, bits("x"), 10), (QList<BlockRequest>{{0, 0}, {0, 1}}));
        picker.blockReceived(kB, 0, 0);
        QVERIFY(picker.blockReceived(kB, 0, 1).pieceComplete);
        picker.pieceVerified(0);
        QCOMPARE(picker.completedPieces(), 1);
        QVERIFY(picker.pick(kC, bits("x"), 10).isEmpty());
        QVERIFY(!picker.blockReceived(kC, 0, 0).accepted);
    }

    void disconnectReturnsRequests()
    {
        FakeMediator mediator("1", ".", 4);
        PiecePicker picker(mediator, kSalt);
        QCOMPARE(picker.pick(kA, bits("x"), 2), (QList<BlockRequest>{{0, 0}, {0, 1}}));
        QCOMPARE(picker.pick(kB, bits("x"), 2), (QList<BlockRequest>{{0, 2}, {0, 3}}));
        picker.releasePeer(kA);
        QCOMPARE(picker.outstandingRequests(kA), 0);
        QCOMPARE(picker.pick(kC, bits("x"), 2), (QList<BlockRequest>{{0, 0}, {0, 1}}));
        // A timed-out request is handed to the next peer.
        picker.releaseRequest(kB, 0, 2);
        QVERIFY(!picker.isRequested(kB, 0, 2));
        QCOMPARE(picker.pick(kD, bits("x"), 1), (QList<BlockRequest>{{0, 2}}));
    }

    void anIdlePieceStopsCountingAsPartial()
    {
        FakeMediator mediator("91", "..", 2);
        PiecePicker picker(mediator, kSalt);
        picker.setRandomFirstPieces(0);
        QCOMPARE(piecesOf(picker.pick(kA, bits("x."), 1)), QList<int>{0});
        picker.releasePeer(kA);
        QCOMPARE(picker.activePieces(), 0);
        QCOMPARE(piecesOf(picker.pick(kB, bits("xx"), 1)), QList<int>{1});
    }

    void downloadsALargeTorrentFromManyPeers()
    {
        constexpr int kPieces = 50000;
        constexpr int kPeers = 100;
        constexpr int kBlocks = 4;
        FakeMediator mediator({}, QByteArray(kPieces, '.'), kBlocks);
        Availability availability(kPieces);
        mediator.m_counts = &availability;
        QRandomGenerator random(7);
        QList<Bitfield> peers;
        for (int p = 0; p < kPeers; ++p) {
            Bitfield peer(kPieces, p == 0); // one seeder so that everything is available
            for (int i = 0; p != 0 && i < kPieces; ++i)
                peer.set(i, random.bounded(2) == 1);
            availability.addPeer(peer);
            peers.append(peer);
        }
        PiecePicker picker(mediator, kSalt);

        Bitfield verified(kPieces);
        QList<int> blocksIn(kPieces, 0);
        int rounds = 0;
        while (!verified.all()) {
            QVERIFY2(++rounds < 10000, "the download must make progress");
            QList<std::pair<PeerHandle, BlockRequest>> inFlight;
            std::set<std::pair<int, int>> seen;
            for (int p = 0; p < peers.size(); ++p) {
                const QList<BlockRequest> picked = picker.pick(PeerHandle(p), peers.at(p), 64);
                // Duplicates are allowed only once endgame has begun.
                const bool endgame = picker.isEndgame();
                for (const BlockRequest& r : picked) {
                    QVERIFY(peers.at(p).test(r.piece));
                    QVERIFY(!verified.test(r.piece));
                    QVERIFY(endgame || seen.insert({r.piece, r.block}).second);
                    inFlight.append({PeerHandle(p), r});
                }
            }
            for (const auto& [peer, r] : std::as_const(inFlight)) {
                const PiecePicker::Received got = picker.blockReceived(peer, r.piece, r.block);
                if (got.accepted)
                    ++blocksIn[r.piece];
                if (got.pieceComplete) {
                    QCOMPARE(blocksIn.at(r.piece), kBlocks);
                    picker.pieceVerified(r.piece);
                    verified.set(r.piece);
                }
            }
            // Churn: a peer leaves and comes back with more pieces, another sends haves.
            if (rounds % 10 == 0) {
                const int p = 1 + rounds % (kPeers - 1);
                picker.releasePeer(PeerHandle(p));
                availability.removePeer(peers.at(p));
                for (int i = 0; i < 100; ++i)
                    peers[p].set(random.bounded(kPieces));
                availability.addPeer(peers.at(p));
                picker.availabilityChanged();
                const int q = 1 + (rounds + 1) % (kPeers - 1);
                const int piece = random.bounded(kPieces);
                if (!peers.at(q).test(piece)) {
                    peers[q].set(piece);
                    availability.addHave(piece, peers.at(q));
                    picker.availabilityChanged(piece);
                }
            }
        }
        QCOMPARE(picker.completedPieces(), kPieces);
        QCOMPARE(picker.activePieces(), 0);
        for (int p = 0; p < peers.size(); ++p)
            QCOMPARE(picker.outstandingRequests(PeerHandle(p)), 0);
    }
};

QTEST_GUILESS_MAIN(TestPiecePicker)
#include "tst_piecepicker.moc"
