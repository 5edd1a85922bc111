// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/piecechecker.h"

#include "common/sha1.h"
#include "storage/filecache.h"

#include <QThreadPool>
#include <QVarLengthArray>
#include <QtConcurrent>

#include <array>
#include <span>

namespace swarmshare::storage {

namespace {

// A check task reads pieces in order, so it rarely needs more than the file it is in and the next.
constexpr int kCheckerOpenFiles = 4;

} // namespace

// One piece being hashed from disk: where the reading is, and how it ended.
struct PieceRead {
    enum class State {
        Reading,
        Complete,
        Incomplete, // data missing, or `error`
    };

    int position = 0; // in PieceChecker::m_pieces
    FileSpans spans;
    qsizetype span = 0;
    qint64 done = 0; // bytes of spans[span] read
    std::optional<Sha1> sha;
    QByteArray buffer; // kept from piece to piece
    State state = State::Reading;
    std::optional<Error> error;

    void start(int at, FileSpans pieceSpans)
    {
        position = at;
        spans = std::move(pieceSpans);
        span = 0;
        done = 0;
        sha.emplace();
        state = State::Reading;
        error.reset();
    }
};

namespace {

// Hashes the pieces side by side (Sha1::addData over several messages), a chunk of each at a time.
// Returns false when cancelled.
bool hashFromDisk(FileCache& files, std::span<PieceRead> reads, const std::atomic<bool>& cancelled)
{
    constexpr qint64 chunkSize = kHashChunk / Sha1::kMaxLanes;
    for (;;) {
        if (cancelled.load(std::memory_order_relaxed))
            return false;
        QVarLengthArray<Sha1*, Sha1::kMaxLanes> hashes;
        QVarLengthArray<QByteArrayView, Sha1::kMaxLanes> chunks;
        for (PieceRead& read : reads) {
            if (read.state != PieceRead::State::Reading)
                continue;
            while (read.span < read.spans.size() && read.done == read.spans.at(read.span).length) {
                ++read.span;
                read.done = 0;
            }
            if (read.span == read.spans.size()) {
                read.state = PieceRead::State::Complete;
                continue;
            }
            const FileSpan& span = read.spans.at(read.span);
            const qint64 chunk = qMin(chunkSize, span.length - read.done);
            if (read.buffer.size() < chunk)
                read.buffer.resize(chunk);
            const Result<qint64> got =
                files.read(span.file, span.offset + read.done, read.buffer.data(), chunk);
            if (!got || *got < chunk) {
                if (!got)
                    read.error = got.error();
                read.state = PieceRead::State::Incomplete;
                continue;
            }
            read.done += chunk;
            hashes.append(&*read.sha);
            chunks.append(QByteArrayView(read.buffer.constData(), chunk));
        }
        if (hashes.isEmpty())
            return true;
        Sha1::addData(hashes.data(), chunks.data(), int(hashes.size()));
    }
}

} // namespace

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
    const int total = int(m_pieces.size());
    std::array<PieceRead, Sha1::kMaxLanes> reads;
    // Up to kMaxLanes consecutive pieces at a time, hashed side by side.
    for (int at = m_next.fetch_add(Sha1::kMaxLanes); at < total;
         at = m_next.fetch_add(Sha1::kMaxLanes)) {
        const std::span<PieceRead> group(reads.data(),
                                         size_t(qMin(at + Sha1::kMaxLanes, total) - at));
        for (size_t lane = 0; lane < group.size(); ++lane) {
            const int position = at + int(lane);
            group[lane].start(position, m_layout.pieceSpans(m_pieces.at(position)));
        }
        if (!hashFromDisk(files, group, m_cancelled))
            break;
        for (PieceRead& read : group)
            record(read);
    }
    // The last task out reports: every result is written by then.
    if (m_running.fetch_sub(1) == 1 && m_finished)
        m_finished();
}

void PieceChecker::record(PieceRead& read)
{
    const int at = read.position;
    if (read.error) {
        QMutexLocker lock(&m_errorMutex);
        if (!m_error)
            m_error = read.error;
    } else if (read.state == PieceRead::State::Complete) {
        m_hashed.fetch_add(1);
        const QByteArray digest = read.sha->result();
        if (m_hashes.isEmpty()) {
            // Each task writes only the 20 bytes of the positions it claimed.
            std::copy_n(digest.constData(), 20, m_digestOut + qsizetype(at) * 20);
            m_good[size_t(at)] = 1;
        } else {
            const int piece = m_pieces.at(at);
            m_good[size_t(at)] =
                digest == QByteArrayView(m_hashes).sliced(qsizetype(piece) * 20, 20) ? 1 : 0;
        }
    }
    reportProgress(m_done.fetch_add(1) + 1);
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
