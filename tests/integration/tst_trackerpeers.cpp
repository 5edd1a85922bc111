// SPDX-License-Identifier: GPL-3.0-or-later
// The peer endpoints against a real tracker process (heartbeat 1 s, lease 2 s): registration,
// idle-peer selection with upload slots and leases, lease expiry, complete_transfer, heartbeat
// timeouts with automatic re-registration, search, and .torrent upload and download.
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"
#include "torrent/metainfo.h"

#include <QTemporaryDir>

using namespace swarmshare;
using namespace swarmshare::test;

namespace {

QSet<QByteArray> peerIds(const IdlePeers& idle)
{
    QSet<QByteArray> ids;
    for (const IdlePeer& peer : idle.peers)
        ids.insert(peer.peerId);
    return ids;
}

QList<quint64> leaseIds(const IdlePeers& idle)
{
    QList<quint64> ids;
    for (const IdlePeer& peer : idle.peers)
        ids << peer.leaseId;
    return ids;
}

} // namespace

class TestTrackerPeers : public QObject {
    Q_OBJECT

private:
    // One peer: its own client (and automatic heartbeats), sharing the test account's token.
    struct Peer {
        std::unique_ptr<TrackerClient> client;
        QByteArray id;
    };

    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;
    std::unique_ptr<TrackerClient> m_account;

    Peer peer(int uploadSlots, const QList<SharedFile>& files, quint16 port = 6881)
    {
        Peer p{makeClient({m_tracker->url()}), randomId()};
        p.client->setToken(m_account->token());
        const Reply<RegisterResult> reply = registerPeer(*p.client, p.id, port, uploadSlots, files);
        if (!reply)
            qWarning("register failed: %s", describe(reply).constData());
        return p;
    }

    Reply<IdlePeers> ask(Peer& asker, const QByteArray& infoHash, int n = 10)
    {
        return idlePeers(*asker.client, asker.id, infoHash, n);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tracker = std::make_unique<TrackerProcess>(m_dir.path());
        const QString problem = m_tracker->start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        m_account = makeClient({m_tracker->url()});
        const QByteArray failed = signUp(*m_account, QStringLiteral("peers"));
        QVERIFY2(failed.isEmpty(), failed.constData());
    }

    void cleanupTestCase()
    {
        m_account.reset();
        if (m_tracker)
            QVERIFY2(m_tracker->stop(), m_tracker->errorOutput().constData());
    }

    void registrationAnswersWithTheTimers()
    {
        auto client = makeClient({m_tracker->url()});
        client->setToken(m_account->token());
        const Reply<RegisterResult> reply = registerPeer(
            *client, randomId(), 6881, 4, {sharedFile(randomId(), QStringLiteral("a"), 3, true)});
        QVERIFY2(reply, describe(reply));
        QCOMPARE(reply->heartbeatIntervalSec, 1);
        QCOMPARE(reply->leaseTtlSec, 2);
        QVERIFY(client->registration().has_value());
    }

