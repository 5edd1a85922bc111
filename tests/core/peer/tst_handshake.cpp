// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/handshake.h"

#include <QTest>

using swarmshare::peer::Handshake;
using swarmshare::peer::HandshakeReader;
using Status = HandshakeReader::Status;

namespace {

Handshake sample()
{
    Handshake handshake;
    handshake.infoHash = QByteArray::fromHex("0123456789abcdef0123456789abcdef01234567");
    handshake.peerId = QByteArrayLiteral("-SW0100-abcdefghijkl");
    return handshake;
}

// Hand-written from BEP 3: pstrlen 19, "BitTorrent protocol", 8 reserved, info-hash, peer id.
const QByteArray kSampleHex = "13"
                              "426974546f7272656e742070726f746f636f6c"
                              "0000000000000000"
                              "0123456789abcdef0123456789abcdef01234567"
                              "2d5357303130302d6162636465666768696a6b6c";

} // namespace

class TestHandshake : public QObject {
    Q_OBJECT

private slots:
    void encodesBep3Layout()
    {
        const QByteArray encoded = sample().encode();
        QCOMPARE(encoded.size(), Handshake::kSize);
        QCOMPARE(encoded.toHex(), kSampleHex);
    }

    void setsReservedBitsWhereOtherClientsLookForThem()
    {
        Handshake handshake = sample();
        handshake.setReserved(swarmshare::peer::kReservedExtensionProtocol);
        handshake.setReserved(swarmshare::peer::kReservedFastExtension);
        handshake.setReserved(swarmshare::peer::kReservedDht);
        QCOMPARE(handshake.encode().mid(20, 8).toHex(), QByteArray("0000000000100005"));
        handshake.setReserved(swarmshare::peer::kReservedDht, false);
        QVERIFY(!handshake.hasReserved(swarmshare::peer::kReservedDht));
        QVERIFY(handshake.hasReserved(swarmshare::peer::kReservedFastExtension));
        QCOMPARE(handshake.encode().mid(20, 8).toHex(), QByteArray("0000000000100004"));
    }

    void parsesWhatItEncodes()
    {
        Handshake handshake = sample();
        handshake.setReserved(swarmshare::peer::kReservedExtensionProtocol);
        HandshakeReader reader;
        const HandshakeReader::Progress progress = reader.feed(handshake.encode());
        QCOMPARE(progress.status, Status::Parsed);
        QCOMPARE(progress.consumed, Handshake::kSize);
        QCOMPARE(reader.handshake(), handshake);
        QVERIFY(reader.handshake().hasReserved(swarmshare::peer::kReservedExtensionProtocol));
    }

    void parsesWhenSplitAtEveryBoundary()
    {
        const QByteArray bytes = sample().encode();
        for (qsizetype split = 0; split <= bytes.size(); ++split) {
            HandshakeReader reader;
            const auto first = reader.feed(QByteArrayView(bytes).first(split));
            QCOMPARE(first.consumed, split);
            QCOMPARE(first.status, split == bytes.size() ? Status::Parsed : Status::NeedMore);
            const auto second = reader.feed(QByteArrayView(bytes).sliced(split));
            QCOMPARE(second.status, Status::Parsed);
            QCOMPARE(reader.handshake(), sample());
        }
    }

    void parsesByteByByte()
    {
        const QByteArray bytes = sample().encode();
        HandshakeReader reader;
        for (qsizetype i = 0; i < bytes.size(); ++i) {
            QCOMPARE(reader.status(), Status::NeedMore);
            QCOMPARE(reader.feed(QByteArrayView(bytes).sliced(i, 1)).consumed, 1);
        }
        QCOMPARE(reader.status(), Status::Parsed);
        QCOMPARE(reader.handshake(), sample());
    }

    void leavesTheFollowingMessagesUnconsumed()
    {
        const QByteArray bytes = sample().encode() + QByteArray::fromHex("0000000102");
        HandshakeReader reader;
        const auto progress = reader.feed(bytes);
        QCOMPARE(progress.status, Status::Parsed);
        QCOMPARE(progress.consumed, Handshake::kSize);
        // Nothing more is taken once parsed.
        QCOMPARE(reader.feed(bytes).consumed, 0);
    }

    void exposesInfoHashBeforePeerId()
    {
        const QByteArray bytes = sample().encode();
        HandshakeReader reader;
        QVERIFY(reader.feed(bytes.first(47)).status == Status::NeedMore);
        QVERIFY(!reader.hasInfoHash());
        QVERIFY(reader.infoHash().isEmpty());
        QVERIFY(reader.feed(bytes.sliced(47, 1)).status == Status::NeedMore);
        QVERIFY(reader.hasInfoHash());
        QCOMPARE(reader.infoHash(), sample().infoHash);
    }

    void waitsOnTruncatedHandshake()
    {
        HandshakeReader reader;
        const auto progress = reader.feed(sample().encode().first(67));
        QCOMPARE(progress.status, Status::NeedMore);
        QCOMPARE(progress.consumed, 67);
        QCOMPARE(reader.feed({}).status, Status::NeedMore);
    }

    void rejectsWrongProtocol_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<QString>("message");
        const QByteArray good = sample().encode();
        QTest::newRow("length 0") << QByteArray(1, '\0') << qint64(0)
                                  << QStringLiteral("handshake protocol length 0, expected 19");
        QTest::newRow("length 20") << (QByteArray(1, 20) + good.sliced(1)) << qint64(0)
                                   << QStringLiteral("handshake protocol length 20, expected 19");
        QTest::newRow("HTTP request") << QByteArray("GET / HTTP/1.1\r\n") << qint64(0)
                                      << QStringLiteral("handshake protocol length 71");
        QTest::newRow("first letter") << (good.first(1) + "bitTorrent protocol") << qint64(1)
                                      << QStringLiteral("wrong byte at offset 1");
        QTest::newRow("last letter") << (good.first(19) + "L" + good.sliced(20)) << qint64(19)
                                     << QStringLiteral("wrong byte at offset 19");
    }

    void rejectsWrongProtocol()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(qint64, offset);
        QFETCH(QString, message);
        HandshakeReader reader;
        QCOMPARE(reader.feed(bytes).status, Status::Failed);
        QVERIFY2(reader.error().message.contains(message), qPrintable(reader.error().message));
        QCOMPARE(reader.error().offset, offset);
        // Stays failed.
        QCOMPARE(reader.feed(sample().encode()).status, Status::Failed);
    }

    void rejectsAtTheFirstWrongByteWithoutWaiting()
    {
        HandshakeReader reader;
        QCOMPARE(reader
                     .feed(QByteArrayView("\x13"
                                          "Bit",
                                          4))
                     .status,
                 Status::NeedMore);
        QCOMPARE(reader.feed(QByteArrayView("X", 1)).status, Status::Failed);
        QCOMPARE(reader.error().offset, 4);
    }
};

QTEST_GUILESS_MAIN(TestHandshake)
#include "tst_handshake.moc"
