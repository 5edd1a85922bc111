// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QString>

#include <list>
#include <memory>
#include <optional>
#include <vector>

namespace swarmshare::tracker {

// The live state of the tracker, in memory: who is online, which files each peer holds or is
// fetching, and the upload-slot leases handed out by /get_n_file_idle_peers (seed A: spread the
// load over idle peers). Nothing here touches the disk; restart-safe data lives in the Store.
//
// Costs, for the 100k peers / 10k files the tracker is sized for: every call is O(1) hash
// look-ups plus work proportional to its own arguments, except leaseIdlePeers(), which is linear
// in the holders of the one file asked for (a partial sort picks the least loaded), and
// expire(), which only looks at what has expired (peers and leases sit in lists ordered by
// deadline, because every refresh pushes the deadline to the end). Imports (putPeer, putLease)
// place a deadline by walking from the back, which is O(1) for the usual delta (just
// refreshed); restore() sorts first, O(n log n).
//
// Time is passed in (milliseconds, any monotonic origin) so that tests drive it.
//
// Replication to a backup tracker ships state, not calls: the Journal names every object a
// mutating call changed, the main exports those objects (export*) after the call and the
// backup puts them into its own registry (put*, dropPeer, dropLease). Deltas are idempotent,
// so a recorder may coalesce them and a backup may see one twice. Times travel as durations
// (idleMs, remainingMs) because the two trackers' monotonic clocks share no origin.
class SwarmRegistry {
public:
    struct Options {
        qint64 peerTimeoutMs = 90'000; // 3 x the heartbeat interval
        qint64 leaseTtlMs = 120'000;
        int maxFilesPerPeer = 10'000;
    };

    struct PeerInfo {
        QByteArray peerId; // 20 bytes
        QHostAddress address;
        quint16 port = 0;
        int uploadSlots = 4;
        qint64 accountId = 0;

        bool operator==(const PeerInfo&) const = default;
    };

    struct FileInfo {
        QByteArray infoHash; // 20 bytes
        QString name;
        qint64 size = 0;
        qint64 pieceLength = 0;
        int pieceCount = 0;

        bool operator==(const FileInfo&) const = default;
    };

    struct Holding {
        FileInfo file;
        bool complete = false;
        QByteArray have; // wire bitfield of the pieces held, when !complete (may be empty)

        bool operator==(const Holding&) const = default;
    };

    // Replication state: one object's whole state, as exported by the main and put into the
    // backup. Lists come sorted by key, so that two registries in the same state export equal
    // values.
    struct PeerState {
        PeerInfo info;
        qint64 idleMs = 0;       // now - last heard from, at export time
        QList<Holding> holdings; // by info-hash; `have` only for partial holders
        bool operator==(const PeerState&) const = default;
    };
    struct LeaseState {
        quint64 id = 0;
        QByteArray holderId; // the peer whose upload slot is leased
        QByteArray askerId;
        QByteArray infoHash;
        qint64 remainingMs = 0; // time to expiry at export time (<= 0: due)
        bool operator==(const LeaseState&) const = default;
    };
    struct FileState {
        FileInfo info;
        quint64 completed = 0;
        bool operator==(const FileState&) const = default;
    };
    struct Snapshot {
        QList<FileState> files;   // by info-hash
        QList<PeerState> peers;   // by peer id
        QList<LeaseState> leases; // by id
        quint64 nextLeaseId = 1;
        bool operator==(const Snapshot&) const = default;
    };

    struct Grant {
        QByteArray peerId;
        QHostAddress address;
        quint16 port = 0;
        quint64 leaseId = 0;
        bool complete = true;
    };

    struct FileStats {
        int seeders = 0;
        int leechers = 0;
        quint64 completed = 0; // downloads finished through this tracker since it started
    };

    // What changed, for the live feed. Called synchronously from the mutating call.
    class Listener {
    public:
        virtual ~Listener() = default;
        virtual void peerJoined(const PeerInfo& peer) = 0;
        virtual void peerLeft(const QByteArray& peerId) = 0;
        virtual void swarmChanged(const QByteArray& infoHash) = 0;
    };

    // What changed, for replication: called synchronously from every mutating call (the
    // object may still be mid-change, so export it after the call returns), never from the
    // import calls. A key may be reported more than once; coalesce, then export each key: an
    // export that finds nothing is a removal. fileChanged() also comes for a file that is gone
    // (the backup loses it the same way, with its last holder: no delta needed) and whenever a
    // file's holders change (a backup applying peer deltas one at a time may drop the file and
    // create it again, losing its counter, which the file's delta then puts back). Each new
    // lease is reported, which is when nextLeaseId() moves: ship that with the deltas.
    class Journal {
    public:
        virtual ~Journal() = default;
        virtual void peerChanged(const QByteArray& peerId) = 0;
        virtual void peerRemoved(const QByteArray& peerId) = 0;
        virtual void leaseChanged(quint64 id) = 0;
        virtual void leaseRemoved(quint64 id) = 0;
        virtual void fileChanged(const QByteArray& infoHash) = 0;
    };

    explicit SwarmRegistry(Options options);
    ~SwarmRegistry();

    void setListener(Listener* listener) { m_listener = listener; }
    void setJournal(Journal* journal) { m_journal = journal; }
    const Options& options() const { return m_options; }

