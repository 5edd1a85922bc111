// SPDX-License-Identifier: GPL-3.0-or-later
// Client-side failover over the URL list, and 429 Retry-After from a rate-limited tracker.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"
#include "tracker_client/livefeed.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTemporaryDir>

using namespace swarmshare;
using namespace swarmshare::test;

namespace {

QUrl closedPortUrl()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(probe.serverPort()));
}

} // namespace

class TestTrackerFailover : public QObject {
    Q_OBJECT

private slots:
    void aDeadFirstUrlFailsOverToTheNext()
    {
        QTemporaryDir dir;
        TrackerProcess tracker(dir.path());
        const QString problem = tracker.start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const QUrl dead = closedPortUrl();

        auto client = makeClient({dead, tracker.url()});
        QSignalSpy moved(client.get(), &TrackerClient::currentUrlChanged);
        const QByteArray failed = signUp(*client, QStringLiteral("dung"));
        QVERIFY2(failed.isEmpty(), failed.constData());
        QCOMPARE(client->endpoints().preferred(), 1);
        QCOMPARE(client->currentUrl(), tracker.url());
        QCOMPARE(moved.size(), 1);
        QVERIFY(registerPeer(*client, randomId(), 6881, 4,
                             {sharedFile(randomId(), QStringLiteral("f"), 2, true)}));

        // The feed follows the client to the working tracker.
        LiveFeed feed(*client);
        QSignalSpy connected(&feed, &LiveFeed::connected);
        feed.start();
        QVERIFY(connected.wait(10000));
        QCOMPARE(connected.first().first().toUrl().port(), int(tracker.port()));
        QVERIFY2(tracker.stop(), tracker.errorOutput().constData());
    }

    void aFeedStartingOnADeadUrlMovesDownTheList()
    {
        QTemporaryDir dir;
        TrackerProcess tracker(dir.path());
        const QString problem = tracker.start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        auto setup = makeClient({tracker.url()});
        QVERIFY(signUp(*setup, QStringLiteral("emma")).isEmpty());

        auto client = makeClient({closedPortUrl(), tracker.url()});
        client->setToken(setup->token());
        LiveFeed::Options options;
        options.initialBackoffMs = 50;
        LiveFeed feed(*client, options);
        QSignalSpy connected(&feed, &LiveFeed::connected);
        feed.start();
        QVERIFY(connected.wait(10000));
        QCOMPARE(feed.url().port(), int(tracker.port()));
        QVERIFY2(tracker.stop(), tracker.errorOutput().constData());
    }

    void rateLimitedRequestsWaitForRetryAfter()
    {
        QTemporaryDir dir;
        TrackerProcess tracker(dir.path());
        TrackerProcess::Settings settings;
        settings.requestsPerSecondPerAddress = 2; // bursts of 4
        const QString problem = tracker.start(settings);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        // Eight at once: four pass, the rest are told to come back and do.
        auto client = makeClient({tracker.url()});
        int succeeded = 0;
        QList<int> statuses;
        for (int i = 0; i < 8; ++i) {
            client->health([&](const Reply<Health>& reply) {
                succeeded += reply ? 1 : 0;
                statuses << reply.status();
            });
        }
        QTRY_COMPARE_WITH_TIMEOUT(statuses.size(), 8, 20000);
        QCOMPARE(succeeded, 8);

        // A client that will not wait sees the 429 itself.
        TrackerClient::Options impatient = clientOptions({tracker.url()});
        impatient.retry.maxRetryAfterMs = 0;
        TrackerClient hasty(impatient);
        Reply<Health> last = awaitReply<Health>([&](auto done) { hasty.health(done); });
        for (int i = 0; i < 10 && last; ++i)
            last = awaitReply<Health>([&](auto done) { hasty.health(done); });
        QVERIFY(!last);
        QCOMPARE(last.status(), 429);
        QCOMPARE(last.error().code, QStringLiteral("rate_limited"));
        QVERIFY2(tracker.stop(), tracker.errorOutput().constData());
    }
};

QTEST_GUILESS_MAIN(TestTrackerFailover)
#include "tst_trackerfailover.moc"
