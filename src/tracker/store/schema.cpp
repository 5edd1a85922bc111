// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/store/schema.h"

#include "tracker/store/sqlconnection.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QSqlQuery>

namespace swarmshare::tracker {

namespace {

Q_LOGGING_CATEGORY(lcStore, "swarmshare.tracker.store")

// Conventions, so that the schema can grow without surprises:
// - times are UTC milliseconds since the epoch (BIGINT), the same in both databases;
// - *_key columns hold what lookups compare (NFC, case-folded), next to the display form;
// - large blobs (.torrent files) live in their own table, so that scans of `files` stay small;
// - account ids are never reused (a replica can trust them).
const QList<Migration> migrations = {
    {1,
     QStringLiteral("accounts, tokens, files"),
     {
         QStringLiteral("CREATE TABLE accounts ("
                        " id {id},"
                        " username TEXT NOT NULL,"
                        " username_key {text} NOT NULL,"
                        " password_hash {blob} NOT NULL,"
                        " salt {blob} NOT NULL,"
                        " iterations INTEGER NOT NULL,"
                        " created_at BIGINT NOT NULL)"),
         QStringLiteral("CREATE UNIQUE INDEX accounts_username_key ON accounts (username_key)"),
         QStringLiteral("CREATE TABLE tokens ("
                        " token_hash {blob} PRIMARY KEY,"
                        " account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
                        " created_at BIGINT NOT NULL,"
                        " expires_at BIGINT NOT NULL)"),
         QStringLiteral("CREATE INDEX tokens_expires_at ON tokens (expires_at)"),
         QStringLiteral("CREATE INDEX tokens_account_id ON tokens (account_id)"),
         QStringLiteral("CREATE TABLE files ("
                        " info_hash {blob} PRIMARY KEY,"
                        " name TEXT NOT NULL,"
                        " name_key {text} NOT NULL,"
                        " size BIGINT NOT NULL,"
                        " piece_length BIGINT NOT NULL,"
                        " piece_count INTEGER NOT NULL,"
                        " added_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,"
                        " added_at BIGINT NOT NULL)"),
         // The search order: newest first, then by name.
         QStringLiteral("CREATE INDEX files_newest ON files (added_at DESC, name_key, info_hash)"),
         QStringLiteral("CREATE INDEX files_added_by ON files (added_by)"),
         QStringLiteral("CREATE TABLE file_metainfo ("
                        " info_hash {blob} PRIMARY KEY"
                        " REFERENCES files (info_hash) ON DELETE CASCADE,"
                        " data {blob} NOT NULL)"),
     }},
};

Result<int> currentVersion(SqlConnection& connection)
{
    Result<QSqlQuery> query =
        connection.exec(QStringLiteral("read the schema version"),
                        QStringLiteral("SELECT MAX(version) FROM schema_version"));
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toInt() : 0;
}

Result<void> apply(SqlConnection& connection, const Migration& migration)
{
    const QString what = QStringLiteral("migrate the schema to version %1").arg(migration.version);
    for (const QString& statement : migration.statements) {
        if (Result<void> done = connection.run(what, connection.dialect().ddl(statement)); !done)
            return done;
    }
    Result<QSqlQuery> recorded = connection.exec(
        what, QStringLiteral("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)"),
        {migration.version, QDateTime::currentMSecsSinceEpoch()});
    if (!recorded)
        return recorded.error();
    return {};
}

// Inside one transaction: finds the version and applies the next migration if there is one.
Result<int> step(SqlConnection& connection, const QList<Migration>& migrations)
{
    const QString what = QStringLiteral("prepare the schema");
    for (const QString& statement : connection.dialect().lockForMigration()) {
        if (Result<void> locked = connection.run(what, statement); !locked)
            return locked.error();
    }
    if (Result<void> created = connection.run(
            what, QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version ("
                                 " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"));
        !created)
        return created.error();
    Result<int> version = currentVersion(connection);
    if (!version)
        return version;
    const int latest = migrations.isEmpty() ? 0 : migrations.constLast().version;
    if (*version > latest)
        return makeCodedError(QStringLiteral("unavailable"),
                              QStringLiteral("the %1 has schema version %2, newer than this "
                                             "Swarmshare understands (%3): use a newer Swarmshare")
                                  .arg(connection.settings().describe())
                                  .arg(*version)
                                  .arg(latest));
    if (*version == latest)
        return latest;
    const Migration& next = migrations.at(*version);
    if (Result<void> applied = apply(connection, next); !applied)
        return applied.error();
    qCInfo(lcStore, "%s: schema migrated to version %d (%s)",
           qUtf8Printable(connection.settings().describe()), next.version,
           qUtf8Printable(next.summary));
    return next.version;
}

} // namespace

const QList<Migration>& schemaMigrations()
{
    return migrations;
}

Result<int> migrateSchema(SqlConnection& connection, const QList<Migration>& migrations)
{
    for (qsizetype i = 0; i < migrations.size(); ++i)
        Q_ASSERT_X(migrations.at(i).version == i + 1, "migrateSchema", "versions are 1, 2, 3...");
    const int latest = migrations.isEmpty() ? 0 : migrations.constLast().version;
    for (;;) {
        Result<int> version = connection.writeTransaction(
            QStringLiteral("migrate the schema"), [&] { return step(connection, migrations); });
        if (!version || *version == latest)
            return version;
    }
}

} // namespace swarmshare::tracker
