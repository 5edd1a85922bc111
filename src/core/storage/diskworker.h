// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"
#include "common/result.h"
#include "storage/filecache.h"
#include "storage/filelayout.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>
#include <unordered_map>

class QThread;
class QThreadPool;

namespace swarmshare::storage {

class PieceChecker;

// Blocks cross between the threads in batches: one queued call per batch instead of one per 16 KiB
// block, since at 1 GB/s the wake-ups of a call per block cost more than the copies.
struct BlockWrite {
    int piece = 0;
    int offset = 0;
    QByteArray data;
};
struct BlockReadRequest {
    quint64 tag = 0;
    int piece = 0;
    int offset = 0;
    int length = 0;
};
// A block read for seeding. `data` may be a view (QByteArray::fromRawData) into a read-only
// mapping of the file, which `mapping` keeps alive; it is null when `data` owns its bytes.
// SAFETY: the bytes of a mapped block may only be handed to the kernel (PeerConnection's sendmsg
// copies them), never read by user-space code: another program may truncate the file at any
// time, and a read of a page past its new end raises SIGBUS, which kills the app (the kernel's
// copy fails with EFAULT instead). Pass them on, count them, never look at them (no data(),
// comparison, hash or copy). See FileCache::map().
struct BlockData {
    quint64 tag = 0;
    int piece = 0;
    int offset = 0;
    QByteArray data;
    std::shared_ptr<const void> mapping;
};
struct HashJob {
    quint64 token = 0;
    int piece = 0;
    QByteArray block;
    bool last = false;
};

struct StorageOptions {
    QString downloadDir;              // the torrent's files are created under it
    QString resumePath;               // "" = no resume data
    int maxOpenFiles = 32;            // per torrent (Transmission's default, libtorrent's is 40)
    int resumeSaveIntervalMs = 60000; // periodic save while something changed; 0 = on request
    QThreadPool* hashPool = nullptr;  // checks hash on it; nullptr = QThreadPool::globalInstance()
    QThread* hashThread = nullptr;    // downloads hash on it (BlockHasher); nullptr = disk thread
};

// The disk side of a PieceStorage: lives on the disk thread and is only ever called there,
// through queued calls that PieceStorage posts. It owns the file handles, the pieces being
// downloaded and the authoritative have-bitfield; it answers with signals. The SHA-1 of a piece
// being downloaded is computed by a BlockHasher, which it feeds through the hash* signals.
// Not meant to be used directly: see PieceStorage.
class DiskWorker : public QObject {
    Q_OBJECT

public:
    DiskWorker(FileLayout layout, QByteArray pieceHashes, StorageOptions options,
               std::shared_ptr<std::atomic<qint64>> pendingWriteBytes);
    ~DiskWorker() override;

    void open(quint64 checkId);
    void recheck(quint64 checkId);
    void cancelCheck();
    void writeBlocks(const QList<swarmshare::storage::BlockWrite>& writes);
    void readBlocks(const QList<swarmshare::storage::BlockReadRequest>& reads);
    void saveResumeData(bool onlyIfChanged);
    void clearError();
    void onPieceHashed(quint64 token, int piece, const QByteArray& digest);

signals:
    void checkProgressed(int done, int total);
    void checkFinished(quint64 checkId, const swarmshare::Bitfield& have, int piecesHashed,
                       bool cancelled);
    void pieceVerified(int piece, bool ok);
    void blocksRead(const QList<swarmshare::storage::BlockData>& blocks);
    void blockReadFailed(quint64 tag, int piece, int offset);
    void failed(const QString& message);
    void resumeDataSaved(bool ok);
    // To the BlockHasher: the blocks of pieces in order, `last` on a piece's final one.
    void hashBlocks(const QList<swarmshare::storage::HashJob>& jobs);
    void forgetHash(quint64 token);
    void forgetAllHashes();

private:
    // A piece being downloaded. A block written at the hash cursor goes to the hasher in the
    // buffer it came in, so a piece that arrives in order is never read back. A block that
    // arrives early (several peers share a piece's blocks) is kept in memory too, up to
    // kMaxEarlyBytes over all pieces, and goes to the hasher when the cursor gets to it; past
    // that limit it is read back from disk (the page cache) then.
    struct PartialPiece {
        Bitfield written;
        qint64 fed = 0;                            // the hash cursor: bytes handed to the hasher
        quint64 token = 0;                         // this attempt's job at the hasher
        std::unordered_map<int, QByteArray> early; // by offset: written, not fed yet
    };
    // Not counted in the engine's pending bytes: the blocks the cursor waits for may have to be
    // requested again, which that limit would hold back.
    static constexpr qint64 kMaxEarlyBytes = 4 * 1024 * 1024;

