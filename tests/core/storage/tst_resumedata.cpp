// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/resumedata.h"
#include "storagefixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::storage;
using swarmshare::test::TorrentFixture;

namespace {

TorrentFixture fixture()
{
    return TorrentFixture::make(
        {{QStringLiteral("a"), 30}, {QStringLiteral("b"), 0}, {QStringLiteral("c"), 50}},
        20); // pieces: 0 a | 1 a+c | 2 c | 3 c
}

ResumeData sample()
{
    ResumeData data;
    data.have = Bitfield(4);
    data.have.set(0);
    data.have.set(2);
    data.files = {{true, 30, 1700000000123}, {false, 0, 0}, {true, 50, -5}};
    return data;
}

// Replaces the value at a '/'-separated path ("files/0/size"); an undefined value removes it.
QJsonValue edit(QJsonValue node, QStringList path, const QJsonValue& value)
{
    if (path.isEmpty())
        return value;
    const QString head = path.takeFirst();
    if (node.isArray()) {
        QJsonArray array = node.toArray();
        array[head.toInt()] = edit(array.at(head.toInt()), path, value);
        return array;
    }
    QJsonObject object = node.toObject();
    if (path.isEmpty() && value.isUndefined())
        object.remove(head);
    else
        object[head] = edit(object.value(head), path, value);
    return object;
}

} // namespace

class TestResumeData : public QObject {
    Q_OBJECT

private slots:
    void roundTripsThroughJson()
    {
        const TorrentFixture t = fixture();
        const ResumeData data = sample();
        const Result<ResumeData> back =
            ResumeData::fromJson(data.toJson(t.layout, t.hashes), t.layout, t.hashes);
        QVERIFY2(back.ok(), back ? "" : qPrintable(back.error().message));
        QCOMPARE(back->have, data.have);
        QCOMPARE(back->files, data.files);
    }

