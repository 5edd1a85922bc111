// SPDX-License-Identifier: GPL-3.0-or-later
#include "picker/availability.h"

#include <QRegularExpression>
#include <QTest>

using swarmshare::Bitfield;
using swarmshare::picker::Availability;

namespace {

// One character per piece: 'x' the peer has it, '.' it doesn't.
Bitfield bits(const char* pattern)
{
    const QByteArray text(pattern);
    Bitfield result(int(text.size()));
    for (int i = 0; i < text.size(); ++i)
        result.set(i, text.at(i) == 'x');
    return result;
}

// The counts as one digit per piece, to compare against a fixture string.
QByteArray counts(const Availability& availability)
{
    QByteArray result;
    for (const int c : availability.snapshot())
        result.append(char('0' + c));
    return result;
}

} // namespace

class TestAvailability : public QObject {
    Q_OBJECT

private slots:
    void startsAtZero()
    {
        const Availability availability(4);
        QCOMPARE(counts(availability), QByteArray("0000"));
        QCOMPARE(availability.min(), 0);
        QCOMPARE(availability.max(), 0);
        QCOMPARE(Availability().min(), 0);
        QCOMPARE(Availability().snapshot(), QList<int>());
    }

    void countsBitfieldsAndRemovesThemOnDisconnect()
    {
        Availability availability(5);
        availability.addPeer(bits("x.x.."));
        availability.addPeer(bits("xx..."));
        QCOMPARE(counts(availability), QByteArray("21100"));
        QCOMPARE(availability.count(0), 2);
        QCOMPARE(availability.min(), 0);
        QCOMPARE(availability.max(), 2);
        availability.removePeer(bits("x.x.."));
        QCOMPARE(counts(availability), QByteArray("11000"));
    }

    void countsHaves()
    {
        Availability availability(4);
        Bitfield peer = bits("....");
        availability.addPeer(peer);
        peer.set(2);
        availability.addHave(2, peer);
        peer.set(0);
        availability.addHave(0, peer);
        QCOMPARE(counts(availability), QByteArray("1010"));
        availability.removePeer(peer);
        QCOMPARE(counts(availability), QByteArray("0000"));
    }

    void keepsSeedersAsOneCounter()
    {
        Availability availability(3);
        for (int i = 0; i < 5; ++i)
            availability.addPeer(bits("xxx"));
        availability.addPeer(bits(".x."));
        QCOMPARE(availability.seeders(), 5);
        QCOMPARE(counts(availability), QByteArray("565"));
        QCOMPARE(availability.min(), 5);
        QCOMPARE(availability.max(), 6);
        availability.removePeer(bits("xxx"));
        QCOMPARE(availability.seeders(), 4);
        QCOMPARE(counts(availability), QByteArray("454"));
    }

    void aPeerCompletedByHavesBecomesASeeder()
    {
        Availability availability(3);
        Bitfield peer = bits("xx.");
        availability.addPeer(peer);
        availability.addPeer(bits("..x"));
        peer.set(2);
        availability.addHave(2, peer);
        QCOMPARE(availability.seeders(), 1);
        QCOMPARE(counts(availability), QByteArray("112"));
        // Its disconnect passes a full bitfield: the seeder counter goes, no counter underflows.
        availability.removePeer(peer);
        QCOMPARE(availability.seeders(), 0);
        QCOMPARE(counts(availability), QByteArray("001"));
    }

    void countsAcrossByteBoundaries()
    {
        Availability availability(11);
        availability.addPeer(bits("x......x..x"));
        QCOMPARE(counts(availability), QByteArray("10000001001"));
    }

    void ignoresBitfieldsOfTheWrongSize()
    {
        Availability availability(3);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("ignoring")));
        availability.addPeer(bits("xxxx"));
        QCOMPARE(counts(availability), QByteArray("000"));
        QCOMPARE(availability.seeders(), 0);
    }

    void resetForgetsEveryPeer()
    {
        Availability availability(2);
        availability.addPeer(bits("xx"));
        availability.addPeer(bits("x."));
        availability.reset(3);
        QCOMPARE(availability.seeders(), 0);
        QCOMPARE(counts(availability), QByteArray("000"));
    }
};

QTEST_GUILESS_MAIN(TestAvailability)
#include "tst_availability.moc"
