// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/ha/journalingstore.h"

#include "tracker/ha/statecodec.h"

namespace swarmshare::tracker::ha {

JournalingStore::JournalingStore(std::unique_ptr<Store> inner, Recorder recorder)
    : m_inner(std::move(inner))
    , m_recorder(std::move(recorder))
{}

void JournalingStore::record(const QJsonObject& delta)
{
    if (m_recording && m_recorder)
        m_recorder(delta);
}

Result<Account> JournalingStore::createAccount(const QString& username,
                                               const QByteArray& passwordHash,
                                               const QByteArray& salt, int iterations,
                                               const QDateTime& now)
{
    Result<Account> account = m_inner->createAccount(username, passwordHash, salt, iterations, now);
    if (account)
        record(toJson(*account));
    return account;
}

Result<void> JournalingStore::insertToken(const TokenRecord& token)
{
    Result<void> inserted = m_inner->insertToken(token);
    if (inserted)
        record(toJson(token));
    return inserted;
}

Result<void> JournalingStore::deleteToken(const QByteArray& tokenHash)
{
    Result<void> deleted = m_inner->deleteToken(tokenHash);
    if (deleted)
        record({{QStringLiteral("t"), QString::fromUtf16(delta::kTokenRemoved)},
                {QStringLiteral("h"), QString::fromLatin1(tokenHash.toHex())}});
    return deleted;
}

Result<int> JournalingStore::deleteExpiredTokens(const QDateTime& now)
{
    Result<int> deleted = m_inner->deleteExpiredTokens(now);
    // The same cut on the follower removes the same rows: it holds the same tokens.
    if (deleted && *deleted > 0)
        record({{QStringLiteral("t"), QString::fromUtf16(delta::kTokensExpired)},
                {QStringLiteral("before"), now.toMSecsSinceEpoch()}});
    return deleted;
}

Result<bool> JournalingStore::upsertFile(const FileRecord& file)
{
    if (!m_recording)
        return m_inner->upsertFile(file);
    // upsertFile merges with what is stored: the follower gets the merged row, and nothing when
    // it did not change (peers register the same files again and again).
    const Result<std::optional<FileRecord>> before = m_inner->findFile(file.infoHash);
    Result<bool> upserted = m_inner->upsertFile(file);
    if (!upserted)
        return upserted;
    const Result<std::optional<FileRecord>> after = m_inner->findFile(file.infoHash);
    if (after && *after && !(before && *before == *after))
        record(toJson(**after));
    return upserted;
}

} // namespace swarmshare::tracker::ha
