// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

#include <atomic>

namespace swarmshare::torrent {

// Hashes the pieces of a run of files laid end to end (BitTorrent v1: pieces cross file
// boundaries) on several threads. Each thread claims the next whole piece and streams it through
// its own small buffer, so memory stays at threads x chunk size whatever the piece length, and
// each thread reads its piece sequentially. SHA-1 comes from OpenSSL (SHA instructions).
//
// run() blocks: call it from a worker thread (QtConcurrent::run, std::thread). cancel(),
// bytesHashed() and piecesHashed() are safe to call from any thread meanwhile.
class PieceHasher {
    Q_DECLARE_TR_FUNCTIONS(PieceHasher)

public:
    struct File {
        QString path; // absolute path on disk
        qint64 length = 0;
    };

    PieceHasher(QList<File> files, qint64 pieceLength, int threads = 0);

    // The 20-byte hashes of every piece, concatenated; an error names the file that could not
    // be read or that is shorter than expected. A cancelled run returns an error too.
    Result<QByteArray> run();
    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    bool isCancelled() const { return m_cancelled.load(std::memory_order_relaxed); }

    qint64 totalBytes() const { return m_totalBytes; }
    int pieceCount() const { return m_pieceCount; }
    qint64 bytesHashed() const { return m_bytesHashed.load(std::memory_order_relaxed); }
    int threadCount() const { return m_threads; }

    static constexpr qint64 kChunkSize = 1024 * 1024;

private:
    class Worker;
    friend class Worker;

    QList<File> m_files;
    QList<qint64> m_fileStarts; // offset of each file in the concatenated stream
    qint64 m_pieceLength;
    qint64 m_totalBytes = 0;
    int m_pieceCount = 0;
    int m_threads;
    std::atomic<int> m_nextPiece{0};
    std::atomic<qint64> m_bytesHashed{0};
    std::atomic<bool> m_cancelled{false};
};

} // namespace swarmshare::torrent
