// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/sha1.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

using swarmshare::Sha1;

class TestSha1 : public QObject {
    Q_OBJECT

private slots:
    void knownVectors()
    {
        QCOMPARE(Sha1::hash("").toHex(), QByteArray("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        QCOMPARE(Sha1::hash("abc").toHex(), QByteArray("a9993e364706816aba3e25717850c26c9cd0d89d"));
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
