// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/piecestorage.h"

#include "storage/blockhasher.h"

#include <QThread>

#include <utility>

namespace swarmshare::storage {

PieceStorage::PieceStorage(FileLayout layout, QByteArray pieceHashes, Options options,
                           QThread* diskThread, QObject* parent)
    : QObject(parent)
    , m_layout(std::move(layout))
    , m_pendingWriteBytes(std::make_shared<std::atomic<qint64>>(0))
    , m_have(m_layout.pieceCount())
{
    Q_ASSERT(diskThread && diskThread->isRunning());
    qRegisterMetaType<QList<BlockData>>();
    qRegisterMetaType<std::shared_ptr<const void>>(); // blockRead(), should it cross threads
    qRegisterMetaType<QList<HashJob>>();
    if (options.resumeSaveIntervalMs > 0) {
        m_saveTimer.setInterval(options.resumeSaveIntervalMs);
        connect(&m_saveTimer, &QTimer::timeout, this,
                [this] { post([](DiskWorker* worker) { worker->saveResumeData(true); }); });
    }
    QThread* hashThread = options.hashThread ? options.hashThread : diskThread;
    m_worker =
        new DiskWorker(m_layout, std::move(pieceHashes), std::move(options), m_pendingWriteBytes);
    m_hasher = new BlockHasher(m_pendingWriteBytes);
    connectHasher();
    connect(m_worker, &DiskWorker::checkProgressed, this, &PieceStorage::checkProgressed);
    connect(m_worker, &DiskWorker::checkFinished, this, &PieceStorage::onCheckFinished);
    connect(m_worker, &DiskWorker::pieceVerified, this, &PieceStorage::onPieceVerified);
    connect(m_worker, &DiskWorker::blocksRead, this, [this](const QList<BlockData>& blocks) {
        for (const BlockData& block : blocks)
            emit blockRead(block.tag, block.piece, block.offset, block.data, block.mapping);
    });
    connect(m_worker, &DiskWorker::blockReadFailed, this, &PieceStorage::blockReadFailed);
    connect(m_worker, &DiskWorker::failed, this, &PieceStorage::onFailed);
    connect(m_worker, &DiskWorker::resumeDataSaved, this, &PieceStorage::resumeDataSaved);
    m_worker->moveToThread(diskThread);
    m_hasher->moveToThread(hashThread);
}

void PieceStorage::connectHasher()
{
    // Always queued, even when both live on the disk thread: a digest must never come back in
    // the middle of the write that fed the last block.
    constexpr auto queued = Qt::QueuedConnection;
    connect(m_worker, &DiskWorker::hashBlocks, m_hasher, &BlockHasher::addBlocks, queued);
    connect(m_worker, &DiskWorker::forgetHash, m_hasher, &BlockHasher::forget, queued);
    connect(m_worker, &DiskWorker::forgetAllHashes, m_hasher, &BlockHasher::forgetAll, queued);
    connect(m_hasher, &BlockHasher::pieceHashed, m_worker, &DiskWorker::onPieceHashed, queued);
}

PieceStorage::~PieceStorage()
{
    if (m_worker->thread()->isRunning())
        flushBatch();
    // Queued calls already posted (writes, a save) run before the deferred delete; the worker's
    // destructor saves the resume data one last time.
    for (QObject* object : {static_cast<QObject*>(m_worker), static_cast<QObject*>(m_hasher)}) {
        if (object->thread()->isRunning())
            object->deleteLater();
        else
            delete object;
    }
}

template<typename Call>
void PieceStorage::post(Call&& call)
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "PieceStorage",
               "called outside the thread that owns it");
    flushBatch(); // keeps the order of every call
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, call = std::forward<Call>(call)] { call(worker); },
        Qt::QueuedConnection);
}

void PieceStorage::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    if (state == State::Ready && m_saveTimer.interval() > 0)
        m_saveTimer.start();
    emit stateChanged(state);
}

void PieceStorage::startCheck(void (DiskWorker::*call)(quint64))
{
    const quint64 checkId = ++m_checkId;
    m_errorString.clear();
    setState(State::Checking);
    post([call, checkId](DiskWorker* worker) { (worker->*call)(checkId); });
}

void PieceStorage::open()
{
    if (m_state == State::Closed)
        startCheck(&DiskWorker::open);
}

void PieceStorage::recheck()
{
    if (m_state != State::Closed)
        startCheck(&DiskWorker::recheck);
}

void PieceStorage::cancelCheck()
{
    if (m_state == State::Checking)
        post([](DiskWorker* worker) { worker->cancelCheck(); });
}

bool PieceStorage::writeBlock(int piece, int offset, QByteArray data)
{
    if (m_state != State::Ready || !m_layout.isValidBlock(piece, offset, data.size()) ||
        m_have.test(piece))
        return false;
    m_pendingWriteBytes->fetch_add(data.size(), std::memory_order_relaxed);
    scheduleFlush();
    m_writes.append({piece, offset, std::move(data)});
    return true;
}

bool PieceStorage::readBlock(int piece, int offset, int length, quint64 tag)
{
    if (m_state != State::Ready || !m_layout.isValidRequest(piece, offset, length) ||
        !m_have.test(piece))
        return false;
    scheduleFlush();
    m_reads.append({tag, piece, offset, length});
    return true;
}

void PieceStorage::scheduleFlush()
{
    // Everything asked for until control returns to the event loop goes in one call.
    if (m_writes.isEmpty() && m_reads.isEmpty())
        QMetaObject::invokeMethod(this, &PieceStorage::flushBatch, Qt::QueuedConnection);
}

void PieceStorage::flushBatch()
{
    if (m_writes.isEmpty() && m_reads.isEmpty())
        return;
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, writes = std::exchange(m_writes, {}),
         reads = std::exchange(m_reads, {})] {
            if (!writes.isEmpty())
                worker->writeBlocks(writes);
            if (!reads.isEmpty())
                worker->readBlocks(reads);
        },
        Qt::QueuedConnection);
}

void PieceStorage::saveResumeData()
{
    post([](DiskWorker* worker) { worker->saveResumeData(false); });
}

void PieceStorage::clearError()
{
    if (m_state != State::Error)
        return;
    m_errorString.clear();
    setState(State::Ready);
    post([](DiskWorker* worker) { worker->clearError(); });
}

void PieceStorage::onCheckFinished(quint64 checkId, const Bitfield& have, int piecesHashed,
                                   bool cancelled)
{
    if (checkId != m_checkId)
        return;
    m_have = have;
    if (m_state == State::Checking)
        setState(State::Ready);
    emit checkFinished(piecesHashed, cancelled);
}

void PieceStorage::onPieceVerified(int piece, bool ok)
{
    if (ok)
        m_have.set(piece);
    emit pieceVerified(piece, ok);
}

void PieceStorage::onFailed(const QString& message)
{
    m_errorString = message;
    setState(State::Error);
    emit errorOccurred(message);
}

} // namespace swarmshare::storage