    void idlePeersSkipTheAskerAndBusyPeers()
    {
        const QByteArray file = randomId();
        const SharedFile complete = sharedFile(file, QStringLiteral("busy.bin"), 4, true);
        Peer one = peer(1, {complete}, 7001);
        Peer two = peer(2, {complete}, 7002);
        // Askers outside the swarm: their heartbeats do not renew these leases.
        Peer a = peer(4, {});
        Peer b = peer(4, {});
        Peer c = peer(4, {});

        const Reply<IdlePeers> mine = ask(one, file);
        QVERIFY2(mine, describe(mine));
        QCOMPARE(peerIds(*mine), QSet<QByteArray>{two.id}); // never the asker itself
        QVERIFY(awaitReply<int>([&](auto done) {
            one.client->completeTransfer({one.id, file, leaseIds(*mine), 0}, done);
        }));

        const Reply<IdlePeers> first = ask(a, file);
        QVERIFY2(first, describe(first));
        QCOMPARE(peerIds(*first), (QSet<QByteArray>{one.id, two.id}));
        QCOMPARE(first->file.name, QStringLiteral("busy.bin"));
        QCOMPARE(first->file.pieceCount, 4);
        for (const IdlePeer& idle : first->peers) {
            QCOMPARE(idle.address, QHostAddress(QHostAddress::LocalHost));
            QCOMPARE(idle.port, quint16(idle.peerId == one.id ? 7001 : 7002));
            QVERIFY(idle.complete);
            QVERIFY(idle.leaseId > 0);
        }
        // `one` has its single slot leased; `two` one of two.
        const Reply<IdlePeers> second = ask(b, file);
        QVERIFY2(second, describe(second));
        QCOMPARE(peerIds(*second), QSet<QByteArray>{two.id});
        const Reply<IdlePeers> third = ask(c, file);
        QVERIFY2(third, describe(third));
        QVERIFY(third->peers.isEmpty());

        // Asking again renews the asker's own leases instead of taking more slots.
        const Reply<IdlePeers> again = ask(a, file);
        QVERIFY2(again, describe(again));
        QList<quint64> renewed = leaseIds(*again);
        QList<quint64> granted = leaseIds(*first);
        std::sort(renewed.begin(), renewed.end());
        std::sort(granted.begin(), granted.end());
        QCOMPARE(renewed, granted);

        // Nobody renews: after the lease TTL both seeders are idle again.
        QVERIFY(waitUntil([&] {
            const Reply<IdlePeers> idle = ask(c, file);
            return idle && idle->peers.size() == 2;
        }));
    }

    void nGivesAnUpperBound()
    {
        const QByteArray file = randomId();
        const SharedFile complete = sharedFile(file, QStringLiteral("n.bin"), 2, true);
        Peer s1 = peer(4, {complete});
        Peer s2 = peer(4, {complete});
        Peer s3 = peer(4, {complete});
        Peer asker = peer(4, {});
        const Reply<IdlePeers> one = ask(asker, file, 1);
        QVERIFY2(one, describe(one));
        QCOMPARE(one->peers.size(), 1);
    }

    void leechersWithPiecesServeToo()
    {
        const QByteArray file = randomId();
        Peer empty = peer(4, {sharedFile(file, QStringLiteral("l.bin"), 4, false)});
        Peer some =
            peer(4, {sharedFile(file, QStringLiteral("l.bin"), 4, false, QByteArray("\x40", 1))});
        Peer asker = peer(4, {});
        const Reply<IdlePeers> idle = ask(asker, file);
        QVERIFY2(idle, describe(idle));
        QCOMPARE(peerIds(*idle), QSet<QByteArray>{some.id}); // nothing to give yet: not listed
        QVERIFY(!idle->peers.first().complete);
    }

    void completeTransferFreesTheServersAndMakesTheAskerAHolder()
    {
        const QByteArray file = randomId();
        Peer seeder = peer(1, {sharedFile(file, QStringLiteral("done.bin"), 3, true)});
        Peer asker = peer(4, {sharedFile(file, QStringLiteral("done.bin"), 3, false)});
        Peer other = peer(4, {});

        const Reply<IdlePeers> leased = ask(asker, file);
        QVERIFY2(leased, describe(leased));
        QCOMPARE(peerIds(*leased), QSet<QByteArray>{seeder.id});
        QVERIFY(ask(other, file)->peers.isEmpty()); // the single slot is taken
        const Reply<FileDetails> before = fileDetails(*m_account, file);
        QVERIFY2(before, describe(before));
        QCOMPARE(before->seeders, 1);
        QCOMPARE(before->leechers, 1);

        const Reply<int> released = awaitReply<int>([&](auto done) {
            asker.client->completeTransfer({asker.id, file, leaseIds(*leased), 3 * 16384}, done);
        });
        QVERIFY2(released, describe(released));
        QCOMPARE(*released, 1);
        QVERIFY(asker.client->registration()->files.first().complete);

        const Reply<IdlePeers> now = ask(other, file);
        QVERIFY2(now, describe(now));
        QCOMPARE(peerIds(*now), (QSet<QByteArray>{seeder.id, asker.id}));
        const Reply<FileDetails> after = fileDetails(*m_account, file);
        QVERIFY2(after, describe(after));
        QCOMPARE(after->seeders, 2);
        QCOMPARE(after->leechers, 0);
        QCOMPARE(after->completed, qint64(1));
    }

