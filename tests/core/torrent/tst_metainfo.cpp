// SPDX-License-Identifier: GPL-3.0-or-later
// Metainfo: what a valid torrent yields, how the info-hash is taken, and every validation error.
#include "bencode/decoder.h"
#include "support/torrentbuilder.h"
#include "torrent/metainfo.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using swarmshare::Result;
using swarmshare::Sha1;
using swarmshare::bencode::encode;
using swarmshare::bencode::Value;
using swarmshare::torrent::FileEntry;
using swarmshare::torrent::FileList;
using swarmshare::torrent::Metainfo;
using namespace swarmshare::test;

namespace {

QList<TestFile> threeFiles()
{
    return {{{"a.txt"}, 1000}, {{"dir", "b.bin"}, 30000}, {{"dir", "sub", "c"}, 5}};
}

// A valid multi-file torrent with `change` applied to its info dict.
template<typename Change>
QByteArray multiFileWith(Change change)
{
    Value::Dict info = multiFileInfo("top", threeFiles());
    change(info);
    return torrentBytes(info);
}

Value::Dict fileEntry(const Value& path, qint64 length)
{
    return Value::Dict{{"length", Value(length)}, {"path", path}};
}

Value::Dict withFiles(const QByteArray& name, const Value::List& files, qint64 total)
{
    Value::Dict info;
    info["name"] = Value(name);
    info["files"] = Value(files);
    info["piece length"] = Value(16384);
    info["pieces"] = Value(fakePieceHashes(total, 16384));
    return info;
}

} // namespace

class TestMetainfo : public QObject {
    Q_OBJECT

private:
    static Metainfo parseOk(const QByteArray& bytes)
    {
        Result<Metainfo> parsed = Metainfo::parse(bytes);
        if (!parsed)
            qFatal("unexpected parse error: %s", qPrintable(parsed.error().message));
        return *parsed;
    }

private slots:
    void parsesASingleFileTorrent()
    {
        const Value::Dict info = singleFileInfo("video.mkv", 40000, 16384);
        const Metainfo meta = parseOk(torrentBytes(info));
        QCOMPARE(meta.name(), QStringLiteral("video.mkv"));
        QVERIFY(!meta.isMultiFile());
        QCOMPARE(meta.pieceLength(), qint64(16384));
        QCOMPARE(meta.pieceCount(), 3);
        QCOMPARE(meta.totalLength(), qint64(40000));
        QCOMPARE(meta.files(), (FileList{FileEntry{QStringLiteral("video.mkv"), 40000}}));
        QCOMPARE(meta.infoHash(), infoHashOf(info));
        QCOMPARE(meta.infoHash().size(), 20);
        QCOMPARE(meta.infoHashHex(), QString::fromLatin1(infoHashOf(info).toHex()));
        QVERIFY(meta.infoHashHex().size() == 40 &&
                meta.infoHashHex() == meta.infoHashHex().toLower());
        QCOMPARE(meta.infoBytes(), encode(Value(info)));
        QCOMPARE(meta.pieceHashes(), fakePieceHashes(40000, 16384));
        QCOMPARE(meta.pieceHash(0), Sha1::hash("0"));
        QCOMPARE(meta.pieceHash(2), Sha1::hash("2"));
        QCOMPARE(meta.pieceHash(3), QByteArray());
        QCOMPARE(meta.pieceHash(-1), QByteArray());
        QVERIFY(meta.trackerTiers().isEmpty());
        QVERIFY(!meta.isPrivate());
        QCOMPARE(meta.comment(), QString());
        QCOMPARE(meta.createdBy(), QString());
        QVERIFY(!meta.creationDate().isValid());
    }

