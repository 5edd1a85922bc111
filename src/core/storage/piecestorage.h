// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"
#include "storage/diskworker.h"
#include "storage/filelayout.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <atomic>
#include <memory>

class QThread;

namespace swarmshare::storage {

class BlockHasher;

// The pieces of one torrent on disk, as the peer engine sees them.
//
// Threading. A PieceStorage lives in the thread that creates it (the session thread) and is only
// called there; its signals arrive there too. Every disk access and every hash happens elsewhere:
// on a DiskWorker that PieceStorage moves to `diskThread` (one disk thread may serve many
// torrents; pass it in running, and destroy every storage before stopping it), on a BlockHasher
// that SHA-1s downloaded blocks as they are written (on options.hashThread, so that writing and
// hashing a 1 GB/s download take a core each) and, for checks, on a QThreadPool. Calls return at
// once: they validate their arguments synchronously, then post the work as a queued call; the
// result comes back as a queued signal. The have-bitfield, state and error are mirrored here, so
// the engine reads them without locks. Data crosses threads in implicitly shared QByteArrays: no
// copy. Blocks read for seeding are not even copied out of the page cache: they are views into a
// read-only mapping of the file, with a reference that keeps it mapped (see blockRead()).
//
// Lifecycle.
//   PieceStorage storage(layout, pieceHashes, options, &diskThread);
//   storage.open();            // Closed -> Checking: loads resume data, hashes only the pieces
//                              // of files that changed since it was saved (all of them without
//                              // usable resume data); checkFinished() -> Ready
//   storage.writeBlock(p, o, data);   // a downloaded 16 KiB block; once every block of piece p
//                                     // is written it is hashed: pieceVerified(p, ok)
//   storage.readBlock(p, o, n, tag);  // for seeding a verified piece:
//                                     // blockRead(tag, p, o, data, keepAlive)
//   storage.recheck();         // distrust everything and hash all pieces again
//   storage.saveResumeData();  // also done periodically while anything changed, after each
//                              // check, and when the storage is destroyed
//
// Files are sparse rather than preallocated: extending a file with ftruncate is instant and takes
// no space for pieces never downloaded (a partial selection of files, say), whereas
// posix_fallocate writes zeros on filesystems that cannot reserve space and Qt has no portable
// call for it; the price, a full disk noticed at write time rather than up front, is handled by
// the error state below. Each torrent keeps at most options.maxOpenFiles files open.
//
// Errors. Any disk error (no space, file too large, cannot create, cannot read, file deleted
// while in use) moves the storage to State::Error with a translated message (errorOccurred());
// further reads and writes are refused until clearError() (after the user fixed the cause) or
// recheck(). Verified pieces stay verified: have() and the resume data keep them.
class PieceStorage : public QObject {
    Q_OBJECT

public:
    enum class State { Closed, Checking, Ready, Error };
    Q_ENUM(State)
    using Options = StorageOptions;

    // `pieceHashes` is the 20-byte SHA-1 of each piece, concatenated (the metainfo's `pieces`).
    PieceStorage(FileLayout layout, QByteArray pieceHashes, Options options, QThread* diskThread,
                 QObject* parent = nullptr);
    ~PieceStorage() override;

    const FileLayout& layout() const { return m_layout; }
    State state() const { return m_state; }
    QString errorString() const { return m_errorString; }
    const Bitfield& have() const { return m_have; }
    // Bytes accepted by writeBlock() and not yet written and hashed: the engine stops reading
    // from peers while this is high. Safe to read from any thread.
    qint64 pendingWriteBytes() const
    {
        return m_pendingWriteBytes->load(std::memory_order_relaxed);
    }

    void open();
    void recheck();
    void cancelCheck();
    // Accepts a block of a piece not verified yet while Ready: `offset` on a 16 KiB boundary and
    // `data` exactly that block's length (see FileLayout::isValidBlock). Returns false and does
    // nothing otherwise. A block written twice is ignored the second time.
    bool writeBlock(int piece, int offset, QByteArray data);
    // Accepts a request of 1 to 16 KiB inside a verified piece while Ready; false otherwise.
    // `tag` comes back with the answer (a peer connection id, say).
    bool readBlock(int piece, int offset, int length, quint64 tag = 0);
    void saveResumeData();
    // Leaves the error state: files are reopened on next use.
    void clearError();

signals:
    void stateChanged(swarmshare::storage::PieceStorage::State state);
    // Pieces checked so far of those this check reads (about a hundred times per check).
    void checkProgressed(int done, int total);
    // After open() or recheck(): have() is up to date. `piecesHashed` counts the pieces read and
    // hashed from disk.
    void checkFinished(int piecesHashed, bool cancelled);
    void pieceVerified(int piece, bool ok);
    // A block asked for with readBlock(). `data` may point into a read-only mapping of the file
    // that only `keepAlive` keeps mapped: hold on to it for as long as `data` is used (null when
    // `data` owns its bytes).
    // SAFETY: such bytes may only be handed to the kernel (PeerConnection::sendPiece() with
    // `keepAlive`: sendmsg copies them), never read in user space: if another program truncates
    // the file, a read of a page past its new end raises SIGBUS and kills the app, whereas the
    // kernel's copy fails with EFAULT. Every receiver of this signal must keep to that (tests
    // may compare the bytes: nothing truncates their files).
    void blockRead(quint64 tag, int piece, int offset, const QByteArray& data,
                   const std::shared_ptr<const void>& keepAlive);
    void blockReadFailed(quint64 tag, int piece, int offset);
    void errorOccurred(const QString& message);
    void resumeDataSaved(bool ok);

private:
    template<typename Call>
    void post(Call&& call);
    void connectHasher();
    void startCheck(void (DiskWorker::*call)(quint64));
    void setState(State state);
    void scheduleFlush();
    void flushBatch();
    void onCheckFinished(quint64 checkId, const Bitfield& have, int piecesHashed, bool cancelled);
    void onPieceVerified(int piece, bool ok);
    void onFailed(const QString& message);

    FileLayout m_layout;
    std::shared_ptr<std::atomic<qint64>> m_pendingWriteBytes;
    DiskWorker* m_worker = nullptr;  // lives on the disk thread, deleted there
    BlockHasher* m_hasher = nullptr; // lives on the hash thread, deleted there
    QTimer m_saveTimer;
    Bitfield m_have;
    State m_state = State::Closed;
    QString m_errorString;
    quint64 m_checkId = 0;      // the latest check asked for; older answers are stale
    QList<BlockWrite> m_writes; // batched until the event loop runs again
    QList<BlockReadRequest> m_reads;
};

} // namespace swarmshare::storage
