// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/piecechecker.h"

#include "common/sha1.h"
#include "storage/filecache.h"

#include <QThreadPool>
#include <QtConcurrent>

namespace swarmshare::storage {

namespace {

// A check task reads pieces in order, so it rarely needs more than the file it is in and the next.
constexpr int kCheckerOpenFiles = 4;

} // namespace

Result<std::optional<QByteArray>> hashPieceFromDisk(const FileLayout& layout, FileCache& files,
                                                    int piece, QByteArray& buffer)
{
    Sha1 sha;
    for (const FileSpan& span : layout.pieceSpans(piece)) {
        for (qint64 done = 0; done < span.length;) {
            const qint64 chunk = qMin(kHashChunk, span.length - done);
            if (buffer.size() < chunk)
                buffer.resize(chunk);
            Result<qint64> read = files.read(span.file, span.offset + done, buffer.data(), chunk);
            if (!read)
                return read.error();
            if (*read < chunk)
                return std::optional<QByteArray>();
            sha.addData(QByteArrayView(buffer.constData(), chunk));
            done += chunk;
        }
    }
    return std::optional<QByteArray>(sha.result());
}

PieceChecker::PieceChecker(FileLayout layout, QString root, QByteArray pieceHashes,
                           QList<int> pieces)
    : m_layout(std::move(layout))
    , m_root(std::move(root))
    , m_hashes(std::move(pieceHashes))
    , m_pieces(std::move(pieces))
    , m_good(size_t(m_pieces.size()), 0)
    , m_digests(m_hashes.isEmpty() ? m_pieces.size() * 20 : 0, '\0')
{}

PieceChecker::~PieceChecker()
{
    cancel();
    wait();
}

void PieceChecker::start(QThreadPool* pool, ProgressFn progress, FinishedFn finished)
{
    Q_ASSERT(m_tasks.isEmpty());
    m_progress = std::move(progress);
    m_finished = std::move(finished);
    m_digestOut = m_digests.data(); // detached here, before any task runs
    if (m_pieces.isEmpty()) {
        if (m_finished)
            m_finished();
        return;
    }
    const int tasks = int(qMin<qsizetype>(qMax(pool->maxThreadCount(), 1), m_pieces.size()));
    m_running.store(tasks);
    for (int i = 0; i < tasks; ++i)
        m_tasks.append(QtConcurrent::run(pool, [this] { runTask(); }));
}

void PieceChecker::wait()
{
    for (QFuture<void>& task : m_tasks)
        task.waitForFinished();
}

void PieceChecker::runTask()
{
    FileCache files(m_layout.files(), m_root, kCheckerOpenFiles);
    QByteArray buffer;
    const int total = int(m_pieces.size());
    for (int at = m_next.fetch_add(1); at < total; at = m_next.fetch_add(1)) {
        if (m_cancelled.load(std::memory_order_relaxed))
            break;
        const int piece = m_pieces.at(at);
        Result<std::optional<QByteArray>> digest =
            hashPieceFromDisk(m_layout, files, piece, buffer);
        if (!digest) {
            QMutexLocker lock(&m_errorMutex);
            if (!m_error)
                m_error = digest.error();
        } else if (digest->has_value()) {
            m_hashed.fetch_add(1);
            if (m_hashes.isEmpty()) {
                // Each task writes only the 20 bytes of the positions it claimed.
                std::copy_n((*digest)->constData(), 20, m_digestOut + qsizetype(at) * 20);
                m_good[size_t(at)] = 1;
            } else {
                m_good[size_t(at)] =
                    **digest == QByteArrayView(m_hashes).sliced(qsizetype(piece) * 20, 20) ? 1 : 0;
            }
        }
        reportProgress(m_done.fetch_add(1) + 1);
    }
    // The last task out reports: every result is written by then.
    if (m_running.fetch_sub(1) == 1 && m_finished)
        m_finished();
}

void PieceChecker::reportProgress(int done)
{
    const qint64 total = m_pieces.size();
    if (m_progress &&
        (done == total || qint64(done) * 100 / total != qint64(done - 1) * 100 / total))
        m_progress(done, int(total));
}

PieceChecker::Outcome PieceChecker::outcome() const
{
    Outcome outcome;
    outcome.good = Bitfield(m_layout.pieceCount());
    for (qsizetype at = 0; at < m_pieces.size(); ++at) {
        if (m_good[size_t(at)])
            outcome.good.set(m_pieces.at(at));
    }
    outcome.hashed = m_hashed.load();
    outcome.digests = m_digests;
    outcome.cancelled = m_cancelled.load() && m_done.load() < m_pieces.size();
    QMutexLocker lock(&m_errorMutex);
    outcome.error = m_error;
    return outcome;
}

} // namespace swarmshare::storage
