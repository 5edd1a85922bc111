// SPDX-License-Identifier: GPL-3.0-or-later
// Value's API and the canonical encoder.
#include "bencode/encoder.h"
#include "bencode/value.h"

#include <QTest>

using swarmshare::bencode::encode;
using swarmshare::bencode::Value;

class TestValue : public QObject {
    Q_OBJECT

private slots:
    void defaultIsIntegerZero()
    {
        const Value value;
        QVERIFY(value.isInteger());
        QCOMPARE(value.type(), Value::Type::Integer);
        QCOMPARE(value.toInteger(), qint64(0));
        QCOMPARE(encode(value), QByteArray("i0e"));
    }

    void eachConstructorMakesItsType()
    {
        QVERIFY(Value(qint64(7)).isInteger());
        QVERIFY(Value(QByteArray("x")).isString());
        QVERIFY(Value(Value::List{}).isList());
        QVERIFY(Value(Value::Dict{}).isDict());
        QCOMPARE(Value(QByteArray("x")).type(), Value::Type::String);
        QCOMPARE(Value(Value::List{}).type(), Value::Type::List);
        QCOMPARE(Value(Value::Dict{}).type(), Value::Type::Dict);
        QVERIFY(!Value(QByteArray("x")).isInteger());
        QVERIFY(!Value(qint64(1)).isString());
    }

    void accessorsOfTheWrongTypeGiveEmptyValues()
    {
        const Value integer(qint64(5));
        QCOMPARE(integer.toString(), QByteArray());
        QVERIFY(integer.toList().isEmpty());
        QVERIFY(integer.toDict().empty());
        QCOMPARE(integer.find("a"), nullptr);
        QCOMPARE(Value(QByteArray("5")).toInteger(), qint64(0));
    }

    void findLooksUpDictionaryKeys()
    {
        const Value dict(Value::Dict{{"a", Value(1)}, {"b", Value(QByteArray("two"))}});
        QVERIFY(dict.find("a"));
        QCOMPARE(dict.find("a")->toInteger(), qint64(1));
        QCOMPARE(dict.find(QByteArray("b"))->toString(), QByteArray("two"));
        QCOMPARE(dict.find("c"), nullptr);
        QCOMPARE(dict.find(""), nullptr);
        const Value withEmptyKey(Value::Dict{{"", Value(3)}});
        QVERIFY(withEmptyKey.find(""));
        QCOMPARE(withEmptyKey.find("")->toInteger(), qint64(3));
    }

    void equalityComparesTypeAndContent()
    {
        QVERIFY(Value(1) == Value(1));
        QVERIFY(!(Value(1) == Value(2)));
        QVERIFY(!(Value(QByteArray("1")) == Value(1)));
        QVERIFY(Value(Value::List{Value(1)}) == Value(Value::List{Value(1)}));
        QVERIFY(!(Value(Value::List{}) == Value(Value::Dict{})));
        QVERIFY(Value(Value::Dict{{"k", Value(1)}}) == Value(Value::Dict{{"k", Value(1)}}));
        QVERIFY(!(Value(Value::Dict{{"k", Value(1)}}) == Value(Value::Dict{{"j", Value(1)}})));
    }

    void encodesEachType_data()
    {
        QTest::addColumn<QByteArray>("expected");
        QTest::addColumn<int>("which");
        QTest::newRow("integer") << QByteArray("i42e") << 0;
        QTest::newRow("negative") << QByteArray("i-9223372036854775808e") << 1;
        QTest::newRow("string") << QByteArray("4:spam") << 2;
        QTest::newRow("empty string") << QByteArray("0:") << 3;
        QTest::newRow("binary string") << QByteArray("2:\0\xff", 4) << 4;
        QTest::newRow("list") << QByteArray("li1e1:ae") << 5;
        QTest::newRow("nested") << QByteArray("d1:ald1:bleeee") << 6;
    }

    void encodesEachType()
    {
        QFETCH(QByteArray, expected);
        QFETCH(int, which);
        const Value values[] = {
            Value(42),
            Value(std::numeric_limits<qint64>::min()),
            Value(QByteArray("spam")),
            Value(QByteArray()),
            Value(QByteArray("\0\xff", 2)),
            Value(Value::List{Value(1), Value(QByteArray("a"))}),
            Value(Value::Dict{
                {"a", Value(Value::List{Value(Value::Dict{{"b", Value(Value::List{})}})})}}),
        };
        QCOMPARE(encode(values[which]), expected);
    }

    void encodesKeysInRawByteOrder()
    {
        // Insertion order does not matter; bytes compare unsigned, so 0x80 sorts after 'z'.
        Value::Dict dict;
        dict["\x80"] = Value(3);
        dict["z"] = Value(2);
        dict["Z"] = Value(1);
        dict["za"] = Value(4);
        QCOMPARE(encode(Value(dict)), QByteArray("d1:Zi1e1:zi2e2:zai4e1:\x80i3ee"));
    }
};

QTEST_GUILESS_MAIN(TestValue)
#include "tst_value.moc"
