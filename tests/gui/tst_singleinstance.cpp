// SPDX-License-Identifier: GPL-3.0-or-later
// What a double-click on a .torrent in the file manager does: the desktop entry runs
// `swarmshare FILE.torrent`. With the app already running, that second launch hands the file to
// it and exits at once instead of starting a second window and engine. Real processes, the
// offscreen platform, each run under its own HOME.
#include "support/childprocess.h"
#include "support/files.h"
#include "support/process.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare::test;

class SingleInstanceTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void secondLaunchHandsItsFileToTheFirst()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(QStringLiteral("config.json"));
        const QString data = dir.filePath(QStringLiteral("data"));
        QVERIFY(writeFile(
            config,
            QStringLiteral(R"({"dataDir": "%1", "peer": {"listenPort": 0}})").arg(data).toUtf8()));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("file.bin")), randomBytes(100'000, 3)));
        const QString torrent = dir.filePath(QStringLiteral("file.torrent"));
        const QString home = dir.filePath(QStringLiteral("home"));
        QCOMPARE(runSwarmshare({QStringLiteral("create"), dir.filePath(QStringLiteral("file.bin")),
                                QStringLiteral("-o"), torrent},
                               home)
                     .exitCode,
                 0);

        QProcessEnvironment env = isolatedEnvironment(home);
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        ChildProcess first;
        QVERIFY(
            first.start(QStringLiteral(SWARMSHARE_BIN), {QStringLiteral("--config"), config}, env));
        const QString log = data + QStringLiteral("/logs/gui.log");
        auto logHas = [&](const QByteArray& text) {
            QFile file(log);
            return file.open(QIODevice::ReadOnly) && file.readAll().contains(text);
        };
        QTRY_VERIFY_WITH_TIMEOUT(logHas("main window ready"), 15000);

        // The second launch returns at once; the first one is asked to open the file.
        ChildProcess second;
        QElapsedTimer clock;
        clock.start();
        QVERIFY(second.start(QStringLiteral(SWARMSHARE_BIN),
                             {QStringLiteral("--config"), config, torrent}, env));
        QCOMPARE(second.waitForExit(10000), 0);
        QVERIFY(first.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(logHas("another launch asks to open " + torrent.toUtf8()), 5000);
        first.kill();
    }
};

QTEST_GUILESS_MAIN(SingleInstanceTest)
#include "tst_singleinstance.moc"
