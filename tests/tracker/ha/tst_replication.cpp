// SPDX-License-Identifier: GPL-3.0-or-later
// Replication end to end, in-process: a main and a backup Tracker on 127.0.0.1 (ephemeral ports,
// SQLite files in a temporary folder), driven through the real client library. After random
// sequences of operations the backup's state (store rows and registry objects) must equal
// main's; a dropped connection resumes by streaming, a long outage by a new snapshot; a promoted
// backup takes writes and the old main catches up from it.
#include "integration/integrationfixture.h"
#include "tracker/ha/replication.h"
#include "tracker/ha/statecodec.h"
#include "tracker/tracker.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace swarmshare;
using namespace swarmshare::test;
using swarmshare::tracker::Tracker;
using swarmshare::tracker::TrackerOptions;

namespace {

const QByteArray kSecret = "a shared secret of some length";

// The state minus the time each object has left or has been idle: those are measured on each
// tracker's own clock at export time and differ by the replication delay.
QJsonObject comparable(QJsonObject state)
{
    QJsonObject swarm = state.value(QStringLiteral("swarm")).toObject();
    for (const QString& list : {QStringLiteral("peers"), QStringLiteral("leases")}) {
        QJsonArray items = swarm.value(list).toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            QJsonObject item = items.at(i).toObject();
            item.remove(QStringLiteral("idle"));
            item.remove(QStringLiteral("left"));
            items.replace(i, item);
        }
        swarm.insert(list, items);
    }
    state.insert(QStringLiteral("swarm"), swarm);
    return state;
}

} // namespace

class ReplicationTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void backupEqualsMainAfterRandomOperations();
    void droppedConnectionResumesByStreaming();
    void longOutageTakesANewSnapshot();
    void promotedBackupTakesWritesAndOldMainCatchesUp();
    void standbyRefusesWritesAndControlNeedsTheSecret();

private:
    std::unique_ptr<Tracker> startTracker(const QString& name, const QString& role,
                                          const QUrl& primary = {}, qsizetype logEntries = 100'000)
    {
        TrackerOptions options;
        options.role = role;
        options.port = 0;
        options.sqlitePath = m_dir.filePath(name + QStringLiteral(".db"));
        options.heartbeatIntervalSec = 60;
        options.leaseTtlSec = 120;
        options.requestsPerSecondPerAddress = 0;
        options.passwordIterations = 1000;
        options.haSecret = kSecret;
        options.primary = primary;
        options.changeLogEntries = logEntries;
        auto tracker = std::make_unique<Tracker>(options);
        const Result<void> started = tracker->start();
        if (!started)
            qWarning("tracker did not start: %s", qPrintable(started.error().message));
        return tracker;
    }
    static QUrl urlOf(const Tracker& tracker)
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(tracker.port()));
    }
    static QJsonObject stateOf(Tracker& tracker)
    {
        const Result<QJsonObject> state =
            tracker::ha::snapshot(tracker.store(), tracker.registry(), 0);
        return state ? comparable(*state) : QJsonObject();
    }
    // Waits until `follower` holds everything `primary` logged.
    static bool caughtUp(const Tracker& primary, const Tracker& follower)
    {
        return waitUntil([&] {
            return follower.changeLog().seq() == primary.changeLog().seq() &&
                   follower.changeLog().epoch() == primary.changeLog().epoch();
        });
    }
    // A random mix of what clients do: accounts, logins, registrations with files, heartbeats,
    // leases on idle peers, finished transfers, standard announces.
    void randomOperations(const QUrl& url, int count);

    QTemporaryDir m_dir;
    std::unique_ptr<Tracker> m_main;
    std::unique_ptr<Tracker> m_backup;
    QRandomGenerator m_random{20261121};
    int m_users = 0;
    QList<QByteArray> m_files;
};

void ReplicationTest::init()
{
    QVERIFY(m_dir.isValid());
    m_main = startTracker(QStringLiteral("main-%1").arg(m_users), QStringLiteral("main"));
    QVERIFY(m_main->port() != 0);
}

void ReplicationTest::cleanup()
{
    m_backup.reset();
    m_main.reset();
}

