// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/swarmregistry.h"

#include <QTest>

using namespace swarmshare::tracker;
using Registry = SwarmRegistry;

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
