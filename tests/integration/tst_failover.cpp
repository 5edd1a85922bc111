// SPDX-License-Identifier: GPL-3.0-or-later
// Fault injection with real processes on 127.0.0.1: a main tracker, a backup following it and the
// failover proxy in front of them, clients and peers talking to the proxy only. Main dies by
// SIGKILL in the middle of a download; the proxy must serve from the backup within 3 seconds with
// everything acknowledged before the kill, and the download must finish. Main comes back,
// catches up, and the proxy fails back with nothing lost. Killing the backup leaves main alone;
// a restarted proxy takes clients again.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"
#include "support/process.h"
#include "swarm/peerprocess.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::test;

namespace {

const QString kPassword = QStringLiteral("correct horse battery");

} // namespace

class FailoverTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void failsOverToTheBackupAndBack();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    TrackerProcess::Settings trackerSettings(const QStringList& arguments, quint16 port = 0) const
    {
        TrackerProcess::Settings settings;
        settings.port = port;
        // The proxy (on 127.0.0.1) forwards the clients' addresses.
        settings.extra = QJsonObject{
            {QStringLiteral("trustedProxies"), QJsonArray{QStringLiteral("127.0.0.1")}}};
        settings.arguments = arguments + QStringList{QStringLiteral("--secret-file"),
                                                     path(QStringLiteral("secret"))};
        return settings;
    }
    QString startProxy(quint16 port = 0)
    {
        m_proxy = std::make_unique<TrackerProcess>(path(QStringLiteral("proxy")));
        return m_proxy->start(trackerSettings(
            {QStringLiteral("--role"), QStringLiteral("proxy"), QStringLiteral("--main"),
             m_mainUrl.toString(), QStringLiteral("--backup"), m_backup->url().toString()},
            port));
    }
    // GET /health through the proxy: the active tracker's answer.
    QJsonObject activeHealth()
    {
        QNetworkRequest request(QUrl(m_proxy->url().toString() + QStringLiteral("/health")));
        request.setTransferTimeout(1000);
        QNetworkReply* reply = m_network.get(request);
        waitUntil([&] { return reply->isFinished(); }, 3000);
        const QJsonObject health = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return health;
    }
    bool canLogIn(const QString& user)
    {
        auto client = makeClient({m_proxy->url()});
        const Reply<trackerclient::Session> session = awaitReply<trackerclient::Session>(
            [&](auto done) { client->login(user, kPassword, done); }, 5000);
        return bool(session);
    }

    QTemporaryDir m_dir;
    QNetworkAccessManager m_network;
    std::unique_ptr<TrackerProcess> m_main;
    std::unique_ptr<TrackerProcess> m_backup;
    std::unique_ptr<TrackerProcess> m_proxy;
    QUrl m_mainUrl;
};

void FailoverTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(writeFile(path(QStringLiteral("secret")), "a secret shared by the three roles\n"));
    m_main = std::make_unique<TrackerProcess>(path(QStringLiteral("main")));
    QString started = m_main->start(trackerSettings({}));
    QVERIFY2(started.isEmpty(), qPrintable(started));
    m_mainUrl = m_main->url();
    m_backup = std::make_unique<TrackerProcess>(path(QStringLiteral("backup")));
    started = m_backup->start(trackerSettings({QStringLiteral("--role"), QStringLiteral("backup"),
                                               QStringLiteral("--primary"), m_mainUrl.toString()}));
    QVERIFY2(started.isEmpty(), qPrintable(started));
    started = startProxy();
    QVERIFY2(started.isEmpty(), qPrintable(started));
    QTRY_COMPARE_WITH_TIMEOUT(activeHealth().value(QStringLiteral("role")).toString(),
                              QStringLiteral("main"), 10000);
}

void FailoverTest::cleanupTestCase()
{
    m_proxy.reset();
    m_backup.reset();
    m_main.reset();
}

// Registers a fresh peer with no files (an asker needs a registration) and returns its id.
static QByteArray randomIdRegistered(TrackerClient& client)
{
    const QByteArray peerId = randomId();
    if (!registerPeer(client, peerId, 7002, 2, {}))
        qWarning("registering an asker failed");
    return peerId;
}

