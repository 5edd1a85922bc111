// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare verify` through the real binary: data made by `swarmshare create`, then damaged.
#include "support/files.h"
#include "support/process.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using swarmshare::test::ProcessResult;
using swarmshare::test::runSwarmshare;

class TestVerifyVerb : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_home;
    QString m_data;    // holds album/
    QString m_torrent; // album.torrent, 64 KiB pieces

    ProcessResult verify(const QStringList& extra = {})
    {
        return runSwarmshare(
            QStringList{QStringLiteral("verify"), m_torrent, QStringLiteral("--data"), m_data} +
                extra,
            m_home.path());
    }

    void damage(const QString& relative, qint64 offset)
    {
        QFile file(m_data + QLatin1Char('/') + relative);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.seek(offset));
        QVERIFY(file.write("XXXX") == 4);
    }

private slots:
    void init()
    {
        // Fresh data for every test: 3 MB + 100 bytes + an empty file, in 64 KiB pieces.
        QVERIFY(m_home.isValid());
        m_data = m_home.filePath(QString::fromLatin1(QTest::currentTestFunction()));
        QVERIFY(swarmshare::test::writeFile(m_data + QStringLiteral("/album/a.bin"),
                                            swarmshare::test::randomBytes(3000000, 7)));
        QVERIFY(swarmshare::test::writeFile(m_data + QStringLiteral("/album/sub/b.txt"),
                                            QByteArray(100, 'b')));
        QVERIFY(swarmshare::test::writeFile(m_data + QStringLiteral("/album/empty"), {}));
        m_torrent = m_data + QStringLiteral(".torrent");
        const ProcessResult made =
            runSwarmshare({QStringLiteral("create"), m_data + QStringLiteral("/album"),
                           QStringLiteral("-o"), m_torrent, QStringLiteral("--piece-length"),
                           QStringLiteral("64K"), QStringLiteral("--force")},
                          m_home.path());
        QVERIFY2(made.exitCode == 0, made.err.constData());
    }

    void completeDataPasses()
    {
        const ProcessResult result = verify();
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.contains("46 of 46 pieces good"), result.out.constData());
    }

    void damagedPieceIsNamed()
    {
        damage(QStringLiteral("album/a.bin"), 700000); // piece 10 (700000 / 65536)
        const ProcessResult result = verify();
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.out.contains("45 of 46 pieces good"), result.out.constData());
        QVERIFY2(result.out.contains("Missing or damaged pieces: 10\n"), result.out.constData());
        QVERIFY(result.out.contains("incomplete  album/a.bin"));
    }

    void missingFilesAreReportedEvenWhenEmpty()
    {
        QVERIFY(QFile::remove(m_data + QStringLiteral("/album/empty")));
        QVERIFY(QFile::remove(m_data + QStringLiteral("/album/sub/b.txt")));
        const ProcessResult result = verify({QStringLiteral("--json")});
        QCOMPARE(result.exitCode, 1);
        const QJsonObject json = QJsonDocument::fromJson(result.out).object();
        QCOMPARE(json.value(QStringLiteral("complete")).toBool(true), false);
        QCOMPARE(json.value(QStringLiteral("badPieces")).toArray(), QJsonArray{45}); // b.txt's
        QStringList states;
        for (const QJsonValue& file : json.value(QStringLiteral("files")).toArray())
            states << file.toObject().value(QStringLiteral("state")).toString();
        // In torrent order: a.bin (its last piece is shared with b.txt), empty, sub/b.txt.
        QCOMPARE(states, (QStringList{QStringLiteral("incomplete"), QStringLiteral("missing"),
                                      QStringLiteral("missing")}));
    }

    void truncatedFileFailsItsPieces()
    {
        QFile file(m_data + QStringLiteral("/album/a.bin"));
        QVERIFY(file.resize(1000000));
        const ProcessResult result = verify();
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.out.contains("Missing or damaged pieces: 15-45"), result.out.constData());
    }

    void badInputIsReported_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("no torrent")
            << QStringList{QStringLiteral("verify")} << 2 << QByteArray("missing the .torrent");
        QTest::newRow("no data folder")
            << QStringList{QStringLiteral("verify"), QStringLiteral("x.torrent")} << 2
            << QByteArray("missing --data");
        QTest::newRow("data folder missing")
            << QStringList{QStringLiteral("verify"), QStringLiteral("x.torrent"),
                           QStringLiteral("--data"), QStringLiteral("/nonexistent")}
            << 1 << QByteArray("is not a folder");
        QTest::newRow("torrent missing")
            << QStringList{QStringLiteral("verify"), QStringLiteral("/nonexistent.torrent"),
                           QStringLiteral("--data"), QStringLiteral("/tmp")}
            << 1 << QByteArray("nonexistent.torrent");
    }

    void badInputIsReported()
    {
        QFETCH(QStringList, args);
        QFETCH(int, status);
        QFETCH(QByteArray, message);
        const ProcessResult result = runSwarmshare(args, m_home.path());
        QCOMPARE(result.exitCode, status);
        QVERIFY2(result.err.contains(message), result.err.constData());
    }

    void garbageTorrentIsRefused()
    {
        QVERIFY(swarmshare::test::writeFile(m_torrent, "d4:spam"));
        const ProcessResult result = verify();
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains("not a valid torrent"), result.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestVerifyVerb)
#include "tst_verifyverb.moc"
