// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/swarmregistry.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

using namespace swarmshare::tracker;
using Registry = SwarmRegistry;

namespace {

// What the replication recorder does: collects the dirty keys the main's Journal reports,
// then ships the exported objects (or their removal) to the backups, in the documented order.
class Recorder : public Registry::Journal {
public:
    QSet<QByteArray> peers;
    QSet<QByteArray> files;
    QSet<quint64> leases;
    int calls = 0;
    int refusedLeases = 0;

    void peerChanged(const QByteArray& peerId) override
    {
        peers.insert(peerId);
        ++calls;
    }
    void peerRemoved(const QByteArray& peerId) override
    {
        peers.insert(peerId);
        ++calls;
    }
    void leaseChanged(quint64 id) override
    {
        leases.insert(id);
        ++calls;
    }
    void leaseRemoved(quint64 id) override
    {
        leases.insert(id);
        ++calls;
    }
    void fileChanged(const QByteArray& infoHash) override
    {
        files.insert(infoHash);
        ++calls;
    }

    void ship(const Registry& main, const QList<Registry*>& backups, qint64 now)
    {
        for (Registry* backup : backups) {
            for (const QByteArray& id : std::as_const(peers)) {
                if (const auto state = main.exportPeer(id, now))
                    backup->putPeer(*state, now);
                else
                    backup->dropPeer(id);
            }
            for (const QByteArray& hash : std::as_const(files)) {
                // A file gone from the main went from the backup with its last holder.
                if (const auto state = main.exportFile(hash))
                    backup->putFile(*state);
            }
            for (quint64 id : std::as_const(leases)) {
                if (const auto state = main.exportLease(id, now)) {
                    if (!backup->putLease(*state, now))
                        ++refusedLeases;
                } else {
                    backup->dropLease(id);
                }
            }
            backup->setNextLeaseId(main.nextLeaseId());
        }
        peers.clear();
        files.clear();
        leases.clear();
    }
};

} // namespace

class TestSwarmRegistry : public QObject, public SwarmRegistry::Listener {
    Q_OBJECT

public:
    QStringList events;
    void peerJoined(const Registry::PeerInfo& peer) override
    {
        events << QStringLiteral("joined ") + QString::fromLatin1(peer.peerId);
    }
    void peerLeft(const QByteArray& peerId) override
    {
        events << QStringLiteral("left ") + QString::fromLatin1(peerId);
    }
    void swarmChanged(const QByteArray& infoHash) override
    {
        events << QStringLiteral("swarm ") + QString::fromLatin1(infoHash);
    }

private:
    static constexpr qint64 kTimeout = 90'000;
    static constexpr qint64 kTtl = 120'000;