void ReplicationTest::randomOperations(const QUrl& url, int count)
{
    auto client = makeClient({url});
    const QString user = QStringLiteral("user%1").arg(++m_users);
    QVERIFY(signUp(*client, user).isEmpty());
    QList<QByteArray> peers;
    for (int i = 0; i < count; ++i) {
        const quint32 pick = m_random.bounded(10);
        if (pick < 3 || peers.isEmpty()) {
            // A peer registers with one or two files, some complete, some partial.
            const QByteArray peerId = randomId();
            QList<SharedFile> files;
            for (int f = 0; f < 1 + int(m_random.bounded(2)); ++f) {
                if (m_files.isEmpty() || m_random.bounded(3) == 0)
                    m_files.append(randomId());
                const QByteArray hash = m_files.at(m_random.bounded(int(m_files.size())));
                const bool complete = m_random.bounded(2) == 0;
                files.append(sharedFile(
                    hash, QStringLiteral("file %1").arg(QString::fromLatin1(hash.toHex().left(6))),
                    8, complete, complete ? QByteArray() : QByteArray(1, '\xa0')));
            }
            QVERIFY(registerPeer(*client, peerId, quint16(10000 + i), 2, files));
            peers.append(peerId);
        } else if (pick < 5) {
            const Reply<HeartbeatResult> beat = awaitReply<HeartbeatResult>([&](auto done) {
                client->heartbeat({peers.at(m_random.bounded(int(peers.size()))), {}, 10, 20},
                                  done);
            });
            QVERIFY(beat);
        } else if (pick < 8) {
            const QByteArray asker = peers.at(m_random.bounded(int(peers.size())));
            const QByteArray hash = m_files.at(m_random.bounded(int(m_files.size())));
            const Reply<IdlePeers> idle = idlePeers(*client, asker, hash, 2);
            if (idle && !idle->peers.isEmpty() && m_random.bounded(2) == 0) {
                QList<quint64> leases;
                for (const IdlePeer& peer : idle->peers)
                    leases.append(peer.leaseId);
                const Reply<int> done = awaitReply<int>([&](auto finish) {
                    client->completeTransfer({asker, hash, leases, 1000}, finish);
                });
                QVERIFY(done);
            }
        } else {
            // A standard BitTorrent announce (no account).
            QNetworkAccessManager network;
            QUrl announce = url;
            announce.setPath(QStringLiteral("/announce"));
            announce.setQuery(
                QStringLiteral(
                    "info_hash=%1&peer_id=%2&port=%3&uploaded=0&downloaded=0&left=%4&compact=1")
                    .arg(QString::fromLatin1(
                             m_files.at(m_random.bounded(int(m_files.size()))).toPercentEncoding()),
                         QString::fromLatin1(randomId().toPercentEncoding()))
                    .arg(20000 + i)
                    .arg(m_random.bounded(2) ? 0 : 1000));
            QNetworkReply* reply = network.get(QNetworkRequest(announce));
            QVERIFY(waitUntil([&] { return reply->isFinished(); }));
            QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
            reply->deleteLater();
        }
    }
}

void ReplicationTest::backupEqualsMainAfterRandomOperations()
{
    // A log shorter than what happens before the backup starts: it begins with a snapshot.
    m_main.reset();
    m_main = startTracker(QStringLiteral("main-snapshot"), QStringLiteral("main"), {}, 30);
    randomOperations(urlOf(*m_main), 40);
    QVERIFY(m_main->changeLog().firstSeq() > 1);
    m_backup = startTracker(QStringLiteral("backup-a"), QStringLiteral("backup"), urlOf(*m_main));
    QVERIFY(caughtUp(*m_main, *m_backup));
    QCOMPARE(stateOf(*m_backup), stateOf(*m_main));
    QCOMPARE(m_main->replicationServer()->snapshotsSent(), 1);

    randomOperations(urlOf(*m_main), 60); // and then follows the stream
    QVERIFY(caughtUp(*m_main, *m_backup));
    QCOMPARE(stateOf(*m_backup), stateOf(*m_main));
    QTRY_COMPARE(m_backup->haStateName(), QStringLiteral("standby"));
    // The lag is in /health and /metrics.
    QNetworkAccessManager network;
    auto get = [&](const QString& path) {
        QNetworkReply* reply =
            network.get(QNetworkRequest(QUrl(urlOf(*m_backup).toString() + path)));
        waitUntil([&] { return reply->isFinished(); });
        const QByteArray body = reply->readAll();
        reply->deleteLater();
        return body;
    };
    const QJsonObject health = QJsonDocument::fromJson(get(QStringLiteral("/health"))).object();
    QCOMPARE(health.value(QStringLiteral("lag_ms")).toInteger(), 0);
    QCOMPARE(health.value(QStringLiteral("state")).toString(), QStringLiteral("standby"));
    QCOMPARE(health.value(QStringLiteral("primary")).toString(), urlOf(*m_main).toString());
    QVERIFY(get(QStringLiteral("/metrics")).contains("swarmshare_tracker_replication_lag_ms 0"));
    QCOMPARE(m_main->replicationServer()->snapshotsSent(), 1);
    QVERIFY(m_main->changeLog().seq() > 50);
}

