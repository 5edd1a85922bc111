// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/diskworker.h"

#include "common/logging.h"
#include "common/sha1.h"
#include "storage/piecechecker.h"
#include "storage/resumedata.h"

#include <QDir>
#include <QThread>
#include <QThreadPool>
#include <QVarLengthArray>

#include <algorithm>
#include <utility>

namespace swarmshare::storage {

namespace {

void assertOnOwnThread([[maybe_unused]] const QObject* object)
{
    Q_ASSERT_X(QThread::currentThread() == object->thread(), "DiskWorker",
               "called outside the disk thread");
}

} // namespace

DiskWorker::DiskWorker(FileLayout layout, QByteArray pieceHashes, StorageOptions options,
                       std::shared_ptr<std::atomic<qint64>> pendingWriteBytes)
    : m_layout(std::move(layout))
    , m_hashes(std::move(pieceHashes))
    , m_options(std::move(options))
    , m_pendingWriteBytes(std::move(pendingWriteBytes))
    , m_files(m_layout.files(), m_options.downloadDir, m_options.maxOpenFiles)
    , m_have(m_layout.pieceCount())
{}

DiskWorker::~DiskWorker()
{
    // A check cut short says nothing about the pieces it did not reach: keep the old resume data
    // so that the next start checks them again.
    const bool checking = m_checker != nullptr;
    m_checker.reset();
    if (m_opened && !checking && m_dirty)
        save();
}

bool DiskWorker::accepting() const
{
    return m_opened && !m_failed && !m_checker;
}

void DiskWorker::fail(const Error& error)
{
    qCWarning(lcStorage).noquote() << "storage error:" << error.message;
    if (m_failed)
        return;
    m_failed = true;
    emit failed(error.message);
}

void DiskWorker::open(quint64 checkId)
{
    assertOnOwnThread(this);
    if (m_hashes.size() != qsizetype(m_layout.pieceCount()) * Sha1::kSize) {
        m_checkId = checkId;
        fail(makeError(tr("The torrent's piece hashes do not match its files")));
        emit checkFinished(checkId, m_have, 0, false);
        return;
    }
    std::optional<ResumeData> saved;
    if (!m_options.resumePath.isEmpty() && QFile::exists(m_options.resumePath)) {
        Result<ResumeData> loaded = ResumeData::load(m_options.resumePath, m_layout, m_hashes);
        if (loaded)
            saved = std::move(*loaded);
        else
            qCWarning(lcStorage).noquote()
                << "resume data" << m_options.resumePath
                << "rejected, checking every piece:" << loaded.error().message;
    }
    const ResumePlan plan =
        planResume(m_layout, saved, ResumeData::statFiles(m_layout, m_options.downloadDir));
    m_opened = true;
    m_have = plan.trusted;
    qCDebug(lcStorage) << "open:" << m_have.count() << "pieces trusted," << plan.toCheck.size()
                       << "to check";
    startCheck(plan.toCheck, checkId);
}

void DiskWorker::recheck(quint64 checkId)
{
    assertOnOwnThread(this);
    m_checker.reset();
    m_failed = false;
    m_opened = true;
    m_files.closeAll(); // a file replaced since it was opened is read afresh
    const ResumePlan plan =
        planResume(m_layout, std::nullopt, ResumeData::statFiles(m_layout, m_options.downloadDir));
    m_have.fill(false);
    startCheck(plan.toCheck, checkId);
}

void DiskWorker::startCheck(QList<int> pieces, quint64 checkId)
{
    // Partial pieces were not verified: after a check they are simply missing.
    m_partial.clear();
    m_earlyBytes = 0;
    flushHashes();
    emit forgetAllHashes();
    m_checkId = checkId;
    const quint64 generation = ++m_checkGeneration;
    m_checker = std::make_unique<PieceChecker>(m_layout, m_options.downloadDir, m_hashes,
                                               std::move(pieces));
    QThreadPool* pool = m_options.hashPool ? m_options.hashPool : QThreadPool::globalInstance();
    m_checker->start(
        pool, [this](int done, int total) { emit checkProgressed(done, total); },
        [this, generation] {
            QMetaObject::invokeMethod(
                this, [this, generation] { finishCheck(generation); }, Qt::QueuedConnection);
        });
}

void DiskWorker::cancelCheck()
{
    assertOnOwnThread(this);
    if (m_checker)
        m_checker->cancel();
}

void DiskWorker::finishCheck(quint64 generation)
{
    if (generation != m_checkGeneration || !m_checker)
        return;
    const PieceChecker::Outcome outcome = m_checker->outcome();
    m_checker.reset();
    for (int piece = 0; piece < outcome.good.size(); ++piece) {
        if (outcome.good.test(piece))
            m_have.set(piece);
    }
    m_dirty = true;
    qCDebug(lcStorage) << "check finished:" << outcome.hashed << "pieces hashed," << m_have.count()
                       << "of" << m_have.size() << "verified"
                       << (outcome.cancelled ? "(cancelled)" : "");
    if (outcome.error)
        fail(*outcome.error);
    save();
    emit checkFinished(m_checkId, m_have, outcome.hashed, outcome.cancelled);
}

void DiskWorker::writeRun(WriteRun& run)
{
    if (run.blocks.isEmpty())
        return;
    QVarLengthArray<FileCache::ConstBuffer, kMaxRunBlocks> buffers;
    for (const BlockWrite* block : std::as_const(run.blocks))
        buffers.append({block->data.constData(), block->data.size()});
    const QList<const BlockWrite*> blocks = std::exchange(run.blocks, {});
    const Result<void> written =
        m_files.write(run.file, run.start, buffers.constData(), int(buffers.size()));
    run = {};
    if (!written)
        return fail(written.error());
    for (const BlockWrite* block : blocks) {
        if (m_failed)
            return;
        blockWritten(block->piece, block->offset, block->data);
    }
}

void DiskWorker::blockWritten(int piece, int offset, const QByteArray& data)
{
    m_dirty = true;
    PartialPiece& partial = partialPiece(piece);
    partial.written.set(offset / FileLayout::kBlockSize);
    if (offset != partial.fed) {
        // Early: fed when the cursor gets here, from memory while there is room.
        if (m_earlyBytes + data.size() <= kMaxEarlyBytes) {
            partial.early.emplace(offset, data);
            m_earlyBytes += data.size();
        }
        return;
    }
    feed(piece, partial, data);
    if (Result<void> fed = feedWrittenBlocks(piece, partial); !fed) {
        flushHashes();
        emit forgetHash(partial.token);
        erasePartial(piece);
        return fail(fed.error());
    }
}

DiskWorker::PartialPiece& DiskWorker::partialPiece(int piece)
{
    std::unique_ptr<PartialPiece>& slot = m_partial[piece];
    if (!slot) {
        slot = std::make_unique<PartialPiece>();
        slot->written = Bitfield(m_layout.blockCount(piece));
        slot->token = ++m_nextToken;
    }
    return *slot;
}

void DiskWorker::feed(int piece, PartialPiece& partial, const QByteArray& block)
{
    // Held until hashed: the engine's back-pressure counts it.
    m_pendingWriteBytes->fetch_add(block.size(), std::memory_order_relaxed);
    partial.fed += block.size();
    m_hashBatch.append({partial.token, piece, block, partial.fed == m_layout.pieceSize(piece)});
}

void DiskWorker::flushHashes()
{
    if (m_hashBatch.isEmpty())
        return;
    emit hashBlocks(m_hashBatch);
    m_hashBatch.clear();
}

void DiskWorker::writeBlocks(const QList<BlockWrite>& writes)
{
    assertOnOwnThread(this);
    const FileCache::Batch batch(m_files);
    // In torrent order: blocks of one piece from several peers arrive interleaved, and sorted
    // they make longer runs. The sort is stable, so of two copies of a block the first still wins.
    QVarLengthArray<const BlockWrite*, 256> ordered;
    for (const BlockWrite& write : writes)
        ordered.append(&write);
    std::stable_sort(ordered.begin(), ordered.end(), [](const BlockWrite* a, const BlockWrite* b) {
        return a->piece != b->piece ? a->piece < b->piece : a->offset < b->offset;
    });
    WriteRun run;
    for (const BlockWrite* const entry : ordered) {
        const BlockWrite& write = *entry;
        const auto& [piece, offset, data] = write;
        m_pendingWriteBytes->fetch_sub(data.size(), std::memory_order_relaxed);
        if (!accepting() || !m_layout.isValidBlock(piece, offset, data.size()) ||
            m_have.test(piece))
            continue;
        if (!m_emptyFilesCreated) {
            if (Result<void> created = m_files.createEmptyFiles(); !created) {
                fail(created.error());
                continue;
            }
            m_emptyFilesCreated = true;
        }
        const FileSpans spans = m_layout.blockSpans(piece, offset, data.size());
        const bool extends = spans.size() == 1 && spans.first().file == run.file &&
                             spans.first().offset == run.end && run.blocks.size() < kMaxRunBlocks;
        if (!extends) {
            writeRun(run);
            if (!accepting())
                continue;
        }
        // A duplicate (endgame): the first copy is already on disk and maybe hashed. A block
        // that extends the run cannot repeat one of the run's.
        if (partialPiece(piece).written.test(offset / FileLayout::kBlockSize))
            continue;
        if (spans.size() != 1) {
            if (Result<void> written = writeSpans(piece, offset, data); !written) {
                fail(written.error());
                continue;
            }
            blockWritten(piece, offset, data);
            continue;
        }
        if (run.blocks.isEmpty()) {
            run.file = spans.first().file;
            run.start = run.end = spans.first().offset;
        }
        run.blocks.append(&write);
        run.end += data.size();
    }
    writeRun(run);
    flushHashes();
}

void DiskWorker::readBlocks(const QList<BlockReadRequest>& reads)
{
    assertOnOwnThread(this);
    const FileCache::Batch batch(m_files);
    QList<BlockData> blocks;
    blocks.reserve(reads.size());
    ReadRun run;
    for (const BlockReadRequest& request : reads) {
        const auto [tag, piece, offset, length] = request;
        if (!accepting() || !m_layout.isValidRequest(piece, offset, length) ||
            !m_have.test(piece)) {
            emit blockReadFailed(tag, piece, offset);
            continue;
        }
        const FileSpans spans = m_layout.blockSpans(piece, offset, length);
        const bool extends = spans.size() == 1 && spans.first().file == run.file &&
                             spans.first().offset == run.end && run.blocks.size() < kMaxRunBlocks;
        if (!extends)
            readRun(run, blocks);
        if (spans.size() != 1) {
            if (std::optional<BlockData> block = readBlock(request))
                blocks.append(std::move(*block));
            continue;
        }
        if (run.blocks.isEmpty()) {
            run.file = spans.first().file;
            run.start = run.end = spans.first().offset;
        }
        run.blocks.append(request);
        run.end += length;
    }
    readRun(run, blocks);
    if (!blocks.isEmpty())
        emit blocksRead(blocks);
}

void DiskWorker::readRun(ReadRun& run, QList<BlockData>& out)
{
    if (run.blocks.isEmpty())
        return;
    const QList<BlockReadRequest> requests = std::exchange(run.blocks, {});
    const int file = run.file;
    const qint64 start = run.start;
    const qint64 length = run.end - run.start;
    run = {};
    // From the page cache through a mapping when possible: the blocks are views into it, and
    // the only copy left is the socket's (see BlockData for what may be done with them).
    const Result<std::optional<FileCache::MappedRange>> mapped = m_files.map(file, start, length);
    if (!mapped) {
        fail(mapped.error());
        for (const BlockReadRequest& request : requests)
            emit blockReadFailed(request.tag, request.piece, request.offset);
        return;
    }
    if (const std::optional<FileCache::MappedRange>& range = *mapped) {
        const char* at = range->data;
        for (const BlockReadRequest& request : requests) {
            out.append({request.tag, request.piece, request.offset,
                        QByteArray::fromRawData(at, request.length), range->keepAlive});
            at += request.length;
        }
        return;
    }
    // Otherwise copied, with one call.
    QList<BlockData> blocks;
    blocks.reserve(requests.size());
    QVarLengthArray<FileCache::Buffer, kMaxRunBlocks> buffers;
    for (const BlockReadRequest& request : requests) {
        blocks.append({request.tag, request.piece, request.offset,
                       QByteArray(request.length, Qt::Uninitialized), nullptr});
        buffers.append({blocks.last().data.data(), request.length});
    }
    const Result<qint64> read = m_files.read(file, start, buffers.constData(), int(buffers.size()));
    if (read && *read == length) {
        out.append(std::move(blocks));
        return;
    }
    if (!read) {
        fail(read.error());
        for (const BlockReadRequest& request : requests)
            emit blockReadFailed(request.tag, request.piece, request.offset);
        return;
    }
    // Short: each block on its own, for the error to name the block that is missing.
    for (const BlockReadRequest& request : requests) {
        if (std::optional<BlockData> again = readBlock(request))
            out.append(std::move(*again));
    }
}

Result<void> DiskWorker::feedWrittenBlocks(int piece, PartialPiece& partial)
{
    const qint64 size = m_layout.pieceSize(piece);
    while (partial.fed < size) {
        const int block = int(partial.fed / FileLayout::kBlockSize);
        if (!partial.written.test(block))
            break;
        if (const auto kept = partial.early.find(int(partial.fed)); kept != partial.early.end()) {
            const QByteArray data = std::move(kept->second);
            partial.early.erase(kept);
            m_earlyBytes -= data.size();
            feed(piece, partial, data);
            continue;
        }
        QByteArray data(m_layout.blockSize(piece, block), Qt::Uninitialized);
        if (Result<void> read = readExact(piece, partial.fed, data.data(), data.size()); !read)
            return read;
        feed(piece, partial, data);
    }
    return {};
}

void DiskWorker::erasePartial(int piece)
{
    const auto it = m_partial.find(piece);
    if (it == m_partial.end())
        return;
    for (const auto& [offset, data] : it->second->early)
        m_earlyBytes -= data.size();
    m_partial.erase(it);
}

void DiskWorker::onPieceHashed(quint64 token, int piece, const QByteArray& digest)
{
    assertOnOwnThread(this);
    const auto it = m_partial.find(piece);
    if (it == m_partial.end() || it->second->token != token)
        return; // an attempt abandoned since (a check started, a read-back failed)
    erasePartial(piece);
    const bool ok =
        digest == QByteArrayView(m_hashes).sliced(qsizetype(piece) * Sha1::kSize, Sha1::kSize);
    if (ok) {
        m_have.set(piece);
        m_dirty = true;
    } else {
        qCInfo(lcStorage) << "piece" << piece << "failed its hash check";
    }
    emit pieceVerified(piece, ok);
}

Result<void> DiskWorker::writeSpans(int piece, int offset, const QByteArray& data)
{
    const char* at = data.constData();
    for (const FileSpan& span : m_layout.blockSpans(piece, offset, data.size())) {
        if (Result<void> written = m_files.write(span.file, span.offset, at, span.length); !written)
            return written;
        at += span.length;
    }
    return {};
}

Result<void> DiskWorker::readExact(int piece, qint64 offset, char* data, qint64 length)
{
    for (const FileSpan& span : m_layout.blockSpans(piece, offset, length)) {
        Result<qint64> read = m_files.read(span.file, span.offset, data, span.length);
        if (!read)
            return read.error();
        if (*read != span.length) {
            const QString path = QDir::toNativeSeparators(m_files.filePath(span.file));
            return makeError(tr("\"%1\" is missing or shorter than expected").arg(path));
        }
        data += span.length;
    }
    return {};
}

std::optional<BlockData> DiskWorker::readBlock(const BlockReadRequest& request)
{
    const auto [tag, piece, offset, length] = request;
    if (!accepting() || !m_layout.isValidRequest(piece, offset, length) || !m_have.test(piece)) {
        emit blockReadFailed(tag, piece, offset);
        return std::nullopt;
    }
    QByteArray data(length, Qt::Uninitialized);
    if (Result<void> read = readExact(piece, offset, data.data(), length); !read) {
        fail(read.error());
        emit blockReadFailed(tag, piece, offset);
        return std::nullopt;
    }
    return BlockData{tag, piece, offset, std::move(data), nullptr};
}

void DiskWorker::saveResumeData(bool onlyIfChanged)
{
    assertOnOwnThread(this);
    // The periodic save stays silent when there is nothing (trustworthy) to save.
    if (onlyIfChanged && (!m_dirty || m_checker))
        return;
    if (m_options.resumePath.isEmpty() || !m_opened || m_checker) {
        // Nothing trustworthy to save before the first check has finished.
        emit resumeDataSaved(false);
        return;
    }
    save();
}

void DiskWorker::save()
{
    if (m_options.resumePath.isEmpty())
        return;
    ResumeData data;
    data.have = m_have;
    data.files = ResumeData::statFiles(m_layout, m_options.downloadDir);
    const Result<void> saved = data.save(m_options.resumePath, m_layout, m_hashes);
    if (saved)
        m_dirty = false;
    else
        qCWarning(lcStorage).noquote() << saved.error().message;
    emit resumeDataSaved(saved.ok());
}

void DiskWorker::clearError()
{
    assertOnOwnThread(this);
    m_failed = false;
    m_files.closeAll(); // reopen: the user may have freed space or put the file back
}

} // namespace swarmshare::storage