    void heartbeatsReportFinishedFiles()
    {
        const QByteArray file = randomId();
        Peer leecher = peer(4, {sharedFile(file, QStringLiteral("hb.bin"), 2, false)});
        QCOMPARE(fileDetails(*m_account, file)->leechers, 1);
        QSignalSpy beats(leecher.client.get(), &TrackerClient::heartbeatSucceeded);
        leecher.client->noteComplete(file);
        QVERIFY(beats.wait(5000));
        const Reply<FileDetails> details = fileDetails(*m_account, file);
        QVERIFY2(details, describe(details));
        QCOMPARE(details->seeders, 1);
        QCOMPARE(details->leechers, 0);
        QCOMPARE(details->completed, qint64(1));
    }

    void silentPeersAreDroppedAndTheClientRegistersAgain()
    {
        const QByteArray file = randomId();
        Peer quiet = peer(4, {sharedFile(file, QStringLiteral("quiet.bin"), 2, true)});
        QCOMPARE(fileDetails(*m_account, file)->seeders, 1);
        QSignalSpy reregistering(quiet.client.get(), &TrackerClient::reregistering);
        QSignalSpy registered(quiet.client.get(), &TrackerClient::peerRegistered);

        quiet.client->setAutoHeartbeat(false);
        QVERIFY(waitUntil([&] {
            const Reply<FileDetails> details = fileDetails(*m_account, file);
            return details && details->seeders == 0;
        }));
        const Reply<HeartbeatResult> late = awaitReply<HeartbeatResult>([&](auto done) {
            quiet.client->heartbeat({quiet.id, {}, 0, 0}, done);
        });
        QCOMPARE(late.status(), 404);
        QCOMPARE(late.error().code, QStringLiteral("unknown_peer"));

        // The unknown_peer answer made the client register again, same id and files.
        QTRY_COMPARE_WITH_TIMEOUT(registered.size(), 1, 10000);
        QCOMPARE(reregistering.size(), 1);
        QCOMPARE(fileDetails(*m_account, file)->seeders, 1);
        quiet.client->setAutoHeartbeat(true);
        QVERIFY(waitUntil([&] {
            const Reply<FileDetails> details = fileDetails(*m_account, file);
            return details && details->seeders == 1;
        }));
    }

    void anotherAccountCannotUseAPeerId()
    {
        Peer mine = peer(4, {});
        auto stranger = makeClient({m_tracker->url()});
        const QByteArray failed = signUp(*stranger, QStringLiteral("stranger"));
        QVERIFY2(failed.isEmpty(), failed.constData());
        const Reply<RegisterResult> reply = registerPeer(*stranger, mine.id, 6881, 4, {});
        QCOMPARE(reply.status(), 403);
        QCOMPARE(reply.error().code, QStringLiteral("forbidden"));
    }

    void unknownFilesAreNotFound()
    {
        Peer asker = peer(4, {});
        const Reply<IdlePeers> idle = ask(asker, randomId());
        QCOMPARE(idle.status(), 404);
        QCOMPARE(idle.error().code, QStringLiteral("not_found"));
        const Reply<FileDetails> details = fileDetails(*m_account, randomId());
        QCOMPARE(details.status(), 404);
        QCOMPARE(details.error().code, QStringLiteral("not_found"));
        const Reply<QByteArray> torrent = awaitReply<QByteArray>(
            [&](auto done) { m_account->downloadMetainfo(randomId(), done); });
        QCOMPARE(torrent.error().code, QStringLiteral("not_found"));
    }

