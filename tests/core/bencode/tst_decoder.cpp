// SPDX-License-Identifier: GPL-3.0-or-later
// The strict decoder: every rule, every limit, error offsets, spans and round trips.
#include "bencode/decoder.h"
#include "bencode/encoder.h"

#include <QRandomGenerator>
#include <QTest>

using swarmshare::Result;
using swarmshare::bencode::decode;
using swarmshare::bencode::DecodeLimits;
using swarmshare::bencode::decodeWithSpans;
using swarmshare::bencode::encode;
using swarmshare::bencode::Span;
using swarmshare::bencode::SpannedValue;
using swarmshare::bencode::Value;

namespace {

QByteArray bytes(const char* data, qsizetype size)
{
    return QByteArray(data, size);
}

// A random value of bounded size and depth, for round-trip properties.
Value randomValue(QRandomGenerator& random, int depth)
{
    const int kind = depth > 3 ? int(random.bounded(2)) : int(random.bounded(4));
    switch (kind) {
    case 0:
        return Value(qint64(random.generate64()) >> random.bounded(64));
    case 1: {
        QByteArray string(random.bounded(12), Qt::Uninitialized);
        for (char& c : string)
            c = char(random.bounded(256));
        return Value(string);
    }
    case 2: {
        Value::List list;
        for (int i = int(random.bounded(4)); i > 0; --i)
            list.append(randomValue(random, depth + 1));
        return Value(list);
    }
    default: {
        Value::Dict dict;
        for (int i = int(random.bounded(4)); i > 0; --i)
            dict[QByteArray::number(random.bounded(100))] = randomValue(random, depth + 1);
        return Value(dict);
    }
    }
}

} // namespace

Q_DECLARE_METATYPE(swarmshare::bencode::Value)

