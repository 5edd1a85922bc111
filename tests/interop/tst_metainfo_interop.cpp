// SPDX-License-Identifier: GPL-3.0-or-later
// Torrents made by mktorrent must read the same in Swarmshare as in libtorrent: above all the
// info-hash, which decides whether two clients find each other in a swarm. Both tools come from
// Debian (./setup.sh test installs them); when one is missing the test fails, it never skips.
#include "support/process.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using swarmshare::test::ProcessResult;
using swarmshare::test::runSwarmshare;

namespace {

struct ToolRun {
    bool started = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

ToolRun runTool(const QString& program, const QStringList& args)
{
    QProcess process;
    process.start(program, args);
    ToolRun run;
    run.started = process.waitForStarted(10000);
    if (!run.started)
        return run;
    if (!process.waitForFinished(60000))
        process.kill();
    process.waitForFinished(5000);
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QJsonArray sortedTiers(const QJsonArray& tiers)
{
    QJsonArray sorted;
    for (const QJsonValue& tier : tiers) {
        QStringList urls;
        for (const QJsonValue& url : tier.toArray())
            urls << url.toString();
        urls.sort();
        sorted.append(QJsonArray::fromStringList(urls));
    }
    return sorted;
}

} // namespace

class TestMetainfoInterop : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    void writeData(const QString& path, qint64 size, quint32 seed)
    {
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        QByteArray data(size, Qt::Uninitialized);
        QRandomGenerator random(seed);
        for (char& byte : data)
            byte = char(random.bounded(256));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(data), size);
    }

    static QJsonObject json(const QByteArray& text)
    {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(text, &error);
        if (error.error != QJsonParseError::NoError)
            qWarning("not JSON (%s): %s", qPrintable(error.errorString()), text.constData());
        return document.object();
    }

    // libtorrent and `swarmshare info` must read `torrent` the same way, and `swarmshare
    // verify` must find the data under `dataRoot` complete.
    void compareWithLibtorrent(const QString& torrent, qsizetype fileCount, const QString& dataRoot)
    {
        const ProcessResult verified = runSwarmshare(
            {QStringLiteral("verify"), torrent, QStringLiteral("--data"), dataRoot}, m_dir.path());
        QVERIFY2(verified.exitCode == 0, verified.out + verified.err);

        const ToolRun reference = runTool(QStringLiteral(SWARMSHARE_PYTHON),
                                          {QStringLiteral(SWARMSHARE_LT_INFO), torrent});
        QVERIFY2(reference.started, "python3 is missing");
        QVERIFY2(reference.exitCode == 0, reference.err.constData());
        const QJsonObject lt = json(reference.out);

        const ProcessResult ours = runSwarmshare(
            {QStringLiteral("info"), QStringLiteral("--json"), torrent}, m_dir.path());
        QVERIFY2(ours.exitCode == 0, ours.err.constData());
        const QJsonObject ss = json(ours.out);

        QCOMPARE(ss.value(QStringLiteral("infoHash")).toString(),
                 lt.value(QStringLiteral("info_hash")).toString());
        QCOMPARE(ss.value(QStringLiteral("infoHash")).toString().size(), 40);
        QCOMPARE(ss.value(QStringLiteral("name")), lt.value(QStringLiteral("name")));
        QCOMPARE(ss.value(QStringLiteral("pieceLength")).toInteger(),
                 lt.value(QStringLiteral("piece_length")).toInteger());
        QCOMPARE(ss.value(QStringLiteral("pieceCount")).toInteger(),
                 lt.value(QStringLiteral("num_pieces")).toInteger());
        QCOMPARE(ss.value(QStringLiteral("totalLength")).toInteger(),
                 lt.value(QStringLiteral("total_size")).toInteger());
        QCOMPARE(ss.value(QStringLiteral("private")), lt.value(QStringLiteral("private")));
        QCOMPARE(ss.value(QStringLiteral("comment")), lt.value(QStringLiteral("comment")));
        QCOMPARE(ss.value(QStringLiteral("createdBy")), lt.value(QStringLiteral("creator")));
        QCOMPARE(sortedTiers(ss.value(QStringLiteral("trackers")).toArray()),
                 lt.value(QStringLiteral("trackers")).toArray());

        const QJsonArray ssFiles = ss.value(QStringLiteral("files")).toArray();
        const QJsonArray ltFiles = lt.value(QStringLiteral("files")).toArray();
        QCOMPARE(ssFiles.size(), ltFiles.size());
        QCOMPARE(ssFiles.size(), fileCount);
        for (qsizetype i = 0; i < ssFiles.size(); ++i) {
            const QJsonObject mine = ssFiles.at(i).toObject();
            const QJsonObject theirs = ltFiles.at(i).toObject();
            QCOMPARE(mine.value(QStringLiteral("path")), theirs.value(QStringLiteral("path")));
            QCOMPARE(mine.value(QStringLiteral("length")).toInteger(),
                     theirs.value(QStringLiteral("length")).toInteger());
        }
    }

private slots:
    void toolsArePresent()
    {
        const ToolRun mktorrent = runTool(QStringLiteral(SWARMSHARE_MKTORRENT), {});
        QVERIFY2(mktorrent.started, "mktorrent is missing: install Debian's mktorrent package");
        const ToolRun python = runTool(QStringLiteral(SWARMSHARE_PYTHON),
                                       {QStringLiteral("-c"), QStringLiteral("import libtorrent")});
        QVERIFY2(python.started && python.exitCode == 0,
                 "python3 with libtorrent is missing: install Debian's python3-libtorrent");
    }

