// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/ha/changelog.h"

#include <QTest>

using swarmshare::tracker::ha::Change;
using swarmshare::tracker::ha::ChangeLog;

class ChangeLogTest : public QObject {
    Q_OBJECT

private:
    static QByteArray op(int i) { return QByteArray("{\"n\":") + QByteArray::number(i) + '}'; }

private Q_SLOTS:
    void streamsWhatFollowsAPosition()
    {
        ChangeLog log;
        QCOMPARE(log.seq(), 0);
        for (int i = 1; i <= 5; ++i)
            QCOMPARE(log.append(op(i)), i);
        const auto after2 = log.since(1, 2, 100);
        QVERIFY(after2);
        QCOMPARE(after2->size(), 3);
        QCOMPARE(after2->front(), (Change{1, 3, op(3)}));
        QCOMPARE(log.since(1, 0, 2)->size(), 2);  // bounded batch
        QVERIFY(log.since(1, 5, 100)->isEmpty()); // up to date
        QVERIFY(!log.since(1, 6, 100));           // from the future: resynchronise
        QVERIFY(!log.since(7, 2, 100));           // another history
    }

    void dropsTheOldestBeyondItsLimits()
    {
        ChangeLog byCount({3, 1 << 20});
        for (int i = 1; i <= 10; ++i)
            byCount.append(op(i));
        QCOMPARE(byCount.size(), 3);
        QCOMPARE(byCount.firstSeq(), 8);
        QVERIFY(!byCount.since(1, 6, 100)); // 7 is gone: snapshot
        QCOMPARE(byCount.since(1, 7, 100)->size(), 3);

        ChangeLog byBytes({1000, 1000});
        for (int i = 1; i <= 100; ++i)
            byBytes.append(QByteArray(100, 'x'));
        QVERIFY(byBytes.bytes() <= 1000);
        QVERIFY(byBytes.size() >= 5);
    }

    void aNewEpochKeepsFollowersThatAgree()
    {
        ChangeLog log;
        for (int i = 1; i <= 4; ++i)
            log.append(op(i));
        QCOMPARE(log.newEpoch(), 2);
        log.append(op(5));
        // A follower of epoch 1 at seq 3 agrees with this history up to the switch (seq 4).
        const auto resumed = log.since(1, 3, 100);
        QVERIFY(resumed);
        QCOMPARE(resumed->size(), 2);
        QCOMPARE(resumed->at(1), (Change{2, 5, op(5)}));
        // One that had gone further in epoch 1 saw changes this history does not have.
        ChangeLog other;
        other.reset(1, 4);
        other.newEpoch();
        QVERIFY(!other.since(1, 6, 100));
        QVERIFY(!log.since(0, 1, 100));
    }

    void followerMirrorsAndCanServeAfterPromotion()
    {
        ChangeLog primary;
        ChangeLog follower;
        follower.reset(1, 0);
        for (int i = 1; i <= 3; ++i) {
            primary.append(op(i));
            QVERIFY(follower.mirror(primary.since(1, i - 1, 1)->front()));
        }
        QVERIFY(!follower.mirror({1, 9, op(9)})); // a gap is refused
        QCOMPARE(follower.seq(), 3);
        follower.newEpoch(); // promoted
        QCOMPARE(follower.epoch(), 2);
        QCOMPARE(follower.since(1, 1, 100)->size(), 2); // another follower catches up from it
    }

    void adoptingAnEpochKeepsThePosition()
    {
        ChangeLog log;
        log.append(op(1));
        log.adoptEpoch(3);
        QCOMPARE(log.epoch(), 3);
        QCOMPARE(log.seq(), 1);
        log.adoptEpoch(2); // never backwards
        QCOMPARE(log.epoch(), 3);
        QVERIFY(log.since(2, 1, 10)); // a follower of the previous epoch at the switch point
    }

    void resetStartsOverAtAPosition()
    {
        ChangeLog log;
        log.append(op(1));
        log.reset(4, 100);
        QCOMPARE(log.epoch(), 4);
        QCOMPARE(log.seq(), 100);
        QCOMPARE(log.size(), 0);
        QVERIFY(log.since(4, 100, 10)->isEmpty());
        QCOMPARE(log.append(op(2)), 101);
    }
};

QTEST_GUILESS_MAIN(ChangeLogTest)
#include "tst_changelog.moc"
