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
// deadline, because every refresh pushes the deadline to the end).
//
// Time is passed in (milliseconds, any monotonic origin) so that tests drive it.
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
    };

    struct FileInfo {
        QByteArray infoHash; // 20 bytes
        QString name;
        qint64 size = 0;
        qint64 pieceLength = 0;
        int pieceCount = 0;
    };

    struct Holding {
        FileInfo file;
        bool complete = false;
        QByteArray have; // wire bitfield of the pieces held, when !complete (may be empty)
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

    explicit SwarmRegistry(Options options);
    ~SwarmRegistry();

    void setListener(Listener* listener) { m_listener = listener; }
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
    void dropPeer(Peer& peer);
    void touch(Peer& peer, qint64 now);
    void notifySwarm(const QByteArray& infoHash);

    Options m_options;
    Listener* m_listener = nullptr;
    QHash<QByteArray, Peer*> m_peers;
    QHash<QByteArray, File*> m_files;
    QHash<quint64, Lease*> m_leases;
    std::list<Peer*> m_peersBySeen;  // oldest heartbeat first
    std::list<Lease*> m_leasesByEnd; // earliest expiry first
    quint64 m_nextLeaseId = 1;
};

} // namespace swarmshare::tracker
