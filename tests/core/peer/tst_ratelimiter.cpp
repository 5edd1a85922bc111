// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/ratelimiter.h"

#include <QTest>

#include <utility>

using swarmshare::peer::RateLimiter;

namespace {

constexpr qint64 kMiB = 1024 * 1024;

// Takes the initial burst so that what follows measures the steady rate only.
void drain(RateLimiter& limiter, qint64 nowMs)
{
    limiter.request(limiter.burst(), nowMs);
    QCOMPARE(limiter.request(1, nowMs), qint64(0));
}

} // namespace

class TestRateLimiter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void unlimitedPassesEverything()
    {
        RateLimiter limiter(0);
        QVERIFY(limiter.isUnlimited());
        for (int i = 0; i < 10; ++i)
            QCOMPARE(limiter.request(100 * kMiB, 0), 100 * kMiB);
        const QList<qint64> wants{kMiB, 5, 1000 * kMiB};
        QCOMPARE(limiter.share(wants, 0), wants);
    }

    void capsAverageRate()
    {
        // An awkward rate and step check that fractions of a byte carry over between steps.
        for (const auto& [rate, stepMs] :
             {std::pair<qint64, qint64>{100'000, 7}, std::pair<qint64, qint64>{12'345, 3}}) {
            RateLimiter limiter(rate, 0);
            drain(limiter, 0);
            qint64 total = 0;
            qint64 now = 0;
            while (now < 20'000) {
                now += stepMs;
                total += limiter.request(kMiB, now);
            }
            const qint64 expected = rate * now / 1000;
            QVERIFY2(qAbs(total - expected) <= 1,
                     qPrintable(QStringLiteral("%1 vs %2").arg(total).arg(expected)));
        }
    }

    void allowsABurst()
    {
        // Slow limit: the burst is the 64 KiB floor, not one second's 10 kB.
        RateLimiter slow(10'000, 0);
        QCOMPARE(slow.burst(), RateLimiter::kMinBurst);
        QCOMPARE(slow.request(kMiB, 0), RateLimiter::kMinBurst);
        QCOMPARE(slow.request(kMiB, 0), qint64(0));
        // A long idle period refills to the burst and no further.
        QCOMPARE(slow.request(kMiB, 3'600'000), RateLimiter::kMinBurst);

        // Fast limit: one second's worth.
        RateLimiter fast(2 * kMiB, 0);
        QCOMPARE(fast.burst(), 2 * kMiB);
        QCOMPARE(fast.request(10 * kMiB, 0), 2 * kMiB);
        QCOMPARE(fast.request(10 * kMiB, 500), kMiB);
        // A clock that goes backwards earns nothing.
        QCOMPARE(fast.request(10 * kMiB, 100), qint64(0));

        // Lowering the rate clamps what was saved to the new burst.
        fast.setRate(10'000, 10'000);
        QCOMPARE(fast.request(10 * kMiB, 10'000), RateLimiter::kMinBurst);
    }

    void sharesBetweenConnections()
    {
        constexpr qint64 kRate = 100'003; // does not divide evenly, so leftovers must rotate
        RateLimiter limiter(kRate, 0);
        drain(limiter, 0);
        // Three greedy connections and a slow one that wants a little every tick. Whoever is
        // listed first must get no advantage.
        QList<qint64> totals(4, 0);
        qint64 now = 0;
        for (int tick = 0; tick < 200; ++tick) {
            now += 50;
            const QList<qint64> grants = limiter.share({kMiB, 100, kMiB, kMiB}, now);
            QCOMPARE(grants.at(1), qint64(100));
            for (int i = 0; i < 4; ++i)
                totals[i] += grants.at(i);
        }
        const qint64 sum = totals.at(0) + totals.at(1) + totals.at(2) + totals.at(3);
        QVERIFY(qAbs(sum - kRate * now / 1000) <= 1);
        const qint64 greedy = (sum - totals.at(1)) / 3;
        for (int i : {0, 2, 3})
            QVERIFY2(qAbs(totals.at(i) - greedy) <= 1,
                     qPrintable(QStringLiteral("%1 vs %2").arg(totals.at(i)).arg(greedy)));

        // Nobody gets more than it asked for; what it leaves goes to the others.
        const QList<qint64> grants = limiter.share({10, 1'000'000}, now + 1'000);
        QCOMPARE(grants.at(0), qint64(10));
        QCOMPARE(grants.at(1), kRate - 10);
    }
};

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