    void parsesAMultiFileTorrentInOrder()
    {
        const Metainfo meta = parseOk(torrentBytes(multiFileInfo("top", threeFiles())));
        QVERIFY(meta.isMultiFile());
        QCOMPARE(meta.name(), QStringLiteral("top"));
        QCOMPARE(meta.files(), (FileList{{QStringLiteral("top/a.txt"), 1000},
                                         {QStringLiteral("top/dir/b.bin"), 30000},
                                         {QStringLiteral("top/dir/sub/c"), 5}}));
        QCOMPARE(meta.totalLength(), qint64(31005));
        QCOMPARE(meta.pieceCount(), 2);
    }

    void allowsEmptyFilesAmongOthers()
    {
        const Metainfo meta =
            parseOk(torrentBytes(multiFileInfo("top", {{{"empty"}, 0}, {{"data"}, 10}})));
        QCOMPARE(meta.files().size(), 2);
        QCOMPARE(meta.files().at(0).length, qint64(0));
        QCOMPARE(meta.pieceCount(), 1);
    }

    void pieceCountIsTheCeilingOfTotalOverPieceLength_data()
    {
        QTest::addColumn<qint64>("length");
        QTest::addColumn<qint64>("pieceLength");
        QTest::addColumn<int>("pieces");
        QTest::newRow("one byte") << qint64(1) << qint64(16384) << 1;
        QTest::newRow("exactly one piece") << qint64(16384) << qint64(16384) << 1;
        QTest::newRow("one byte over") << qint64(16385) << qint64(16384) << 2;
        QTest::newRow("exact multiple") << qint64(4 * 32768) << qint64(32768) << 4;
        QTest::newRow("largest piece length") << qint64(100) << Metainfo::kMaxPieceLength << 1;
    }

    void pieceCountIsTheCeilingOfTotalOverPieceLength()
    {
        QFETCH(qint64, length);
        QFETCH(qint64, pieceLength);
        QFETCH(int, pieces);
        const Metainfo meta = parseOk(torrentBytes(singleFileInfo("f", length, pieceLength)));
        QCOMPARE(meta.pieceCount(), pieces);
        QCOMPARE(meta.pieceHashes().size(), pieces * 20);
    }

    void readsTrackerTiers_data()
    {
        QTest::addColumn<QByteArray>("topLevel");
        QTest::addColumn<QList<QStringList>>("tiers");
        const QString a = QStringLiteral("http://a/announce");
        const QString b = QStringLiteral("udp://b:6969");
        const QString c = QStringLiteral("http://c/announce");
        QTest::newRow("none") << QByteArray() << QList<QStringList>{};
        QTest::newRow("announce only")
            << QByteArray("8:announce17:http://a/announce") << QList<QStringList>{{a}};
        QTest::newRow("announce-list wins")
            << QByteArray("8:announce17:http://a/announce13:announce-listll12:udp://b:6969e"
                          "l17:http://c/announce17:http://a/announceee")
            << QList<QStringList>{{b}, {c, a}};
        QTest::newRow("empty announce-list falls back")
            << QByteArray("8:announce17:http://a/announce13:announce-listle")
            << QList<QStringList>{{a}};
        QTest::newRow("empty tiers and urls dropped") << QByteArray("13:announce-listlle"
                                                                    "l0:12:udp://b:6969ee")
                                                      << QList<QStringList>{{b}};
        QTest::newRow("empty announce") << QByteArray("8:announce0:") << QList<QStringList>{};
    }

    void readsTrackerTiers()
    {
        QFETCH(QByteArray, topLevel);
        QFETCH(QList<QStringList>, tiers);
        // Spliced by hand so that the key order is exactly bencode's ("announce" < "info").
        const QByteArray bytes = "d" + topLevel + "4:info" + encode(Value(singleFileInfo())) + "e";
        QCOMPARE(parseOk(bytes).trackerTiers(), tiers);
    }

