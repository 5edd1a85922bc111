// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/blockhasher.h"

#include <QThread>

#include <algorithm>
#include <utility>
#include <vector>

namespace swarmshare::storage {

BlockHasher::BlockHasher(std::shared_ptr<std::atomic<qint64>> heldBytes)
    : m_heldBytes(std::move(heldBytes))
{}

BlockHasher::~BlockHasher() = default;

void BlockHasher::addBlocks(const QList<HashJob>& jobs)
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "BlockHasher", "called outside its thread");
    for (const HashJob& job : jobs) {
        Job& queued = m_jobs[job.token];
        queued.piece = job.piece;
        queued.blocks.push_back(job.block);
        queued.lastQueued = queued.lastQueued || job.last;
    }
    // After the calls already posted to this thread, which may bring blocks of other pieces.
    if (!std::exchange(m_hashPosted, true))
        QMetaObject::invokeMethod(this, &BlockHasher::hashQueued, Qt::QueuedConnection);
}

void BlockHasher::hashQueued()
{
    m_hashPosted = false;
    std::vector<std::pair<quint64, Job*>> ready;
    for (auto& [token, job] : m_jobs) {
        if (!job.blocks.empty())
            ready.emplace_back(token, &job);
    }
    // A block from each of up to kMaxLanes pieces at a time: the blocks of a piece are the same
    // size but its last, so the lanes stay in step.
    while (!ready.empty()) {
        const size_t lanes = std::min<size_t>(ready.size(), Sha1::kMaxLanes);
        Sha1* hashes[Sha1::kMaxLanes];
        QByteArrayView blocks[Sha1::kMaxLanes];
        for (size_t lane = 0; lane < lanes; ++lane) {
            hashes[lane] = &ready[lane].second->sha;
            blocks[lane] = ready[lane].second->blocks.front();
        }
        Sha1::addData(hashes, blocks, int(lanes));
        for (size_t lane = 0; lane < lanes; ++lane) {
            Job& job = *ready[lane].second;
            m_heldBytes->fetch_sub(job.blocks.front().size(), std::memory_order_relaxed);
            job.blocks.pop_front();
            if (!job.blocks.empty())
                continue;
            if (job.lastQueued) {
                const quint64 token = ready[lane].first;
                const int piece = job.piece;
                const QByteArray digest = job.sha.result();
                m_jobs.erase(token);
                emit pieceHashed(token, piece, digest);
            }
            ready[lane].second = nullptr;
        }
        std::erase_if(ready, [](const auto& entry) { return entry.second == nullptr; });
    }
}

void BlockHasher::drop(Job& job)
{
    for (const QByteArray& block : job.blocks)
        m_heldBytes->fetch_sub(block.size(), std::memory_order_relaxed);
}

void BlockHasher::forget(quint64 token)
{
    const auto it = m_jobs.find(token);
    if (it == m_jobs.end())
        return;
    drop(it->second);
    m_jobs.erase(it);
}

void BlockHasher::forgetAll()
{
    for (auto& [token, job] : m_jobs)
        drop(job);
    m_jobs.clear();
}

} // namespace swarmshare::storage
