// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/sha1.h"
#include "support/files.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

#include <memory>
#include <vector>

using swarmshare::Sha1;
using swarmshare::test::randomBytes;

namespace {

QByteArray reference(QByteArrayView data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha1);
}

} // namespace

class TestSha1 : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        qInfo("SHA instructions used: %s", Sha1::usesShaInstructions() ? "yes" : "no");
    }

    void knownVectors_data()
    {
        QTest::addColumn<Sha1::Engine>("engine");
        QTest::newRow("auto") << Sha1::Engine::Auto;
        QTest::newRow("openssl") << Sha1::Engine::OpenSsl;
    }

    void knownVectors()
    {
        QFETCH(Sha1::Engine, engine);
        const auto digest = [engine](QByteArrayView data) {
            Sha1 sha(engine);
            sha.addData(data);
            return sha.result().toHex();
        };
        QCOMPARE(Sha1::hash("").toHex(), QByteArray("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        QCOMPARE(Sha1::hash("abc").toHex(), QByteArray("a9993e364706816aba3e25717850c26c9cd0d89d"));
        QCOMPARE(digest(""), QByteArray("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        QCOMPARE(digest("abc"), QByteArray("a9993e364706816aba3e25717850c26c9cd0d89d"));
        // 56 bytes: the padding needs a second block.
        QCOMPARE(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 QByteArray("84983e441c3bd26ebaae4aa1f95129e5e54670f1"));
        QCOMPARE(digest(QByteArray(1000000, 'a')),
                 QByteArray("34aa973cd4c4daa4f61eeb2bdbad27316534016f"));
    }

    // Every length around the block and padding boundaries, whole and in two parts.
    void everyShortLength_data() { knownVectors_data(); }
    void everyShortLength()
    {
        QFETCH(Sha1::Engine, engine);
        const QByteArray data = randomBytes(300, 7);
        Sha1 sha(engine);
        for (qsizetype length = 0; length <= data.size(); ++length) {
            const QByteArrayView message = QByteArrayView(data).first(length);
            sha.addData(message);
            QCOMPARE(sha.result(), reference(message));
            const qsizetype split = length * 5 / 7;
            sha.addData(message.first(split));
            sha.addData(message.sliced(split));
            QCOMPARE(sha.result(), reference(message));
        }
    }

    // Several messages at once, of different lengths, each fed in uneven parts over several
    // calls (so that some lanes start with a partly filled block), give each message's digest.
    void severalMessagesAtOnce_data()
    {
        QTest::addColumn<Sha1::Engine>("engine");
        QTest::addColumn<int>("count");
        for (int count : {1, 2, 3, 4, 5, 7, 9}) {
            QTest::addRow("auto, %d", count) << Sha1::Engine::Auto << count;
            QTest::addRow("openssl, %d", count) << Sha1::Engine::OpenSsl << count;
        }
    }

    void severalMessagesAtOnce()
    {
        QFETCH(Sha1::Engine, engine);
        QFETCH(int, count);
        QRandomGenerator generator{quint32(count)};
        std::vector<QByteArray> messages;
        std::vector<std::unique_ptr<Sha1>> hashes;
        for (int i = 0; i < count; ++i) {
            // Mostly whole 16 KiB blocks like a piece's, some odd lengths.
            const qsizetype length = i % 3 == 2 ? generator.bounded(1, 100000) : 16384 * (i + 1);
            messages.push_back(randomBytes(length, quint32(100 + i)));
            hashes.push_back(std::make_unique<Sha1>(engine));
        }
        std::vector<qsizetype> at(size_t(count), 0);
        for (int round = 0;; ++round) {
            std::vector<Sha1*> lanes;
            std::vector<QByteArrayView> parts;
            for (int i = 0; i < count; ++i) {
                const QByteArray& message = messages[size_t(i)];
                qsizetype& done = at[size_t(i)];
                if (done == message.size())
                    continue;
                const qsizetype part = round % 2 == 0 ? 16384 : generator.bounded(1, 5000);
                const qsizetype take = qMin(part, message.size() - done);
                lanes.push_back(hashes[size_t(i)].get());
                parts.push_back(QByteArrayView(message).sliced(done, take));
                done += take;
            }
            if (lanes.empty())
                break;
            Sha1::addData(lanes.data(), parts.data(), int(lanes.size()));
        }
        for (int i = 0; i < count; ++i)
            QCOMPARE(hashes[size_t(i)]->result(), reference(messages[size_t(i)]));
    }

    void incrementalMatchesOneShotAndQt()
    {
        QByteArray data(1 << 20, Qt::Uninitialized);
        QRandomGenerator generator(42);
        generator.fillRange(reinterpret_cast<quint32*>(data.data()), data.size() / 4);
        Sha1 sha;
        for (qsizetype at = 0; at < data.size(); at += 16384 + 7)
            sha.addData(
                QByteArrayView(data).sliced(at, qMin<qsizetype>(16384 + 7, data.size() - at)));
        const QByteArray digest = sha.result();
        QCOMPARE(digest, Sha1::hash(data));
        QCOMPARE(digest, QCryptographicHash::hash(data, QCryptographicHash::Sha1));
        // result() resets: the next message starts from scratch.
        sha.addData("abc");
        QCOMPARE(sha.result(), Sha1::hash("abc"));
    }
};

QTEST_GUILESS_MAIN(TestSha1)
#include "tst_sha1.moc"