    void readsDescriptionAndPrivateFlag()
    {
        Value::Dict info = singleFileInfo();
        info["private"] = Value(1);
        const Value::Dict top{{"comment", Value(QStringLiteral("chú thích").toUtf8())},
                              {"created by", Value(QByteArray("mktorrent 1.1"))},
                              {"creation date", Value(1700000000)}};
        const Metainfo meta = parseOk(torrentBytes(info, top));
        QVERIFY(meta.isPrivate());
        QCOMPARE(meta.comment(), QStringLiteral("chú thích"));
        QCOMPARE(meta.createdBy(), QStringLiteral("mktorrent 1.1"));
        QCOMPARE(meta.creationDate(), QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC));
    }

    void privateFlagFollowsItsValue_data()
    {
        QTest::addColumn<qint64>("flag");
        QTest::addColumn<bool>("isPrivate");
        QTest::newRow("0") << qint64(0) << false;
        QTest::newRow("1") << qint64(1) << true;
        QTest::newRow("2 like libtorrent") << qint64(2) << true;
    }

    void privateFlagFollowsItsValue()
    {
        QFETCH(qint64, flag);
        QFETCH(bool, isPrivate);
        Value::Dict info = singleFileInfo();
        info["private"] = Value(flag);
        QCOMPARE(parseOk(torrentBytes(info)).isPrivate(), isPrivate);
    }

    void infoHashCoversTheRawBytesIncludingUnknownKeys()
    {
        Value::Dict info = singleFileInfo("f", 20000);
        const QByteArray known = infoHashOf(info);
        info["source"] = Value(QByteArray("TRACKER-X"));
        info["x-unknown"] = Value(Value::List{Value(1), Value(Value::Dict{{"k", Value(2)}})});
        const QByteArray bytes = torrentBytes(info, {{"announce", Value(QByteArray("http://t"))}});
        // The info dict as it sits in the file, found by hand rather than re-encoded.
        const qsizetype start = bytes.indexOf("4:infod") + 6;
        const QByteArray raw = bytes.mid(start, bytes.size() - 1 - start);
        QVERIFY(raw.contains("9:x-unknown"));
        const Metainfo meta = parseOk(bytes);
        QCOMPARE(meta.infoBytes(), raw);
        QCOMPARE(meta.infoHash(), Sha1::hash(raw));
        QVERIFY(meta.infoHash() != known);
    }

    void infoHashIgnoresKeysOutsideInfo()
    {
        const Value::Dict info = singleFileInfo();
        const Metainfo plain = parseOk(torrentBytes(info));
        const Metainfo decorated = parseOk(torrentBytes(
            info, {{"comment", Value(QByteArray("x"))}, {"zzz", Value(Value::List{})}}));
        QCOMPARE(decorated.infoHash(), plain.infoHash());
    }

    void prefersUtf8NameAndPathKeys()
    {
        Value::Dict info = multiFileInfo("\xe9t\xe9", {{{"caf\xe9"}, 100}});
        info["name.utf-8"] = Value(QByteArray("\xc3\xa9t\xc3\xa9"));
        Value::Dict entry = fileEntry(pathValue({"caf\xe9"}), 100);
        entry["path.utf-8"] = pathValue({"caf\xc3\xa9"});
        info["files"] = Value(Value::List{Value(entry)});
        const Metainfo meta = parseOk(torrentBytes(info));
        QCOMPARE(meta.name(), QStringLiteral("été"));
        QCOMPARE(meta.files().at(0).path, QStringLiteral("été/café"));
    }

    void rejectsInvalidTorrents_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");
        const auto row = [](const char* tag, const QByteArray& bytes, const QString& message) {
            QTest::newRow(tag) << bytes << message;
        };
        const auto info = [](auto change) {
            Value::Dict dict = singleFileInfo("f", 40000);
            change(dict);
            return torrentBytes(dict);
        };
        const auto text = [](const char* s) { return QString::fromUtf8(s); };

        row("garbage", "hello world", text("bencode: unexpected character 'h' at offset 0"));
        row("truncated", torrentBytes(singleFileInfo()).chopped(5), text("bencode: truncated"));
        row("trailing data", torrentBytes(singleFileInfo()) + "\n", text("trailing data"));
        row("list at top", "le", text("a torrent file is a dictionary, but this is a list"));
        row("no info", "d8:announce1:xe", text("\"info\" is missing"));
        row("info not a dict", "d4:info4:spame",
            text("\"info\" has the wrong type: byte string instead of dictionary"));
        row("no name", info([](Value::Dict& d) { d.erase("name"); }),
            text("\"info.name\" is missing"));
        row("name not a string", info([](Value::Dict& d) { d["name"] = Value(5); }),
            text("\"info.name\" has the wrong type: integer instead of byte string"));
        row("empty name", info([](Value::Dict& d) { d["name"] = Value(QByteArray()); }),
            text("the torrent's name is empty"));
        row("name not utf-8", info([](Value::Dict& d) { d["name"] = Value(QByteArray("\xff")); }),
            text("\"info.name\" is not valid UTF-8"));
        row("name.utf-8 not utf-8",
            info([](Value::Dict& d) { d["name.utf-8"] = Value(QByteArray("\xc3")); }),
            text("\"info.name.utf-8\" is not valid UTF-8"));
        row("no piece length", info([](Value::Dict& d) { d.erase("piece length"); }),
            text("\"info.piece length\" is missing"));
        row("piece length as string",
            info([](Value::Dict& d) { d["piece length"] = Value(QByteArray("16384")); }),
            text("\"info.piece length\" has the wrong type: byte string instead of integer"));
        for (const qint64 bad : {qint64(0), qint64(-16384), qint64(40000), qint64(8192),
                                 qint64(16383), Metainfo::kMaxPieceLength * 2}) {
            QTest::addRow("piece length %lld", bad)
                << info([bad](Value::Dict& d) { d["piece length"] = Value(bad); })
                << QStringLiteral("the piece length %1 is not a power of two from 16 KiB to "
                                  "64 MiB")
                       .arg(bad);
        }
        row("no pieces", info([](Value::Dict& d) { d.erase("pieces"); }),
            text("\"info.pieces\" is missing"));
        row("pieces not a multiple of 20",
            info([](Value::Dict& d) { d["pieces"] = Value(QByteArray(61, 'x')); }),
            text("\"info.pieces\" is 61 bytes long, which is not a multiple of 20"));
        row("too few pieces",
            info([](Value::Dict& d) { d["pieces"] = Value(QByteArray(40, 'x')); }),
            text("\"info.pieces\" has 2 hashes, but 40000 bytes in pieces of 16384 bytes make 3 "
                 "pieces"));
        row("too many pieces",
            info([](Value::Dict& d) { d["pieces"] = Value(QByteArray(80, 'x')); }),
            text("\"info.pieces\" has 4 hashes"));
        row("pieces for an empty torrent", info([](Value::Dict& d) { d["length"] = Value(0); }),
            text("the torrent holds no data"));
        row("negative length", info([](Value::Dict& d) { d["length"] = Value(-1); }),
            text("\"info.length\" is negative (-1)"));
        row("huge length",
            info([](Value::Dict& d) { d["length"] = Value(std::numeric_limits<qint64>::max()); }),
            text("\"info.length\" is too large"));
        row("length as string",
            info([](Value::Dict& d) { d["length"] = Value(QByteArray("40000")); }),
            text("\"info.length\" has the wrong type"));
        row("both length and files", info([](Value::Dict& d) {
                d["files"] = Value(Value::List{Value(fileEntry(pathValue({"a"}), 40000))});
            }),
            text("has both \"length\" (single file) and \"files\""));
        row("neither length nor files", info([](Value::Dict& d) { d.erase("length"); }),
            text("has neither \"length\" (single file) nor \"files\""));
        row("private as string",
            info([](Value::Dict& d) { d["private"] = Value(QByteArray("1")); }),
            text("\"info.private\" has the wrong type"));
        row("single-file name escapes",
            info([](Value::Dict& d) { d["name"] = Value(QByteArray("..")); }),
            text("unsafe file path \"..\""));
        row("single-file name with slash",
            info([](Value::Dict& d) { d["name"] = Value(QByteArray("../../.bashrc")); }),
            text("unsafe file path \"../../.bashrc\": \"../../.bashrc\" contains '/'"));
        addFileListRows();
        addTopLevelRows();
    }

    void rejectsInvalidTorrents()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);
        const Result<Metainfo> parsed = Metainfo::parse(bytes);
        QVERIFY2(!parsed.ok(), "the torrent was accepted");
        QVERIFY2(parsed.error().message.contains(message), qPrintable(parsed.error().message));
    }

    void bencodeErrorsKeepTheirOffset()
    {
        QByteArray bytes = torrentBytes(singleFileInfo());
        const qsizetype at = bytes.indexOf("i40000e");
        bytes.replace(at, 7, "i04000e");
        const Result<Metainfo> parsed = Metainfo::parse(bytes);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().offset, qint64(at + 1));
        QVERIFY(parsed.error().message.contains(QStringLiteral("leading zero")));
    }

    void loadsAFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.torrent"));
        QVERIFY(writeBytes(path, torrentBytes(singleFileInfo("x.iso"))));
        const Result<Metainfo> loaded = Metainfo::load(path);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->name(), QStringLiteral("x.iso"));
    }

    void loadErrorsNameTheFile_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing") << QStringLiteral("missing") << QStringLiteral("cannot open %1");
        QTest::newRow("folder") << QStringLiteral("folder")
                                << QStringLiteral("%1 is a folder, not a torrent file");
        QTest::newRow("too large")
            << QStringLiteral("large")
            << QStringLiteral("%1 is too large for a torrent file (the limit is 64 MiB)");
        QTest::newRow("empty") << QStringLiteral("empty")
                               << QStringLiteral("%1 is not a valid torrent: bencode: empty input "
                                                 "at offset 0");
        QTest::newRow("invalid") << QStringLiteral("invalid")
                                 << QStringLiteral(
                                        "%1 is not a valid torrent: \"info\" is missing");
    }

    void loadErrorsNameTheFile()
    {
        QFETCH(QString, kind);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString path = dir.filePath(kind);
        if (kind == u"folder") {
            QVERIFY(QDir().mkdir(path));
        } else if (kind == u"large") {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QVERIFY(file.resize(Metainfo::kMaxFileSize + 1)); // sparse: costs no disk
        } else if (kind == u"empty") {
            QVERIFY(writeBytes(path, QByteArray()));
        } else if (kind == u"invalid") {
            QVERIFY(writeBytes(path, "de"));
        }
        const Result<Metainfo> loaded = Metainfo::load(path);
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().message.startsWith(message.arg(path)),
                 qPrintable(loaded.error().message));
    }

