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

    // Replication (DESIGN.md §4): the backup must hold exactly main's rows, with the same ids.
    // Main reads a snapshot with the all* calls; the backup loads it with clearAll() and the
    // put* calls, and then applies each change with a put* call. Every put* is idempotent, so a
    // change that arrives twice (after a reconnect) does no harm. The all* calls each read in
    // one statement; a consistent snapshot of all three needs the store to be quiet meanwhile
    // (the tracker's thread is its only writer).

    // Every account, by id.
    virtual Result<QList<Account>> allAccounts() = 0;
    // Every token, by accountId, then createdAt, then tokenHash (a total, stable order).
    virtual Result<QList<TokenRecord>> allTokens() = 0;
    virtual Result<qint64> tokenCount() = 0;
    // Every file like allFiles() (oldest first), but with `metainfo` filled in.
    virtual Result<QList<FileRecord>> allFilesWithMetainfo() = 0;

    // Inserts the account with exactly its id, username, hash, salt, iterations and createdAt,
    // or, when that id exists, replaces those fields in place (its tokens and files stay).
    // A different id holding the same username (NFC, case-folded) is a "conflict"; an id <= 0
    // or a value createAccount() would refuse is "invalid_argument". Afterwards createAccount()
    // hands out ids above every id ever put or created.
    virtual Result<void> putAccount(const Account& account) = 0;
    // Inserts the token, or replaces the one with the same tokenHash; putting the same token
    // twice is not an error (unlike insertToken). Its account must exist ("invalid_argument").
    virtual Result<void> putToken(const TokenRecord& token) = 0;
    // Inserts the file, or replaces the whole row with the same infoHash exactly as given:
    // name, sizes, addedBy, addedAt and metainfo (an empty metainfo removes a stored one).
    // Unlike upsertFile there is no merging. addedBy must be 0 or an existing account.
    virtual Result<void> putFile(const FileRecord& file) = 0;
    // Deletes every account, token and file in one transaction; the schema stays and the store
    // stays open. Account ids are still never reused: createAccount() afterwards continues
    // above the highest id the store ever held (it does not start again from 1).
    virtual Result<void> clearAll() = 0;
};

// Opens the store a --db URL names: "" = SQLite at `defaultSqlitePath`, "sqlite:PATH",
// "postgresql://USER[:PASSWORD]@HOST[:PORT]/DB" (also "postgres://"). The store is not opened.
Result<std::unique_ptr<Store>> createStore(const QString& url, const QString& defaultSqlitePath);

} // namespace swarmshare::tracker
