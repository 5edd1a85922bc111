// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace swarmshare::tracker {

class SqlConnection;

// One step of the schema: statements with the type placeholders of SqlDialect::ddl.
struct Migration {
    int version = 0; // 1, 2, 3, ... in order
    QString summary;
    QStringList statements;
};

// Every migration of the store's schema, oldest first. Never edit a released migration:
// append a new one.
const QList<Migration>& schemaMigrations();

// Brings the database up to the last of `migrations` (1..n, in order), each step in its own
// transaction together with its row in schema_version, under a lock so that two processes
// opening one new database do not both migrate it. Returns the resulting version. A database
// whose version is above the last known one is refused ("unavailable"): it was written by a newer
// Swarmshare, and this one cannot know what the newer schema means.
Result<int> migrateSchema(SqlConnection& connection, const QList<Migration>& migrations);

} // namespace swarmshare::tracker
