// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QString>

namespace swarmshare::tracker {

enum class SqlKind { Sqlite, Postgresql };

// Where a store's database is, as parsed from a --db URL (see createStore in store.h).
struct SqlSettings {
    SqlKind kind = SqlKind::Sqlite;
    QString database; // SQLite: the file; PostgreSQL: the database name
    QString host;     // PostgreSQL: a host name or address, or a unix socket folder
    int port = -1;    // -1 = the driver's default (5432)
    QString userName;
    QString password;
    QString connectOptions; // QPSQL options, "key=value;key=value"

    // For messages and logs: never contains the password.
    QString describe() const;
};

// Parses a --db URL: "" = SQLite at `defaultSqlitePath`, "sqlite:PATH",
// "postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DB[?PARAMETERS]" (also "postgres://"), where
// PARAMETERS are libpq's host (e.g. a unix socket folder, replacing HOST), port, sslmode,
// connect_timeout (default 10 s) and application_name. USER and PASSWORD are percent-decoded.
// Malformed URLs give "invalid_argument"; messages never contain the password.
Result<SqlSettings> parseStoreUrl(const QString& url, const QString& defaultSqlitePath);

} // namespace swarmshare::tracker
