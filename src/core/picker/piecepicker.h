// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QVarLengthArray>

#include <set>
#include <unordered_map>
#include <vector>

namespace swarmshare::storage {
class FileLayout;
}

namespace swarmshare::picker {

// Per-piece download priority. A piece shared by several files takes the highest of theirs.
enum class Priority : quint8 { Skip = 0, Normal = 1, High = 2 };

// The priority of every piece from per-file priorities (missing entries count as Normal).
QList<Priority> piecePriorities(const storage::FileLayout& layout,
                                const QList<Priority>& filePriorities);

// One 16 KiB block to request: offset = block * FileLayout::kBlockSize, length =
// FileLayout::blockSize(piece, block).
struct BlockRequest {
    int piece = 0;
    int block = 0;
    friend bool operator==(const BlockRequest&, const BlockRequest&) = default;
};

// Whatever identifies a connection to the caller (a serial number, a pointer cast to integer).
using PeerHandle = quint64;

// Decides which blocks to request from which peer (DESIGN.md section 5):
//  1. partial pieces first, so that pieces complete, get verified and can be shared;
//  2. while fewer than randomFirstPieces() pieces are complete, a random piece: the rarest ones
//     are slow to get and we need something to trade quickly;
//  3. otherwise highest priority, then rarest (fewest peers), then a per-session random salt so
//     that clients don't all chase the same piece;
//  4. endgame: once every missing block is requested, duplicate requests for outstanding blocks
//     to other peers; blockReceived() lists the peers whose duplicate must be cancelled.
// It never picks a piece we have, a Skip piece, or a piece the peer lacks.
//
// The picker owns the state of blocks in flight (missing / requested by whom / received) for the
// pieces it has started ("active"); everything else it asks through the Mediator, so tests drive
// it with a fake and the Session wires it to Availability, file priorities and storage.
//
// Complexity (P pieces, A active pieces, B blocks per piece, k requests returned):
//  - candidates not yet started are kept in a std::set ordered by (priority, availability,
//    salt); availabilityChanged(piece) (a have) moves one piece in O(log P); a bulk change
//    (bitfield, disconnect, priorities) only marks the set stale, and the next pick rebuilds it
//    once in O(P log P), so bursts of connects cost one rebuild;
//  - pick: O(A log A + A * B) over partial pieces, then walks the ordered set from its front,
//    skipping pieces this peer lacks: O(k + skipped) (O(k) for a seeder, no full scan per block);
//  - blockReceived / releaseRequest: O(log) hash look-ups; releasePeer: O(its requests).
class PiecePicker {
public:
    class Mediator {
    public:
        virtual ~Mediator() = default;
        virtual int pieceCount() const = 0;
        virtual int blockCount(int piece) const = 0;
        // Verified and stored; asked once per reset(), pieceVerified() keeps the picker current.
        virtual bool clientHasPiece(int piece) const = 0;
        virtual Priority priority(int piece) const = 0;
        // How many connected peers have the piece (Availability::count).
        virtual int availability(int piece) const = 0;
        // Pieces partly on disk from an earlier session, and which of their blocks are there.
        // Asked on reset() only.
        virtual QList<int> partialPieces() const { return {}; }
        virtual bool clientHasBlock(int piece, int block) const
        {
            Q_UNUSED(piece);
            Q_UNUSED(block);
            return false;
        }
    };

    struct Received {
        bool accepted = false;      // new data to write; false for a duplicate or a bad index
        bool pieceComplete = false; // every block is here: hash it, then pieceVerified/Failed
        QList<PeerHandle> cancels;  // other peers that still have this block requested (endgame)
    };

    static constexpr int kDefaultRandomFirstPieces = 4;

    // `salt` fixes the random choices (tests pass a constant; the Session a random value).
    explicit PiecePicker(Mediator& mediator, quint64 salt);

    // Reads the torrent from the mediator again and forgets every request (start, recheck).
    void reset();
    void setRandomFirstPieces(int count) { m_randomFirstPieces = count; }
    int randomFirstPieces() const { return m_randomFirstPieces; }

    // Up to maxRequests new requests for a peer that has `peerHas`; they count as outstanding
    // for that peer until received, released, or the peer is released.
    QList<BlockRequest> pick(PeerHandle peer, const Bitfield& peerHas, int maxRequests);

    Received blockReceived(PeerHandle peer, int piece, int block);
    // A request timed out, was rejected (BEP 6) or cancelled by us: the block is missing again
    // unless another peer still has it requested.
    void releaseRequest(PeerHandle peer, int piece, int block);
    // The peer disconnected or choked us (a choke drops every pending request, BEP 3).
    void releasePeer(PeerHandle peer);

    void pieceVerified(int piece);
    // The hash check failed: all its blocks are missing again.
    void pieceFailed(int piece);

    // Notifications that keep the candidate order current.
    void availabilityChanged(int piece);
    void availabilityChanged();
    void prioritiesChanged();

    bool isEndgame();
    int completedPieces() const { return m_haveCount; }
    int activePieces() const { return int(m_active.size()); }
    int outstandingRequests(PeerHandle peer) const;
    bool isRequested(PeerHandle peer, int piece, int block) const;

private:
    struct Key {
        int rank = 0; // -priority: the std::set is ascending, high priority first
        int availability = 0;
        quint32 salt = 0;
        int piece = 0;
        friend auto operator<=>(const Key&, const Key&) = default;
    };

    enum class Block : quint8 { Missing, Requested, Received };

    struct ActivePiece {
        std::vector<Block> state;
        std::vector<QVarLengthArray<PeerHandle, 2>> requesters;
        int received = 0;
        int missing = 0;
        bool fromDisk = false; // keep it active even when nothing is in flight
    };

    Key keyOf(int piece) const;
    bool isWanted(int piece) const;
    void ensureCandidates();
    void insertCandidate(int piece);
    void eraseCandidate(int piece);
    ActivePiece& activate(int piece);
    void deactivateIfIdle(int piece);
    QList<int> orderedActive(const Bitfield& peerHas) const;
    bool takeMissing(PeerHandle peer, int piece, int maxRequests, QList<BlockRequest>& out);
    void pickFresh(PeerHandle peer, const Bitfield& peerHas, int maxRequests,
                   QList<BlockRequest>& out);
    void pickDuplicates(PeerHandle peer, const Bitfield& peerHas, int maxRequests,
                        QList<BlockRequest>& out);
    void addRequest(PeerHandle peer, int piece, int block, ActivePiece& active);
    void dropRequester(PeerHandle peer, int block, ActivePiece& active);
    static quint64 requestKey(int piece, int block)
    {
        return (quint64(quint32(piece)) << 32) | quint32(block);
    }

    Mediator& m_mediator;
    quint64 m_salt;
    int m_randomFirstPieces = kDefaultRandomFirstPieces;
    int m_pieceCount = 0;
    int m_haveCount = 0;
    std::vector<bool> m_have;
    std::vector<quint32> m_pieceSalt;
    std::vector<int> m_randomOrder; // pieces shuffled by an independent salt stream
    std::set<Key> m_candidates;     // wanted pieces not started yet, best first
    std::vector<Key> m_keys;        // the key each candidate was inserted with
    std::vector<bool> m_inCandidates;
    bool m_candidatesStale = true;
    std::unordered_map<int, ActivePiece> m_active;
    QHash<PeerHandle, QSet<quint64>> m_peerRequests;
};

} // namespace swarmshare::picker