    void infoHashAndLayoutMatchLibtorrent_data()
    {
        QTest::addColumn<QStringList>("files"); // "relative/path:size"
        QTest::addColumn<QString>("target");    // what mktorrent is pointed at
        QTest::addColumn<QStringList>("options");
        const QString tracker = QStringLiteral("http://127.0.0.1:1/announce");
        QTest::newRow("single file, default pieces")
            << QStringList{QStringLiteral("movie.bin:600000")} << QStringLiteral("movie.bin")
            << QStringList{QStringLiteral("-a"), tracker};
        QTest::newRow("single file, 32 KiB pieces, ragged end")
            << QStringList{QStringLiteral("odd.dat:100001")} << QStringLiteral("odd.dat")
            << QStringList{QStringLiteral("-l"), QStringLiteral("15"), QStringLiteral("-a"),
                           tracker};
        QTest::newRow("single file, exact pieces")
            << QStringList{QStringLiteral("exact.dat:131072")} << QStringLiteral("exact.dat")
            << QStringList{QStringLiteral("-l"), QStringLiteral("15"), QStringLiteral("-a"),
                           tracker};
        QTest::newRow("multi-file with folders, an empty file and Vietnamese names")
            << QStringList{QStringLiteral("share/a.txt:1234"),
                           QStringLiteral("share/sub/b.bin:70000"),
                           QStringLiteral("share/sub/deeper/empty:0"),
                           QStringLiteral("share/Tài liệu ghi chú.txt:333")}
            << QStringLiteral("share")
            << QStringList{QStringLiteral("-l"), QStringLiteral("15"), QStringLiteral("-a"),
                           tracker};
        QTest::newRow("private, comment and tracker tiers")
            << QStringList{QStringLiteral("club/x:50000"), QStringLiteral("club/y/z:17")}
            << QStringLiteral("club")
            << QStringList{QStringLiteral("-l"),
                           QStringLiteral("16"),
                           QStringLiteral("-p"),
                           QStringLiteral("-c"),
                           QStringLiteral("members only"),
                           QStringLiteral("-a"),
                           QStringLiteral("http://t1/announce,http://t2/announce"),
                           QStringLiteral("-a"),
                           QStringLiteral("udp://t3:6969")};
    }

    void infoHashAndLayoutMatchLibtorrent()
    {
        QFETCH(QStringList, files);
        QFETCH(QString, target);
        QFETCH(QStringList, options);
        const QDir root(m_dir.filePath(QString::fromLatin1(QTest::currentDataTag())));
        quint32 seed = 1;
        for (const QString& spec : files) {
            const qsizetype colon = spec.lastIndexOf(u':');
            writeData(root.filePath(spec.left(colon)), spec.mid(colon + 1).toLongLong(), seed++);
        }
        const QString torrent = root.filePath(QStringLiteral("made.torrent"));
        const ToolRun made =
            runTool(QStringLiteral(SWARMSHARE_MKTORRENT),
                    QStringList{QStringLiteral("-t"), QStringLiteral("1")} + options +
                        QStringList{QStringLiteral("-o"), torrent, root.filePath(target)});
        QVERIFY2(made.started, "mktorrent is missing");
        QVERIFY2(made.exitCode == 0, made.err.constData());

        compareWithLibtorrent(torrent, files.size(), root.path());
    }

    void torrentsMadeBySwarmshareMatchLibtorrent_data()
    {
        QTest::addColumn<QStringList>("files"); // "relative/path:size"
        QTest::addColumn<QString>("target");
        QTest::addColumn<QStringList>("options");
        QTest::newRow("single file, automatic pieces")
            << QStringList{QStringLiteral("video.bin:3000000")} << QStringLiteral("video.bin")
            << QStringList{QStringLiteral("--tracker"),
                           QStringLiteral("http://127.0.0.1:7070/announce")};
        QTest::newRow("multi-file, empty file, Vietnamese names, private, tiers")
            << QStringList{QStringLiteral("album/b.txt:1234"),
                           QStringLiteral("album/a/song.ogg:90000"),
                           QStringLiteral("album/a/empty:0"),
                           QStringLiteral("album/Ảnh Đà Lạt.jpg:4321")}
            << QStringLiteral("album")
            << QStringList{QStringLiteral("--piece-length"),
                           QStringLiteral("32K"),
                           QStringLiteral("--private"),
                           QStringLiteral("--comment"),
                           QStringLiteral("kỷ niệm"),
                           QStringLiteral("--tracker"),
                           QStringLiteral("http://t1:7000/announce"),
                           QStringLiteral("--tracker"),
                           QStringLiteral("http://t2:7070/announce")};
    }

    void torrentsMadeBySwarmshareMatchLibtorrent()
    {
        QFETCH(QStringList, files);
        QFETCH(QString, target);
        QFETCH(QStringList, options);
        const QDir root(m_dir.filePath(QStringLiteral("created-") +
                                       QString::fromLatin1(QTest::currentDataTag())));
        quint32 seed = 100;
        for (const QString& spec : files) {
            const qsizetype colon = spec.lastIndexOf(u':');
            writeData(root.filePath(spec.left(colon)), spec.mid(colon + 1).toLongLong(), seed++);
        }
        const QString torrent = root.filePath(QStringLiteral("made.torrent"));
        const ProcessResult made =
            runSwarmshare(QStringList{QStringLiteral("create"), root.filePath(target),
                                      QStringLiteral("-o"), torrent} +
                              options,
                          m_dir.path());
        QVERIFY2(made.exitCode == 0, made.err.constData());
        compareWithLibtorrent(torrent, files.size(), root.path());
    }
};

QTEST_GUILESS_MAIN(TestMetainfoInterop)
#include "tst_metainfo_interop.moc"
