// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare info`, driven through the real binary with real .torrent files.
#include "support/process.h"
#include "support/torrentbuilder.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace swarmshare::test;

class TestInfoVerb : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_home;

    ProcessResult run(const QStringList& args) { return runSwarmshare(args, m_home.path()); }

    QString writeTorrent(const QString& name, const QByteArray& bytes)
    {
        const QString path = m_home.filePath(name);
        if (!writeBytes(path, bytes))
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

    static Value::Dict describedInfo()
    {
        Value::Dict info = multiFileInfo(
            "Album", {{{"CD 1", "01.flac"}, 30000}, {{"cover.jpg"}, 2000}, {{"notes.txt"}, 0}});
        info["private"] = Value(1);
        return info;
    }

    static Value::Dict describedTop()
    {
        return Value::Dict{
            {"announce", Value(QByteArray("http://a.invalid/announce"))},
            {"announce-list",
             Value(Value::List{Value(Value::List{Value(QByteArray("http://a.invalid/announce")),
                                                 Value(QByteArray("http://b.invalid/announce"))}),
                               Value(Value::List{Value(QByteArray("udp://c.invalid:6969"))})})},
            {"comment", Value(QByteArray("ghi ch\xc3\xba"))},
            {"created by", Value(QByteArray("tests"))},
            {"creation date", Value(1700000000)},
        };
    }

    // A failure: exit status 1, a one-line reason on stderr naming the file, nothing on stdout.
    void expectFailure(const QString& path, const QByteArray& reason)
    {
        const ProcessResult result = run({QStringLiteral("info"), path});
        QVERIFY(!result.crashed);
        QCOMPARE(result.exitCode, 1);
        // The last line; log lines (a missing config file, say) may come before it.
        const QByteArray line = result.err.trimmed().split('\n').constLast();
        QVERIFY2(line.startsWith("swarmshare info: "), result.err.constData());
        QVERIFY2(line.contains(path.toUtf8()), result.err.constData());
        QVERIFY2(line.contains(reason), result.err.constData());
        QCOMPARE(result.out, QByteArray());
        const ProcessResult json = run({QStringLiteral("info"), QStringLiteral("--json"), path});
        QCOMPARE(json.exitCode, 1);
        QCOMPARE(json.out, QByteArray());
    }

private slots:
    void printsTheFactsOfATorrent()
    {
        const Value::Dict info = describedInfo();
        const QString path =
            writeTorrent(QStringLiteral("album.torrent"), torrentBytes(info, describedTop()));
        const ProcessResult result = run({QStringLiteral("info"), path});
        QCOMPARE(result.exitCode, 0);
        // stderr may carry log lines (Config::load logs a missing file), but no complaint.
        QVERIFY2(!result.err.contains("swarmshare info:"), result.err.constData());
        const QByteArray& out = result.out;
        QVERIFY2(out.contains("Name:           Album\n"), out.constData());
        QVERIFY(out.contains("Info-hash:      " + infoHashOf(info).toHex() + "\n"));
        QVERIFY(out.contains("Piece length:   16 KiB (16384 bytes)\n"));
        QVERIFY(out.contains("Pieces:         2\n"));
        QVERIFY(out.contains("(32000 bytes)\n"));
        QVERIFY(out.contains("Private:        yes\n"));
        QVERIFY(out.contains("Comment:        ghi ch\xc3\xba\n"));
        QVERIFY(out.contains("Created by:     tests\n"));
        QVERIFY(out.contains("Created on:     2023-11-14T22:13:20Z\n"));
        QVERIFY(out.contains("  tier 1: http://a.invalid/announce\n"
                             "  tier 1: http://b.invalid/announce\n"
                             "  tier 2: udp://c.invalid:6969\n"));
        QVERIFY(out.contains("Files (3):\n"));
        QVERIFY(out.contains("30000  Album/CD 1/01.flac\n"));
        QVERIFY(out.contains("2000  Album/cover.jpg\n"));
        QVERIFY(out.contains("0  Album/notes.txt\n"));
    }

    void jsonHasTheSameFacts()
    {
        const Value::Dict info = describedInfo();
        const QString path =
            writeTorrent(QStringLiteral("album.torrent"), torrentBytes(info, describedTop()));
        const ProcessResult result = run({QStringLiteral("info"), QStringLiteral("--json"), path});
        QCOMPARE(result.exitCode, 0);
        QJsonParseError error;
        const QJsonObject json = QJsonDocument::fromJson(result.out, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(json.value(QStringLiteral("name")).toString(), QStringLiteral("Album"));
        QCOMPARE(json.value(QStringLiteral("infoHash")).toString(),
                 QString::fromLatin1(infoHashOf(info).toHex()));
        QCOMPARE(json.value(QStringLiteral("pieceLength")).toInteger(), 16384);
        QCOMPARE(json.value(QStringLiteral("pieceCount")).toInteger(), 2);
        QCOMPARE(json.value(QStringLiteral("totalLength")).toInteger(), 32000);
        QCOMPARE(json.value(QStringLiteral("multiFile")).toBool(), true);
        QCOMPARE(json.value(QStringLiteral("private")).toBool(), true);
        QCOMPARE(json.value(QStringLiteral("comment")).toString(), QStringLiteral("ghi chú"));
        QCOMPARE(json.value(QStringLiteral("createdBy")).toString(), QStringLiteral("tests"));
        QCOMPARE(json.value(QStringLiteral("creationDate")).toInteger(), 1700000000);
        const QJsonArray trackers = json.value(QStringLiteral("trackers")).toArray();
        QCOMPARE(trackers.size(), 2);
        QCOMPARE(trackers.at(0).toArray().size(), 2);
        QCOMPARE(trackers.at(1).toArray().at(0).toString(), QStringLiteral("udp://c.invalid:6969"));
        const QJsonArray files = json.value(QStringLiteral("files")).toArray();
        QCOMPARE(files.size(), 3);
        QCOMPARE(files.at(0).toObject().value(QStringLiteral("path")).toString(),
                 QStringLiteral("Album/CD 1/01.flac"));
        QCOMPARE(files.at(0).toObject().value(QStringLiteral("length")).toInteger(), 30000);
    }

    void jsonOfAMinimalTorrentHasEmptyOptionalFacts()
    {
        const QString path =
            writeTorrent(QStringLiteral("min.torrent"), torrentBytes(singleFileInfo("x.iso")));
        const ProcessResult result = run({QStringLiteral("info"), QStringLiteral("--json"), path});
        QCOMPARE(result.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(result.out).object();
        QCOMPARE(json.value(QStringLiteral("multiFile")).toBool(), false);
        QCOMPARE(json.value(QStringLiteral("private")).toBool(), false);
        QVERIFY(json.value(QStringLiteral("creationDate")).isNull());
        QCOMPARE(json.value(QStringLiteral("trackers")).toArray().size(), 0);
        QCOMPARE(json.value(QStringLiteral("files"))
                     .toArray()
                     .at(0)
                     .toObject()
                     .value(QStringLiteral("path")),
                 QJsonValue(QStringLiteral("x.iso")));
        const ProcessResult text = run({QStringLiteral("info"), path});
        QVERIFY(text.out.contains("Private:        no\n"));
        QVERIFY(text.out.contains("Trackers:\n  (none)\n"));
        QVERIFY(!text.out.contains("Comment:"));
    }

    void badFilesFailWithAReason_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("reason");
        const QByteArray good = torrentBytes(singleFileInfo());
        QTest::newRow("garbage") << QByteArray("this is not a torrent")
                                 << QByteArray("bencode: unexpected character 't' at offset 0");
        QTest::newRow("binary garbage")
            << QByteArray("\x89PNG\r\n\x1a\n\0\0", 10) << QByteArray("unexpected byte 0x89");
        QTest::newRow("empty") << QByteArray() << QByteArray("bencode: empty input");
        QTest::newRow("truncated")
            << good.left(good.size() / 2) << QByteArray("bencode: truncated input");
        QTest::newRow("not a dictionary")
            << QByteArray("li1ee") << QByteArray("a torrent file is a dictionary");
        Value::Dict hostile =
            multiFileInfo("share", {{{"..", "..", "..", "home", "user", ".bashrc"}, 100}});
        QTest::newRow("path traversal")
            << torrentBytes(hostile)
            << QByteArray("unsafe file path \"share/../../../home/user/.bashrc\"");
        QTest::newRow("absolute path")
            << torrentBytes(multiFileInfo("share", {{{"", "etc", "passwd"}, 100}}))
            << QByteArray("unsafe file path \"share//etc/passwd\"");
        QTest::newRow("name escapes")
            << torrentBytes(singleFileInfo("../evil")) << QByteArray("unsafe file path");
        Value::Dict wrongPieces = singleFileInfo();
        wrongPieces["piece length"] = Value(1000);
        QTest::newRow("bad piece length")
            << torrentBytes(wrongPieces) << QByteArray("the piece length 1000 is not a power");
    }

    void badFilesFailWithAReason()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, reason);
        expectFailure(writeTorrent(QStringLiteral("bad.torrent"), bytes), reason);
    }

    void missingFileFails()
    {
        expectFailure(m_home.filePath(QStringLiteral("nowhere.torrent")), "cannot open");
    }

    void folderFails() { expectFailure(m_home.path(), "is a folder"); }

    void oversizedFileFails()
    {
        const QString path = m_home.filePath(QStringLiteral("huge.torrent"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(64 * 1024 * 1024 + 1)); // sparse
        file.close();
        expectFailure(path, "too large for a torrent file");
        QFile::remove(path);
    }

    void missingArgumentIsAUsageError()
    {
        const ProcessResult result = run({QStringLiteral("info")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("missing the .torrent file"), result.err.constData());
        QVERIFY(result.err.contains("swarmshare info --help"));
    }

    void extraArgumentIsAUsageError()
    {
        const ProcessResult result =
            run({QStringLiteral("info"), QStringLiteral("a.torrent"), QStringLiteral("b")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("unexpected argument 'b'"), result.err.constData());
    }

    void unknownOptionIsAUsageError()
    {
        const ProcessResult result =
            run({QStringLiteral("info"), QStringLiteral("--xml"), QStringLiteral("a.torrent")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("xml"), result.err.constData());
    }

    void helpDescribesTheVerb()
    {
        const ProcessResult result = run({QStringLiteral("info"), QStringLiteral("--help")});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.startsWith("Usage: swarmshare info [options] FILE"),
                 result.out.constData());
        QVERIFY(result.out.contains("--json"));
        const ProcessResult global = run({QStringLiteral("--help")});
        QVERIFY(global.out.contains("  info "));
    }
};

QTEST_GUILESS_MAIN(TestInfoVerb)
#include "tst_infoverb.moc"
