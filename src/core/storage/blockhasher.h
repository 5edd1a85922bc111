// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/sha1.h"
#include "storage/diskworker.h"

#include <QByteArray>
#include <QObject>

#include <atomic>
#include <memory>
#include <unordered_map>

namespace swarmshare::storage {

// Hashes the pieces being downloaded, block by block in order, on its own thread, so that the
// disk thread only writes: at 1 GB/s SHA-1 alone takes most of a core. A DiskWorker feeds it each
// block of a piece in order (the engine's own buffer when the block arrived in order, a read-back
// copy otherwise) and gets the digest once the last block is in. Jobs are keyed by a token the
// worker picks for each attempt at a piece, so the answer to an abandoned attempt is recognised
// and dropped. Like DiskWorker it is only called through queued calls on its own thread.
class BlockHasher : public QObject {
    Q_OBJECT

public:
    // Bytes of the blocks are subtracted from `heldBytes` once hashed (the worker added them).
    explicit BlockHasher(std::shared_ptr<std::atomic<qint64>> heldBytes);
    ~BlockHasher() override;

    void addBlocks(const QList<swarmshare::storage::HashJob>& jobs);
    void forget(quint64 token);
    void forgetAll();

signals:
    void pieceHashed(quint64 token, int piece, const QByteArray& digest);

private:
    void addBlock(quint64 token, int piece, const QByteArray& block, bool last);

    std::shared_ptr<std::atomic<qint64>> m_heldBytes;
    std::unordered_map<quint64, std::unique_ptr<Sha1>> m_jobs;
};

} // namespace swarmshare::storage
