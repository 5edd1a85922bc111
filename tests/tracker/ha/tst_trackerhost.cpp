// SPDX-License-Identifier: GPL-3.0-or-later
// Host-tracker mode: main, backup and proxy in one process (what the desktop app starts), on
// ephemeral ports. Clients use the proxy; when main stops, the proxy moves to the backup and the
// host's state says so through its signal.
#include "integration/integrationfixture.h"
#include "tracker/ha/trackerhost.h"
#include "tracker/tracker.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::test;
using swarmshare::tracker::ha::TrackerHost;

class TrackerHostTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runsThreeRolesAndReportsAFailover()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        TrackerHost::Options options;
        options.tracker.passwordIterations = 1000;
        options.tracker.requestsPerSecondPerAddress = 0;
        options.mainPort = 0;
        options.backupPort = 0;
        options.proxyPort = 0;
        options.dataDir = dir.path();
        TrackerHost host(options);
        QSignalSpy changed(&host, &TrackerHost::stateChanged);
        const Result<void> started = host.start();
        QVERIFY2(started, started ? "" : qPrintable(started.error().message));
        QVERIFY(host.proxyUrl().port() > 0);
        QVERIFY(host.mainUrl() != host.backupUrl());

        // A client of the proxy; the backup follows what it does.
        auto client = makeClient({host.proxyUrl()});
        QVERIFY(signUp(*client, QStringLiteral("alice")).isEmpty());
        QVERIFY(registerPeer(*client, randomId(), 7000, 2,
                             {sharedFile(randomId(), QStringLiteral("a.bin"), 4, true)}));
        QTRY_COMPARE_WITH_TIMEOUT(host.state().backupState, QStringLiteral("standby"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(host.state().peers, 1, 5000);
        QCOMPARE(host.state().active, QStringLiteral("main"));
        QVERIFY(changed.count() > 0);
        QCOMPARE(host.backup()->changeLog().seq(), host.main()->changeLog().seq());

        // Main stops answering: the proxy promotes the backup, the state says so.
        host.main()->stop();
        QTRY_COMPARE_WITH_TIMEOUT(host.state().active, QStringLiteral("backup"), 10000);
        QCOMPARE(host.state().backupState, QStringLiteral("active"));
        QCOMPARE(host.state().epoch, 2);
        QCOMPARE(host.state().peers, 1);
        QVERIFY(signUp(*client, QStringLiteral("alice")).isEmpty()); // logs in via the backup
        host.stop();
        QVERIFY(!host.isRunning());
    }
};

QTEST_GUILESS_MAIN(TrackerHostTest)
#include "tst_trackerhost.moc"
