// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/endpointlist.h"

#include <QTest>

using swarmshare::trackerclient::EndpointList;

namespace {

QList<QUrl> threeUrls()
{
    return {QUrl(QStringLiteral("http://proxy:7000")), QUrl(QStringLiteral("http://main:7070")),
            QUrl(QStringLiteral("http://backup:7071"))};
}

} // namespace

class TestEndpointList : public QObject {
    Q_OBJECT

private slots:
    void startsWithTheFirstUrl()
    {
        const EndpointList list(threeUrls());
        QCOMPARE(list.startIndex(0), 0);
        QCOMPARE(list.preferred(), 0);
    }

    void remembersTheUrlThatWorked()
    {
        EndpointList list(threeUrls(), 60'000);
        QVERIFY(list.markWorking(2, 1000));
        QCOMPARE(list.startIndex(1001), 2);
        QCOMPARE(list.startIndex(60'999), 2);
        QVERIFY(!list.markWorking(2, 2000)); // no change
    }

    void triesTheFirstUrlAgainAfterAWhile()
    {
        EndpointList list(threeUrls(), 60'000);
        list.markWorking(1, 1000);
        QCOMPARE(list.startIndex(61'000), 0);
        // The first is still down: the next attempt waits another interval.
        list.markFailed(0, 61'000);
        QCOMPARE(list.startIndex(61'001), 1);
        QCOMPARE(list.startIndex(121'000), 0);
        // It is back: it becomes the preferred one again.
        QVERIFY(list.markWorking(0, 121'000));
        QCOMPARE(list.startIndex(121'001), 0);
    }

    void failuresOfOtherUrlsDoNotDelayTheReturn()
    {
        EndpointList list(threeUrls(), 60'000);
        list.markWorking(1, 0);
        list.markFailed(2, 30'000);
        QCOMPARE(list.startIndex(60'000), 0);
    }

    void outOfRangeIndexesAreIgnored()
    {
        EndpointList list(threeUrls());
        QVERIFY(!list.markWorking(3, 0));
        QVERIFY(!list.markWorking(-1, 0));
        QCOMPARE(list.preferred(), 0);
        QCOMPARE(EndpointList().startIndex(0), 0);
    }

    void newUrlsResetThePreference()
    {
        EndpointList list(threeUrls());
        list.markWorking(2, 0);
        list.setUrls({QUrl(QStringLiteral("http://a:1"))});
        QCOMPARE(list.preferred(), 0);
        QCOMPARE(list.size(), 1);
    }

    void joinKeepsThePathPrefix_data()
    {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QString>("expected");
        QTest::newRow("bare") << "http://h:7070"
                              << "/health" << QByteArray() << "http://h:7070/health";
        QTest::newRow("slash") << "http://h:7070/"
                               << "/health" << QByteArray() << "http://h:7070/health";
        QTest::newRow("prefix") << "https://h/tracker/"
                                << "/files/ab" << QByteArray() << "https://h/tracker/files/ab";
        QTest::newRow("query") << "http://h"
                               << "/files" << QByteArray("q=a%2Bb%26c&limit=5")
                               << "http://h/files?q=a%2Bb%26c&limit=5";
        QTest::newRow("base query dropped") << "http://h/?x=1#frag"
                                            << "/health" << QByteArray() << "http://h/health";
    }

    void joinKeepsThePathPrefix()
    {
        QFETCH(QString, base);
        QFETCH(QString, path);
        QFETCH(QByteArray, query);
        QFETCH(QString, expected);
        QCOMPARE(EndpointList::join(QUrl(base), path, query).toString(QUrl::FullyEncoded),
                 expected);
    }

    void webSocketUrlSwitchesTheScheme()
    {
        QCOMPARE(EndpointList::webSocketUrl(QUrl(QStringLiteral("http://h:7070")),
                                            QStringLiteral("/live"), "token=abc")
                     .toString(),
                 QStringLiteral("ws://h:7070/live?token=abc"));
        QCOMPARE(
            EndpointList::webSocketUrl(QUrl(QStringLiteral("https://h/t")), QStringLiteral("/live"))
                .toString(),
            QStringLiteral("wss://h/t/live"));
    }
};

QTEST_GUILESS_MAIN(TestEndpointList)
#include "tst_endpointlist.moc"