    static Registry makeRegistry() { return Registry({kTimeout, kTtl, 10'000}); }

    static Registry::PeerInfo peer(const char* id, int slotCount = 2, quint16 port = 6881)
    {
        return {QByteArray(id), QHostAddress(QHostAddress::LocalHost), port, slotCount, 0};
    }

    static Registry::Holding file(const char* hash, bool complete = true, QByteArray have = {})
    {
        return {{QByteArray(hash), QString::fromLatin1(hash), 100, 16384, 8}, complete, have};
    }

    static QList<QByteArray> ids(const QList<Registry::Grant>& grants)
    {
        QList<QByteArray> result;
        for (const Registry::Grant& grant : grants)
            result << grant.peerId;
        std::sort(result.begin(), result.end());
        return result;
    }

    // Replication helpers.

    static QByteArray describe(const Registry::Snapshot& snapshot)
    {
        QByteArray out = "next=" + QByteArray::number(snapshot.nextLeaseId) + "\n";
        for (const auto& file : snapshot.files)
            out += "F " + file.info.infoHash +
                   " pieces=" + QByteArray::number(file.info.pieceCount) +
                   " completed=" + QByteArray::number(file.completed) + "\n";
        for (const auto& peer : snapshot.peers) {
            out += "P " + peer.info.peerId + " port=" + QByteArray::number(peer.info.port) +
                   " idle=" + QByteArray::number(peer.idleMs);
            for (const auto& holding : peer.holdings)
                out += " " + holding.file.infoHash + (holding.complete ? "+" : "-") +
                       holding.have.toHex();
            out += "\n";
        }
        for (const auto& lease : snapshot.leases)
            out += "L " + QByteArray::number(lease.id) + " " + lease.holderId + "<-" +
                   lease.askerId + " " + lease.infoHash +
                   " remaining=" + QByteArray::number(lease.remainingMs) + "\n";
        return out;
    }

    // Compares the two registries' snapshots; prints both when they differ.
    static bool sameState(const Registry& a, const Registry& b, qint64 now)
    {
        const Registry::Snapshot left = a.snapshot(now);
        const Registry::Snapshot right = b.snapshot(now);
        if (left == right)
            return true;
        qWarning().noquote() << "main:\n"
                             << QString::fromLatin1(describe(left)) << "\nbackup:\n"
                             << QString::fromLatin1(describe(right));
        return false;
    }

    // A random main: a few dozen peers and a dozen files, so that everything collides.
    struct Driver {
        QRandomGenerator rng;
        Registry& main;
        qint64 now = 0;

        QByteArray somePeer() { return "P" + QByteArray::number(rng.bounded(40)); }
        QByteArray someHash() { return "F" + QByteArray::number(rng.bounded(12)); }
        Registry::PeerInfo someInfo()
        {
            return {somePeer(), QHostAddress(QHostAddress::LocalHost), quint16(rng.bounded(3)),
                    int(rng.bounded(1, 4)), qint64(rng.bounded(5))};
        }
        Registry::Holding someHolding()
        {
            const QByteArray hash = someHash();
            const bool complete = rng.bounded(2) == 0;
            QByteArray have;
            if (!complete && rng.bounded(3) != 0)
                have = QByteArray(1, char(rng.bounded(256)));
            return {{hash, QString::fromLatin1(hash), 100, 16384, 8}, complete, have};
        }

        std::optional<Registry::LeaseState> someLease()
        {
            const QList<Registry::LeaseState> leases = main.snapshot(now).leases;
            if (leases.isEmpty())
                return std::nullopt;
            return leases[rng.bounded(int(leases.size()))];
        }

        // One random mutating call; returns its name, for failure messages.
        const char* step()
        {
            now += rng.bounded(4'000);
            switch (rng.bounded(12)) {
            case 0:
            case 1: {
                QList<Registry::Holding> holdings;
                for (int i = rng.bounded(5); i > 0; --i)
                    holdings << someHolding();
                main.registerPeer(someInfo(), holdings, now);
                return "register";
            }
            case 2:
            case 3: {
                // Mostly an asker with leases, so that heartbeats renew them.
                const auto lease = someLease();
                QList<QByteArray> done;
                for (int i = rng.bounded(3); i > 0; --i)
                    done << (lease && rng.bounded(4) == 0 ? lease->infoHash : someHash());
                (void)main.heartbeat(lease && rng.bounded(4) != 0 ? lease->askerId : somePeer(),
                                     done, now);
                return "heartbeat";
            }
            case 4:
            case 5: {
                // Mostly for a file the asker is fetching, as a real peer would.
                const QByteArray asker = somePeer();
                QByteArray hash = someHash();
                if (const auto state = main.exportPeer(asker, now)) {
                    for (const auto& holding : state->holdings) {
                        if (!holding.complete && rng.bounded(4) != 0)
                            hash = holding.file.infoHash;
                    }
                }
                (void)main.leaseIdlePeers(asker, hash, int(rng.bounded(1, 4)), now);
                return "lease";
            }
            case 6: {
                // Mostly one of an asker's own leases (plus another id), sometimes anything.
                const auto lease = someLease();
                const auto other = someLease();
                QList<quint64> ids;
                if (lease)
                    ids << lease->id << other->id << lease->id + 1;
                if (lease && rng.bounded(4) != 0)
                    (void)main.completeTransfer(lease->askerId, lease->infoHash, ids, now);
                else
                    (void)main.completeTransfer(somePeer(), someHash(), ids, now);
                return "complete";
            }
            case 7:
            case 8: {
                const auto event = Registry::AnnounceEvent(rng.bounded(4));
                main.announce(someInfo(), someHash(), rng.bounded(2) == 0, event, 5, now);
                return "announce";
            }
            case 9:
                main.removePeer(somePeer());
                return "remove";
            default:
                now += rng.bounded(10'000);
                main.expire(now);
                return "expire";
            }
        }
    };

    static void restoreTwiceIsIdempotent(Registry& backup, const Registry::Snapshot& snapshot)
    {
        backup.restore(snapshot, 1'000'000);
        QCOMPARE(backup.snapshot(1'000'000), snapshot);
        for (const auto& peer : snapshot.peers)
            backup.putPeer(peer, 1'000'000);
        for (const auto& lease : snapshot.leases)
            QVERIFY(backup.putLease(lease, 1'000'000));
        for (const auto& file : snapshot.files)
            backup.putFile(file);
        QCOMPARE(backup.snapshot(1'000'000), snapshot);
    }

private slots:
    void registeringAddsThePeerAndItsFiles()
    {
        Registry registry = makeRegistry();
        const auto added = registry.registerPeer(peer("A"), {file("F1"), file("F2", false)}, 0);
        QCOMPARE(added.size(), 2);
        QVERIFY(registry.hasPeer("A"));
        QCOMPARE(registry.fileStats("F1").seeders, 1);
        QCOMPARE(registry.fileStats("F2").leechers, 1);
        // Registering again replaces the list: F1 is gone with nobody else holding it.
        QCOMPARE(registry.registerPeer(peer("A"), {file("F2")}, 1).size(), 0);
        QVERIFY(!registry.hasFile("F1"));
        QCOMPARE(registry.fileStats("F2").seeders, 1);
        QCOMPARE(registry.fileStats("F2").leechers, 0);
    }

    void idlePeersNeverIncludeTheAsker()
    {
        Registry registry = makeRegistry();
        registry.registerPeer(peer("A"), {file("F")}, 0);
        registry.registerPeer(peer("B"), {file("F")}, 0);
        const auto grants = registry.leaseIdlePeers("A", "F", 10, 1);
        QVERIFY(grants.ok());
        QCOMPARE(ids(*grants), QList<QByteArray>{"B"});
    }

    void leastLoadedPeersComeFirst()
    {
        Registry registry = makeRegistry();
        for (const char* id : {"A", "B", "C"})
            registry.registerPeer(peer(id, 4), {file("F")}, 0);
        registry.registerPeer(peer("X"), {file("F", false)}, 0);
        registry.registerPeer(peer("Y"), {file("F", false)}, 0);
        // X leases two peers; then Y asking for one must get the third, idle one.
        const auto first = registry.leaseIdlePeers("X", "F", 2, 1);
        QCOMPARE(first->size(), 2);
        const auto second = registry.leaseIdlePeers("Y", "F", 1, 2);
        QCOMPARE(second->size(), 1);
        QVERIFY(!ids(*first).contains(second->at(0).peerId));
    }

    void busyPeersAreNotReturnedUntilALeaseEnds()
    {
        Registry registry({kTimeout, 10'000, 10'000}); // leases outlive 10 s unless renewed
        registry.registerPeer(peer("S", 1), {file("F")}, 0);
        registry.registerPeer(peer("X"), {file("F", false)}, 0);
        registry.registerPeer(peer("Y"), {file("F", false)}, 0);
        const auto x = registry.leaseIdlePeers("X", "F", 5, 1);
        QCOMPARE(ids(*x), QList<QByteArray>{"S"});
        QCOMPARE(registry.activeLeases("S"), 1);
        QCOMPARE(registry.leaseIdlePeers("Y", "F", 5, 2)->size(), 0); // S's only slot is taken
        // X finishes but never calls complete_transfer: its heartbeats no longer renew the
        // lease (it is not fetching F any more), so the lease runs out and S is idle again.
        QVERIFY(registry.heartbeat("X", {"F"}, 5'000).ok());
        QVERIFY(registry.heartbeat("S", {}, 5'000).ok());
        QVERIFY(registry.heartbeat("Y", {}, 5'000).ok());
        registry.expire(10'000);
        QCOMPARE(registry.activeLeases("S"), 1);
        registry.expire(10'001);
        QCOMPARE(registry.activeLeases("S"), 0);
        QCOMPARE(ids(*registry.leaseIdlePeers("Y", "F", 5, 10'002)), (QList<QByteArray>{"S", "X"}));
    }

    void heartbeatsRenewTheAskersLeases()
    {
        Registry registry = makeRegistry();
        registry.registerPeer(peer("S", 1), {file("F")}, 0);
        registry.registerPeer(peer("X"), {file("F", false)}, 0);
        QCOMPARE(registry.leaseIdlePeers("X", "F", 1, 0)->size(), 1);
        for (qint64 t = 30'000; t <= 300'000; t += 30'000) {
            QVERIFY(registry.heartbeat("X", {}, t).ok()); // still fetching F
            QVERIFY(registry.heartbeat("S", {}, t).ok());
            registry.expire(t);
        }
        QCOMPARE(registry.activeLeases("S"), 1); // renewed all along
        QCOMPARE(registry.leaseCount(), 1);
    }

    void askingAgainRenewsInsteadOfTakingMoreSlots()
    {
        Registry registry = makeRegistry();
        registry.registerPeer(peer("S", 3), {file("F")}, 0);
        registry.registerPeer(peer("X"), {file("F", false)}, 0);
        const auto first = registry.leaseIdlePeers("X", "F", 1, 0);
        const auto again = registry.leaseIdlePeers("X", "F", 1, 10);
        QCOMPARE(first->at(0).leaseId, again->at(0).leaseId);
        QCOMPARE(registry.activeLeases("S"), 1);
    }

    void silentPeersAreDroppedWithTheirLeases()
    {
        Registry registry = makeRegistry();
        registry.setListener(this);
        registry.registerPeer(peer("S", 2), {file("F")}, 0);
        registry.registerPeer(peer("X"), {file("F", false)}, 0);
        QCOMPARE(registry.leaseIdlePeers("X", "F", 1, 0)->size(), 1);
        events.clear();
        QVERIFY(registry.heartbeat("S", {}, 60'000).ok());
        QCOMPARE(registry.expire(kTimeout - 1), 0);
        QCOMPARE(registry.expire(kTimeout), 1); // X: 3 heartbeat intervals without a word
        QVERIFY(!registry.hasPeer("X"));
        QVERIFY(registry.hasPeer("S"));
        QCOMPARE(registry.leaseCount(), 0);
        QCOMPARE(registry.activeLeases("S"), 0);
        QVERIFY(events.contains(QStringLiteral("left X")));
        QVERIFY(events.contains(QStringLiteral("swarm F")));
        QCOMPARE(registry.heartbeat("X", {}, kTimeout).error().code,
                 QStringLiteral("unknown_peer"));
    }

    void completingATransferFreesTheServersAndReshares()
    {
        Registry registry = makeRegistry();
        registry.registerPeer(peer("S1", 1), {file("F")}, 0);
        registry.registerPeer(peer("S2", 1), {file("F")}, 0);
        registry.registerPeer(peer("X"), {file("F", false)}, 0);
        registry.registerPeer(peer("Y"), {file("F", false)}, 0);
        const auto grants = registry.leaseIdlePeers("X", "F", 2, 1);
        QCOMPARE(grants->size(), 2);
        QList<quint64> leases;
        for (const auto& grant : *grants)
            leases << grant.leaseId;
        // Y finishing (from elsewhere) cannot release X's leases.
        QCOMPARE(*registry.completeTransfer("Y", "F", leases, 2), 0);
        QCOMPARE(registry.activeLeases("S1"), 1);
        QCOMPARE(*registry.completeTransfer("X", "F", leases, 3), 2);
        QCOMPARE(registry.activeLeases("S1"), 0);
        QCOMPARE(registry.activeLeases("S2"), 0);
        QCOMPARE(registry.fileStats("F").seeders, 4);
        QCOMPARE(registry.fileStats("F").leechers, 0);
        QCOMPARE(registry.fileStats("F").completed, 2u);
        // X now serves the next one.
        registry.registerPeer(peer("Z"), {file("F", false)}, 4);
        QVERIFY(ids(*registry.leaseIdlePeers("Z", "F", 4, 5)).contains("X"));
    }

    void leechersWithPiecesAreOfferedAfterCompleteHolders()
    {
        Registry registry = makeRegistry();
        registry.registerPeer(peer("L0"), {file("F", false, QByteArray(1, '\0'))}, 0);
        registry.registerPeer(peer("L1"), {file("F", false, QByteArray(1, '\x80'))}, 0);
        registry.registerPeer(peer("S"), {file("F")}, 0);
        const auto grants = registry.leaseIdlePeers("L0", "F", 5, 1);
        QCOMPARE(grants->size(), 2); // L0 has nothing to give and is the asker anyway
        QCOMPARE(grants->at(0).peerId, QByteArray("S"));
        QVERIFY(grants->at(0).complete);
        QCOMPARE(grants->at(1).peerId, QByteArray("L1"));
        QVERIFY(!grants->at(1).complete);
    }

    void unknownAskerOrFileIsAnError()
    {
        Registry registry = makeRegistry();
        QCOMPARE(registry.leaseIdlePeers("nobody", "F", 1, 0).error().code,
                 QStringLiteral("unknown_peer"));
        registry.registerPeer(peer("A"), {}, 0);
        QCOMPARE(registry.leaseIdlePeers("A", "nothing", 1, 0).error().code,
                 QStringLiteral("not_found"));
        QCOMPARE(registry.completeTransfer("nobody", "F", {}, 0).error().code,
                 QStringLiteral("unknown_peer"));
    }

    void heartbeatCanReportCompletedFiles()
    {
        Registry registry = makeRegistry();
        registry.registerPeer(peer("X"), {file("F", false)}, 0);
        QVERIFY(registry.heartbeat("X", {"F", "unknown"}, 1).ok());
        QCOMPARE(registry.fileStats("F").seeders, 1);
        QCOMPARE(registry.fileStats("F").leechers, 0);
    }

    void availabilityCountsHoldersAndLeecherPieces()
    {
        Registry registry = makeRegistry();
        registry.registerPeer(peer("S"), {file("F")}, 0);
        registry.registerPeer(peer("L1"), {file("F", false, QByteArray(1, '\xc0'))}, 0);
        registry.registerPeer(peer("L2"), {file("F", false, QByteArray(1, '\x41'))}, 0);
        QCOMPARE(registry.availability("F"), (QList<int>{2, 3, 1, 1, 1, 1, 1, 2}));
        QVERIFY(registry.availability("unknown").isEmpty());
    }

    void listenerHearsJoinsAndLeaves()
    {
        Registry registry = makeRegistry();
        registry.setListener(this);
        events.clear();
        registry.registerPeer(peer("A"), {file("F")}, 0);
        registry.registerPeer(peer("A"), {file("F")}, 1); // not a second join
        registry.removePeer("A");
        QCOMPARE(events.count(QStringLiteral("joined A")), 1);
        QCOMPARE(events.count(QStringLiteral("left A")), 1);
        QVERIFY(!registry.hasFile("F"));
    }

    void announceKeepsOtherHoldingsAndSamplesPeers()
    {
        Registry registry = makeRegistry();
        using Event = Registry::AnnounceEvent;
        registry.registerPeer(peer("A"), {file("G")}, 0);
        for (int i = 0; i < 30; ++i) {
            const QByteArray id = "L" + QByteArray::number(i);
            const auto others =
                registry.announce(peer(id.constData()), "F", false, Event::Started, 50, 0);
            QCOMPARE(int(others.size()), i); // everyone before, never itself
        }
        registry.announce(peer("S"), "F", true, Event::Started, 0, 0);
        // A leecher sees seeders and leechers but never itself; numwant bounds the answer.
        const auto some = registry.announce(peer("L0"), "F", false, Event::None, 10, 1);
        QCOMPARE(int(some.size()), 10);
        QSet<QByteArray> seen;
        for (const auto& other : registry.announce(peer("L0"), "F", false, Event::None, 100, 1))
            seen.insert(other->peerId);
        QCOMPARE(seen.size(), 30); // 29 other leechers + S
        QVERIFY(!seen.contains("L0"));
        // A seeder is only told about leechers.
        for (const auto& other : registry.announce(peer("S"), "F", true, Event::None, 100, 1))
            QVERIFY(other->peerId.startsWith('L'));
        // A completes F by announce: G stays held, F gains a seeder and a completed count.
        registry.announce(peer("A"), "F", false, Event::Started, 0, 2);
        registry.announce(peer("A"), "F", true, Event::Completed, 0, 3);
        QCOMPARE(registry.fileStats("F").seeders, 2);
        QCOMPARE(registry.fileStats("F").completed, 1u);
        QCOMPARE(registry.fileStats("G").seeders, 1);
        // A leecher that stops with nothing left finished without saying "completed".
        registry.announce(peer("L1"), "F", true, Event::Stopped, 0, 4);
        QCOMPARE(registry.fileStats("F").completed, 2u);
        QVERIFY(!registry.hasPeer("L1"));
        // Stopped removes the holding; a peer with nothing left is gone.
        registry.announce(peer("S"), "F", true, Event::Stopped, 0, 4);
        QVERIFY(!registry.hasPeer("S"));
        registry.announce(peer("A"), "F", true, Event::Stopped, 0, 4);
        QVERIFY(registry.hasPeer("A"));
        QCOMPARE(registry.fileStats("F").seeders, 0);
    }

    void randomOperationsReplicateExactly_data()
    {
        QTest::addColumn<quint32>("seed");
        for (quint32 seed : {1u, 2u, 3u, 42u, 20261121u})
            QTest::addRow("seed %u", seed) << seed;
    }

    void randomOperationsReplicateExactly()
    {
        QFETCH(quint32, seed);
        const Registry::Options options{120'000, 60'000, 10'000};
        Registry main(options);
        Registry backup(options);
        Recorder recorder;
        main.setJournal(&recorder);
        Driver driver{QRandomGenerator(seed), main, 0};
        // A late backup starts from a snapshot, then follows the same deltas.
        Registry late(options);
        Recorder lateJournal; // set on the late backup: importing must record nothing
        late.setJournal(&lateJournal);
        bool lateJoined = false;
        int leases = 0;
        int files = 0;

        for (int i = 0; i < 6'000; ++i) {
            const char* op = driver.step();
            // Ship after one to four calls, or (now and then) after dozens: coalescing must not
            // lose anything.
            if (driver.rng.bounded(i % 1'000 < 200 ? 40 : 4) != 0 && i != 5'999)
                continue;
            QList<Registry*> backups{&backup};
            if (lateJoined)
                backups << &late;
            recorder.ship(main, backups, driver.now);
            if (!sameState(main, backup, driver.now))
                QFAIL(qPrintable(
                    QStringLiteral("diverged after step %1 (%2)").arg(i).arg(QLatin1String(op))));
            if (lateJoined)
                QVERIFY2(sameState(main, late, driver.now), op);
            if (!lateJoined && i >= 2'000) {
                late.restore(main.snapshot(driver.now), driver.now);
                lateJoined = true;
                QVERIFY(sameState(main, late, driver.now));
            }
            leases = std::max(leases, main.leaseCount());
            files = std::max(files, main.fileCount());

            // Now and then the backup runs the same deterministic call itself, as it would
            // after a failover: it must do exactly what the main does (leases, deadlines).
            if (driver.rng.bounded(8) == 0) {
                const QByteArray asker = driver.somePeer();
                const QByteArray hash = driver.someHash();
                const qint64 later = driver.now + driver.rng.bounded(50'000);
                QList<quint64> ids;
                for (const auto& lease : main.snapshot(driver.now).leases) {
                    if (driver.rng.bounded(2) == 0)
                        ids << lease.id;
                }
                switch (driver.rng.bounded(3)) {
                case 0:
                    (void)main.completeTransfer(asker, hash, ids, driver.now);
                    (void)backup.completeTransfer(asker, hash, ids, driver.now);
                    break;
                case 1:
                    (void)main.heartbeat(asker, {hash}, driver.now);
                    (void)backup.heartbeat(asker, {hash}, driver.now);
                    break;
                default:
                    QCOMPARE(backup.expire(later), main.expire(later));
                    driver.now = later;
                    break;
                }
                QVERIFY(sameState(main, backup, driver.now));
            }
        }
        QCOMPARE(recorder.refusedLeases, 0);
        QCOMPARE(lateJournal.calls, 0);
        QVERIFY(recorder.calls > 0);
        // The run was not trivial.
        QVERIFY(leases >= 3);
        QVERIFY(main.nextLeaseId() > 100);
        QVERIFY(files >= 3);

        // Deadlines were placed in order: expiring step by step drops the same on all three.
        recorder.ship(main, {&backup, &late}, driver.now);
        for (qint64 t = driver.now; main.peerCount() > 0 || main.leaseCount() > 0; t += 1'000) {
            const int dropped = main.expire(t);
            QCOMPARE(backup.expire(t), dropped);
            QCOMPARE(late.expire(t), dropped);
            QVERIFY(sameState(main, backup, t));
            QVERIFY(sameState(main, late, t));
        }
    }

    void restoreCopiesEverything()
    {
        Registry main = makeRegistry();
        main.registerPeer(peer("S", 3), {file("F"), file("G", false, QByteArray(1, '\x80'))}, 0);
        main.registerPeer(peer("X"), {file("F", false)}, 1'000);
        main.announce(peer("T"), "H", false, Registry::AnnounceEvent::Started, 0, 2'000);
        main.announce(peer("U"), "H", true, Registry::AnnounceEvent::Completed, 0, 2'500);
        QCOMPARE(main.leaseIdlePeers("X", "F", 1, 3'000)->size(), 1);
        const Registry::Snapshot snapshot = main.snapshot(5'000);
        QCOMPARE(snapshot.files.size(), 3);
        QCOMPARE(snapshot.peers.size(), 4);
        QCOMPARE(snapshot.leases.size(), 1);
        QCOMPARE(snapshot.nextLeaseId, 2u);
        QCOMPARE(snapshot.peers[0].info.peerId, QByteArray("S")); // sorted by key
        QCOMPARE(snapshot.peers[0].idleMs, qint64(5'000));
        QCOMPARE(snapshot.leases[0].remainingMs, 3'000 + kTtl - 5'000);

        // Another clock: durations carry over, absolute times do not.
        Registry backup = makeRegistry();
        backup.registerPeer(peer("stale"), {file("old")}, 0);
        backup.restore(snapshot, 1'000'000);
        QCOMPARE(backup.snapshot(1'000'000), snapshot);
        QVERIFY(!backup.hasPeer("stale"));
        QVERIFY(!backup.hasFile("old"));
        QCOMPARE(backup.fileStats("H").completed, 1u);
        QCOMPARE(backup.availability("G"), main.availability("G"));
        QCOMPARE(backup.activeLeases("S"), 1);
        restoreTwiceIsIdempotent(backup, snapshot);
    }

    void importedLeasesWorkAfterFailover()
    {
        Registry main = makeRegistry();
        Registry backup = makeRegistry();
        Recorder recorder;
        main.setJournal(&recorder);
        main.registerPeer(peer("S1", 1), {file("F")}, 0);
        main.registerPeer(peer("S2", 1), {file("F")}, 0);
        main.registerPeer(peer("X"), {file("F", false)}, 0);
        main.registerPeer(peer("Y"), {file("F", false)}, 0);
        const auto grants = main.leaseIdlePeers("X", "F", 2, 10);
        QCOMPARE(grants->size(), 2);
        recorder.ship(main, {&backup}, 20);
        QVERIFY(sameState(main, backup, 20));

        // The backup takes over: both slots are busy, X's heartbeats renew its leases, and
        // new leases do not reuse ids.
        QCOMPARE(backup.activeLeases("S1"), 1);
        QCOMPARE(backup.leaseIdlePeers("Y", "F", 5, 30)->size(), 0);
        for (const char* id : {"X", "Y", "S1", "S2"})
            QVERIFY(backup.heartbeat(id, {}, 60'000).ok());
        backup.expire(10 + kTtl);
        QCOMPARE(backup.leaseCount(), 2);
        QList<quint64> ids;
        for (const auto& grant : *grants)
            ids << grant.leaseId;
        QCOMPARE(*backup.completeTransfer("X", "F", ids, 70'000), 2);
        QCOMPARE(backup.leaseCount(), 0);
        QCOMPARE(backup.fileStats("F").completed, 1u);
        const auto next = backup.leaseIdlePeers("Y", "F", 1, 70'001);
        QCOMPARE(next->size(), 1);
        QVERIFY(!ids.contains(next->at(0).leaseId));
        QCOMPARE(next->at(0).leaseId, main.nextLeaseId());

        // A lease whose peer is unknown is refused, and nothing is left behind.
        QVERIFY(!backup.putLease({99, "S1", "nobody", "F", 1'000}, 0));
        QCOMPARE(backup.leaseCount(), 1);
        backup.setNextLeaseId(1); // never lowered
        QCOMPARE(backup.nextLeaseId(), main.nextLeaseId() + 1);
    }

    void importsKeepDeadlinesInOrder()
    {
        Registry backup({100, 1'000, 10'000});
        const auto state = [](const char* id, qint64 idle) {
            return Registry::PeerState{peer(id), idle, {file("F")}};
        };
        // Out of order on purpose: last seen at 90, 50, 70, 100, then B is refreshed to 95.
        backup.putPeer(state("A", 10), 100);
        backup.putPeer(state("B", 50), 100);
        backup.putPeer(state("C", 30), 100);
        backup.putPeer(state("D", 0), 100);
        backup.putPeer(state("E", 60), 100);
        backup.putPeer(state("E", 60), 100); // twice: idempotent
        QCOMPARE(backup.peerCount(), 5);
        backup.putPeer(state("B", 5), 100);
        // Leases end at 1'100, 300, 700, 500.
        QVERIFY(backup.putLease({1, "A", "D", "F", 1'000}, 100));
        QVERIFY(backup.putLease({2, "B", "D", "F", 200}, 100));
        QVERIFY(backup.putLease({3, "C", "D", "F", 600}, 100));
        QVERIFY(backup.putLease({4, "C", "A", "F", 400}, 100));
        QVERIFY(backup.putLease({4, "C", "A", "F", 400}, 100));
        QCOMPARE(backup.nextLeaseId(), 5u);
        QCOMPARE(backup.activeLeases("C"), 2);

        const auto peers = [&backup] {
            QByteArray out;
            for (const char* id : {"A", "B", "C", "D", "E"})
                out += backup.hasPeer(id) ? id : "";
            return out;
        };
        QCOMPARE(backup.expire(139), 0);
        QCOMPARE(backup.expire(140), 1); // E, last seen at 40
        QCOMPARE(peers(), QByteArray("ABCD"));
        QCOMPARE(backup.leaseCount(), 4); // E held none
        QCOMPARE(backup.expire(169), 0);
        QCOMPARE(backup.expire(170), 1); // C, with leases 3 and 4
        QCOMPARE(peers(), QByteArray("ABD"));
        QCOMPARE(backup.leaseCount(), 2);
        QCOMPARE(backup.expire(190), 1);
        QCOMPARE(peers(), QByteArray("BD"));
        QCOMPARE(backup.expire(195), 1); // B, refreshed to 95
        QCOMPARE(peers(), QByteArray("D"));
    }

    void importedLeaseDeadlinesStayInOrder()
    {
        Registry backup({1'000'000, 1'000, 10'000});
        backup.putPeer({peer("S", 9), 0, {file("F")}}, 0);
        backup.putPeer({peer("X"), 0, {file("F", false)}}, 0);
        // Leases end at 1'100, 300, 700, 500; then lease 2 is renewed to end at 1'000.
        QVERIFY(backup.putLease({1, "S", "X", "F", 1'000}, 100));
        QVERIFY(backup.putLease({2, "S", "X", "F", 200}, 100));
        QVERIFY(backup.putLease({3, "S", "X", "F", 600}, 100));
        QVERIFY(backup.putLease({4, "S", "X", "F", 400}, 100));
        QVERIFY(backup.putLease({4, "S", "X", "F", 400}, 100)); // twice: idempotent
        QVERIFY(backup.putLease({2, "S", "X", "F", 900}, 100));
        QCOMPARE(backup.nextLeaseId(), 5u);
        QCOMPARE(backup.activeLeases("S"), 4);
        const auto leases = [&backup] {
            QList<quint64> out;
            for (const auto& lease : backup.snapshot(0).leases)
                out << lease.id;
            return out;
        };
        backup.expire(499);
        QCOMPARE(leases(), (QList<quint64>{1, 2, 3, 4}));
        backup.expire(500);
        QCOMPARE(leases(), (QList<quint64>{1, 2, 3}));
        backup.expire(700);
        QCOMPARE(leases(), (QList<quint64>{1, 2}));
        backup.expire(999);
        QCOMPARE(leases(), (QList<quint64>{1, 2}));
        backup.expire(1'000);
        QCOMPARE(leases(), QList<quint64>{1});
        backup.dropLease(1);
        backup.dropLease(1);
        QCOMPARE(backup.leaseCount(), 0);
        QCOMPARE(backup.activeLeases("S"), 0);
    }

    void importsTellTheListenerButNotTheJournal()
    {
        Registry backup = makeRegistry();
        Recorder journal;
        backup.setJournal(&journal);
        backup.setListener(this);
        events.clear();
        backup.putPeer({peer("A"), 0, {file("F"), file("G", false)}}, 0);
        QCOMPARE(events.count(QStringLiteral("joined A")), 1);
        QVERIFY(events.contains(QStringLiteral("swarm F")));
        QVERIFY(events.contains(QStringLiteral("swarm G")));
        events.clear();
        backup.putPeer({peer("A"), 5, {file("F"), file("G", false)}}, 10); // nothing new
        QVERIFY(events.isEmpty());
        backup.putPeer({peer("A"), 0, {file("G")}}, 10); // F dropped, G completed
        QCOMPARE(events, (QStringList{QStringLiteral("swarm F"), QStringLiteral("swarm G")}));
        QVERIFY(!backup.hasFile("F"));
        events.clear();
        backup.putFile({{"G", QStringLiteral("G"), 100, 16384, 8}, 3});
        QCOMPARE(events, QStringList{QStringLiteral("swarm G")});
        QCOMPARE(backup.fileStats("G").completed, 3u);
        events.clear();
        backup.dropPeer("A");
        QVERIFY(events.contains(QStringLiteral("left A")));
        QVERIFY(!backup.hasFile("G"));
        backup.putPeer({peer("B"), 0, {file("H")}}, 10);
        events.clear();
        Registry::Snapshot snapshot;
        snapshot.peers << Registry::PeerState{peer("C"), 0, {file("H")}};
        snapshot.nextLeaseId = 7;
        backup.restore(snapshot, 20);
        QVERIFY(events.contains(QStringLiteral("left B")));
        QVERIFY(events.contains(QStringLiteral("joined C")));
        QVERIFY(events.contains(QStringLiteral("swarm H")));
        QCOMPARE(backup.nextLeaseId(), 7u);
        QCOMPARE(journal.calls, 0);
        // The backup's own calls are recorded (after a failover it feeds a backup of its own).
        QVERIFY(backup.heartbeat("C", {}, 30).ok());
        QCOMPARE(journal.peers, QSet<QByteArray>{"C"});
        backup.clear();
        QCOMPARE(backup.peerCount(), 0);
        QCOMPARE(backup.fileCount(), 0);
        QCOMPARE(backup.nextLeaseId(), 1u);
    }

    void journalReportsEveryChange()
    {
        Registry main = makeRegistry();
        Recorder journal;
        main.setJournal(&journal);
        main.registerPeer(peer("S", 2), {file("F")}, 0);
        main.registerPeer(peer("X"), {file("F", false)}, 0);
        QCOMPARE(journal.peers, (QSet<QByteArray>{"S", "X"}));
        QCOMPARE(journal.files, QSet<QByteArray>{"F"});
        journal = Recorder();
        const auto grants = main.leaseIdlePeers("X", "F", 1, 10);
        QCOMPARE(journal.peers, QSet<QByteArray>{"X"}); // touched
        QCOMPARE(journal.leases, QSet<quint64>{grants->at(0).leaseId});
        journal = Recorder();
        QVERIFY(main.heartbeat("X", {}, 20).ok()); // renews the lease
        QCOMPARE(journal.leases, QSet<quint64>{grants->at(0).leaseId});
        journal = Recorder();
        QCOMPARE(*main.completeTransfer("X", "F", {grants->at(0).leaseId}, 30), 1);
        QCOMPARE(journal.leases, QSet<quint64>{grants->at(0).leaseId});
        QCOMPARE(journal.files, QSet<QByteArray>{"F"}); // completed counter
        journal = Recorder();
        QCOMPARE(main.leaseIdlePeers("S", "nothing", 1, 40).error().code,
                 QStringLiteral("not_found"));
        QCOMPARE(journal.peers, QSet<QByteArray>{"S"}); // touched all the same
        journal = Recorder();
        main.announce(peer("T"), "F", true, Registry::AnnounceEvent::Stopped, 0, 50);
        QCOMPARE(journal.peers, QSet<QByteArray>{"T"}); // came and went
        QVERIFY(!main.exportPeer("T", 50));
        journal = Recorder();
        QCOMPARE(main.expire(kTimeout + 40), 2);
        QCOMPARE(journal.peers, (QSet<QByteArray>{"S", "X"}));
        QCOMPARE(journal.files, QSet<QByteArray>{"F"}); // gone
        QVERIFY(!main.exportFile("F"));
    }

    void manyPeersAndFilesStayConsistent()
    {
        // 20k peers over 2k files, every operation mixed, then everyone falls silent.
        Registry registry = makeRegistry();
        for (int i = 0; i < 20'000; ++i) {
            const QByteArray id = "P" + QByteArray::number(i);
            const QByteArray hash = "F" + QByteArray::number(i % 2000);
            registry.registerPeer({id, QHostAddress(QHostAddress::LocalHost), quint16(i), 2, 0},
                                  {{{hash, QString(), 1, 16384, 1}, i % 3 != 0, {}}}, i);
        }
        QCOMPARE(registry.peerCount(), 20'000);
        QCOMPARE(registry.fileCount(), 2000);
        int granted = 0;
        for (int i = 0; i < 20'000; i += 3) {
            const auto grants = registry.leaseIdlePeers(
                "P" + QByteArray::number(i), "F" + QByteArray::number(i % 2000), 4, 20'000);
            QVERIFY(grants.ok());
            granted += int(grants->size());
        }
        QCOMPARE(registry.leaseCount(), granted);
        QCOMPARE(registry.expire(20'000 + kTimeout + kTtl), 20'000);
        QCOMPARE(registry.peerCount(), 0);
        QCOMPARE(registry.fileCount(), 0);
        QCOMPARE(registry.leaseCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSwarmRegistry)
#include "tst_swarmregistry.moc"
