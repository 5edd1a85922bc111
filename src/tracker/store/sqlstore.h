// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/store/schema.h"
#include "tracker/store/sqlsettings.h"
#include "tracker/store/store.h"

#include <memory>

namespace swarmshare::tracker {

class SqlConnection;

// The Store over QtSql, for SQLite and PostgreSQL alike: the same statements, with the few
// differences kept in SqlDialect. Each SqlStore owns its own named connection.
class SqlStore final : public Store {
public:
    // `migrations` is the schema to bring the database to; tests pass their own to check how a
    // failing migration is handled.
    explicit SqlStore(SqlSettings settings, QList<Migration> migrations = schemaMigrations());
    ~SqlStore() override;

    Result<void> open() override;
    int schemaVersion() const override { return m_schemaVersion; }
    QString kind() const override;

    Result<Account> createAccount(const QString& username, const QByteArray& passwordHash,
                                  const QByteArray& salt, int iterations,
                                  const QDateTime& now) override;
    Result<std::optional<Account>> findAccount(const QString& username) override;
    Result<std::optional<Account>> findAccountById(qint64 id) override;
    Result<qint64> accountCount() override;

    Result<void> insertToken(const TokenRecord& token) override;
    Result<std::optional<TokenRecord>> findToken(const QByteArray& tokenHash) override;
    Result<void> deleteToken(const QByteArray& tokenHash) override;
    Result<int> deleteExpiredTokens(const QDateTime& now) override;

    Result<bool> upsertFile(const FileRecord& file) override;
    Result<std::optional<FileRecord>> findFile(const QByteArray& infoHash) override;
    Result<QList<FileRecord>> searchFiles(const QString& query, int limit, int offset) override;
    Result<QList<FileRecord>> allFiles() override;
    Result<qint64> fileCount() override;

    Result<QList<Account>> allAccounts() override;
    Result<QList<TokenRecord>> allTokens() override;
    Result<qint64> tokenCount() override;
    Result<QList<FileRecord>> allFilesWithMetainfo() override;
    Result<void> putAccount(const Account& account) override;
    Result<void> putToken(const TokenRecord& token) override;
    Result<void> putFile(const FileRecord& file) override;
    Result<void> clearAll() override;

    // The key usernames are compared by: Unicode NFC, then case-folded.
    static QString usernameKey(const QString& username);

private:
    Result<std::optional<Account>> queryAccount(const QString& condition, const QVariant& value);
    Result<QList<FileRecord>> queryFiles(const QString& sql, const QVariantList& values,
                                         bool withMetainfo = false);
    Result<void> writeAccount(const Account& account);
    Result<void> writeFile(const FileRecord& file);
    Result<qint64> count(const QString& table);
    Result<bool> insertOrUpdateFile(const FileRecord& file);
    Result<void> fillInMetainfo(const FileRecord& file);

    std::unique_ptr<SqlConnection> m_connection;
    QList<Migration> m_migrations;
    int m_schemaVersion = 0;
};

} // namespace swarmshare::tracker
