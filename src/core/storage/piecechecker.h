// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"
#include "common/result.h"
#include "storage/filelayout.h"

#include <QFuture>
#include <QList>
#include <QMutex>
#include <QString>

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

class QThreadPool;

namespace swarmshare::storage {

class FileCache;
struct PieceRead;

// The read buffers of one check task together (split between the pieces it hashes at once).
constexpr qint64 kHashChunk = 1024 * 1024;

// Hashes a set of pieces against their expected SHA-1 using the threads of a pool: one task per
// pool thread, each taking the next Sha1::kMaxLanes pieces in order (so reads stay nearly
// sequential) and hashing them side by side, with its own file handles and kHashChunk of
// buffers, so memory is bounded by threads x kHashChunk whatever the piece size. Cancellation is
// checked between chunks.
// The destructor cancels and waits, so a checker may be destroyed at any time.
class PieceChecker {
public:
    struct Outcome {
        Bitfield good;  // size = piece count; pieces whose data matched
        int hashed = 0; // pieces read completely and hashed
        // Without expected hashes (torrent creation): the SHA-1 of every piece, concatenated,
        // in piece order; `good` then marks the pieces whose data was all there.
        QByteArray digests;
        bool cancelled = false;
        std::optional<Error> error; // the first read error, if any
    };
    using ProgressFn = std::function<void(int done, int total)>;
    using FinishedFn = std::function<void()>;

    // `pieceHashes` empty: nothing to compare against, the checker records digests instead.
    PieceChecker(FileLayout layout, QString root, QByteArray pieceHashes, QList<int> pieces);
    ~PieceChecker();
    PieceChecker(const PieceChecker&) = delete;
    PieceChecker& operator=(const PieceChecker&) = delete;

    // Both callbacks run on pool threads: `progress` at most about a hundred times, `finished`
    // exactly once, after the last piece (or after a cancel).
    void start(QThreadPool* pool, ProgressFn progress, FinishedFn finished);
    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    void wait();
    // Valid once `finished` has been called.
    Outcome outcome() const;

    const QList<int>& pieces() const { return m_pieces; }

private:
    void runTask();
    void record(PieceRead& read);
    void reportProgress(int done);

    FileLayout m_layout;
    QString m_root;
    QByteArray m_hashes;
    QList<int> m_pieces;
    std::vector<char> m_good; // per position in m_pieces; each written by one task only
    QByteArray m_digests;     // 20 bytes per position when recording; same rule
    char* m_digestOut = nullptr;
    ProgressFn m_progress;
    FinishedFn m_finished;
    QList<QFuture<void>> m_tasks;
    std::atomic<int> m_next{0};
    std::atomic<int> m_done{0};
    std::atomic<int> m_hashed{0};
    std::atomic<int> m_running{0};
    std::atomic<bool> m_cancelled{false};
    mutable QMutex m_errorMutex;
    std::optional<Error> m_error;
};

} // namespace swarmshare::storage
