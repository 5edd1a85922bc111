// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/blockhasher.h"

#include <QThread>

namespace swarmshare::storage {

BlockHasher::BlockHasher(std::shared_ptr<std::atomic<qint64>> heldBytes)
    : m_heldBytes(std::move(heldBytes))
{}

BlockHasher::~BlockHasher() = default;

void BlockHasher::addBlocks(const QList<HashJob>& jobs)
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "BlockHasher", "called outside its thread");
    for (const HashJob& job : jobs)
        addBlock(job.token, job.piece, job.block, job.last);
}

void BlockHasher::addBlock(quint64 token, int piece, const QByteArray& block, bool last)
{
    std::unique_ptr<Sha1>& sha = m_jobs[token];
    if (!sha)
        sha = std::make_unique<Sha1>();
    sha->addData(block);
    m_heldBytes->fetch_sub(block.size(), std::memory_order_relaxed);
    if (!last)
        return;
    const QByteArray digest = sha->result();
    m_jobs.erase(token);
    emit pieceHashed(token, piece, digest);
}

void BlockHasher::forget(quint64 token)
{
    m_jobs.erase(token);
}

void BlockHasher::forgetAll()
{
    m_jobs.clear();
}

} // namespace swarmshare::storage
