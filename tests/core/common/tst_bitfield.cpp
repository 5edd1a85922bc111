// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/bitfield.h"

#include <QTest>

using swarmshare::Bitfield;
using swarmshare::Result;

class TestBitfield : public QObject {
    Q_OBJECT

private slots:
    void startsEmptyOrFull()
    {
        const Bitfield empty(10);
        QCOMPARE(empty.size(), 10);
        QCOMPARE(empty.count(), 0);
        QVERIFY(empty.none());
        QVERIFY(!empty.all());
        const Bitfield full(10, true);
        QCOMPARE(full.count(), 10);
        QVERIFY(full.all());
        QVERIFY(!full.none());
        for (int i = 0; i < 10; ++i)
            QVERIFY(full.test(i) && !empty.test(i));
    }

    void zeroSizeIsBothAllAndNone()
    {
        const Bitfield bits;
        QVERIFY(bits.isEmpty());
        QVERIFY(bits.all());
        QVERIFY(bits.none());
        QCOMPARE(bits.toBytes(), QByteArray());
        QVERIFY(Bitfield::fromBytes({}, 0).ok());
    }

    void setAndResetKeepTheCount()
    {
        Bitfield bits(20);
        bits.set(3);
        bits.set(3); // twice: counted once
        bits.set(19);
        QCOMPARE(bits.count(), 2);
        QVERIFY(bits.test(3) && bits.test(19) && !bits.test(4));
        bits.reset(3);
        bits.reset(3);
        QCOMPARE(bits.count(), 1);
        bits.set(19, false);
        QVERIFY(bits.none());
        bits.fill(true);
        QVERIFY(bits.all());
        QCOMPARE(bits.count(), 20);
    }

    void highBitOfFirstByteIsPieceZero()
    {
        Bitfield bits(12);
        bits.set(0);
        bits.set(7);
        bits.set(8);
        bits.set(11);
        QCOMPARE(bits.toBytes(), QByteArray("\x81\x90", 2));
    }

    void fullBitfieldKeepsSpareBitsZero()
    {
        QCOMPARE(Bitfield(12, true).toBytes(), QByteArray("\xff\xf0", 2));
        QCOMPARE(Bitfield(16, true).toBytes(), QByteArray("\xff\xff", 2));
        QCOMPARE(Bitfield(1, true).toBytes(), QByteArray("\x80", 1));
    }

    void decodesWhatItEncodes()
    {
        Bitfield bits(37);
        for (const int i : {0, 1, 5, 8, 20, 31, 32, 36})
            bits.set(i);
        const Result<Bitfield> decoded = Bitfield::fromBytes(bits.toBytes(), 37);
        QVERIFY(decoded.ok());
        QCOMPARE(*decoded, bits);
        QCOMPARE(decoded->count(), 8);
        QVERIFY(decoded->test(36) && !decoded->test(35));
    }

    void decodesWireBytes()
    {
        const Result<Bitfield> decoded = Bitfield::fromBytes(QByteArray("\xa0\x40", 2), 10);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->count(), 3);
        QVERIFY(decoded->test(0) && decoded->test(2) && decoded->test(9));
        QVERIFY(!decoded->test(1) && !decoded->test(8));
    }

    void rejectsWrongLength_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("bits");
        QTest::newRow("one byte short") << QByteArray(1, '\0') << 9;
        QTest::newRow("one byte long") << QByteArray(3, '\0') << 16;
        QTest::newRow("bytes for zero bits") << QByteArray(1, '\0') << 0;
        QTest::newRow("nothing for one bit") << QByteArray() << 1;
        QTest::newRow("negative size") << QByteArray() << -1;
    }

    void rejectsWrongLength()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, bits);
        const Result<Bitfield> decoded = Bitfield::fromBytes(bytes, bits);
        QVERIFY(!decoded.ok());
        QVERIFY(!decoded.error().message.isEmpty());
    }

    void rejectsSpareBitsSet_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("bits");
        QTest::newRow("last spare bit") << QByteArray("\xff\xf1", 2) << 12;
        QTest::newRow("first spare bit") << QByteArray("\x00\x08", 2) << 12;
        QTest::newRow("seven spare bits") << QByteArray("\x01", 1) << 1;
    }

    void rejectsSpareBitsSet()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, bits);
        const Result<Bitfield> decoded = Bitfield::fromBytes(bytes, bits);
        QVERIFY(!decoded.ok());
        QCOMPARE(decoded.error().offset, bytes.size() - 1);
    }

    void acceptsAllBitsUsedWhenSizeIsAMultipleOfEight()
    {
        const Result<Bitfield> decoded = Bitfield::fromBytes(QByteArray("\xff", 1), 8);
        QVERIFY(decoded.ok());
        QVERIFY(decoded->all());
    }

    void copiesAreIndependent()
    {
        Bitfield a(8);
        Bitfield b = a;
        b.set(1);
        QVERIFY(!a.test(1));
        QCOMPARE(a.count(), 0);
        QVERIFY(a != b);
    }
};

QTEST_GUILESS_MAIN(TestBitfield)
#include "tst_bitfield.moc"