class TestDecoder : public QObject {
    Q_OBJECT

private:
    static void checkFails(const Result<Value>& result, qint64 offset, const QString& reason)
    {
        QVERIFY2(!result.ok(), "the input was accepted");
        QVERIFY2(result.error().message.contains(reason), qPrintable(result.error().message));
        QVERIFY2(result.error().message.startsWith(QStringLiteral("bencode: ")),
                 qPrintable(result.error().message));
        QVERIFY2(result.error().message.endsWith(QStringLiteral(" at offset %1").arg(offset)),
                 qPrintable(result.error().message));
        QCOMPARE(result.error().offset, offset);
    }

private slots:
    void decodesValidInput_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<Value>("expected");
        QTest::newRow("zero") << QByteArray("i0e") << Value(0);
        QTest::newRow("positive") << QByteArray("i42e") << Value(42);
        QTest::newRow("negative") << QByteArray("i-42e") << Value(-42);
        QTest::newRow("ten") << QByteArray("i10e") << Value(10);
        QTest::newRow("max") << QByteArray("i9223372036854775807e")
                             << Value(std::numeric_limits<qint64>::max());
        QTest::newRow("min") << QByteArray("i-9223372036854775808e")
                             << Value(std::numeric_limits<qint64>::min());
        QTest::newRow("empty string") << QByteArray("0:") << Value(QByteArray());
        QTest::newRow("string") << QByteArray("4:spam") << Value(QByteArray("spam"));
        QTest::newRow("binary string") << bytes("3:a\0\xff", 5) << Value(bytes("a\0\xff", 3));
        QTest::newRow("string of digits")
            << QByteArray("10:0123456789") << Value(QByteArray("0123456789"));
        QTest::newRow("empty list") << QByteArray("le") << Value(Value::List{});
        QTest::newRow("empty dict") << QByteArray("de") << Value(Value::Dict{});
        QTest::newRow("list") << QByteArray("l4:spami42ee")
                              << Value(Value::List{Value(QByteArray("spam")), Value(42)});
        QTest::newRow("dict") << QByteArray("d3:bar4:spam3:fooi42ee")
                              << Value(Value::Dict{{"bar", Value(QByteArray("spam"))},
                                                   {"foo", Value(42)}});
        QTest::newRow("keys in raw byte order")
            << QByteArray("d1:Ai1e1:ai2e1:\x80i3ee")
            << Value(Value::Dict{{"A", Value(1)}, {"a", Value(2)}, {"\x80", Value(3)}});
        QTest::newRow("prefix key first") << QByteArray("d1:ai1e2:aai2ee")
                                          << Value(Value::Dict{{"a", Value(1)}, {"aa", Value(2)}});
        QTest::newRow("empty key") << QByteArray("d0:i1ee") << Value(Value::Dict{{"", Value(1)}});
        QTest::newRow("nested") << QByteArray("llleee")
                                << Value(Value::List{Value(Value::List{Value(Value::List{})})});
    }

    void decodesValidInput()
    {
        QFETCH(QByteArray, input);
        QFETCH(Value, expected);
        const Result<Value> decoded = decode(input);
        QVERIFY2(decoded.ok(), decoded.ok() ? "" : qPrintable(decoded.error().message));
        QVERIFY(*decoded == expected);
        QCOMPARE(encode(*decoded), input);
    }

    void rejectsMalformedInput_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* name, const QByteArray& input, qint64 offset,
                            const char* reason) {
            QTest::newRow(name) << input << offset << QString::fromUtf8(reason);
        };
        row("empty input", "", 0, "empty input");
        row("leading zero", "i03e", 1, "leading zero in integer");
        row("double zero", "i00e", 1, "leading zero in integer");
        row("negative leading zero", "i-03e", 2, "leading zero in integer");
        row("leading zero deep inside", "d3:fooli1ei02eee", 11, "leading zero in integer");
        row("negative zero", "i-0e", 0, "negative zero");
        row("empty integer", "ie", 1, "empty integer");
        row("minus only", "i-e", 2, "no digits after '-'");
        row("double minus", "i--1e", 2, "unexpected character '-' in integer");
        row("plus sign", "i+1e", 1, "unexpected character '+' in integer");
        row("space in integer", "i 1e", 1, "unexpected byte 0x20 in integer");
        row("letter in integer", "i1x2e", 2, "unexpected character 'x' in integer");
        row("unterminated integer", "i12", 3, "integer at offset 0 is not closed");
        row("lone i", "i", 1, "integer at offset 0 is not closed");
        row("above max", "i9223372036854775808e", 19, "does not fit in 64 bits");
        row("below min", "i-9223372036854775809e", 20, "does not fit in 64 bits");
        row("twenty digits", "i99999999999999999999e", 19, "does not fit in 64 bits");
        row("string length leading zero", "03:abc", 0, "leading zero in string length");
        row("string length double zero", "00:", 0, "leading zero in string length");
        row("string runs past end", "4:abc", 5, "string at offset 0 needs 4 bytes, 3 remain");
        row("string length without colon", "4", 1, "string length at offset 0 has no ':'");
        row("bad string length", "4x", 1, "unexpected character 'x' in string length");
        row("huge string length", "99999999999999999999:", 18,
            "string length does not fit in 64 bits");
        row("negative string length", "-1:a", 0, "unexpected character '-'");
        row("unknown token", "x", 0, "unexpected character 'x'");
        row("lone end", "e", 0, "unexpected character 'e'");
        row("binary byte", "\xff", 0, "unexpected byte 0xff");
        row("nul in list", bytes("l\0e", 3), 1, "unexpected byte 0x00");
        row("unclosed list", "l", 1, "list opened at offset 0 is not closed");
        row("unclosed list with item", "li1e", 4, "list opened at offset 0 is not closed");
        row("empty integer in list", "llie", 3, "empty integer");
        row("unclosed nested", "lli1ee", 6, "list opened at offset 0 is not closed");
        row("unclosed dict", "d", 1, "dictionary opened at offset 0 is not closed");
        row("dict ends after key", "d3:foo", 6, "dictionary opened at offset 0 is not closed");
        row("key without value", "d3:fooe", 6, "dictionary key \"foo\" has no value");
        row("integer key", "di1ei2ee", 1, "dictionary key is not a byte string");
        row("list key", "dlei1ee", 1, "dictionary key is not a byte string");
        row("dict key", "ddei1ee", 1, "dictionary key is not a byte string");
        row("unsorted keys", "d1:bi1e1:ai2ee", 7, "\"a\" is out of order (after \"b\")");
        row("longer key first", "d2:aai1e1:ai2ee", 8, "out of order");
        row("unsigned order", "d1:\x80i1e1:ai2ee", 7, "out of order");
        row("duplicate key", "d1:ai1e1:ai2ee", 7, "duplicate dictionary key \"a\"");
        row("unsorted inner dict", "d1:ad1:bi1e1:ai1eee", 11, "out of order");
        row("trailing integer", "i1ei2e", 3, "trailing data after the value");
        row("trailing end", "lee", 2, "trailing data after the value");
        row("trailing byte", "4:spamx", 6, "trailing data after the value");
        row("trailing newline", "de\n", 2, "trailing data after the value");
    }

    void rejectsMalformedInput()
    {
        QFETCH(QByteArray, input);
        QFETCH(qint64, offset);
        QFETCH(QString, reason);
        checkFails(decode(input), offset, reason);
    }

    void messageShowsUnprintableKeysEscaped()
    {
        const Result<Value> result = decode(QByteArray("d2:\x01zi1e2:\x01zi2ee"));
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.contains(QStringLiteral("\"\\x01z\"")),
                 qPrintable(result.error().message));
    }

    void depthLimitStopsNesting_data()
    {
        QTest::addColumn<int>("maxDepth");
        QTest::addColumn<int>("nesting");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("default, at the limit") << DecodeLimits{}.maxDepth << 64 << true;
        QTest::newRow("default, one deeper") << DecodeLimits{}.maxDepth << 65 << false;
        QTest::newRow("3, at the limit") << 3 << 3 << true;
        QTest::newRow("3, one deeper") << 3 << 4 << false;
        QTest::newRow("1 allows a flat list") << 1 << 1 << true;
        QTest::newRow("0 allows no container") << 0 << 1 << false;
    }

    void depthLimitStopsNesting()
    {
        QFETCH(int, maxDepth);
        QFETCH(int, nesting);
        QFETCH(bool, accepted);
        DecodeLimits limits;
        limits.maxDepth = maxDepth;
        const QByteArray input = QByteArray(nesting, 'l') + QByteArray(nesting, 'e');
        const Result<Value> result = decode(input, limits);
        if (accepted) {
            QVERIFY(result.ok());
            QCOMPARE(encode(*result), input);
        } else {
            checkFails(result, maxDepth,
                       QStringLiteral("nesting deeper than %1 levels").arg(maxDepth));
        }
    }

    void depthIsCountedForDictsToo()
    {
        DecodeLimits limits;
        limits.maxDepth = 2;
        QVERIFY(decode("d1:ad1:ai1eee", limits).ok());
        checkFails(decode("d1:ad1:ad1:ai1eeee", limits), 8, QStringLiteral("nesting deeper"));
    }

    void hostileNestingFailsFastWithoutRecursion()
    {
        // A megabyte of 'l' would overflow a recursive decoder's stack.
        const QByteArray input(1 << 20, 'l');
        checkFails(decode(input), 64, QStringLiteral("nesting deeper than 64 levels"));
        DecodeLimits limits;
        limits.maxDepth = std::numeric_limits<int>::max();
        checkFails(
            decode(input, limits), DecodeLimits::kHardMaxDepth,
            QStringLiteral("nesting deeper than %1 levels").arg(DecodeLimits::kHardMaxDepth));
    }

    void inputSizeLimit()
    {
        DecodeLimits limits;
        limits.maxInputSize = 6;
        QVERIFY(decode("4:spam", limits).ok());
        checkFails(decode("5:spams", limits), 0,
                   QStringLiteral("input of 7 bytes exceeds the limit of 6 bytes"));
    }

    void stringLengthLimit()
    {
        DecodeLimits limits;
        limits.maxStringLength = 3;
        QVERIFY(decode("l3:abce", limits).ok());
        checkFails(decode("l4:abcde", limits), 1,
                   QStringLiteral("string of 4 bytes exceeds the limit of 3 bytes"));
        checkFails(decode("d4:abcdi1ee", limits), 1, QStringLiteral("exceeds the limit"));
    }

    void hugeDeclaredStringIsRefusedBeforeAllocating()
    {
        checkFails(decode("9000000000000000000:x"), 0,
                   QStringLiteral("string of 9000000000000000000 bytes exceeds the limit"));
        checkFails(decode("1000000:x"), 9, QStringLiteral("needs 1000000 bytes, 1 remain"));
    }

    void tokenLimitCountsEveryValueAndKey()
    {
        DecodeLimits limits;
        limits.maxTokens = 3;
        QVERIFY(decode("li1ei2ee", limits).ok());
        checkFails(decode("li1ei2ei3ee", limits), 7, QStringLiteral("more than 3 values"));
        QVERIFY(decode("d1:ai1ee", limits).ok());
        limits.maxTokens = 2;
        checkFails(decode("d1:ai1ee", limits), 4, QStringLiteral("more than 2 values"));
    }

    void defaultLimitsAcceptLargeRealisticInput()
    {
        // 100 000 files' worth of small dicts: far more than any real torrent has.
        QByteArray input = "l";
        for (int i = 0; i < 100000; ++i)
            input += "d6:lengthi" + QByteArray::number(i) + "e4:pathl1:aee";
        input += "e";
        const Result<Value> decoded = decode(input);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->toList().size(), 100000);
    }

    void spansLocateTopLevelEntries()
    {
        const QByteArray input = "d4:infod4:name1:x6:zeroesi0ee4:listli1ei2ee3:zzz0:e";
        const Result<SpannedValue> decoded = decodeWithSpans(input);
        QVERIFY(decoded.ok());
        const auto& spans = decoded->entrySpans;
        QCOMPARE(spans.size(), size_t(3));
        QCOMPARE(spans.at("info"), (Span{7, 22}));
        QCOMPARE(spans.at("info").in(input), QByteArrayView("d4:name1:x6:zeroesi0ee"));
        QCOMPARE(spans.at("list").in(input), QByteArrayView("li1ei2ee"));
        QCOMPARE(spans.at("zzz").in(input), QByteArrayView("0:"));
        // Each span decodes on its own to the same value the whole decode gave.
        for (const auto& [key, span] : spans) {
            const Result<Value> alone = decode(span.in(input));
            QVERIFY(alone.ok());
            QVERIFY(*alone == *decoded->value.find(key));
        }
    }

    void spansAreEmptyUnlessTheTopIsADict()
    {
        const Result<SpannedValue> list = decodeWithSpans("ld4:infoi1eee");
        QVERIFY(list.ok());
        QVERIFY(list->entrySpans.empty());
        QVERIFY(list->value.isList());
        const Result<SpannedValue> bad = decodeWithSpans("d4:infoi01ee");
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().offset, qint64(8));
    }

    void randomValuesRoundTrip()
    {
        QRandomGenerator random(20261121);
        for (int i = 0; i < 2000; ++i) {
            const Value value = randomValue(random, 0);
            const QByteArray encoded = encode(value);
            const Result<Value> decoded = decode(encoded);
            QVERIFY2(decoded.ok(), decoded.ok() ? "" : qPrintable(decoded.error().message));
            QVERIFY(*decoded == value);
            QCOMPARE(encode(*decoded), encoded);
        }
    }

    void mutatedInputNeverBreaksTheRules()
    {
        // Whatever a corruption does, the answer is either a clean error inside the input or a
        // value that encodes back to exactly the input.
        QRandomGenerator random(7);
        for (int i = 0; i < 3000; ++i) {
            QByteArray input = encode(randomValue(random, 0));
            for (int flips = int(random.bounded(3)) + 1; flips > 0 && !input.isEmpty(); --flips)
                input[random.bounded(int(input.size()))] = char(random.bounded(256));
            if (random.bounded(4) == 0)
                input.truncate(random.bounded(int(input.size()) + 1));
            const Result<Value> decoded = decode(input);
            if (decoded.ok()) {
                QCOMPARE(encode(*decoded), input);
            } else {
                QVERIFY(decoded.error().offset >= 0);
                QVERIFY(decoded.error().offset <= input.size());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestDecoder)
#include "tst_decoder.moc"