void FailoverTest::failsOverToTheBackupAndBack()
{
    // Accounts, a shared file and a download in progress, all through the proxy.
    QVERIFY(writeFile(path(QStringLiteral("password")), kPassword.toUtf8() + '\n'));
    auto client = makeClient({m_proxy->url()});
    for (const QString& user :
         {QStringLiteral("alice"), QStringLiteral("seeder"), QStringLiteral("leecher")})
        QVERIFY(signUp(*client, user).isEmpty());
    QVERIFY(QDir().mkpath(path(QStringLiteral("data"))));
    const QByteArray payload = randomBytes(12 * 1024 * 1024, 6);
    QVERIFY(writeFile(path(QStringLiteral("data/payload.bin")), payload));
    const ProcessResult created =
        runSwarmshare({QStringLiteral("create"), path(QStringLiteral("data/payload.bin")),
                       QStringLiteral("-o"), path(QStringLiteral("payload.torrent"))},
                      path(QStringLiteral("homes/creator")));
    QCOMPARE(created.exitCode, 0);
    auto account = [&](const QString& user) {
        return QStringList{QStringLiteral("--tracker"),       m_proxy->url().toString(),
                           QStringLiteral("--user"),          user,
                           QStringLiteral("--password-file"), path(QStringLiteral("password")),
                           QStringLiteral("--port"),          QStringLiteral("0")};
    };
    PeerProcess seeder(path(QStringLiteral("homes/seeder")));
    QVERIFY(seeder
                .start(QStringList{QStringLiteral("seed"), path(QStringLiteral("payload.torrent")),
                                   QStringLiteral("--data"), path(QStringLiteral("data")),
                                   QStringLiteral("--upload-limit"), QStringLiteral("1M")} +
                       account(QStringLiteral("seeder")))
                .isEmpty());
    QVERIFY(seeder.waitForLog(QStringLiteral("is now seeding"), 15000));
    PeerProcess leecher(path(QStringLiteral("homes/leecher")));
    QVERIFY(leecher
                .start(QStringList{QStringLiteral("get"), path(QStringLiteral("payload.torrent")),
                                   QStringLiteral("-o"), path(QStringLiteral("out")),
                                   QStringLiteral("--json")} +
                       account(QStringLiteral("leecher")))
                .isEmpty());
    QVERIFY2(leecher.waitForLog(QStringLiteral("127.0.0.1:%1").arg(seeder.port()), 20000),
             qPrintable(leecher.describe()));
    // A client that lists both trackers itself (no proxy), logged in and registered on main.
    auto direct = makeClient({m_mainUrl, m_backup->url()});
    QVERIFY(signUp(*direct, QStringLiteral("dora")).isEmpty());
    const QByteArray doraPeer = randomId();
    const QByteArray doraFile = randomId();
    QVERIFY(registerPeer(*direct, doraPeer, 7001, 2,
                         {sharedFile(doraFile, QStringLiteral("dora.bin"), 4, true)}));
    QTest::qWait(1200); // everything above was acknowledged more than a second before the kill

    // Main dies. Within 3 s the proxy serves from the backup, with everything acknowledged.
    QElapsedTimer failover;
    failover.start();
    m_main->kill();
    QVERIFY(waitUntil(
        [&] {
            const QJsonObject health = activeHealth();
            return health.value(QStringLiteral("role")).toString() == u"backup" &&
                   health.value(QStringLiteral("state")).toString() == u"active";
        },
        10000));
    const qint64 failoverMs = failover.elapsed();
    qInfo("failover took %lld ms", failoverMs);
    QVERIFY2(failoverMs <= 3000, qPrintable(QString::number(failoverMs)));
    QVERIFY(canLogIn(QStringLiteral("alice")));
    // The proxy's client keeps its token: an authenticated call works without a new login, and
    // the peer registered before the kill is still known.
    const Reply<IdlePeers> idle = idlePeers(*client, randomIdRegistered(*client), doraFile, 4);
    QVERIFY2(idle, qPrintable(idle ? QString() : idle.error().message));
    QCOMPARE(idle->peers.size(), 1);
    QCOMPARE(idle->peers.constFirst().peerId, doraPeer);
    // The direct client fails over to the backup URL by itself, with the same token, and keeps
    // heartbeating its registration.
    const Reply<HeartbeatResult> beat = awaitReply<HeartbeatResult>(
        [&](auto done) {
            direct->heartbeat({doraPeer, {}, 0, 0}, done);
        },
        10000);
    QVERIFY2(beat, qPrintable(beat ? QString() : beat.error().message));
    QCOMPARE(direct->currentUrl(), m_backup->url());
    // A write while main is away: it must survive the failback.
    QVERIFY(signUp(*client, QStringLiteral("bob")).isEmpty());

    // The download finishes, through the backup.
    QVERIFY2(leecher.waitForExit(60000) == 0, qPrintable(leecher.describe()));
    QVERIFY(leecher.summary().value(QStringLiteral("complete")).toBool());
    QFile out(path(QStringLiteral("out/payload.bin")));
    QVERIFY(out.open(QIODevice::ReadOnly));
    QVERIFY(out.readAll() == payload);

    // Main comes back on its old address, follows the backup, catches up, and the proxy fails
    // back to it: bob, made during the failover, is there.
    m_main = std::make_unique<TrackerProcess>(path(QStringLiteral("main")));
    const QString restarted = m_main->start(trackerSettings({}, quint16(m_mainUrl.port())));
    QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
    QVERIFY2(waitUntil(
                 [&] {
                     const QJsonObject health = activeHealth();
                     return health.value(QStringLiteral("role")).toString() == u"main" &&
                            health.value(QStringLiteral("state")).toString() == u"active";
                 },
                 20000),
             m_proxy->errorOutput().right(3000).constData());
    QVERIFY(canLogIn(QStringLiteral("bob")));
    QVERIFY(canLogIn(QStringLiteral("alice")));

    // Killing the backup does not disturb main.
    m_backup->kill();
    QVERIFY(signUp(*client, QStringLiteral("carol")).isEmpty());
    QVERIFY(canLogIn(QStringLiteral("carol")));

    // A restarted proxy (same address) takes clients again.
    const quint16 proxyPort = m_proxy->port();
    m_proxy->kill();
    QVERIFY(startProxy(proxyPort).isEmpty());
    QVERIFY(waitUntil([&] { return canLogIn(QStringLiteral("carol")); }, 10000));
    QCOMPARE(seeder.interrupt(), 0);
}

QTEST_GUILESS_MAIN(FailoverTest)
#include "tst_failover.moc"