    // /register: (re)announces a peer and everything it shares or fetches; replaces the peer's
    // previous list. Returns the files the registry did not know before (or knew only by hash,
    // from /announce).
    QList<FileInfo> registerPeer(const PeerInfo& peer, const QList<Holding>& holdings, qint64 now);
    // /heartbeat: keeps the peer alive, and the leases it holds as an asker for files it is
    // still fetching. `nowComplete` lists files it now holds completely. Error code
    // "unknown_peer" when it was dropped.
    Result<void> heartbeat(const QByteArray& peerId, const QList<QByteArray>& nowComplete,
                           qint64 now);
    // /get_n_file_idle_peers: up to `n` holders of the file with a free upload slot, least
    // loaded first, never the asker; each gets a lease on one slot. Errors: "unknown_peer",
    // "not_found" (nobody has announced the file).
    Result<QList<Grant>> leaseIdlePeers(const QByteArray& askerId, const QByteArray& infoHash,
                                        int n, qint64 now);
    // /complete_transfer: releases the asker's leases and records it as a holder of the file.
    // Lease ids that are unknown or not the asker's are ignored (they may have expired).
    Result<int> completeTransfer(const QByteArray& askerId, const QByteArray& infoHash,
                                 const QList<quint64>& leaseIds, qint64 now);
    // BEP 3 /announce from a standard BitTorrent client (or a Swarmshare peer without an
    // account): adds or updates this one holding, leaving the peer's others alone; "stopped"
    // removes it (and the peer when nothing is left). Returns up to `numWant` other peers of the
    // swarm, a window starting at a random place. The pointers stay valid until the registry
    // is next changed.
    enum class AnnounceEvent { None, Started, Completed, Stopped };
    std::vector<const PeerInfo*> announce(const PeerInfo& peer, const QByteArray& infoHash,
                                          bool complete, AnnounceEvent event, int numWant,
                                          qint64 now);
    void removePeer(const QByteArray& peerId);
    // Drops peers silent for longer than peerTimeoutMs (with their leases) and leases past
    // their TTL. Returns how many peers were dropped.
    int expire(qint64 now);

    bool hasPeer(const QByteArray& peerId) const;
    // The account a registered peer belongs to (0 for /announce peers), without a copy.
    std::optional<qint64> accountOf(const QByteArray& peerId) const;
    bool hasFile(const QByteArray& infoHash) const;
    FileStats fileStats(const QByteArray& infoHash) const;
    std::optional<FileInfo> fileInfo(const QByteArray& infoHash) const;
    // Active leases on the peer's upload slots.
    int activeLeases(const QByteArray& peerId) const;
    // How many peers hold each piece (complete holders count for every piece).
    QList<int> availability(const QByteArray& infoHash) const;

    // Replication, main side: the current state of one object (nullopt: it is gone), or of
    // everything. snapshot() is linear and sorts; the others cost the object's own size.
    std::optional<PeerState> exportPeer(const QByteArray& peerId, qint64 now) const;
    std::optional<LeaseState> exportLease(quint64 id, qint64 now) const;
    std::optional<FileState> exportFile(const QByteArray& infoHash) const;
    Snapshot snapshot(qint64 now) const;
    quint64 nextLeaseId() const { return m_nextLeaseId; }

    // Replication, backup side. All idempotent; durations become deadlines on this clock;
    // the Listener hears joins, leaves and swarm changes (the live feed keeps working after a
    // failover), the Journal hears nothing. Apply a batch of deltas in this order: peers (put
    // or dropPeer), then files, then leases, then setNextLeaseId(): a peer creates the files
    // it holds (so a file's counter must come after it) and a lease needs both its peers.
    //
    // Creates or updates a file's details and counter (a file nobody holds stays until a peer
    // holding it leaves).
    void putFile(const FileState& file);
    // Creates or replaces a peer and exactly its holdings, creating files as needed (detaching
    // from the others, which are dropped once nobody holds them). Its leases are left alone.
    void putPeer(const PeerState& peer, qint64 now);
    // Creates or replaces a lease by id. False (and nothing done) unless both peers exist.
    bool putLease(const LeaseState& lease, qint64 now);
    // removePeer() (its leases go with it) and releasing a lease, without the Journal: a
    // backup that records its own changes (to feed a backup of its own) must not record these.
    void dropPeer(const QByteArray& peerId);
    void dropLease(quint64 id);
    // Never lowers it: an id handed out once is never handed out again.
    void setNextLeaseId(quint64 id);
    // clear(), then puts everything.
    void restore(const Snapshot& snapshot, qint64 now);
    // Drops everything (telling the Listener who left) and resets the lease ids.
    void clear();

    int peerCount() const { return int(m_peers.size()); }
    int fileCount() const { return int(m_files.size()); }
    int leaseCount() const { return int(m_leases.size()); }

private:
    struct Peer;
    struct File;
    struct Lease;

    File& fileFor(const FileInfo& info, bool* created);
    void detachFrom(Peer& peer, const QByteArray& infoHash);
    // Records that `peer` now holds all of `file` (counted as completed if it was fetching).
    void becomeHolder(Peer& peer, File& file);
    void releaseLease(quint64 leaseId);
    void erasePeer(Peer& peer);
    void touch(Peer& peer, qint64 now);
    void notifySwarm(const QByteArray& infoHash);
    PeerState stateOf(const Peer& peer, qint64 now) const;
    LeaseState stateOf(const Lease& lease, qint64 now) const;
    void placePeer(Peer& peer);
    void placeLease(Lease& lease);

    Options m_options;
    Listener* m_listener = nullptr;
    Journal* m_journal = nullptr;
    QHash<QByteArray, Peer*> m_peers;
    QHash<QByteArray, File*> m_files;
    QHash<quint64, Lease*> m_leases;
    std::list<Peer*> m_peersBySeen;  // oldest heartbeat first
    std::list<Lease*> m_leasesByEnd; // earliest expiry first
    quint64 m_nextLeaseId = 1;
};

} // namespace swarmshare::tracker
