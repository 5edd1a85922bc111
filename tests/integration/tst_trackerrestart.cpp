// SPDX-License-Identifier: GPL-3.0-or-later
// A tracker stopped with SIGTERM and started again on the same database keeps accounts,
// tokens, files and .torrents; who is online starts afresh.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"

#include <QTemporaryDir>

using namespace swarmshare;
using namespace swarmshare::test;

class TestTrackerRestart : public QObject {
    Q_OBJECT

private slots:
    void accountsAndFilesSurviveARestart()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        TrackerProcess tracker(dir.path());
        QString problem = tracker.start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        auto client = makeClient({tracker.url()});
        QVERIFY(
            signUp(*client, QStringLiteral("bao"), QStringLiteral("restart me please")).isEmpty());
        const QByteArray token = client->token();
        const Result<torrent::CreatedTorrent> made =
            makeTorrent(dir.filePath(QStringLiteral("data/kept.bin")), 60'000, 3);
        QVERIFY(made);
        SharedFile shared = sharedFile(made->infoHash, QStringLiteral("kept.bin"), 4, true);
        shared.size = 60'000;
        shared.metainfo = made->torrentFile;
        QVERIFY(registerPeer(*client, randomId(), 6881, 4, {shared}));
        QCOMPARE(fileDetails(*client, made->infoHash)->seeders, 1);
        client->forgetRegistration();

        QVERIFY2(tracker.stop(), tracker.errorOutput().constData()); // SIGTERM: exit status 0
        const Reply<Health> down = awaitReply<Health>([&](auto done) { client->health(done); });
        QCOMPARE(down.error().code, QStringLiteral("unavailable"));

        problem = tracker.start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        client = makeClient({tracker.url()});

        // Known file, .torrent intact, nobody online yet.
        const Reply<FileDetails> details = fileDetails(*client, made->infoHash);
        QVERIFY2(details, describe(details));
        QCOMPARE(details->file.name, QStringLiteral("kept.bin"));
        QCOMPARE(details->seeders, 0);
        QVERIFY(details->hasMetainfo);
        const Reply<QByteArray> torrent = awaitReply<QByteArray>(
            [&](auto done) { client->downloadMetainfo(made->infoHash, done); });
        QCOMPARE(*torrent, made->torrentFile);
        const Reply<QList<FileSummary>> found = awaitReply<QList<FileSummary>>([&](auto done) {
            client->searchFiles({QStringLiteral("kept"), 10, 0}, done);
        });
        QCOMPARE(found->size(), 1);

        // The old token still opens the peer endpoints, and the password still logs in.
        client->setToken(token);
        QVERIFY(registerPeer(*client, randomId(), 6881, 4, {}));
        auto again = makeClient({tracker.url()});
        const Reply<Session> session = awaitReply<Session>([&](auto done) {
            again->login(QStringLiteral("bao"), QStringLiteral("restart me please"), done);
        });
        QVERIFY2(session, describe(session));
        // And the name is still taken.
        const Reply<QString> taken = awaitReply<QString>([&](auto done) {
            again->registerAccount(QStringLiteral("bao"), QStringLiteral("another password"), done);
        });
        QCOMPARE(taken.error().code, QStringLiteral("conflict"));
        QVERIFY2(tracker.stop(), tracker.errorOutput().constData());
    }
};

QTEST_GUILESS_MAIN(TestTrackerRestart)
#include "tst_trackerrestart.moc"
