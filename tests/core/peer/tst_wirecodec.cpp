// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/wirecodec.h"

#include <QElapsedTimer>
#include <QTest>

using swarmshare::Bitfield;
using swarmshare::Result;
using swarmshare::peer::PieceGeometry;
using swarmshare::peer::WireCodec;
using swarmshare::peer::WireMessage;

Q_DECLARE_METATYPE(WireMessage)

namespace {

// Ten pieces of 32 KiB, the last one 1000 bytes: a 2-byte bitfield with 6 spare bits.
constexpr PieceGeometry kGeometry{10, 32 * 1024, 9 * 32 * 1024 + 1000};

Bitfield sampleBits()
{
    Bitfield bits(10);
    bits.set(0);
    bits.set(7);
    bits.set(9);
    return bits;
}

QByteArray hex(const char* text)
{
    return QByteArray::fromHex(text);
}

// Every message type, as a stream a peer could send (bitfield first).
QList<WireMessage> sampleStream()
{
    return {WireMessage::bitfieldOf(sampleBits()),
            WireMessage::keepAlive(),
            WireMessage::choke(),
            WireMessage::unchoke(),
            WireMessage::interested(),
            WireMessage::notInterested(),
            WireMessage::have(9),
            WireMessage::request(1, 16384, 16384),
            WireMessage::piece(9, 990, QByteArray("0123456789")),
            WireMessage::cancel(9, 0, 1000),
            WireMessage::portOf(6881),
            WireMessage::keepAlive()};
}

QByteArray encodeAll(const QList<WireMessage>& messages)
{
    QByteArray out;
    for (const WireMessage& message : messages)
        WireCodec::append(out, message);
    return out;
}

} // namespace

class TestWireCodec : public QObject {
    Q_OBJECT

private slots:
    void encodesBep3Bytes_data()
    {
        QTest::addColumn<WireMessage>("message");
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("keep-alive") << WireMessage::keepAlive() << hex("00000000");
        QTest::newRow("choke") << WireMessage::choke() << hex("0000000100");
        QTest::newRow("unchoke") << WireMessage::unchoke() << hex("0000000101");
        QTest::newRow("interested") << WireMessage::interested() << hex("0000000102");
        QTest::newRow("not interested") << WireMessage::notInterested() << hex("0000000103");
        QTest::newRow("have") << WireMessage::have(9) << hex("000000050400000009");
        QTest::newRow("bitfield") << WireMessage::bitfieldOf(sampleBits())
                                  << hex("000000030581"
                                         "40");
        QTest::newRow("request") << WireMessage::request(1, 16384, 16384)
                                 << hex("0000000d06"
                                        "00000001"
                                        "00004000"
                                        "00004000");
        QTest::newRow("piece") << WireMessage::piece(9, 990, QByteArray("abc"))
                               << hex("0000000c07"
                                      "00000009"
                                      "000003de"
                                      "616263");
        QTest::newRow("cancel") << WireMessage::cancel(2, 32768 - 16384, 16384)
                                << hex("0000000d08"
                                       "00000002"
                                       "00004000"
                                       "00004000");
        QTest::newRow("port") << WireMessage::portOf(6881) << hex("00000003091ae1");
    }

    void encodesBep3Bytes()
    {
        QFETCH(WireMessage, message);
        QFETCH(QByteArray, bytes);
        QCOMPARE(WireCodec::encode(message).toHex(), bytes.toHex());
    }

    void decodesBep3Bytes_data() { encodesBep3Bytes_data(); }

    void decodesBep3Bytes()
    {
        QFETCH(WireMessage, message);
        QFETCH(QByteArray, bytes);
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        const Result<void> fed = codec.feed(bytes, out);
        QVERIFY2(fed.ok(), fed.ok() ? "" : qPrintable(fed.error().message));
        QCOMPARE(out.size(), 1);
        QVERIFY(out.first() == message);
        QCOMPARE(codec.bufferedBytes(), 0);
    }

    void encodesPieceHeaderForABlockSentSeparately()
    {
        QCOMPARE(WireCodec::encodePieceHeader(9, 990, 3).toHex(),
                 hex("0000000c0700000009000003de").toHex());
    }

    void decodesWhenSplitAtEveryBoundary()
    {
        const QList<WireMessage> expected = sampleStream();
        const QByteArray bytes = encodeAll(expected);
        // Every pair of cut points: three chunks, including empty ones.
        for (qsizetype a = 0; a <= bytes.size(); ++a) {
            for (qsizetype b = a; b <= bytes.size(); ++b) {
                WireCodec codec(kGeometry);
                QList<WireMessage> out;
                const QByteArrayView view(bytes);
                QVERIFY(codec.feed(view.first(a), out).ok());
                QVERIFY(codec.feed(view.sliced(a, b - a), out).ok());
                QVERIFY(codec.feed(view.sliced(b), out).ok());
                if (out != expected)
                    QFAIL(qPrintable(QStringLiteral("split at %1 and %2").arg(a).arg(b)));
                QCOMPARE(codec.bufferedBytes(), 0);
            }
        }
    }

