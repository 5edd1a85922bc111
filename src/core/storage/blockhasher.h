// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/sha1.h"
#include "storage/diskworker.h"

#include <QByteArray>
#include <QObject>

#include <atomic>
#include <deque>
#include <memory>
#include <unordered_map>

namespace swarmshare::storage {

// Hashes the pieces being downloaded, block by block in order, on its own thread, so that the
// disk thread only writes: at 1 GB/s SHA-1 alone takes most of a core. A DiskWorker feeds it each
// block of a piece in order (the engine's own buffer when the block arrived in order, a read-back
// copy otherwise) and gets the digest once the last block is in. Jobs are keyed by a token the
// worker picks for each attempt at a piece, so the answer to an abandoned attempt is recognised
// and dropped. Like DiskWorker it is only called through queued calls on its own thread.
//
// Blocks are queued per piece and hashed once the calls already waiting in the thread's event
// queue are in, up to Sha1::kMaxLanes pieces side by side (Sha1::addData over several messages):
// when the hasher falls behind, the blocks waiting belong to several pieces, and hashing them
// together is twice as fast as one after the other.
class BlockHasher : public QObject {
    Q_OBJECT

public:
    // Bytes of the blocks are subtracted from `heldBytes` once hashed or dropped (the worker
    // added them).
    explicit BlockHasher(std::shared_ptr<std::atomic<qint64>> heldBytes);
    ~BlockHasher() override;

    void addBlocks(const QList<swarmshare::storage::HashJob>& jobs);
    void forget(quint64 token);
    void forgetAll();

signals:
    void pieceHashed(quint64 token, int piece, const QByteArray& digest);

private:
    struct Job {
        int piece = 0;
        Sha1 sha;
        std::deque<QByteArray> blocks; // waiting to be hashed, in order
        bool lastQueued = false;       // the piece's last block is among them
    };

    void hashQueued();
    void drop(Job& job);

    std::shared_ptr<std::atomic<qint64>> m_heldBytes;
    std::unordered_map<quint64, Job> m_jobs;
    bool m_hashPosted = false;
};

} // namespace swarmshare::storage
