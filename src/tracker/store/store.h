// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace swarmshare::tracker {

// What the tracker keeps across restarts: accounts, login tokens, and the files people share
// (with their .torrent). Live peers and leases are in memory only (SwarmRegistry).
//
// One interface, two implementations behind it (SQLite by default, PostgreSQL for larger
// deployments), both checked by one conformance suite (tests/tracker/store/). Every call is
// synchronous and meant for the tracker's own thread; each opens at most one short transaction.
// Failures come back as Error with a `code`:
//   "conflict"     a unique key is taken (createAccount with a username in use)
//   "unavailable"  the database cannot be reached or answered with an error
//   "invalid_argument"  a value the schema cannot hold (e.g. a 21-byte info-hash)

struct Account {
    qint64 id = 0;
    QString username;        // as registered (display form)
    QByteArray passwordHash; // PBKDF2-HMAC-SHA256 output
    QByteArray salt;
    int iterations = 0;
    QDateTime createdAt; // UTC, millisecond precision

    friend bool operator==(const Account&, const Account&) = default;
};

struct TokenRecord {
    QByteArray tokenHash; // SHA-256 of the bearer token; the token itself is never stored
    qint64 accountId = 0;
    QDateTime createdAt;
    QDateTime expiresAt;

    friend bool operator==(const TokenRecord&, const TokenRecord&) = default;
};

struct FileRecord {
    QByteArray infoHash; // 20 bytes
    QString name;
    qint64 size = 0;
    qint64 pieceLength = 0;
    int pieceCount = 0;
    QByteArray metainfo; // the .torrent file; may be empty when nobody uploaded it
    qint64 addedBy = 0;  // account id, 0 = unknown (e.g. added by /announce)
    QDateTime addedAt;

    friend bool operator==(const FileRecord&, const FileRecord&) = default;
};

class Store {
    Q_DECLARE_TR_FUNCTIONS(Store)

public:
    virtual ~Store() = default;

    // Connects and brings the schema up to date (versioned migrations, each in a transaction).
    // A database written by a newer Swarmshare (a higher schema version) is refused.
    virtual Result<void> open() = 0;
    // 0 until open() has succeeded.
    virtual int schemaVersion() const = 0;
    // "sqlite" or "postgresql" (for /health and logs).
    virtual QString kind() const = 0;

    // Accounts. Usernames are unique without regard to case ("Alice" and "alice" collide);
    // lookups ignore case too. Names are compared after Unicode NFC normalisation and case
    // folding, so the composed and decomposed spellings of "Đức" are one name.
    virtual Result<Account> createAccount(const QString& username, const QByteArray& passwordHash,
                                          const QByteArray& salt, int iterations,
                                          const QDateTime& now) = 0;
    virtual Result<std::optional<Account>> findAccount(const QString& username) = 0;
    virtual Result<std::optional<Account>> findAccountById(qint64 id) = 0;
    virtual Result<qint64> accountCount() = 0;

    // Tokens. A tokenHash has 32 bytes; a token must belong to an existing account.
    virtual Result<void> insertToken(const TokenRecord& token) = 0;
    virtual Result<std::optional<TokenRecord>> findToken(const QByteArray& tokenHash) = 0;
    virtual Result<void> deleteToken(const QByteArray& tokenHash) = 0;
    // Removes tokens with expiresAt <= now; returns how many.
    virtual Result<int> deleteExpiredTokens(const QDateTime& now) = 0;

    // Files. upsertFile inserts, or updates name/size/pieces and fills in metainfo when the
    // stored row has none (it never replaces a stored .torrent, never changes addedBy/addedAt);
    // returns true when the row is new.
    virtual Result<bool> upsertFile(const FileRecord& file) = 0;
    virtual Result<std::optional<FileRecord>> findFile(const QByteArray& infoHash) = 0;
    // Case-insensitive search: every whitespace-separated word of `query` must occur in the
    // name (substring; % and _ are literal). Newest first, then by name. `metainfo` is left
    // empty in the results. An empty query lists everything. `limit` is clamped to 1..1000 and
    // `offset` to >= 0; a query of more than 32 words is refused ("invalid_argument").
    virtual Result<QList<FileRecord>> searchFiles(const QString& query, int limit, int offset) = 0;
    // Every file, with `metainfo` left empty, oldest first (loaded into memory at start-up).
    virtual Result<QList<FileRecord>> allFiles() = 0;
    virtual Result<qint64> fileCount() = 0;
};

// Opens the store a --db URL names: "" = SQLite at `defaultSqlitePath`, "sqlite:PATH",
// "postgresql://USER[:PASSWORD]@HOST[:PORT]/DB" (also "postgres://"). The store is not opened.
Result<std::unique_ptr<Store>> createStore(const QString& url, const QString& defaultSqlitePath);

} // namespace swarmshare::tracker