    void searchFindsFilesByNameWords()
    {
        const QByteArray alpha = randomId();
        const QByteArray beta = randomId();
        Peer sharer = peer(4, {sharedFile(alpha, QStringLiteral("Phim Hay Alpha.mkv"), 3, true),
                               sharedFile(beta, QStringLiteral("beta song.mp3"), 2, false)});
        const auto search = [&](const QString& text, int limit = 50, int offset = 0) {
            return awaitReply<QList<FileSummary>>([&](auto done) {
                m_account->searchFiles({text, limit, offset}, done);
            });
        };
        const Reply<QList<FileSummary>> found = search(QStringLiteral("alpha phim"));
        QVERIFY2(found, describe(found));
        QCOMPARE(found->size(), 1);
        QCOMPARE(found->first().infoHash, alpha);
        QCOMPARE(found->first().name, QStringLiteral("Phim Hay Alpha.mkv"));
        QCOMPARE(found->first().size, qint64(2 * 16384 + 1000));
        QCOMPARE(found->first().seeders, 1);
        QCOMPARE(search(QStringLiteral("SONG"))->first().leechers, 1);
        QVERIFY(search(QStringLiteral("no such words"))->isEmpty());
        QCOMPARE(search(QString(), 1)->size(), 1);
        QVERIFY(search(QString(), 1, 1)->first().infoHash !=
                search(QString(), 1, 0)->first().infoHash);
    }

    void torrentsAreUploadedAndDownloaded()
    {
        const Result<torrent::CreatedTorrent> made =
            makeTorrent(m_dir.filePath(QStringLiteral("share/ảnh.bin")), 100'000, 7);
        QVERIFY2(made, made ? "" : qPrintable(made.error().message));
        const Result<torrent::Metainfo> info = torrent::Metainfo::parse(made->torrentFile);
        QVERIFY(info);
        SharedFile shared{made->infoHash,
                          info->name(),
                          info->totalLength(),
                          info->pieceLength(),
                          info->pieceCount(),
                          true,
                          {},
                          made->torrentFile};
        Peer sharer = peer(4, {shared});
        QVERIFY(sharer.client->registration().has_value());

        const Reply<FileDetails> details = fileDetails(*m_account, made->infoHash);
        QVERIFY2(details, describe(details));
        QVERIFY(details->hasMetainfo);
        QCOMPARE(details->file.name, QStringLiteral("ảnh.bin"));
        QCOMPARE(details->file.pieceCount, info->pieceCount());
        const Reply<QByteArray> torrent = awaitReply<QByteArray>(
            [&](auto done) { m_account->downloadMetainfo(made->infoHash, done); });
        QVERIFY2(torrent, describe(torrent));
        QCOMPARE(*torrent, made->torrentFile);
    }

    void aMismatchedTorrentIsRefused()
    {
        const Result<torrent::CreatedTorrent> made =
            makeTorrent(m_dir.filePath(QStringLiteral("share/other.bin")), 50'000, 8);
        QVERIFY(made);
        SharedFile lying = sharedFile(randomId(), QStringLiteral("other.bin"), 4, true);
        lying.metainfo = made->torrentFile;
        auto client = makeClient({m_tracker->url()});
        client->setToken(m_account->token());
        const Reply<RegisterResult> reply = registerPeer(*client, randomId(), 6881, 4, {lying});
        QCOMPARE(reply.status(), 400);
        QCOMPARE(reply.error().code, QStringLiteral("invalid_argument"));
        QVERIFY(!client->registration().has_value());
    }
};

QTEST_GUILESS_MAIN(TestTrackerPeers)
#include "tst_trackerpeers.moc"