    // Writes are gathered in runs of blocks that are contiguous in one file, each run written
    // with one system call (a block that spans files is written on its own).
    struct WriteRun {
        int file = -1;
        qint64 start = 0;
        qint64 end = 0;
        QList<const BlockWrite*> blocks;
    };
    // Likewise for reads: requests contiguous in one file are answered with one mapping (views
    // into the page cache, no copy) or, where mapping is not possible, read with one call.
    struct ReadRun {
        int file = -1;
        qint64 start = 0;
        qint64 end = 0;
        QList<BlockReadRequest> blocks;
    };
    // 128 KiB per call: measured on ext4 (Linux 6.18), the disk thread spends about half as much
    // per GiB as with one call per block, while runs of 1 MiB cost twice as much again (the
    // blocks no longer sit in the CPU's cache when the kernel copies them).
    static constexpr int kMaxRunBlocks = 8;
    static_assert(kMaxRunBlocks * FileLayout::kBlockSize <= FileCache::kMapWindowBytes);

    void writeRun(WriteRun& run);
    void blockWritten(int piece, int offset, const QByteArray& data);
    void readRun(ReadRun& run, QList<BlockData>& out);
    std::optional<BlockData> readBlock(const BlockReadRequest& request);
    void flushHashes();
    void startCheck(QList<int> pieces, quint64 checkId);
    void finishCheck(quint64 generation);
    void fail(const Error& error);
    bool accepting() const;
    Result<void> writeSpans(int piece, int offset, const QByteArray& data);
    Result<void> readExact(int piece, qint64 offset, char* data, qint64 length);
    PartialPiece& partialPiece(int piece);
    void feed(int piece, PartialPiece& partial, const QByteArray& block);
    Result<void> feedWrittenBlocks(int piece, PartialPiece& partial);
    void erasePartial(int piece);
    void save();

    FileLayout m_layout;
    QByteArray m_hashes;
    StorageOptions m_options;
    std::shared_ptr<std::atomic<qint64>> m_pendingWriteBytes;
    FileCache m_files;
    Bitfield m_have;
    std::unordered_map<int, std::unique_ptr<PartialPiece>> m_partial;
    qint64 m_earlyBytes = 0; // held in PartialPiece::early over all pieces
    std::unique_ptr<PieceChecker> m_checker;
    quint64 m_checkGeneration = 0; // tells a finished check from one that was replaced
    quint64 m_checkId = 0;         // the caller's id of the running check, echoed back
    quint64 m_nextToken = 0;
    QList<HashJob> m_hashBatch; // fed, not yet handed to the hasher
    bool m_opened = false;
    bool m_failed = false;
    bool m_dirty = false; // have or file contents changed since the last save
    bool m_emptyFilesCreated = false;
};

} // namespace swarmshare::storage

Q_DECLARE_METATYPE(swarmshare::storage::BlockWrite)
Q_DECLARE_METATYPE(swarmshare::storage::BlockReadRequest)
Q_DECLARE_METATYPE(swarmshare::storage::BlockData)
Q_DECLARE_METATYPE(swarmshare::storage::HashJob)