private:
    static void addFileListRows()
    {
        const auto row = [](const char* tag, const QByteArray& bytes, const char* message) {
            QTest::newRow(tag) << bytes << QString::fromUtf8(message);
        };
        const auto files = [](const Value::List& list, qint64 total = 100) {
            return torrentBytes(withFiles("top", list, total));
        };
        const auto entry = [](const QByteArrayList& path, qint64 length = 100) {
            return Value(fileEntry(pathValue(path), length));
        };
        row("files not a list",
            multiFileWith([](Value::Dict& d) { d["files"] = Value(QByteArray("x")); }),
            "\"info.files\" has the wrong type: byte string instead of list");
        row("files empty", files({}), "\"info.files\" is an empty list");
        row("file entry not a dict", files({Value(5)}),
            "\"info.files[0]\" has the wrong type: integer instead of dictionary");
        row("file without length", files({Value(Value::Dict{{"path", pathValue({"a"})}})}),
            "\"info.files[0].length\" is missing");
        row("file with negative length", files({entry({"a"}), entry({"b"}, -5)}),
            "\"info.files[1].length\" is negative (-5)");
        row("file without path", files({Value(Value::Dict{{"length", Value(100)}})}),
            "\"info.files[0].path\" is missing");
        row("path not a list",
            files({Value(Value::Dict{{"length", Value(100)}, {"path", Value(QByteArray("a"))}})}),
            "\"info.files[0].path\" has the wrong type");
        row("empty path", files({entry({})}), "\"info.files[0].path\" is an empty list");
        row("path element not a string",
            files({Value(fileEntry(Value(Value::List{Value(QByteArray("a")), Value(1)}), 100))}),
            "\"info.files[0].path[1]\" has the wrong type: integer instead of byte string");
        row("path not utf-8", files({entry({"ok", "\xc0\xaf"})}),
            "\"info.files[0].path[1]\" is not valid UTF-8");
        row("parent dir", files({entry({"..", "..", "etc", "passwd"})}),
            "unsafe file path \"top/../../etc/passwd\": \"..\" is not allowed as a name");
        row("absolute path", files({entry({"", "etc", "passwd"})}),
            "unsafe file path \"top//etc/passwd\": a name is empty");
        row("dot component", files({entry({"a", ".", "b"})}), "\".\" is not allowed");
        row("slash in component", files({entry({"a/../../b"})}), "contains '/'");
        row("backslash in component", files({entry({"..\\..\\evil.exe"})}), "contains a backslash");
        row("drive letter", files({entry({"C:", "Windows"})}), "starts with a drive letter");
        row("nul in name", files({entry({QByteArray("a\0b", 3)})}),
            "unsafe file path \"top/a\\u0000b\"");
        row("duplicate path", files({entry({"d", "x"}), entry({"d", "x"})}, 200),
            "the file \"top/d/x\" is listed twice");
        row("file then folder", files({entry({"d"}), entry({"d", "x"})}, 200),
            "\"top/d\" is both a file and a folder");
        row("folder then file", files({entry({"d", "x"}), entry({"d"})}, 200),
            "\"top/d\" is both a file and a folder");
        row("sum too large", files({entry({"a"}, Metainfo::kMaxTotalLength), entry({"b"}, 1)}, 100),
            "the files add up to more than");
        row("all files empty", files({entry({"a"}, 0), entry({"b"}, 0)}, 0),
            "the torrent holds no data");
        row("hostile folder name",
            multiFileWith([](Value::Dict& d) { d["name"] = Value(QByteArray("..")); }),
            "unsafe file path \"../a.txt\"");
    }

    static void addTopLevelRows()
    {
        const auto top = [](const Value::Dict& extra) {
            return torrentBytes(singleFileInfo(), extra);
        };
        const auto row = [](const char* tag, const QByteArray& bytes, const char* message) {
            QTest::newRow(tag) << bytes << QString::fromUtf8(message);
        };
        row("announce not a string", top({{"announce", Value(1)}}),
            "\"announce\" has the wrong type: integer instead of byte string");
        row("announce-list not a list", top({{"announce-list", Value(QByteArray("x"))}}),
            "\"announce-list\" has the wrong type");
        row("announce-list of strings",
            top({{"announce-list", Value(Value::List{Value(QByteArray("http://x"))})}}),
            "\"announce-list\" must be a list of lists of URLs");
        row("announce-list of lists of ints",
            top({{"announce-list", Value(Value::List{Value(Value::List{Value(1)})})}}),
            "\"announce-list\" must be a list of lists of URLs");
        row("comment not a string", top({{"comment", Value(Value::List{})}}),
            "\"comment\" has the wrong type");
        row("created by not a string", top({{"created by", Value(1)}}),
            "\"created by\" has the wrong type");
        row("creation date not an integer", top({{"creation date", Value(QByteArray("2024"))}}),
            "\"creation date\" has the wrong type: byte string instead of integer");
    }
};

QTEST_GUILESS_MAIN(TestMetainfo)
#include "tst_metainfo.moc"
