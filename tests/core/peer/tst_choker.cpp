// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/choker.h"

#include <QHash>
#include <QRandomGenerator>
#include <QTest>

#include <optional>

using swarmshare::peer::Choker;
using swarmshare::peer::ChokerPeer;
using swarmshare::peer::ChokerPeerId;
using swarmshare::peer::isSnubbed;

namespace {

// Far from 0, so that peers connected at 0 are long past the "new" window.
constexpr qint64 kNow = 10'000'000;

ChokerPeer interested(ChokerPeerId id, qint64 downloadRate, qint64 uploadRate = 0)
{
    ChokerPeer peer;
    peer.id = id;
    peer.interested = true;
    peer.downloadRate = downloadRate;
    peer.uploadRate = uploadRate;
    return peer;
}

ChokerPeer notInterested(ChokerPeerId id, qint64 downloadRate)
{
    ChokerPeer peer = interested(id, downloadRate, downloadRate);
    peer.interested = false;
    return peer;
}

QSet<ChokerPeerId> ids(std::initializer_list<ChokerPeerId> list)
{
    return QSet<ChokerPeerId>(list.begin(), list.end());
}

} // namespace

class TestChoker : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void unchokesFastestUploadersToUs()
    {
        QRandomGenerator random(1);
        Choker choker(4);
        QList<ChokerPeer> peers;
        for (ChokerPeerId id = 1; id <= 6; ++id)
            peers.append(interested(id, qint64(id) * 100));

        const QSet<ChokerPeerId> unchoked = choker.rechoke(peers, false, kNow, random);

        QCOMPARE(unchoked.size(), 4);
        QVERIFY(unchoked.contains(ids({4, 5, 6})));
        // The fourth slot is the optimistic one, drawn from those without a regular slot.
        QVERIFY(choker.optimistic().has_value());
        QVERIFY(ids({1, 2, 3}).contains(*choker.optimistic()));
        QVERIFY(unchoked.contains(*choker.optimistic()));
    }

    void ignoresPeersNotInterested()
    {
        QRandomGenerator random(2);
        Choker choker(2);
        QList<ChokerPeer> peers;
        for (ChokerPeerId id = 1; id <= 5; ++id)
            peers.append(notInterested(id, 10'000));
        peers.append(interested(6, 10));
        peers.append(interested(7, 20));
        // A seeder has nothing to want from us, whatever it says.
        ChokerPeer seeder = interested(8, 50'000);
        seeder.seeder = true;
        peers.append(seeder);

        QCOMPARE(choker.rechoke(peers, false, kNow, random), ids({6, 7}));
        QCOMPARE(choker.rechoke(peers, true, kNow, random), ids({6, 7}));
    }

    void optimisticSlotRotatesEveryThirdRound()
    {
        QRandomGenerator random(3);
        Choker choker(2);
        QList<ChokerPeer> peers{interested(100, 1'000'000)};
        for (ChokerPeerId id = 1; id <= 5; ++id)
            peers.append(interested(id, 1));

        QList<ChokerPeerId> holders;
        for (int round = 0; round < 12; ++round) {
            const QSet<ChokerPeerId> unchoked = choker.rechoke(peers, false, kNow, random);
            QCOMPARE(unchoked.size(), 2);
            QVERIFY(unchoked.contains(100));
            QVERIFY(choker.optimistic().has_value());
            QVERIFY(unchoked.contains(*choker.optimistic()));
            holders.append(*choker.optimistic());
        }
        for (int round = 0; round < holders.size(); ++round) {
            if (round % Choker::kOptimisticRounds == 0 && round > 0)
                QVERIFY2(holders.at(round) != holders.at(round - 1), "rotation keeps the holder");
            else if (round > 0)
                QCOMPARE(holders.at(round), holders.at(round - 1));
        }
    }

    void optimisticSlotIsRefilledWhenItsHolderLeaves()
    {
        QRandomGenerator random(4);
        Choker choker(1);
        QList<ChokerPeer> peers{interested(1, 0), interested(2, 0), interested(3, 0)};
        choker.rechoke(peers, false, kNow, random);
        const ChokerPeerId holder = *choker.optimistic();

        peers.removeIf([holder](const ChokerPeer& p) { return p.id == holder; });
        // Round 1 is not a rotation round, but an empty slot is filled at once.
        const QSet<ChokerPeerId> unchoked = choker.rechoke(peers, false, kNow, random);
        QCOMPARE(unchoked.size(), 1);
        QVERIFY(!unchoked.contains(holder));
    }

    void newPeersAreFavouredForTheOptimisticSlot()
    {
        QRandomGenerator random(5);
        // One new peer among three old ones: weights 3 : 1 : 1 : 1, so the new one should win
        // half of the draws and each old one a sixth.
        QList<ChokerPeer> peers{interested(1, 0), interested(2, 0), interested(3, 0),
                                interested(4, 0)};
        peers[0].connectedAtMs = kNow - 1'000;
        QHash<ChokerPeerId, int> wins;
        constexpr int kDraws = 6000;
        for (int i = 0; i < kDraws; ++i) {
            Choker choker(1);
            choker.rechoke(peers, false, kNow, random);
            ++wins[*choker.optimistic()];
        }
        QVERIFY2(wins.value(1) > kDraws * 45 / 100 && wins.value(1) < kDraws * 55 / 100,
                 QByteArray::number(wins.value(1)).constData());
        for (ChokerPeerId old : {2, 3, 4}) {
            QVERIFY(wins.value(old) > kDraws * 12 / 100);
            QVERIFY(wins.value(1) > 2 * wins.value(old));
        }

        // Once the window has passed the same peer is an ordinary candidate.
        wins.clear();
        for (int i = 0; i < kDraws; ++i) {
            Choker choker(1);
            choker.rechoke(peers, false, kNow + Choker::kNewPeerMs, random);
            ++wins[*choker.optimistic()];
        }
        QVERIFY2(wins.value(1) < kDraws * 30 / 100, QByteArray::number(wins.value(1)).constData());
    }

    void snubbedPeersLoseTheirSlot()
    {
        QRandomGenerator random(6);
        Choker choker(3);
        ChokerPeer snubber = interested(1, 1'000'000);
        snubber.snubbed = true;
        QList<ChokerPeer> peers{snubber, interested(2, 500), interested(3, 400), interested(4, 10)};

        QSet<ChokerPeerId> unchoked = choker.rechoke(peers, false, kNow, random);
        QCOMPARE(unchoked.size(), 3);
        QVERIFY(unchoked.contains(ids({2, 3})));
        // Peer 1 may still win the optimistic draw, but never a regular slot.
        QVERIFY(!unchoked.contains(1) || choker.optimistic() == ChokerPeerId(1));

        // When nobody else wants the slot, the snubbed peer gets it rather than leaving it idle.
        Choker alone(3);
        peers = {snubber, interested(2, 500), notInterested(5, 10'000)};
        QCOMPARE(alone.rechoke(peers, false, kNow, random), ids({1, 2}));
        QVERIFY(!alone.optimistic().has_value());
    }

    void snubbedAfterSixtySecondsWithoutABlock()
    {
        // We want nothing: never snubbed.
        QVERIFY(!isSnubbed(std::nullopt, std::nullopt, 1'000'000));
        // Wanting since 0, nothing ever arrived.
        QVERIFY(!isSnubbed(std::nullopt, 0, 59'999));
        QVERIFY(isSnubbed(std::nullopt, 0, 60'000));
        // A block 30 s in resets the clock.
        QVERIFY(!isSnubbed(30'000, 0, 60'000));
        QVERIFY(isSnubbed(30'000, 0, 90'000));
        // A block from before we asked does not count in its favour, nor against it.
        QVERIFY(!isSnubbed(0, 100'000, 159'999));
        QVERIFY(isSnubbed(0, 100'000, 160'000));
    }

    void seedingUnchokesByUploadRate()
    {
        QRandomGenerator random(7);
        Choker choker(3);
        // Download rates say the opposite of upload rates; a seed ignores them and snubbing.
        QList<ChokerPeer> peers{interested(1, 9'000, 100), interested(2, 8'000, 200),
                                interested(3, 1, 9'000), interested(4, 2, 8'000)};
        peers[2].snubbed = true;

        const QSet<ChokerPeerId> unchoked = choker.rechoke(peers, true, kNow, random);
        QCOMPARE(unchoked.size(), 3);
        QVERIFY(unchoked.contains(ids({3, 4})));
        QVERIFY(ids({1, 2}).contains(*choker.optimistic()));
    }

    void fewerInterestedPeersThanSlotsUnchokesAll()
    {
        for (bool seeding : {false, true}) {
            QRandomGenerator random(8);
            Choker choker(4);
            QList<ChokerPeer> peers{interested(1, 5, 5), interested(2, 0, 0), interested(3, 7, 7),
                                    notInterested(4, 100)};
            QCOMPARE(choker.rechoke(peers, seeding, kNow, random), ids({1, 2, 3}));
            peers.append(interested(5, 0, 0));
            QCOMPARE(choker.rechoke(peers, seeding, kNow, random), ids({1, 2, 3, 5}));
        }
    }

    void sameSeedSameDecisions()
    {
        QList<ChokerPeer> peers;
        for (ChokerPeerId id = 1; id <= 20; ++id)
            peers.append(interested(id, qint64(id % 4)));
        QRandomGenerator a(9);
        QRandomGenerator b(9);
        Choker first(4);
        Choker second(4);
        for (int round = 0; round < 10; ++round)
            QCOMPARE(first.rechoke(peers, false, kNow, a), second.rechoke(peers, false, kNow, b));
    }
};

QTEST_GUILESS_MAIN(TestChoker)
#include "tst_choker.moc"
