// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/store/sqlstore.h"

#include "tracker/store/sqlconnection.h"

#include <QRegularExpression>
#include <QSqlQuery>

namespace swarmshare::tracker {

namespace {

constexpr qsizetype infoHashBytes = 20;
constexpr qsizetype tokenHashBytes = 32; // SHA-256
constexpr int maxSearchLimit = 1000;
constexpr qsizetype maxSearchWords = 32; // bounds the statement a query can build

const QString accountColumns =
    QStringLiteral("id, username, password_hash, salt, iterations, created_at");
const QString fileColumns =
    QStringLiteral("f.info_hash, f.name, f.size, f.piece_length, f.piece_count, f.added_by, "
                   "f.added_at");

Error invalidArgument(const QString& message)
{
    return makeCodedError(QStringLiteral("invalid_argument"), message);
}

qint64 toMs(const QDateTime& time)
{
    return time.toMSecsSinceEpoch();
}

QDateTime fromMs(const QVariant& value)
{
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

// NFC first: a name typed on one system and on another must meet ("Việt" has two encodings).
QString foldedKey(const QString& text)
{
    return text.normalized(QString::NormalizationForm_C).toCaseFolded();
}

// Qt binds a null QString as SQL NULL; an empty name is still a name.
QString notNull(const QString& text)
{
    return text.isNull() ? QString(QLatin1String("")) : text;
}

// PostgreSQL refuses U+0000 in text; SQLite would keep it and then compare oddly.
bool hasNul(const QString& text)
{
    return text.contains(QChar(u'\0'));
}

Result<void> checkFile(const FileRecord& file)
{
    if (file.infoHash.size() != infoHashBytes)
        return invalidArgument(
            QStringLiteral("an info-hash has 20 bytes, not %1").arg(file.infoHash.size()));
    if (hasNul(file.name))
        return invalidArgument(QStringLiteral("the file name contains a NUL character"));
    if (file.size < 0 || file.pieceLength < 0 || file.pieceCount < 0)
        return invalidArgument(QStringLiteral("size, piece length and piece count cannot be "
                                              "negative"));
    if (file.addedBy < 0 || !file.addedAt.isValid())
        return invalidArgument(QStringLiteral("a file needs a valid addedBy and addedAt"));
    return {};
}

Result<void> checkToken(const TokenRecord& token)
{
    if (token.tokenHash.size() != tokenHashBytes)
        return invalidArgument(
            QStringLiteral("a token hash has 32 bytes, not %1").arg(token.tokenHash.size()));
    if (token.accountId <= 0 || !token.createdAt.isValid() || !token.expiresAt.isValid())
        return invalidArgument(QStringLiteral("a token needs an account and valid times"));
    return {};
}

// The rules createAccount() applies, plus a given id (putAccount).
Result<void> checkAccount(const Account& account)
{
    if (account.id <= 0)
        return invalidArgument(QStringLiteral("an account id is positive, not %1").arg(account.id));
    if (account.username.isEmpty() || hasNul(account.username))
        return invalidArgument(QStringLiteral("a username cannot be empty or contain NUL"));
    if (account.passwordHash.isEmpty() || account.salt.isEmpty() || account.iterations <= 0 ||
        !account.createdAt.isValid())
        return invalidArgument(QStringLiteral("an account needs a password hash, a salt, a "
                                              "positive iteration count and a valid time"));
    return {};
}

TokenRecord tokenFrom(const QSqlQuery& query)
{
    return TokenRecord{query.value(0).toByteArray(), query.value(1).toLongLong(),
                       fromMs(query.value(2)), fromMs(query.value(3))};
}

Account accountFrom(const QSqlQuery& query)
{
    Account account;
    account.id = query.value(0).toLongLong();
    account.username = query.value(1).toString();
    account.passwordHash = query.value(2).toByteArray();
    account.salt = query.value(3).toByteArray();
    account.iterations = query.value(4).toInt();
    account.createdAt = fromMs(query.value(5));
    return account;
}

// Reads fileColumns, and the metainfo when the query selected it as an eighth column.
FileRecord fileFrom(const QSqlQuery& query, bool withMetainfo)
{
    FileRecord file;
    file.infoHash = query.value(0).toByteArray();
    file.name = query.value(1).toString();
    file.size = query.value(2).toLongLong();
    file.pieceLength = query.value(3).toLongLong();
    file.pieceCount = query.value(4).toInt();
    file.addedBy = query.value(5).toLongLong(); // NULL reads as 0, "unknown"
    file.addedAt = fromMs(query.value(6));
    if (withMetainfo)
        file.metainfo = query.value(7).toByteArray();
    return file;
}

// A LIKE pattern matching `word` anywhere, with LIKE's own characters taken literally.
QString containsPattern(QString word)
{
    word.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    word.replace(QLatin1Char('%'), QLatin1String("\\%"));
    word.replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + word + QLatin1Char('%');
}

} // namespace

SqlStore::SqlStore(SqlSettings settings, QList<Migration> migrations)
    : m_connection(std::make_unique<SqlConnection>(std::move(settings)))
    , m_migrations(std::move(migrations))
{}

SqlStore::~SqlStore() = default;

QString SqlStore::kind() const
{
    return m_connection->dialect().name();
}

QString SqlStore::usernameKey(const QString& username)
{
    return foldedKey(username);
}

Result<void> SqlStore::open()
{
    if (Result<void> opened = m_connection->open(); !opened)
        return opened;
    Result<int> version = migrateSchema(*m_connection, m_migrations);
    if (!version)
        return version.error();
    m_schemaVersion = *version;
    return {};
}

Result<Account> SqlStore::createAccount(const QString& username, const QByteArray& passwordHash,
                                        const QByteArray& salt, int iterations,
                                        const QDateTime& now)
{
    if (username.isEmpty() || hasNul(username))
        return invalidArgument(QStringLiteral("a username cannot be empty or contain NUL"));
    if (passwordHash.isEmpty() || salt.isEmpty() || iterations <= 0 || !now.isValid())
        return invalidArgument(QStringLiteral("an account needs a password hash, a salt, a "
                                              "positive iteration count and a valid time"));
    Result<QSqlQuery> query = m_connection->exec(
        QStringLiteral("create account"),
        QStringLiteral("INSERT INTO accounts (username, username_key, password_hash, salt, "
                       "iterations, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
        {username, usernameKey(username), passwordHash, salt, iterations, toMs(now)});
    if (!query) {
        if (query.error().code == QLatin1String("conflict"))
            return makeCodedError(QStringLiteral("conflict"),
                                  QStringLiteral("the username \"%1\" is taken").arg(username));
        return query.error();
    }
    if (!query->next())
        return makeCodedError(QStringLiteral("unavailable"),
                              QStringLiteral("create account: the database returned no id"));
    return Account{query->value(0).toLongLong(),
                   username,
                   passwordHash,
                   salt,
                   iterations,
                   QDateTime::fromMSecsSinceEpoch(toMs(now), Qt::UTC)};
}

Result<std::optional<Account>> SqlStore::queryAccount(const QString& condition,
                                                      const QVariant& value)
{
    Result<QSqlQuery> query = m_connection->exec(
        QStringLiteral("find account"),
        QStringLiteral("SELECT %1 FROM accounts WHERE %2 = ?").arg(accountColumns, condition),
        {value});
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<Account>();
    return std::optional<Account>(accountFrom(*query));
}

Result<std::optional<Account>> SqlStore::findAccount(const QString& username)
{
    return queryAccount(QStringLiteral("username_key"), usernameKey(username));
}

Result<std::optional<Account>> SqlStore::findAccountById(qint64 id)
{
    return queryAccount(QStringLiteral("id"), id);
}

Result<qint64> SqlStore::count(const QString& table)
{
    Result<QSqlQuery> query =
        m_connection->exec(QStringLiteral("count %1").arg(table),
                           QStringLiteral("SELECT COUNT(*) FROM %1").arg(table));
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toLongLong() : 0;
}

Result<qint64> SqlStore::accountCount()
{
    return count(QStringLiteral("accounts"));
}

Result<void> SqlStore::insertToken(const TokenRecord& token)
{
    if (Result<void> valid = checkToken(token); !valid)
        return valid;
    Result<QSqlQuery> query = m_connection->exec(
        QStringLiteral("insert token"),
        QStringLiteral("INSERT INTO tokens (token_hash, account_id, created_at, expires_at) "
                       "VALUES (?, ?, ?, ?)"),
        {token.tokenHash, token.accountId, toMs(token.createdAt), toMs(token.expiresAt)});
    if (!query)
        return query.error();
    return {};
}

Result<std::optional<TokenRecord>> SqlStore::findToken(const QByteArray& tokenHash)
{
    Result<QSqlQuery> query = m_connection->exec(
        QStringLiteral("find token"),
        QStringLiteral("SELECT token_hash, account_id, created_at, expires_at FROM tokens "
                       "WHERE token_hash = ?"),
        {tokenHash});
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<TokenRecord>();
    return std::optional<TokenRecord>(tokenFrom(*query));
}

Result<void> SqlStore::deleteToken(const QByteArray& tokenHash)
{
    Result<QSqlQuery> query =
        m_connection->exec(QStringLiteral("delete token"),
                           QStringLiteral("DELETE FROM tokens WHERE token_hash = ?"), {tokenHash});
    if (!query)
        return query.error();
    return {};
}

Result<int> SqlStore::deleteExpiredTokens(const QDateTime& now)
{
    if (!now.isValid())
        return invalidArgument(QStringLiteral("deleteExpiredTokens needs a valid time"));
    Result<QSqlQuery> query =
        m_connection->exec(QStringLiteral("delete expired tokens"),
                           QStringLiteral("DELETE FROM tokens WHERE expires_at <= ?"), {toMs(now)});
    if (!query)
        return query.error();
    return query->numRowsAffected();
}

Result<bool> SqlStore::upsertFile(const FileRecord& file)
{
    if (Result<void> valid = checkFile(file); !valid)
        return valid.error();
    return m_connection->writeTransaction(QStringLiteral("add file"), [&]() -> Result<bool> {
        Result<bool> isNew = insertOrUpdateFile(file);
        if (!isNew || file.metainfo.isEmpty())
            return isNew;
        if (Result<void> filled = fillInMetainfo(file); !filled)
            return filled.error();
        return isNew;
    });
}

Result<bool> SqlStore::insertOrUpdateFile(const FileRecord& file)
{
    const QString what = QStringLiteral("add file");
    // Inserting first (and doing nothing on a taken key) decides "new" without a race between
    // two writers, which a SELECT first would have.
    Result<QSqlQuery> inserted = m_connection->exec(
        what,
        QStringLiteral("INSERT INTO files (info_hash, name, name_key, size, piece_length, "
                       "piece_count, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (info_hash) DO NOTHING"),
        {file.infoHash, notNull(file.name), notNull(foldedKey(file.name)), file.size,
         file.pieceLength, file.pieceCount,
         file.addedBy > 0 ? QVariant(file.addedBy) : sqlNullInteger(), toMs(file.addedAt)});
    if (!inserted)
        return inserted.error();
    if (inserted->numRowsAffected() == 1)
        return true;
    Result<QSqlQuery> updated = m_connection->exec(
        what,
        QStringLiteral("UPDATE files SET name = ?, name_key = ?, size = ?, piece_length = ?, "
                       "piece_count = ? WHERE info_hash = ?"),
        {notNull(file.name), notNull(foldedKey(file.name)), file.size, file.pieceLength,
         file.pieceCount, file.infoHash});
    if (!updated)
        return updated.error();
    return false;
}

Result<void> SqlStore::fillInMetainfo(const FileRecord& file)
{
    const QString what = QStringLiteral("add metainfo");
    // Looked up first so that a peer re-announcing its .torrent does not ship megabytes to the
    // database for nothing; ON CONFLICT still guards against a concurrent writer.
    Result<QSqlQuery> present = m_connection->exec(
        what, QStringLiteral("SELECT 1 FROM file_metainfo WHERE info_hash = ?"), {file.infoHash});
    if (!present)
        return present.error();
    if (present->next())
        return {};
    Result<QSqlQuery> inserted = m_connection->exec(
        what,
        QStringLiteral("INSERT INTO file_metainfo (info_hash, data) VALUES (?, ?) "
                       "ON CONFLICT (info_hash) DO NOTHING"),
        {file.infoHash, file.metainfo});
    if (!inserted)
        return inserted.error();
    return {};
}

Result<std::optional<FileRecord>> SqlStore::findFile(const QByteArray& infoHash)
{
    Result<QSqlQuery> query = m_connection->exec(
        QStringLiteral("find file"),
        QStringLiteral("SELECT %1, m.data FROM files f LEFT JOIN file_metainfo m "
                       "ON m.info_hash = f.info_hash WHERE f.info_hash = ?")
            .arg(fileColumns),
        {infoHash});
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<FileRecord>();
    return std::optional<FileRecord>(fileFrom(*query, true));
}

Result<QList<FileRecord>> SqlStore::queryFiles(const QString& sql, const QVariantList& values,
                                               bool withMetainfo)
{
    Result<QSqlQuery> query = m_connection->exec(QStringLiteral("list files"), sql, values);
    if (!query)
        return query.error();
    QList<FileRecord> files;
    while (query->next())
        files.append(fileFrom(*query, withMetainfo));
    return files;
}

Result<QList<FileRecord>> SqlStore::searchFiles(const QString& query, int limit, int offset)
{
    static const QRegularExpression space(QStringLiteral("\\s+"));
    const QStringList words = foldedKey(query).split(space, Qt::SkipEmptyParts);
    if (words.size() > maxSearchWords)
        return invalidArgument(
            QStringLiteral("a search takes at most %1 words").arg(maxSearchWords));
    QStringList conditions;
    QVariantList values;
    for (const QString& word : words) {
        conditions.append(QStringLiteral("f.name_key LIKE ? ESCAPE '\\'"));
        values.append(containsPattern(word));
    }
    values.append(qBound(1, limit, maxSearchLimit));
    values.append(qMax(0, offset));
    const QString where = conditions.isEmpty()
                              ? QString()
                              : QStringLiteral(" WHERE ") + conditions.join(QLatin1String(" AND "));
    return queryFiles(QStringLiteral("SELECT %1 FROM files f%2 ORDER BY f.added_at DESC, "
                                     "f.name_key, f.info_hash LIMIT ? OFFSET ?")
                          .arg(fileColumns, where),
                      values);
}

Result<QList<FileRecord>> SqlStore::allFiles()
{
    return queryFiles(
        QStringLiteral("SELECT %1 FROM files f ORDER BY f.added_at, f.info_hash").arg(fileColumns),
        {});
}

Result<qint64> SqlStore::fileCount()
{
    return count(QStringLiteral("files"));
}

Result<QList<Account>> SqlStore::allAccounts()
{
    Result<QSqlQuery> query = m_connection->exec(
        QStringLiteral("list accounts"),
        QStringLiteral("SELECT %1 FROM accounts ORDER BY id").arg(accountColumns));
    if (!query)
        return query.error();
    QList<Account> accounts;
    while (query->next())
        accounts.append(accountFrom(*query));
    return accounts;
}

Result<QList<TokenRecord>> SqlStore::allTokens()
{
    // token_hash last: two tokens of one account made in the same millisecond still have a
    // fixed order, so that two snapshots of the same rows compare equal.
    Result<QSqlQuery> query = m_connection->exec(
        QStringLiteral("list tokens"),
        QStringLiteral("SELECT token_hash, account_id, created_at, expires_at FROM tokens "
                       "ORDER BY account_id, created_at, token_hash"));
    if (!query)
        return query.error();
    QList<TokenRecord> tokens;
    while (query->next())
        tokens.append(tokenFrom(*query));
    return tokens;
}

Result<qint64> SqlStore::tokenCount()
{
    return count(QStringLiteral("tokens"));
}

Result<QList<FileRecord>> SqlStore::allFilesWithMetainfo()
{
    return queryFiles(QStringLiteral("SELECT %1, m.data FROM files f LEFT JOIN file_metainfo m "
                                     "ON m.info_hash = f.info_hash ORDER BY f.added_at, "
                                     "f.info_hash")
                          .arg(fileColumns),
                      {}, true);
}

Result<void> SqlStore::putAccount(const Account& account)
{
    if (Result<void> valid = checkAccount(account); !valid)
        return valid;
    const QString what = QStringLiteral("put account");
    Result<void> put = m_connection->writeTransaction(what, [&] { return writeAccount(account); });
    if (!put && put.error().code == QLatin1String("conflict"))
        return makeCodedError(QStringLiteral("conflict"),
                              QStringLiteral("the username \"%1\" is taken by another account")
                                  .arg(account.username));
    return put;
}

Result<void> SqlStore::writeAccount(const Account& account)
{
    const QString what = QStringLiteral("put account");
    // An UPDATE in place, never DELETE + INSERT: deleting the row would cascade to the
    // account's tokens and unlink its files. The id is the only conflict target, so a username
    // held by another id still fails on its unique index ("conflict").
    Result<QSqlQuery> written = m_connection->exec(
        what,
        QStringLiteral("INSERT INTO accounts (id, username, username_key, password_hash, salt, "
                       "iterations, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET username = excluded.username, "
                       "username_key = excluded.username_key, "
                       "password_hash = excluded.password_hash, salt = excluded.salt, "
                       "iterations = excluded.iterations, created_at = excluded.created_at"),
        {account.id, account.username, usernameKey(account.username), account.passwordHash,
         account.salt, account.iterations, toMs(account.createdAt)});
    if (!written)
        return written.error();
    const QString advance = m_connection->dialect().advanceAccountIds();
    if (advance.isEmpty())
        return {};
    Result<QSqlQuery> advanced = m_connection->exec(what, advance, {account.id});
    if (!advanced)
        return advanced.error();
    return {};
}

Result<void> SqlStore::putToken(const TokenRecord& token)
{
    if (Result<void> valid = checkToken(token); !valid)
        return valid;
    // One statement, hence atomic on its own.
    Result<QSqlQuery> query = m_connection->exec(
        QStringLiteral("put token"),
        QStringLiteral("INSERT INTO tokens (token_hash, account_id, created_at, expires_at) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT (token_hash) DO UPDATE SET "
                       "account_id = excluded.account_id, created_at = excluded.created_at, "
                       "expires_at = excluded.expires_at"),
        {token.tokenHash, token.accountId, toMs(token.createdAt), toMs(token.expiresAt)});
    if (!query)
        return query.error();
    return {};
}

Result<void> SqlStore::putFile(const FileRecord& file)
{
    if (Result<void> valid = checkFile(file); !valid)
        return valid;
    return m_connection->writeTransaction(QStringLiteral("put file"),
                                          [&] { return writeFile(file); });
}

Result<void> SqlStore::writeFile(const FileRecord& file)
{
    const QString what = QStringLiteral("put file");
    Result<QSqlQuery> written = m_connection->exec(
        what,
        QStringLiteral("INSERT INTO files (info_hash, name, name_key, size, piece_length, "
                       "piece_count, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (info_hash) DO UPDATE SET name = excluded.name, "
                       "name_key = excluded.name_key, size = excluded.size, "
                       "piece_length = excluded.piece_length, piece_count = excluded.piece_count, "
                       "added_by = excluded.added_by, added_at = excluded.added_at"),
        {file.infoHash, notNull(file.name), notNull(foldedKey(file.name)), file.size,
         file.pieceLength, file.pieceCount,
         file.addedBy > 0 ? QVariant(file.addedBy) : sqlNullInteger(), toMs(file.addedAt)});
    if (!written)
        return written.error();
    // "No .torrent" is the absence of a file_metainfo row (what upsertFile and findFile use).
    Result<QSqlQuery> metainfo =
        file.metainfo.isEmpty()
            ? m_connection->exec(what,
                                 QStringLiteral("DELETE FROM file_metainfo WHERE info_hash = ?"),
                                 {file.infoHash})
            : m_connection->exec(what,
                                 QStringLiteral("INSERT INTO file_metainfo (info_hash, data) "
                                                "VALUES (?, ?) ON CONFLICT (info_hash) "
                                                "DO UPDATE SET data = excluded.data"),
                                 {file.infoHash, file.metainfo});
    if (!metainfo)
        return metainfo.error();
    return {};
}

Result<void> SqlStore::clearAll()
{
    const QString what = QStringLiteral("clear the store");
    // Children before parents, so that no foreign key is ever left dangling mid-way. The id
    // generators are left alone: ids are never reused, not even after a clear.
    const QStringList tables = {QStringLiteral("tokens"), QStringLiteral("file_metainfo"),
                                QStringLiteral("files"), QStringLiteral("accounts")};
    return m_connection->writeTransaction(what, [&]() -> Result<void> {
        for (const QString& table : tables) {
            Result<QSqlQuery> deleted =
                m_connection->exec(what, QStringLiteral("DELETE FROM %1").arg(table));
            if (!deleted)
                return deleted.error();
        }
        return {};
    });
}

} // namespace swarmshare::tracker
