// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/retryplan.h"

#include <QTest>

using swarmshare::trackerclient::backoffDelay;
using swarmshare::trackerclient::RetryPlan;
using swarmshare::trackerclient::RetryPolicy;
using Failure = RetryPlan::Failure;

namespace {

RetryPolicy policy(int rounds)
{
    RetryPolicy p;
    p.rounds = rounds;
    p.initialBackoffMs = 100;
    p.maxBackoffMs = 1000;
    p.jitter = 0;
    p.maxRetryAfterMs = 5000;
    p.rateLimitRetries = 2;
    return p;
}

// The URL indexes a plan visits when every attempt fails in the same way, and the waits.
QList<std::pair<int, int>> walk(RetryPlan plan, Failure failure)
{
    QList<std::pair<int, int>> steps{{plan.current(), 0}};
    for (int guard = 0; guard < 100; ++guard) {
        const RetryPlan::Step step = plan.next(failure, -1, 0.5);
        if (!step.retry)
            break;
        steps.append({step.urlIndex, step.delayMs});
    }
    return steps;
}

} // namespace

class TestRetryPlan : public QObject {
    Q_OBJECT

private slots:
    void failsOverThroughEveryUrlThenBacksOff()
    {
        const QList<std::pair<int, int>> expected = {
            {1, 0},   {2, 0}, {0, 0},  // first pass, starting where the last success was
            {1, 100}, {2, 0}, {0, 0},  // second pass after a backoff
            {1, 200}, {2, 0}, {0, 0}}; // third pass, twice the wait
        QCOMPARE(walk(RetryPlan(policy(3), 3, 1), Failure::Connection), expected);
    }

    void timeoutsAndServerErrorsFailOverLikeConnectionErrors()
    {
        const auto connection = walk(RetryPlan(policy(2), 2, 0), Failure::Connection);
        QCOMPARE(walk(RetryPlan(policy(2), 2, 0), Failure::Timeout), connection);
        QCOMPARE(walk(RetryPlan(policy(2), 2, 0), Failure::ServerError), connection);
    }

    void givesUpAfterTheLastRound()
    {
        RetryPlan plan(policy(1), 2, 0);
        QVERIFY(plan.next(Failure::Connection, -1, 0.5).retry);
        QVERIFY(!plan.next(Failure::Connection, -1, 0.5).retry);
        QCOMPARE(plan.attempts(), 2);
    }

    void aSingleUrlIsRetriedAfterBackoffs()
    {
        const QList<std::pair<int, int>> expected = {{0, 0}, {0, 100}, {0, 200}, {0, 400}};
        QCOMPARE(walk(RetryPlan(policy(4), 1, 0), Failure::Connection), expected);
    }

    void retryAfterIsWaitedOutOnTheSameUrl()
    {
        RetryPlan plan(policy(3), 3, 2);
        const RetryPlan::Step step = plan.next(Failure::RateLimited, 2000, 0.9);
        QVERIFY(step.retry);
        QCOMPARE(step.urlIndex, 2);
        QCOMPARE(step.delayMs, 2000); // exactly what the tracker asked, no jitter
    }

    void rateLimitRetriesAreBounded()
    {
        RetryPlan plan(policy(3), 1, 0);
        QVERIFY(plan.next(Failure::RateLimited, 1000, 0.5).retry);
        QVERIFY(plan.next(Failure::RateLimited, 1000, 0.5).retry);
        QVERIFY(!plan.next(Failure::RateLimited, 1000, 0.5).retry);
    }

    void aLongRetryAfterGoesToTheCaller()
    {
        RetryPlan plan(policy(3), 2, 0);
        QVERIFY(!plan.next(Failure::RateLimited, 5001, 0.5).retry);
    }

    void rateLimitWithoutRetryAfterBacksOff()
    {
        RetryPlan plan(policy(3), 2, 0);
        const RetryPlan::Step step = plan.next(Failure::RateLimited, -1, 0.5);
        QVERIFY(step.retry);
        QCOMPARE(step.delayMs, 100);
    }

    void backoffDoublesUpToTheCap_data()
    {
        QTest::addColumn<int>("attempt");
        QTest::addColumn<int>("expected");
        QTest::newRow("0") << 0 << 250;
        QTest::newRow("1") << 1 << 500;
        QTest::newRow("3") << 3 << 2000;
        QTest::newRow("capped") << 6 << 10'000;
        QTest::newRow("far") << 1000 << 10'000;
    }

    void backoffDoublesUpToTheCap()
    {
        QFETCH(int, attempt);
        QFETCH(int, expected);
        QCOMPARE(backoffDelay(attempt, 250, 10'000, 0.0, 0.3), expected);
    }

    void jitterStaysInItsBand()
    {
        QCOMPARE(backoffDelay(2, 100, 10'000, 0.2, 0.0), 320);
        QCOMPARE(backoffDelay(2, 100, 10'000, 0.2, 0.5), 400);
        QCOMPARE(backoffDelay(2, 100, 10'000, 0.2, 1.0), 480);
        // Never past the cap, even with jitter.
        QCOMPARE(backoffDelay(20, 100, 1000, 0.2, 1.0), 1000);
    }
};

QTEST_GUILESS_MAIN(TestRetryPlan)
#include "tst_retryplan.moc"
