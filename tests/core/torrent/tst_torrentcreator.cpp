// SPDX-License-Identifier: GPL-3.0-or-later
#include "bencode/decoder.h"
#include "common/sha1.h"
#include "support/files.h"
#include "torrent/torrentcreator.h"

#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare;
using bencode::Value;
using torrent::CreateOptions;
using torrent::TorrentCreator;

class TestTorrentCreator : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString path(const QString& relative) const { return m_dir.filePath(relative); }

    static Value decoded(const QByteArray& torrent)
    {
        Result<Value> value = bencode::decode(torrent);
        if (!value)
            qFatal("creator wrote invalid bencode: %s", qPrintable(value.error().message));
        return *value;
    }

    static QByteArray str(const Value& dict, const char* key)
    {
        const Value* value = dict.find(key);
        return value && value->isString() ? value->toString() : QByteArray();
    }

    static qint64 integer(const Value& dict, const char* key)
    {
        const Value* value = dict.find(key);
        return value && value->isInteger() ? value->toInteger() : -1;
    }

    static Result<torrent::CreatedTorrent> create(CreateOptions options)
    {
        TorrentCreator creator(std::move(options));
        return creator.create();
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void automaticPieceLengthGivesAbout1000To2000Pieces_data()
    {
        QTest::addColumn<qint64>("total");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("one byte") << qint64(1) << qint64(16384);
        QTest::newRow("31 MiB") << qint64(31) * 1024 * 1024 << qint64(16384);
        QTest::newRow("32 MiB") << qint64(32) * 1024 * 1024 << qint64(32768);
        QTest::newRow("1 GiB") << (qint64(1) << 30) << (qint64(1) << 20);
        QTest::newRow("4 GiB + 1") << (qint64(4) << 30) + 1 << (qint64(4) << 20);
        QTest::newRow("1 TiB") << (qint64(1) << 40) << (qint64(16) << 20);
    }

    void automaticPieceLengthGivesAbout1000To2000Pieces()
    {
        QFETCH(qint64, total);
        QFETCH(qint64, expected);
        QCOMPARE(TorrentCreator::automaticPieceLength(total), expected);
    }

    void singleFileTorrentDescribesTheFile()
    {
        const QByteArray data = test::randomBytes(100000, 1);
        QVERIFY(test::writeFile(path(QStringLiteral("single/movie.mkv")), data));
        CreateOptions options;
        options.sourcePath = path(QStringLiteral("single/movie.mkv"));
        options.trackers = {QStringLiteral("http://127.0.0.1:7070/announce")};
        options.comment = QStringLiteral("Phim gia đình");
        options.isPrivate = true;
        const Result<torrent::CreatedTorrent> created = create(options);
        QVERIFY2(created.ok(), created ? "" : qPrintable(created.error().message));

        const Value top = decoded(created->torrentFile);
        QCOMPARE(str(top, "announce"), QByteArray("http://127.0.0.1:7070/announce"));
        QVERIFY(!top.find("announce-list"));
        QCOMPARE(QString::fromUtf8(str(top, "comment")), QStringLiteral("Phim gia đình"));
        QVERIFY(str(top, "created by").startsWith("Swarmshare "));
        QVERIFY(integer(top, "creation date") > 1700000000);
        const Value& info = *top.find("info");
        QCOMPARE(str(info, "name"), QByteArray("movie.mkv"));
        QCOMPARE(integer(info, "length"), data.size());
        QCOMPARE(integer(info, "piece length"), 16384);
        QCOMPARE(integer(info, "private"), 1);
        QVERIFY(!info.find("files"));
        QByteArray expected;
        for (qsizetype at = 0; at < data.size(); at += 16384)
            expected += Sha1::hash(
                QByteArrayView(data).sliced(at, qMin<qsizetype>(16384, data.size() - at)));
        QCOMPARE(str(info, "pieces"), expected);

        // The info-hash is over the info dict's bytes exactly as they stand in the file.
        const Result<bencode::SpannedValue> spanned =
            bencode::decodeWithSpans(created->torrentFile);
        QVERIFY(spanned.ok());
        const QByteArrayView infoBytes = spanned->entrySpans.at("info").in(created->torrentFile);
        QCOMPARE(created->infoHash, Sha1::hash(infoBytes));
    }

    void folderTorrentListsFilesInByteOrder()
    {
        const QString root = path(QStringLiteral("album"));
        QVERIFY(test::writeFile(root + QStringLiteral("/b.txt"), "bbb"));
        QVERIFY(test::writeFile(root + QStringLiteral("/a/z.txt"), test::randomBytes(40000, 2)));
        QVERIFY(test::writeFile(root + QStringLiteral("/a/empty"), QByteArray()));
        QVERIFY(test::writeFile(root + QStringLiteral("/Đà Lạt.jpg"), "x"));
        QVERIFY(test::writeFile(root + QStringLiteral("/.hidden"), "h"));
        QVERIFY(QFile::link(root + QStringLiteral("/b.txt"), root + QStringLiteral("/link.txt")));
        QVERIFY(QFile::link(QStringLiteral("/etc"), root + QStringLiteral("/etc-link")));

        TorrentCreator creator(CreateOptions{.sourcePath = root});
        QVERIFY(creator.prepare().ok());
        QStringList paths;
        for (const torrent::FileEntry& file : creator.files())
            paths << file.path;
        // Byte order of UTF-8 paths; links are left out; hidden and empty files are kept.
        QCOMPARE(paths,
                 (QStringList{QStringLiteral("album/.hidden"), QStringLiteral("album/a/empty"),
                              QStringLiteral("album/a/z.txt"), QStringLiteral("album/b.txt"),
                              QStringLiteral("album/Đà Lạt.jpg")}));
        QCOMPARE(creator.totalBytes(), 1 + 0 + 40000 + 3 + 1);

        const Result<torrent::CreatedTorrent> created = creator.create();
        QVERIFY(created.ok());
        const Value& info = *decoded(created->torrentFile).find("info");
        QCOMPARE(str(info, "name"), QByteArray("album"));
        QVERIFY(!info.find("length"));
        const Value::List& files = info.find("files")->toList();
        QCOMPARE(files.size(), 5);
        const Value::List& nested = files[2].find("path")->toList();
        QCOMPARE(nested.size(), 2);
        QCOMPARE(nested[0].toString(), QByteArray("a"));
        QCOMPARE(nested[1].toString(), QByteArray("z.txt"));
        QCOMPARE(files[1].find("length")->toInteger(), 0);
        QCOMPARE(files[4].find("path")->toList()[0].toString(),
                 QStringLiteral("Đà Lạt.jpg").toUtf8());
        QCOMPARE(str(info, "pieces").size(), 20 * 3); // 40005 bytes in 16 KiB pieces
    }

    void piecesAreHashedAcrossFileBoundaries_data()
    {
        QTest::addColumn<QList<qint64>>("sizes");
        QTest::addColumn<int>("threads");
        const qint64 k16 = 16384;
        QTest::newRow("piece spans three files") << QList<qint64>{k16 / 2, 1000, k16 + 3, 7} << 3;
        QTest::newRow("empty files in between") << QList<qint64>{0, k16 + 1, 0, 0, k16 - 1, 0} << 2;
        QTest::newRow("many small files, one thread")
            << QList<qint64>{1, 2, 3, 5, 8, 13, 21, 34, 55, 20000} << 1;
        QTest::newRow("exact pieces") << QList<qint64>{k16, 2 * k16} << 4;
    }

    void piecesAreHashedAcrossFileBoundaries()
    {
        QFETCH(QList<qint64>, sizes);
        QFETCH(int, threads);
        const QString root =
            path(QStringLiteral("bounds-") + QString::fromLatin1(QTest::currentDataTag()));
        QByteArray all; // the files laid end to end, in torrent order (f0, f1, ...)
        for (qsizetype i = 0; i < sizes.size(); ++i) {
            const QByteArray data = test::randomBytes(sizes[i], quint32(100 + i));
            QVERIFY(test::writeFile(root + QStringLiteral("/f%1").arg(i), data));
            all += data;
        }
        const Result<torrent::CreatedTorrent> created =
            create(CreateOptions{.sourcePath = root, .pieceLength = 16384, .threads = threads});
        QVERIFY2(created.ok(), created ? "" : qPrintable(created.error().message));
        QByteArray expected;
        for (qsizetype at = 0; at < all.size(); at += 16384)
            expected +=
                Sha1::hash(QByteArrayView(all).sliced(at, qMin<qsizetype>(16384, all.size() - at)));
        QCOMPARE(str(*decoded(created->torrentFile).find("info"), "pieces").toHex(),
                 expected.toHex());
    }

    void aFileThatShrinksWhileListedIsAnError()
    {
        QVERIFY(test::writeFile(path(QStringLiteral("shrink/a")), test::randomBytes(50000, 9)));
        TorrentCreator creator(CreateOptions{.sourcePath = path(QStringLiteral("shrink"))});
        QVERIFY(creator.prepare().ok());
        QVERIFY(QFile::resize(path(QStringLiteral("shrink/a")), 20000));
        const Result<torrent::CreatedTorrent> created = creator.create();
        QVERIFY(!created.ok());
        QVERIFY2(
            created.error().message.contains(QStringLiteral("changed while it was being hashed")),
            qPrintable(created.error().message));
    }

    void severalTrackersBecomeTiers()
    {
        QVERIFY(test::writeFile(path(QStringLiteral("tiers.bin")), "data"));
        CreateOptions options;
        options.sourcePath = path(QStringLiteral("tiers.bin"));
        options.trackers = {QStringLiteral("http://a:7000/announce"),
                            QStringLiteral("http://b:7070/announce")};
        options.includeCreationDate = false;
        const Result<torrent::CreatedTorrent> created = create(options);
        QVERIFY(created.ok());
        const Value top = decoded(created->torrentFile);
        QCOMPARE(str(top, "announce"), QByteArray("http://a:7000/announce"));
        const Value::List& tiers = top.find("announce-list")->toList();
        QCOMPARE(tiers.size(), 2);
        QCOMPARE(tiers[1].toList()[0].toString(), QByteArray("http://b:7070/announce"));
        QVERIFY(!top.find("creation date"));
    }

    void sameInputGivesTheSameInfoHash()
    {
        QVERIFY(test::writeFile(path(QStringLiteral("same/x")), test::randomBytes(70000, 3)));
        CreateOptions options{.sourcePath = path(QStringLiteral("same"))};
        const Result<torrent::CreatedTorrent> first = create(options);
        options.threads = 1;
        options.comment = QStringLiteral("comments are outside the info dict");
        const Result<torrent::CreatedTorrent> second = create(options);
        QVERIFY(first.ok() && second.ok());
        QCOMPARE(first->infoHash, second->infoHash);
    }

    void explicitPieceLengthIsUsed()
    {
        QVERIFY(test::writeFile(path(QStringLiteral("pl.bin")), test::randomBytes(300000, 4)));
        TorrentCreator creator(
            CreateOptions{.sourcePath = path(QStringLiteral("pl.bin")), .pieceLength = 65536});
        QVERIFY(creator.prepare().ok());
        QCOMPARE(creator.pieceLength(), 65536);
        QCOMPARE(creator.pieceCount(), 5);
    }

    void badInputIsRefused_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<qint64>("pieceLength");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << QStringLiteral("nothing-here") << qint64(0)
                                 << QStringLiteral("does not exist");
        QTest::newRow("empty folder")
            << QStringLiteral("emptydir") << qint64(0) << QStringLiteral("empty folder");
        QTest::newRow("only empty files")
            << QStringLiteral("zeros") << qint64(0) << QStringLiteral("no data");
        QTest::newRow("piece length not a power of two")
            << QStringLiteral("ok.bin") << qint64(20000) << QStringLiteral("power of two");
        QTest::newRow("piece length too small")
            << QStringLiteral("ok.bin") << qint64(8192) << QStringLiteral("power of two");
        QTest::newRow("piece length too large")
            << QStringLiteral("ok.bin") << (qint64(128) << 20) << QStringLiteral("power of two");
    }

    void badInputIsRefused()
    {
        QFETCH(QString, source);
        QFETCH(qint64, pieceLength);
        QFETCH(QString, expected);
        QDir(m_dir.path()).mkpath(QStringLiteral("emptydir"));
        QVERIFY(test::writeFile(path(QStringLiteral("zeros/a")), QByteArray()));
        QVERIFY(test::writeFile(path(QStringLiteral("ok.bin")), "data"));
        TorrentCreator creator(
            CreateOptions{.sourcePath = path(source), .pieceLength = pieceLength});
        const Result<void> prepared = creator.prepare();
        QVERIFY(!prepared.ok());
        QVERIFY2(prepared.error().message.contains(expected), qPrintable(prepared.error().message));
        QVERIFY(!creator.create().ok());
    }

    void cancelledCreationFails()
    {
        QVERIFY(test::writeFile(path(QStringLiteral("cancel.bin")), test::randomBytes(100000, 5)));
        TorrentCreator creator(CreateOptions{.sourcePath = path(QStringLiteral("cancel.bin"))});
        QVERIFY(creator.prepare().ok());
        creator.cancel();
        QVERIFY(!creator.create().ok());
    }
};

QTEST_GUILESS_MAIN(TestTorrentCreator)
#include "tst_torrentcreator.moc"