    void savesAtomicallyAndLoads()
    {
        const TorrentFixture t = fixture();
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/x.resume"));
        QVERIFY(sample().save(path, t.layout, t.hashes).ok());
        ResumeData changed = sample();
        changed.have.set(3);
        QVERIFY(changed.save(path, t.layout, t.hashes).ok());
        const Result<ResumeData> loaded = ResumeData::load(path, t.layout, t.hashes);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->have, changed.have);
        // No temporary file left behind.
        QCOMPARE(QDir(dir.filePath(QStringLiteral("sub"))).entryList(QDir::Files).size(), 1);
    }

    void rejectsAnotherTorrentsData()
    {
        const TorrentFixture t = fixture();
        const TorrentFixture other = TorrentFixture::make(t.layout.files(), 20, 99);
        const QByteArray json = sample().toJson(other.layout, other.hashes);
        QVERIFY(!ResumeData::fromJson(json, t.layout, t.hashes).ok());
    }

    void rejectsCorruptData_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QJsonValue>("value");
        const QJsonValue remove(QJsonValue::Undefined);
        QTest::newRow("no format") << "format" << remove;
        QTest::newRow("other format") << "format" << QJsonValue(QStringLiteral("x"));
        QTest::newRow("future version") << "version" << QJsonValue(2);
        QTest::newRow("version as text") << "version" << QJsonValue(QStringLiteral("1"));
        QTest::newRow("piece count") << "pieceCount" << QJsonValue(5);
        QTest::newRow("piece length") << "pieceLength" << QJsonValue(40);
        QTest::newRow("fractional piece length") << "pieceLength" << QJsonValue(20.5);
        QTest::newRow("unknown key") << "extra" << QJsonValue(true);
        QTest::newRow("have not base64") << "have" << QJsonValue(QStringLiteral("@@@"));
        QTest::newRow("have too long") << "have" << QJsonValue(QStringLiteral("oAA="));
        QTest::newRow("have spare bits") << "have" << QJsonValue(QStringLiteral("oQ=="));
        QTest::newRow("have a number") << "have" << QJsonValue(160);
        QTest::newRow("files not an array") << "files" << QJsonValue(QJsonObject());
        QTest::newRow("file missing") << "files" << QJsonValue(QJsonArray{1, 2});
        QTest::newRow("file not an object") << "files/1" << QJsonValue(3);
        QTest::newRow("file path") << "files/0/path" << QJsonValue(QStringLiteral("z"));
        QTest::newRow("file length") << "files/2/length" << QJsonValue(51);
        QTest::newRow("negative size") << "files/0/size" << QJsonValue(-1);
        QTest::newRow("size as text") << "files/0/size" << QJsonValue(QStringLiteral("30"));
        QTest::newRow("mtime null") << "files/0/mtimeMs" << QJsonValue(QJsonValue::Null);
        QTest::newRow("exists as number") << "files/0/exists" << QJsonValue(1);
        QTest::newRow("file key missing") << "files/2/size" << remove;
        QTest::newRow("file extra key") << "files/2/owner" << QJsonValue(0);
    }

    void rejectsCorruptData()
    {
        QFETCH(QString, path);
        QFETCH(QJsonValue, value);
        const TorrentFixture t = fixture();
        const QJsonDocument valid = QJsonDocument::fromJson(sample().toJson(t.layout, t.hashes));
        const QJsonValue edited = edit(valid.object(), path.split(QLatin1Char('/')), value);
        const QByteArray json = QJsonDocument(edited.toObject()).toJson();
        const Result<ResumeData> parsed = ResumeData::fromJson(json, t.layout, t.hashes);
        QVERIFY(!parsed.ok());
        QVERIFY(!parsed.error().message.isEmpty());
    }

    void rejectsTruncatedAndNonObjectData()
    {
        const TorrentFixture t = fixture();
        const QByteArray json = sample().toJson(t.layout, t.hashes);
        for (qsizetype cut = 0; cut < json.size(); cut += 7)
            QVERIFY(!ResumeData::fromJson(json.left(cut), t.layout, t.hashes).ok());
        QVERIFY(!ResumeData::fromJson("[1,2]", t.layout, t.hashes).ok());
        QVERIFY(!ResumeData::fromJson("\"x\"", t.layout, t.hashes).ok());
    }

    void rejectsOversizedFile()
    {
        const TorrentFixture t = fixture();
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("big")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(ResumeData::kMaxFileSize + 1)); // sparse: no real disk use
        file.close();
        QVERIFY(!ResumeData::load(file.fileName(), t.layout, t.hashes).ok());
    }

    void statSeesSizeMtimeAndMissingFiles()
    {
        const TorrentFixture t = fixture();
        QTemporaryDir dir;
        t.writeFile(dir.path(), 0, t.fileData(0));
        const QList<FileStat> stats = ResumeData::statFiles(t.layout, dir.path());
        QCOMPARE(stats.size(), 3);
        QVERIFY(stats.at(0).exists);
        QCOMPARE(stats.at(0).size, 30);
        QVERIFY(stats.at(0).mtimeMs > 0);
        QVERIFY(!stats.at(1).exists);
        QVERIFY(!stats.at(2).exists);
    }

    void planTrustsUnchangedFiles()
    {
        const TorrentFixture t = fixture();
        const ResumeData saved = sample();
        const ResumePlan plan = planResume(t.layout, saved, saved.files);
        QCOMPARE(plan.trusted, saved.have);
        QVERIFY(plan.toCheck.isEmpty());
    }

    void planRechecksEveryPieceOfAChangedFile()
    {
        const TorrentFixture t = fixture();
        const ResumeData saved = sample();
        QList<FileStat> now = saved.files;
        now[0].mtimeMs += 1; // a: pieces 0 and 1
        const ResumePlan plan = planResume(t.layout, saved, now);
        QCOMPARE(plan.toCheck, (QList<int>{0, 1}));
        Bitfield trusted(4);
        trusted.set(2);
        QCOMPARE(plan.trusted, trusted);
    }

    void planDropsPiecesOfAMissingFile()
    {
        const TorrentFixture t = fixture();
        ResumeData saved = sample();
        saved.have.fill(true);
        QList<FileStat> now = saved.files;
        now[2] = FileStat{}; // c: pieces 1 to 3
        const ResumePlan plan = planResume(t.layout, saved, now);
        QVERIFY(plan.toCheck.isEmpty());
        Bitfield trusted(4);
        trusted.set(0);
        QCOMPARE(plan.trusted, trusted);
    }

    void planChecksAFileThatAppeared()
    {
        const TorrentFixture t = fixture();
        ResumeData saved = sample();
        saved.files[2] = FileStat{};
        const ResumePlan plan = planResume(t.layout, saved, sample().files);
        QCOMPARE(plan.toCheck, (QList<int>{1, 2, 3}));
    }

    void planWithoutResumeDataChecksWhatExists()
    {
        const TorrentFixture t = fixture();
        QList<FileStat> now = sample().files; // a and c exist
        QCOMPARE(planResume(t.layout, std::nullopt, now).toCheck, (QList<int>{0, 1, 2, 3}));
        now[0] = FileStat{};
        const ResumePlan plan = planResume(t.layout, std::nullopt, now);
        QCOMPARE(plan.toCheck, (QList<int>{2, 3}));
        QVERIFY(plan.trusted.none());
    }
};

QTEST_GUILESS_MAIN(TestResumeData)
#include "tst_resumedata.moc"
