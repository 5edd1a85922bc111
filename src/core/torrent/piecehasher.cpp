// SPDX-License-Identifier: GPL-3.0-or-later
#include "torrent/piecehasher.h"

#include "common/sha1.h"

#include <QFile>
#include <QThread>

#include <algorithm>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace swarmshare::torrent {

// One hashing thread: claims pieces until none are left, keeps one file open at a time.
class PieceHasher::Worker {
public:
    explicit Worker(PieceHasher& owner)
        : m_owner(owner)
        , m_buffer(kChunkSize, Qt::Uninitialized)
    {}

    // Hashes claimed pieces into `hashes`; returns the first error met, if any.
    std::optional<Error> hashPieces(char* hashes)
    {
        for (;;) {
            if (m_owner.isCancelled())
                return std::nullopt;
            const int piece = m_owner.m_nextPiece.fetch_add(1, std::memory_order_relaxed);
            if (piece >= m_owner.m_pieceCount)
                return std::nullopt;
            if (std::optional<Error> error = hashPiece(piece, hashes)) {
                m_owner.cancel(); // stop the other threads too
                return error;
            }
        }
    }

private:
    std::optional<Error> hashPiece(int piece, char* hashes)
    {
        const qint64 begin = qint64(piece) * m_owner.m_pieceLength;
        const qint64 end = std::min(begin + m_owner.m_pieceLength, m_owner.m_totalBytes);
        const QList<qint64>& starts = m_owner.m_fileStarts;
        // The last file that starts at or before `begin` (skipping empty files).
        qsizetype file = std::upper_bound(starts.begin(), starts.end(), begin) - starts.begin() - 1;
        for (qint64 at = begin; at < end; ++file) {
            const File& source = m_owner.m_files[file];
            const qint64 fileEnd = starts[file] + source.length;
            if (fileEnd <= at)
                continue; // empty file
            const qint64 spanEnd = std::min(end, fileEnd);
            if (std::optional<Error> error = hashSpan(file, at - starts[file], spanEnd - at))
                return error;
            at = spanEnd;
        }
        QByteArray digest = m_sha.result();
        std::copy(digest.cbegin(), digest.cend(), hashes + qsizetype(piece) * Sha1::kSize);
        return std::nullopt;
    }

    std::optional<Error> hashSpan(qsizetype file, qint64 offset, qint64 length)
    {
        if (std::optional<Error> error = openFile(file))
            return error;
        if (!m_file.seek(offset))
            return readError();
        while (length > 0) {
            const qint64 want = std::min<qint64>(length, kChunkSize);
            const qint64 got = m_file.read(m_buffer.data(), want);
            if (got < 0)
                return readError();
            if (got == 0)
                return makeError(tr("%1 is shorter than when it was listed (changed while being "
                                    "hashed?)")
                                     .arg(m_file.fileName()));
            m_sha.addData(QByteArrayView(m_buffer.constData(), got));
            m_owner.m_bytesHashed.fetch_add(got, std::memory_order_relaxed);
            length -= got;
        }
        return std::nullopt;
    }

    std::optional<Error> openFile(qsizetype file)
    {
        if (m_openIndex == file)
            return std::nullopt;
        m_file.close();
        m_openIndex = -1;
        m_file.setFileName(m_owner.m_files[file].path);
        // Unbuffered: QIODevice's buffer would only add a copy to our 1 MiB reads.
        if (!m_file.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
            return readError();
        m_openIndex = file;
        return std::nullopt;
    }

    Error readError() const
    {
        return makeError(tr("cannot read %1: %2").arg(m_file.fileName(), m_file.errorString()));
    }

    PieceHasher& m_owner;
    QByteArray m_buffer;
    Sha1 m_sha;
    QFile m_file;
    qsizetype m_openIndex = -1;
};

PieceHasher::PieceHasher(QList<File> files, qint64 pieceLength, int threads)
    : m_files(std::move(files))
    , m_pieceLength(pieceLength)
    , m_threads(threads > 0 ? threads : std::max(1, QThread::idealThreadCount()))
{
    Q_ASSERT(pieceLength > 0);
    m_fileStarts.reserve(m_files.size());
    for (const File& file : std::as_const(m_files)) {
        m_fileStarts << m_totalBytes;
        m_totalBytes += file.length;
    }
    m_pieceCount = int((m_totalBytes + m_pieceLength - 1) / m_pieceLength);
    m_threads = std::min(m_threads, std::max(1, m_pieceCount));
}

Result<QByteArray> PieceHasher::run()
{
    QByteArray hashes(qsizetype(m_pieceCount) * Sha1::kSize, '\0');
    // Each thread writes only the 20 bytes of the pieces it claimed.
    char* const out = hashes.data();
    std::optional<Error> firstError;
    std::mutex errorMutex;
    const auto work = [&] {
        Worker worker(*this);
        if (std::optional<Error> error = worker.hashPieces(out)) {
            const std::lock_guard lock(errorMutex);
            if (!firstError)
                firstError = std::move(error);
        }
    };
    {
        // The calling thread is one of the workers.
        std::vector<std::jthread> helpers;
        for (int i = 1; i < m_threads; ++i)
            helpers.emplace_back(work);
        work();
    }
    if (firstError)
        return *firstError;
    if (isCancelled())
        return makeError(tr("hashing was cancelled"));
    return hashes;
}

} // namespace swarmshare::torrent
