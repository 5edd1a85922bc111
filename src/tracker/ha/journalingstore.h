// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/store/store.h"

#include <QJsonObject>

#include <functional>
#include <memory>

namespace swarmshare::tracker::ha {

// A Store that reports every change it makes as a replication delta (docs/ha.md) and otherwise
// forwards to the real one. The tracker wraps its store in it, so no API module needs to know
// about replication. The replication calls (put*, clearAll) are forwarded without a report:
// only a follower uses them, and a follower records nothing of its own.
class JournalingStore final : public Store {
public:
    using Recorder = std::function<void(const QJsonObject& delta)>;

    JournalingStore(std::unique_ptr<Store> inner, Recorder recorder);

    Store& inner() { return *m_inner; }
    // Off while following: changes then come from the primary and are not ours to log.
    void setRecording(bool on) { m_recording = on; }

    Result<void> open() override { return m_inner->open(); }
    int schemaVersion() const override { return m_inner->schemaVersion(); }
    QString kind() const override { return m_inner->kind(); }

    Result<Account> createAccount(const QString& username, const QByteArray& passwordHash,
                                  const QByteArray& salt, int iterations,
                                  const QDateTime& now) override;
    Result<std::optional<Account>> findAccount(const QString& username) override
    {
        return m_inner->findAccount(username);
    }
    Result<std::optional<Account>> findAccountById(qint64 id) override
    {
        return m_inner->findAccountById(id);
    }
    Result<qint64> accountCount() override { return m_inner->accountCount(); }

    Result<void> insertToken(const TokenRecord& token) override;
    Result<std::optional<TokenRecord>> findToken(const QByteArray& tokenHash) override
    {
        return m_inner->findToken(tokenHash);
    }
    Result<void> deleteToken(const QByteArray& tokenHash) override;
    Result<int> deleteExpiredTokens(const QDateTime& now) override;

    Result<bool> upsertFile(const FileRecord& file) override;
    Result<std::optional<FileRecord>> findFile(const QByteArray& infoHash) override
    {
        return m_inner->findFile(infoHash);
    }
    Result<QList<FileRecord>> searchFiles(const QString& query, int limit, int offset) override
    {
        return m_inner->searchFiles(query, limit, offset);
    }
    Result<QList<FileRecord>> allFiles() override { return m_inner->allFiles(); }
    Result<qint64> fileCount() override { return m_inner->fileCount(); }

    Result<QList<Account>> allAccounts() override { return m_inner->allAccounts(); }
    Result<QList<TokenRecord>> allTokens() override { return m_inner->allTokens(); }
    Result<qint64> tokenCount() override { return m_inner->tokenCount(); }
    Result<QList<FileRecord>> allFilesWithMetainfo() override
    {
        return m_inner->allFilesWithMetainfo();
    }
    Result<void> putAccount(const Account& account) override
    {
        return m_inner->putAccount(account);
    }
    Result<void> putToken(const TokenRecord& token) override { return m_inner->putToken(token); }
    Result<void> putFile(const FileRecord& file) override { return m_inner->putFile(file); }
    Result<void> clearAll() override { return m_inner->clearAll(); }

private:
    void record(const QJsonObject& delta);

    std::unique_ptr<Store> m_inner;
    Recorder m_recorder;
    bool m_recording = true;
};

} // namespace swarmshare::tracker::ha
