// SPDX-License-Identifier: GPL-3.0-or-later
// Accounts against a real tracker process: register, login, tokens, logout, login throttling.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"

#include <QTemporaryDir>

using namespace swarmshare;
using namespace swarmshare::test;

class TestTrackerAccounts : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;
    std::unique_ptr<TrackerClient> m_client;

    Reply<QString> registerAccount(TrackerClient& client, const QString& name,
                                   const QString& password)
    {
        return awaitReply<QString>(
            [&](auto done) { client.registerAccount(name, password, done); });
    }

    Reply<Session> login(TrackerClient& client, const QString& name, const QString& password)
    {
        return awaitReply<Session>([&](auto done) { client.login(name, password, done); });
    }

    Reply<RegisterResult> registerSomePeer(TrackerClient& client)
    {
        return registerPeer(client, randomId(), 6881, 4, {});
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tracker = std::make_unique<TrackerProcess>(m_dir.path());
        const QString problem = m_tracker->start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        m_client = makeClient({m_tracker->url()});
    }

    void cleanupTestCase()
    {
        m_client.reset();
        if (m_tracker)
            QVERIFY2(m_tracker->stop(), m_tracker->errorOutput().constData());
    }

    void healthNeedsNoAccount()
    {
        const Reply<Health> health = awaitReply<Health>([&](auto done) { m_client->health(done); });
        QVERIFY2(health, describe(health));
        QCOMPARE(health->role, QStringLiteral("main"));
        QCOMPARE(health->state, QStringLiteral("active"));
    }

    void registerCreatesAnAccount()
    {
        const Reply<QString> made =
            registerAccount(*m_client, QStringLiteral("an.nguyen"), QStringLiteral("mật khẩu dài"));
        QVERIFY2(made, describe(made));
        QCOMPARE(made.status(), 201);
        QCOMPARE(*made, QStringLiteral("an.nguyen"));
    }

    void aTakenNameIsAConflict()
    {
        const Reply<QString> again = registerAccount(*m_client, QStringLiteral("an.nguyen"),
                                                     QStringLiteral("other password"));
        QVERIFY(!again);
        QCOMPARE(again.status(), 409);
        QCOMPARE(again.error().code, QStringLiteral("conflict"));
    }

    void badNamesAndPasswordsAreRejected_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("password");
        QTest::newRow("short name") << QStringLiteral("ab") << QStringLiteral("long enough pw");
        QTest::newRow("space in name") << QStringLiteral("a b c") << QStringLiteral("long enough");
        QTest::newRow("long name") << QString(33, u'x') << QStringLiteral("long enough pw");
        QTest::newRow("short password") << QStringLiteral("binh") << QStringLiteral("short");
    }

    void badNamesAndPasswordsAreRejected()
    {
        QFETCH(QString, name);
        QFETCH(QString, password);
        const Reply<QString> made = registerAccount(*m_client, name, password);
        QVERIFY(!made);
        QCOMPARE(made.status(), 400);
        QCOMPARE(made.error().code, QStringLiteral("invalid_argument"));
    }

    void loginHandsOutAToken()
    {
        const Reply<Session> session =
            login(*m_client, QStringLiteral("an.nguyen"), QStringLiteral("mật khẩu dài"));
        QVERIFY2(session, describe(session));
        QCOMPARE(session->username, QStringLiteral("an.nguyen"));
        QVERIFY(session->token.size() >= 40);
        QVERIFY(session->expiresAt > QDateTime::currentDateTimeUtc());
        QCOMPARE(m_client->token(), session->token);
        QVERIFY2(registerSomePeer(*m_client), "the token opens the peer endpoints");
    }

    void wrongPasswordsAndUnknownNamesAreUnauthenticated_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("wrong password") << QStringLiteral("an.nguyen");
        QTest::newRow("unknown name") << QStringLiteral("nobody.here");
    }

    void wrongPasswordsAndUnknownNamesAreUnauthenticated()
    {
        QFETCH(QString, name);
        auto client = makeClient({m_tracker->url()});
        QSignalSpy required(client.get(), &TrackerClient::authenticationRequired);
        const Reply<Session> session = login(*client, name, QStringLiteral("not the password"));
        QVERIFY(!session);
        QCOMPARE(session.status(), 401);
        QCOMPARE(session.error().code, QStringLiteral("unauthenticated"));
        QVERIFY(client->token().isEmpty());
        QCOMPARE(required.size(), 0); // the login form shows it; no second prompt
    }

    void peerEndpointsNeedAValidToken_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::newRow("none") << QByteArray();
        QTest::newRow("made up") << QByteArray("bm90IGEgdG9rZW4gYXQgYWxs");
    }

    void peerEndpointsNeedAValidToken()
    {
        QFETCH(QByteArray, token);
        auto client = makeClient({m_tracker->url()});
        client->setToken(token);
        QSignalSpy required(client.get(), &TrackerClient::authenticationRequired);
        const Reply<RegisterResult> reply = registerSomePeer(*client);
        QVERIFY(!reply);
        QCOMPARE(reply.status(), 401);
        QCOMPARE(reply.error().code, QStringLiteral("unauthenticated"));
        QCOMPARE(required.size(), 1);
    }

    void aRememberedTokenCanBeReused()
    {
        auto client = makeClient({m_tracker->url()});
        client->setToken(m_client->token());
        const Reply<RegisterResult> reply = registerSomePeer(*client);
        QVERIFY2(reply, describe(reply));
    }

    void logoutInvalidatesTheToken()
    {
        auto other = makeClient({m_tracker->url()});
        QVERIFY(login(*other, QStringLiteral("an.nguyen"), QStringLiteral("mật khẩu dài")));
        const QByteArray token = other->token();
        const Reply<void> out = awaitReply<void>([&](auto done) { other->logout(done); });
        QVERIFY2(out, describe(out));
        QCOMPARE(out.status(), 204);
        QVERIFY(other->token().isEmpty());

        auto stale = makeClient({m_tracker->url()});
        stale->setToken(token);
        const Reply<RegisterResult> reply = registerSomePeer(*stale);
        QCOMPARE(reply.error().code, QStringLiteral("unauthenticated"));
        // Other sessions of the same account live on.
        QVERIFY(registerSomePeer(*m_client));
    }

    // Last: it leaves this address throttled for a few seconds.
    void repeatedFailedLoginsAreThrottledWithRetryAfter()
    {
        QVERIFY(registerAccount(*m_client, QStringLiteral("chi"), QStringLiteral("password one")));
        TrackerClient::Options impatient = clientOptions({m_tracker->url()});
        impatient.retry.maxRetryAfterMs = 0; // hand every 429 to the caller
        TrackerClient client(impatient);
        // Five free failures, then the sixth blocks the name (and this address) for a second.
        for (int i = 0; i < 6; ++i) {
            const Reply<Session> session =
                login(client, QStringLiteral("chi"), QStringLiteral("wrong"));
            QCOMPARE(session.error().code, QStringLiteral("unauthenticated"));
        }
        const Reply<Session> blocked =
            login(client, QStringLiteral("chi"), QStringLiteral("wrong"));
        QCOMPARE(blocked.status(), 429);
        QCOMPARE(blocked.error().code, QStringLiteral("rate_limited"));

        // A client that honours Retry-After waits it out and gets the real answer.
        auto patient = makeClient({m_tracker->url()});
        const Reply<Session> session =
            login(*patient, QStringLiteral("chi"), QStringLiteral("password one"));
        QVERIFY2(session, describe(session));
    }
};

QTEST_GUILESS_MAIN(TestTrackerAccounts)
#include "tst_trackeraccounts.moc"
