// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/logging.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace swarmshare;

class TestLogging : public QObject {
    Q_OBJECT

private:
    static QByteArray readAll(const QString& path)
    {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

private slots:
    void cleanup() { logging::uninstall(); }

    void rotatesBySizeKeepingGenerations()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("gui.log"));
        logging::RotatingFile file(path, 1024, 3);
        QVERIFY(file.open().ok());
        const QByteArray line = QByteArray(99, 'x') + '\n'; // 100 bytes: 10 lines per file
        for (int i = 0; i < 10 * 6; ++i) {
            QByteArray numbered = line;
            numbered.replace(0, 4, QByteArray::number(i).rightJustified(4, '0'));
            QVERIFY(file.write(numbered).ok());
        }
        // 60 lines = 6 files' worth; only the current one and 3 generations remain.
        QVERIFY(QFile::exists(path));
        QVERIFY(QFile::exists(path + QStringLiteral(".1")));
        QVERIFY(QFile::exists(path + QStringLiteral(".2")));
        QVERIFY(QFile::exists(path + QStringLiteral(".3")));
        QVERIFY(!QFile::exists(path + QStringLiteral(".4")));
        for (const QString& name : QDir(dir.path()).entryList(QDir::Files))
            QVERIFY2(QFileInfo(dir.filePath(name)).size() <= 1024, qPrintable(name));
        // Newest lines in the current file, older ones in .1, .2, .3 in order.
        QVERIFY(readAll(path).startsWith("0050"));
        QVERIFY(readAll(path).contains("0059"));
        QVERIFY(readAll(path + QStringLiteral(".1")).startsWith("0040"));
        QVERIFY(readAll(path + QStringLiteral(".3")).startsWith("0020"));
    }

    void appendsToAnExistingFileAcrossRestarts()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tracker-main.log"));
        {
            logging::RotatingFile first(path, 4096, 2);
            QVERIFY(first.write("first run\n").ok());
        }
        logging::RotatingFile second(path, 4096, 2);
        QVERIFY(second.write("second run\n").ok());
        QCOMPARE(readAll(path), QByteArray("first run\nsecond run\n"));
    }

    void zeroGenerationsKeepsOnlyTheCurrentFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.log"));
        logging::RotatingFile file(path, 1024, 0);
        for (int i = 0; i < 30; ++i)
            QVERIFY(file.write(QByteArray(100, 'y')).ok());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("a.log")});
    }

    void handlerWritesCategoryLevelAndMessage()
    {
        QTemporaryDir dir;
        logging::Options options;
        options.directory = dir.path();
        options.role = QStringLiteral("test");
        options.toStderr = false;
        options.level = logging::Level::Info;
        QVERIFY(logging::install(options).ok());
        qCInfo(lcPeer) << "peer said hello";
        qCDebug(lcPeer) << "debug is filtered at info level";
        qCWarning(lcStorage, "disk %s", "full");
        logging::uninstall();
        const QByteArray text = readAll(dir.filePath(QStringLiteral("test.log")));
        const QList<QByteArray> lines = text.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines[0].contains(" I swarmshare.peer: peer said hello"));
        QVERIFY(lines[1].contains(" W swarmshare.storage: disk full"));
        QVERIFY(!text.contains("filtered"));
        // ISO 8601 UTC timestamp first.
        QVERIFY(QDateTime::fromString(QString::fromLatin1(lines[0].left(24)), Qt::ISODateWithMs)
                    .isValid());
    }

    void debugLevelShowsDebugMessages()
    {
        QTemporaryDir dir;
        logging::Options options;
        options.directory = dir.path();
        options.role = QStringLiteral("debug");
        options.toStderr = false;
        options.level = logging::Level::Debug;
        QVERIFY(logging::install(options).ok());
        qCDebug(lcPicker) << "picked piece 7";
        logging::uninstall();
        QVERIFY(readAll(dir.filePath(QStringLiteral("debug.log"))).contains("picked piece 7"));
    }

    void unwritableFolderIsReported()
    {
        logging::Options options;
        options.directory = QStringLiteral("/proc/swarmshare-cannot-exist");
        options.role = QStringLiteral("x");
        options.toStderr = false;
        const Result<void> result = logging::install(options);
        QVERIFY(!result.ok());
        QVERIFY(result.error().message.contains(QStringLiteral("/proc/swarmshare-cannot-exist")));
    }

    void keepsTheLatestLinesInMemoryForReaders()
    {
        logging::Options options;
        options.toStderr = false;
        options.memoryRecords = 3;
        QVERIFY(logging::install(options).ok());
        QVERIFY(logging::recentRecords(0).isEmpty());
        qCInfo(lcPeer) << "one";
        qCWarning(lcStorage) << "two";
        QList<logging::Record> records = logging::recentRecords(0);
        QCOMPARE(records.size(), 2);
        QCOMPARE(records[0].type, QtInfoMsg);
        QCOMPARE(records[0].category, QByteArray("swarmshare.peer"));
        QCOMPARE(records[0].message, QStringLiteral("one"));
        QCOMPARE(records[1].type, QtWarningMsg);
        QVERIFY(records[1].seq > records[0].seq);
        QVERIFY(records[1].time.isValid());
        QCOMPARE(records[1].time.timeSpec(), Qt::UTC);
        // A reader asks only for what it has not seen.
        const quint64 seen = records[1].seq;
        QVERIFY(logging::recentRecords(seen).isEmpty());
        // From other threads too; the oldest lines go when more than the capacity arrive.
        QThread* writer = QThread::create([] {
            for (int i = 0; i < 5; ++i)
                qCInfo(lcSession) << "line" << i;
        });
        writer->start();
        QVERIFY(writer->wait(10'000));
        delete writer;
        records = logging::recentRecords(seen);
        QCOMPARE(records.size(), 3);
        QCOMPARE(records[0].message, QStringLiteral("line 2"));
        QCOMPARE(records[2].message, QStringLiteral("line 4"));
        QCOMPARE(logging::recentRecords(records[1].seq).size(), 1);
        QCOMPARE(logging::formatLine(records[2]).mid(24),
                 QByteArray(" I swarmshare.session: line 4"));
        // Without a capacity, nothing is kept.
        logging::uninstall();
        QVERIFY(logging::recentRecords(0).isEmpty());
    }

    void levelNamesRoundTrip()
    {
        for (auto level : {logging::Level::Debug, logging::Level::Info, logging::Level::Warning,
                           logging::Level::Critical})
            QCOMPARE(logging::levelFromName(logging::levelName(level)), level);
        QVERIFY(!logging::levelFromName(u"verbose").has_value());
    }
};

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
