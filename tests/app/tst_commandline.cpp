// SPDX-License-Identifier: GPL-3.0-or-later
// The swarmshare command line, driven as a user would: the real binary, real files.
#include "support/process.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <swarmshare/version.h>

using swarmshare::test::ProcessResult;
using swarmshare::test::runSwarmshare;

class TestCommandLine : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_home;

    ProcessResult run(const QStringList& args) { return runSwarmshare(args, m_home.path()); }

    QString writeFile(const QString& name, const QByteArray& content)
    {
        const QString path = m_home.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        file.write(content);
        return path;
    }

private slots:
    void versionPrintsTheProjectVersion_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::newRow("long") << QStringLiteral("--version");
        QTest::newRow("short") << QStringLiteral("-v");
    }

    void versionPrintsTheProjectVersion()
    {
        QFETCH(QString, flag);
        const ProcessResult result = run({flag});
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(result.out, QByteArray("swarmshare " SWARMSHARE_VERSION "\n"));
        QCOMPARE(result.err, QByteArray());
    }

    void helpListsOptionsAndCommands()
    {
        const ProcessResult result = run({QStringLiteral("--help")});
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.out.contains("Usage: swarmshare"));
        QVERIFY(result.out.contains("--config FILE"));
        QVERIFY(result.out.contains("--version"));
        QVERIFY(result.out.contains("Commands:"));
        QVERIFY(result.out.contains("config "));
        QCOMPARE(result.err, QByteArray());
    }

    void unknownFlagIsAUsageError()
    {
        const ProcessResult result = run({QStringLiteral("--frobnicate")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("frobnicate"), result.err.constData());
        QVERIFY(result.err.contains("swarmshare --help"));
        QCOMPARE(result.out, QByteArray());
    }

    void unknownCommandIsAUsageError()
    {
        const ProcessResult result = run({QStringLiteral("frobnicate"), QStringLiteral("x")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("unknown command 'frobnicate'"), result.err.constData());
    }

    void missingOptionValueIsAUsageError()
    {
        const ProcessResult result = run({QStringLiteral("--config")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("config"), result.err.constData());
    }

    void unknownVerbFlagIsAUsageError()
    {
        const ProcessResult result = run({QStringLiteral("config"), QStringLiteral("--colour")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("colour"), result.err.constData());
        QVERIFY(result.err.contains("swarmshare config --help"));
    }

    void verbHelpShowsItsOptions()
    {
        const ProcessResult result = run({QStringLiteral("config"), QStringLiteral("--help")});
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(result.out.startsWith("Usage: swarmshare config [options]"),
                 result.out.constData());
        QVERIFY(result.out.contains("--defaults"));
    }

    void configPrintsDefaultsWhenNoFileExists()
    {
        const ProcessResult result = run({QStringLiteral("config")});
        QCOMPARE(result.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(result.out).object();
        QCOMPARE(json.value(QStringLiteral("peer"))
                     .toObject()
                     .value(QStringLiteral("listenPort"))
                     .toInt(),
                 6881);
    }

    void configFileIsReadFromTheGivenPath_data()
    {
        QTest::addColumn<bool>("beforeVerb");
        QTest::newRow("global option") << true;
        QTest::newRow("after the verb") << false;
    }

    void configFileIsReadFromTheGivenPath()
    {
        QFETCH(bool, beforeVerb);
        const QString path =
            writeFile(QStringLiteral("good.json"), "{\"peer\": {\"listenPort\": 7777}}");
        const QStringList args =
            beforeVerb ? QStringList{QStringLiteral("--config"), path, QStringLiteral("config")}
                       : QStringList{QStringLiteral("config"), QStringLiteral("--config"), path};
        const ProcessResult result = run(args);
        QCOMPARE(result.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(result.out).object();
        QCOMPARE(json.value(QStringLiteral("peer"))
                     .toObject()
                     .value(QStringLiteral("listenPort"))
                     .toInt(),
                 7777);
    }

    void defaultConfigPathIsUnderXdgConfigHome()
    {
        const ProcessResult result = run({QStringLiteral("config"), QStringLiteral("--path")});
        QCOMPARE(result.exitCode, 0);
        QCOMPARE(result.out.trimmed(),
                 (m_home.path() + QStringLiteral("/config/swarmshare/config.json")).toUtf8());
    }

    void brokenConfigStopsWithFileAndKey()
    {
        const QString path =
            writeFile(QStringLiteral("bad.json"), "{\"peer\": {\"listenPort\": \"high\"}}");
        const ProcessResult result =
            run({QStringLiteral("--config"), path, QStringLiteral("config")});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains(path.toUtf8()), result.err.constData());
        QVERIFY(result.err.contains("peer.listenPort"));
        QCOMPARE(result.out, QByteArray()); // nothing printed from a half-read config
    }

    void brokenConfigStopsTheDesktopAppToo()
    {
        // The desktop app reports the problem on stderr and in a dialog, and opens no window.
        // The dialog waits for a person, so the test reads stderr and then closes the app.
        const QString path = writeFile(QStringLiteral("broken.json"), "{\"gui\": ");
        QProcess app;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), m_home.path());
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        app.setProcessEnvironment(env);
        app.start(QStringLiteral(SWARMSHARE_BIN), {QStringLiteral("--config"), path});
        QVERIFY(app.waitForStarted());
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += app.readAllStandardError()).contains("invalid JSON"),
                                 20000);
        QVERIFY2(err.contains(path.toUtf8()), err.constData());
        QVERIFY(app.state() == QProcess::Running); // waiting in the dialog, not crashed
        app.terminate();
        QVERIFY(app.waitForFinished(10000));
    }

    void unexpectedArgumentIsAUsageError()
    {
        const ProcessResult result = run({QStringLiteral("config"), QStringLiteral("extra")});
        QCOMPARE(result.exitCode, 2);
        QVERIFY(result.err.contains("extra"));
    }

    void trackerModeNeedsNoCommandBeforeIt()
    {
        // `--tracker` after a command is that command's option, not the tracker mode.
        const ProcessResult create = run(
            {QStringLiteral("create"), QStringLiteral("--tracker"), QStringLiteral("http://a/")});
        QCOMPARE(create.exitCode, 2);
        QVERIFY2(create.err.startsWith("swarmshare create: missing PATH"), create.err.constData());
        const ProcessResult tracker = run({QStringLiteral("--tracker"), QStringLiteral("--help")});
        QCOMPARE(tracker.exitCode, 0);
        QVERIFY2(tracker.out.contains("--listen"), tracker.out.constData());
        const ProcessResult role = run(
            {QStringLiteral("--tracker"), QStringLiteral("--role"), QStringLiteral("sideways")});
        QCOMPARE(role.exitCode, 2);
        QVERIFY2(role.err.contains("sideways"), role.err.constData());
    }

    void documentationListsEveryKey()
    {
        // docs/configuration.md carries the table `swarmshare config --describe` prints.
        const ProcessResult result = run({QStringLiteral("config"), QStringLiteral("--describe")});
        QCOMPARE(result.exitCode, 0);
        QFile doc(QStringLiteral(SWARMSHARE_SOURCE_DIR "/docs/configuration.md"));
        QVERIFY(doc.open(QIODevice::ReadOnly));
        const QByteArray text = doc.readAll();
        QVERIFY2(
            text.contains(result.out),
            "docs/configuration.md is out of date: paste `swarmshare config --describe` into it");
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