void ReplicationTest::droppedConnectionResumesByStreaming()
{
    m_backup = startTracker(QStringLiteral("backup-b"), QStringLiteral("backup"), urlOf(*m_main));
    randomOperations(urlOf(*m_main), 20);
    QVERIFY(caughtUp(*m_main, *m_backup));
    const int snapshots = m_main->replicationServer()->snapshotsSent();

    // The connection drops (the main closes it); changes keep coming meanwhile.
    const_cast<tracker::ha::ReplicationServer*>(m_main->replicationServer())
        ->closeAll(QStringLiteral("test"));
    randomOperations(urlOf(*m_main), 20);
    QVERIFY(caughtUp(*m_main, *m_backup));
    QCOMPARE(m_main->replicationServer()->snapshotsSent(), snapshots); // resumed, no snapshot
    QCOMPARE(stateOf(*m_backup), stateOf(*m_main));
}

void ReplicationTest::longOutageTakesANewSnapshot()
{
    m_main.reset();
    m_main = startTracker(QStringLiteral("main-small-log"), QStringLiteral("main"), {}, 10);
    m_backup = startTracker(QStringLiteral("backup-c"), QStringLiteral("backup"), urlOf(*m_main));
    randomOperations(urlOf(*m_main), 5);
    QVERIFY(caughtUp(*m_main, *m_backup));
    const int snapshots = m_main->replicationServer()->snapshotsSent();

    // The backup is away while more changes happen than the log keeps.
    m_backup->fence();
    randomOperations(urlOf(*m_main), 40);
    QVERIFY(m_main->changeLog().firstSeq() > m_backup->changeLog().seq() + 1);
    m_backup->follow(urlOf(*m_main));
    QVERIFY(caughtUp(*m_main, *m_backup));
    QCOMPARE(m_main->replicationServer()->snapshotsSent(), snapshots + 1);
    QCOMPARE(stateOf(*m_backup), stateOf(*m_main));
}

void ReplicationTest::promotedBackupTakesWritesAndOldMainCatchesUp()
{
    m_backup = startTracker(QStringLiteral("backup-d"), QStringLiteral("backup"), urlOf(*m_main));
    randomOperations(urlOf(*m_main), 20);
    QVERIFY(caughtUp(*m_main, *m_backup));
    const qint64 epoch = m_main->changeLog().epoch();

    // Failover: the backup becomes active in a new epoch and takes writes.
    m_main->fence();
    const auto [newEpoch, seq] = m_backup->promote();
    QCOMPARE(newEpoch, epoch + 1);
    QCOMPARE(m_backup->haStateName(), QStringLiteral("active"));
    randomOperations(urlOf(*m_backup), 20);
    QVERIFY(m_backup->changeLog().seq() > seq);

    // The old main follows the new active tracker and ends up with the same state.
    m_main->follow(urlOf(*m_backup));
    QVERIFY(caughtUp(*m_backup, *m_main));
    QCOMPARE(stateOf(*m_main), stateOf(*m_backup));
    // Accounts made on either side log in on the other.
    auto client = makeClient({urlOf(*m_backup)});
    QVERIFY(signUp(*client, QStringLiteral("user1")).isEmpty());
}

void ReplicationTest::standbyRefusesWritesAndControlNeedsTheSecret()
{
    m_backup = startTracker(QStringLiteral("backup-e"), QStringLiteral("backup"), urlOf(*m_main));
    QVERIFY(caughtUp(*m_main, *m_backup));
    QNetworkAccessManager network;
    auto post = [&](const QUrl& base, const QString& path, const QByteArray& auth,
                    const QByteArray& body = "{}") {
        QUrl url = base;
        url.setPath(path);
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        if (!auth.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + auth);
        QNetworkReply* reply = network.post(request, body);
        waitUntil([&] { return reply->isFinished(); });
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        return status;
    };
    // A standby refuses writes with 503, and is not fooled by a wrong secret.
    QCOMPARE(post(urlOf(*m_backup), QStringLiteral("/auth/register"), {},
                  R"({"username":"x","password":"long enough password"})"),
             503);
    QCOMPARE(post(urlOf(*m_backup), QStringLiteral("/ha/promote"), {}), 401);
    QCOMPARE(post(urlOf(*m_backup), QStringLiteral("/ha/promote"), "wrong secret value!!"), 401);
    QCOMPARE(m_backup->haStateName(), QStringLiteral("standby"));
    QCOMPARE(post(urlOf(*m_backup), QStringLiteral("/ha/promote"), kSecret), 200);
    QCOMPARE(m_backup->haStateName(), QStringLiteral("active"));
    QCOMPARE(post(urlOf(*m_main), QStringLiteral("/ha/fence"), kSecret), 200);
    QCOMPARE(m_main->haStateName(), QStringLiteral("fenced"));
    QCOMPARE(post(urlOf(*m_main), QStringLiteral("/ha/follow"), kSecret, R"({"primary":"nope"})"),
             400);
}

QTEST_GUILESS_MAIN(ReplicationTest)
#include "tst_replication.moc"