    void decodesByteByByte()
    {
        const QList<WireMessage> expected = sampleStream();
        const QByteArray bytes = encodeAll(expected);
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        for (const char byte : bytes)
            QVERIFY(codec.feed(QByteArrayView(&byte, 1), out).ok());
        QCOMPARE(out, expected);
    }

    void decodesManyMessagesInOneChunk()
    {
        QList<WireMessage> expected;
        for (int i = 0; i < 1000; ++i) {
            expected.append(WireMessage::have(i % 10));
            expected.append(WireMessage::request(i % 9, 0, 16384));
            expected.append(WireMessage::piece(i % 9, 16384, QByteArray(16384, char(i))));
        }
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        QVERIFY(codec.feed(encodeAll(expected), out).ok());
        QCOMPARE(out.size(), expected.size());
        QVERIFY(out == expected);
    }

    void decodesFullSizedBlocksAcrossChunks()
    {
        // Odd chunk sizes so that block boundaries fall everywhere, as from a real socket.
        QList<WireMessage> expected;
        for (int i = 0; i < 50; ++i)
            expected.append(WireMessage::piece(i % 9, (i % 2) * 16384, QByteArray(16384, char(i))));
        const QByteArray bytes = encodeAll(expected);
        for (const qsizetype chunk : {1000, 4096, 16397, 16398, 65536}) {
            WireCodec codec(kGeometry);
            QList<WireMessage> out;
            for (qsizetype pos = 0; pos < bytes.size(); pos += chunk)
                QVERIFY(
                    codec
                        .feed(QByteArrayView(bytes).sliced(pos, qMin(chunk, bytes.size() - pos)),
                              out)
                        .ok());
            QVERIFY2(out == expected, qPrintable(QString::number(chunk)));
        }
    }

