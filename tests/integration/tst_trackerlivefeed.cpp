// SPDX-License-Identifier: GPL-3.0-or-later
// The /live feed against a real tracker process: typed events, the availability map, token
// checks, and reconnecting (with the subscriptions) after the tracker restarts.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"
#include "tracker_client/livefeed.h"

#include <QTcpServer>
#include <QTemporaryDir>

using namespace swarmshare;
using namespace swarmshare::test;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

LiveFeed::Options quickReconnects()
{
    LiveFeed::Options options;
    options.initialBackoffMs = 100;
    options.maxBackoffMs = 1000;
    return options;
}

// The last swarm update for `infoHash` in `spy`, if any.
std::optional<SwarmUpdate> lastUpdate(const QSignalSpy& spy, const QByteArray& infoHash)
{
    for (qsizetype i = spy.size() - 1; i >= 0; --i) {
        const auto update = spy.at(i).first().value<SwarmUpdate>();
        if (update.infoHash == infoHash)
            return update;
    }
    return std::nullopt;
}

} // namespace

class TestTrackerLiveFeed : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;
    std::unique_ptr<TrackerClient> m_watcher;
    quint16 m_port = 0;

    std::unique_ptr<TrackerClient> peerClient()
    {
        auto client = makeClient({m_tracker->url()});
        client->setToken(m_watcher->token());
        return client;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tracker = std::make_unique<TrackerProcess>(m_dir.path());
        m_port = freePort(); // fixed, so that a restart comes back at the same address
        TrackerProcess::Settings settings;
        settings.port = m_port;
        const QString problem = m_tracker->start(settings);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        m_watcher = makeClient({m_tracker->url()});
        const QByteArray failed = signUp(*m_watcher, QStringLiteral("watcher"));
        QVERIFY2(failed.isEmpty(), failed.constData());
    }

    void cleanupTestCase()
    {
        m_watcher.reset();
        if (m_tracker)
            QVERIFY2(m_tracker->stop(), m_tracker->errorOutput().constData());
    }

    void eventsArriveAsTypedSignals()
    {
        LiveFeed feed(*m_watcher, quickReconnects());
        QSignalSpy connected(&feed, &LiveFeed::connected);
        QSignalSpy joined(&feed, &LiveFeed::peerJoined);
        QSignalSpy left(&feed, &LiveFeed::peerLeft);
        QSignalSpy added(&feed, &LiveFeed::fileAdded);
        QSignalSpy swarm(&feed, &LiveFeed::swarmUpdated);
        const QByteArray file = randomId();
        feed.subscribe({file});
        feed.start();
        QVERIFY(connected.wait(10000));
        QVERIFY(feed.isConnected());
        // Subscribing answers at once, even for a file nobody has announced yet.
        QTRY_VERIFY_WITH_TIMEOUT(lastUpdate(swarm, file).has_value(), 10000);
        QVERIFY(lastUpdate(swarm, file)->availability.isEmpty());

        auto seeder = peerClient();
        const QByteArray seederId = randomId();
        QVERIFY(registerPeer(*seeder, seederId, 6999, 4,
                             {sharedFile(file, QStringLiteral("live.bin"), 4, true)}));
        QTRY_VERIFY_WITH_TIMEOUT(!added.isEmpty() && !joined.isEmpty(), 10000);
        const auto file_ = added.last().first().value<FileAdded>();
        QCOMPARE(file_.infoHash, file);
        QCOMPARE(file_.name, QStringLiteral("live.bin"));
        QCOMPARE(file_.size, qint64(3 * 16384 + 1000));
        const auto peer = joined.last().first().value<PeerJoined>();
        QCOMPARE(peer.peerId, seederId);
        QCOMPARE(peer.address, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(peer.port, quint16(6999));
        QTRY_VERIFY_WITH_TIMEOUT(lastUpdate(swarm, file)->seeders == 1, 10000);
        QCOMPARE(lastUpdate(swarm, file)->availability, (QList<int>{1, 1, 1, 1}));

        // A leecher with pieces 0 and 2: the map counts it where it has them.
        auto leecher = peerClient();
        const QByteArray leecherId = randomId();
        QVERIFY(registerPeer(
            *leecher, leecherId, 6998, 4,
            {sharedFile(file, QStringLiteral("live.bin"), 4, false, QByteArray(1, char(0xa0)))}));
        QTRY_VERIFY_WITH_TIMEOUT(lastUpdate(swarm, file)->leechers == 1, 10000);
        QCOMPARE(lastUpdate(swarm, file)->seeders, 1);
        QCOMPARE(lastUpdate(swarm, file)->availability, (QList<int>{2, 1, 2, 1}));

        // The leecher goes silent: dropped after three heartbeat intervals.
        leecher->forgetRegistration();
        QTRY_VERIFY_WITH_TIMEOUT(!left.isEmpty(), 15000);
        QCOMPARE(left.last().first().toByteArray(), leecherId);
        QTRY_COMPARE_WITH_TIMEOUT(lastUpdate(swarm, file)->leechers, 0, 10000);
        QCOMPARE(lastUpdate(swarm, file)->availability, (QList<int>{1, 1, 1, 1}));
    }

    void unsubscribedFilesGetNoUpdates()
    {
        LiveFeed feed(*m_watcher, quickReconnects());
        QSignalSpy connected(&feed, &LiveFeed::connected);
        QSignalSpy swarm(&feed, &LiveFeed::swarmUpdated);
        const QByteArray dropped = randomId();
        const QByteArray kept = randomId();
        feed.subscribe({dropped, kept});
        feed.start();
        QVERIFY(connected.wait(10000));
        QTRY_COMPARE_WITH_TIMEOUT(swarm.size(), 2, 10000);
        feed.unsubscribe({dropped});
        QCOMPARE(feed.subscriptions(), QSet<QByteArray>{kept});
        // The tracker reads one socket in order: once this answer is back, so is the above.
        const QByteArray marker = randomId();
        feed.subscribe({marker});
        QTRY_VERIFY_WITH_TIMEOUT(lastUpdate(swarm, marker).has_value(), 10000);

        // Both change; the tracker sends a changed file's update no later than those after it.
        auto peer = peerClient();
        QVERIFY(registerPeer(*peer, randomId(), 6997, 4,
                             {sharedFile(dropped, QStringLiteral("d"), 1, true)}));
        QVERIFY(registerPeer(*peer, randomId(), 6996, 4,
                             {sharedFile(dropped, QStringLiteral("d"), 1, true),
                              sharedFile(kept, QStringLiteral("k"), 1, true)}));
        QTRY_VERIFY_WITH_TIMEOUT(lastUpdate(swarm, kept)->seeders == 1, 10000);
        QVERIFY(lastUpdate(swarm, dropped)->seeders == 0); // only the one from subscribing
    }

    void aBadTokenIsRejectedWithoutRetrying()
    {
        auto stranger = makeClient({m_tracker->url()});
        stranger->setToken("not-a-real-token");
        LiveFeed feed(*stranger, quickReconnects());
        QSignalSpy rejected(&feed, &LiveFeed::rejected);
        QSignalSpy connected(&feed, &LiveFeed::connected);
        feed.start();
        QVERIFY(rejected.wait(10000));
        QVERIFY(!feed.isConnected());
        const qsizetype attempts = connected.size();
        QTest::qWait(500); // several backoff periods: it must stay down
        QCOMPARE(connected.size(), attempts);
    }

    void loggingOutClosesTheFeed()
    {
        auto client = makeClient({m_tracker->url()});
        QVERIFY(signUp(*client, QStringLiteral("leaver")).isEmpty());
        LiveFeed feed(*client, quickReconnects());
        QSignalSpy connected(&feed, &LiveFeed::connected);
        QSignalSpy rejected(&feed, &LiveFeed::rejected);
        feed.start();
        QVERIFY(connected.wait(10000));
        QVERIFY(awaitReply<void>([&](auto done) { client->logout(done); }).ok());
        // The tracker closes it with 1008, maybe while the logout reply is still on its way.
        QTRY_COMPARE_WITH_TIMEOUT(rejected.size(), 1, 10000);
        QVERIFY(!feed.isConnected());
    }

    void reconnectsAndResubscribesAfterTheTrackerRestarts()
    {
        LiveFeed feed(*m_watcher, quickReconnects());
        QSignalSpy connected(&feed, &LiveFeed::connected);
        QSignalSpy disconnected(&feed, &LiveFeed::disconnected);
        QSignalSpy swarm(&feed, &LiveFeed::swarmUpdated);
        const QByteArray file = randomId();
        feed.subscribe({file});
        feed.start();
        QVERIFY(connected.wait(10000));
        QTRY_COMPARE_WITH_TIMEOUT(swarm.size(), 1, 10000);

        QVERIFY(m_tracker->stop());
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 10000);
        TrackerProcess::Settings settings;
        settings.port = m_port;
        const QString problem = m_tracker->start(settings);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        // Same database: the token still holds; the subscription is sent again.
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 2, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(swarm.size(), 2, 10000);
        QCOMPARE(swarm.last().first().value<SwarmUpdate>().infoHash, file);
    }
};

QTEST_GUILESS_MAIN(TestTrackerLiveFeed)
#include "tst_trackerlivefeed.moc"