    void decodesABlockReadApartFromItsHeader()
    {
        // What PeerConnection does when a read put a piece's header and block in two buffers.
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        const QByteArray block(16384, 'z');
        const QByteArray header = WireCodec::encodePieceHeader(3, 16384, block.size());
        QVERIFY(WireCodec::isPieceHeader(header, 16384));
        QVERIFY(!WireCodec::isPieceHeader(header, 1000));
        QVERIFY(!WireCodec::isPieceHeader(
            WireCodec::encode(WireMessage::have(3)) + QByteArray(4, '\0'), 16384));
        const char* data = block.constData();
        QVERIFY(codec.feedPiece(header, block, out).ok());
        QCOMPARE(out.size(), 1);
        QCOMPARE(out.first(), WireMessage::piece(3, 16384, block));
        QCOMPARE(out.first().payload.constData(), data); // the block itself, not a copy

        // It continues the stream where feed() left it, and feed() continues after it.
        const QByteArray have = WireCodec::encode(WireMessage::have(2));
        QVERIFY(codec.feed(have.first(3), out).ok());
        QCOMPARE(codec.bytesToMessageEnd(), -1); // the length prefix is not complete yet
        QVERIFY(codec.feed(have.sliced(3, 2), out).ok());
        QCOMPARE(codec.bytesToMessageEnd(), 4);
        QVERIFY(codec.feed(have.sliced(5), out).ok());
        QCOMPARE(codec.bytesToMessageEnd(), 0);
        QCOMPARE(out.size(), 2);
        QCOMPARE(out.last(), WireMessage::have(2));

        // Checked like any piece: a block past its piece's end stops the decoder for good, and
        // the error's offset is the message's place in the stream.
        const Result<void> bad =
            codec.feedPiece(WireCodec::encodePieceHeader(9, 0, block.size()), block, out);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.contains(QStringLiteral("exceeds")),
                 qPrintable(bad.error().message));
        QCOMPARE(bad.error().offset, 13 + 16384 + 9);
        QVERIFY(codec.failed());
        QVERIFY(!codec.feed(have, out).ok());
        QCOMPARE(out.size(), 2);
    }

    void acceptsLastPieceExactly()
    {
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        QVERIFY(codec
                    .feed(encodeAll({WireMessage::request(9, 0, 1000),
                                     WireMessage::request(0, 16384, 16384),
                                     WireMessage::piece(9, 999, QByteArray(1, 'x'))}),
                          out)
                    .ok());
        QCOMPARE(out.size(), 3);
    }

    void acceptsUnknownIdsAndReturnsTheirPayload()
    {
        // BEP 10 extended message (id 20) and a BEP 6 have-all (id 14): skipped by the
        // connection, not fatal.
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        QVERIFY(codec.feed(hex("0000000414006465000000010e0000000102"), out).ok());
        QCOMPARE(out.size(), 3);
        QCOMPARE(out[0].type, WireMessage::Type::Unknown);
        QCOMPARE(out[0].id, quint8(20));
        QCOMPARE(out[0].payload, hex("006465"));
        QCOMPARE(out[1].type, WireMessage::Type::Unknown);
        QCOMPARE(out[1].id, quint8(14));
        QVERIFY(out[1].payload.isEmpty());
        QCOMPARE(out[2].type, WireMessage::Type::Interested);
        // An unknown message round-trips.
        QCOMPARE(WireCodec::encode(out[0]).toHex(), QByteArray("0000000414006465"));
    }

    void toleratesKeepAliveBeforeBitfield()
    {
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        QVERIFY(
            codec
                .feed(encodeAll({WireMessage::keepAlive(), WireMessage::bitfieldOf(sampleBits())}),
                      out)
                .ok());
        QCOMPARE(out.size(), 2);
        QCOMPARE(out[1].bitfield, sampleBits());
    }

    void decodesABitfieldLaterInTheStream()
    {
        // aria2 replaces a run of haves with a fresh bitfield mid-connection.
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        QVERIFY(
            codec
                .feed(encodeAll({WireMessage::bitfieldOf(sampleBits()), WireMessage::have(0),
                                 WireMessage::interested(), WireMessage::bitfieldOf(sampleBits())}),
                      out)
                .ok());
        QCOMPARE(out.size(), 4);
        QCOMPARE(out[3].type, WireMessage::Type::Bitfield);
        QCOMPARE(out[3].bitfield, sampleBits());
    }

    void allowsLargeBitfieldButNotOtherLargeMessages()
    {
        // 200000 pieces: a 25001-byte bitfield message is above the 16 KiB + 13 general limit.
        const PieceGeometry big{200000, 16384, qint64(200000) * 16384};
        Bitfield bits(200000);
        bits.set(199999);
        WireCodec codec(big);
        QList<WireMessage> out;
        QVERIFY(codec.feed(WireCodec::encode(WireMessage::bitfieldOf(bits)), out).ok());
        QCOMPARE(out.first().bitfield, bits);
        const Result<void> fed = codec.feed(hex("000061a914"), out);
        QVERIFY(!fed.ok());
        QCOMPARE(fed.error().message, QStringLiteral("message id 20 length 25001 exceeds 16397"));
    }

    void waitsOnTruncatedStream_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("one prefix byte") << hex("00");
        QTest::newRow("three prefix bytes") << hex("000000");
        QTest::newRow("prefix only") << hex("00000005");
        QTest::newRow("have missing a byte") << hex("0000000504000000");
        QTest::newRow("bitfield missing a byte") << hex("000000030581");
        QTest::newRow("piece header only") << hex("00004009070000000000000000");
        QTest::newRow("full block missing a byte")
            << (hex("00004009070000000000000000") + QByteArray(16383, 'x'));
    }

    void waitsOnTruncatedStream()
    {
        QFETCH(QByteArray, bytes);
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        QVERIFY(codec.feed(bytes, out).ok());
        QVERIFY(out.isEmpty());
        QCOMPARE(codec.bufferedBytes(), bytes.size());
        QVERIFY(!codec.failed());
    }

    void rejectsMalformedMessages_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("error");
        const auto row = [](const char* name, const char* bytes, const char* error) {
            QTest::newRow(name) << hex(bytes) << QString::fromLatin1(error);
        };
        // Length prefixes, rejected before any payload arrives.
        row("length above 16 KiB + 13", "0000400e", "message length 16398 exceeds 16397");
        row("length 4 GiB", "ffffffff", "message length 4294967295 exceeds 16397");
        row("unknown id above limit", "0000400e14", "message length 16398 exceeds 16397");
        // Fixed sizes.
        row("choke with payload", "000000020000", "choke message length 2, expected 1");
        row("unchoke with payload", "000000020100", "unchoke message length 2, expected 1");
        row("interested with payload", "000000020200", "interested message length 2, expected 1");
        row("not-interested with payload", "000000020300",
            "not-interested message length 2, expected 1");
        row("have short", "0000000404000000", "have message length 4, expected 5");
        row("have long", "000000060400000000", "have message length 6, expected 5");
        row("request short", "0000000c06", "request message length 12, expected 13");
        row("request long", "0000000e06", "request message length 14, expected 13");
        row("cancel short", "0000000c08", "cancel message length 12, expected 13");
        row("port short", "0000000209", "port message length 2, expected 3");
        row("port long", "0000000409", "port message length 4, expected 3");
        // Indices.
        row("have index = piece count", "00000005040000000a", "have index 10 out of range");
        row("have index max", "0000000504ffffffff", "have index 4294967295 out of range");
        row("request index", "0000000d060000000a0000000000000001",
            "request index 10 out of range (10 pieces)");
        row("cancel index", "0000000d080000000a0000000000000001", "cancel index 10 out of range");
        row("piece index", "0000000a070000000a0000000078", "piece index 10 out of range");
        // Request lengths and spans.
        row("request too long", "0000000d06000000000000000000008000",
            "request length 32768 exceeds 16384");
        row("request zero", "0000000d06000000000000000000000000", "request length 0 is zero");
        row("cancel too long", "0000000d08000000000000000000004001",
            "cancel length 16385 exceeds 16384");
        row("request past piece end", "0000000d06000000000000400100004000",
            "request begin 16385 + length 16384 exceeds piece 0 of 32768 bytes");
        row("request past last piece",
            "0000000d0600000009"
            "00000000000003e9",
            "request begin 0 + length 1001 exceeds piece 9 of 1000 bytes");
        row("request begin overflows", "0000000d0600000000ffffffff00000001",
            "request begin 4294967295 + length 1");
        row("piece past last piece",
            "0000000b0700000009000003e7"
            "7878",
            "piece begin 999 + length 2 exceeds piece 9 of 1000 bytes");
        // Piece sizes.
        row("piece without block", "0000000907", "piece message length 9 leaves no block");
        row("piece block above 16 KiB", "0000400a07", "piece block of 16385 bytes exceeds 16384");
        // Bitfields.
        row("bitfield short", "0000000205", "bitfield message length 2, expected 3");
        row("bitfield long", "0000000405", "bitfield message length 4, expected 3");
        row("bitfield spare bit",
            "000000030500"
            "01",
            "bitfield has spare bits set");
    }

    void rejectsMalformedMessages()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, error);
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        const Result<void> fed = codec.feed(bytes, out);
        QVERIFY(!fed.ok());
        QVERIFY2(fed.error().message.startsWith(error), qPrintable(fed.error().message));
        QVERIFY(codec.failed());
        // Every later feed returns the same error; nothing more is decoded.
        const qsizetype delivered = out.size();
        const Result<void> again = codec.feed(hex("0000000102"), out);
        QVERIFY(!again.ok());
        QCOMPARE(again.error().message, fed.error().message);
        QCOMPARE(out.size(), delivered);
    }

    void rejectsMalformedMessagesSplitByteByByte_data() { rejectsMalformedMessages_data(); }

    void rejectsMalformedMessagesSplitByteByByte()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, error);
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        for (qsizetype i = 0; i < bytes.size(); ++i) {
            const Result<void> fed = codec.feed(QByteArrayView(bytes).sliced(i, 1), out);
            if (!fed.ok()) {
                QVERIFY2(fed.error().message.startsWith(error), qPrintable(fed.error().message));
                return;
            }
        }
        QFAIL("no error");
    }

    void deliversMessagesBeforeTheViolationWithItsOffset()
    {
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        QVERIFY(codec.feed(hex("00000001020000"), out).ok()); // interested, then 2 prefix bytes
        const Result<void> fed = codec.feed(hex("000d06000000000000000000008000"
                                                "0000000101"),
                                            out);
        QVERIFY(!fed.ok());
        QCOMPARE(fed.error().message, QStringLiteral("request length 32768 exceeds 16384"));
        QCOMPARE(fed.error().offset, 5);
        QCOMPARE(out.size(), 1);
        QCOMPARE(out.first().type, WireMessage::Type::Interested);
    }

    void decodesPieceStreamQuickly()
    {
        // Not a pass/fail threshold (the machine is shared): prints the rate for the report.
        QList<WireMessage> messages;
        for (int i = 0; i < 64; ++i)
            messages.append(WireMessage::piece(i % 9, (i % 2) * 16384, QByteArray(16384, 'x')));
        const QByteArray bytes = encodeAll(messages); // ~1 MiB
        const qsizetype chunk = 65536;
        WireCodec codec(kGeometry);
        QList<WireMessage> out;
        QElapsedTimer timer;
        timer.start();
        qint64 total = 0;
        for (int round = 0; round < 256; ++round) {
            for (qsizetype pos = 0; pos < bytes.size(); pos += chunk) {
                out.clear();
                QVERIFY(
                    codec
                        .feed(QByteArrayView(bytes).sliced(pos, qMin(chunk, bytes.size() - pos)),
                              out)
                        .ok());
            }
            total += bytes.size();
        }
        const qint64 ns = qMax<qint64>(1, timer.nsecsElapsed());
        qInfo("decoded %lld MiB in %lld ms: %.0f MiB/s", total >> 20, ns / 1000000,
              double(total) / (1024.0 * 1024.0) / (double(ns) / 1e9));
    }
};

QTEST_GUILESS_MAIN(TestWireCodec)
#include "tst_wirecodec.moc"
