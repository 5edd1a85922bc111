// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/store/sqlsettings.h"

#include <QSqlError>
#include <QString>
#include <QStringList>

namespace swarmshare::tracker {

// The few places where SQLite and PostgreSQL differ; everything else is the same SQL.
class SqlDialect {
public:
    explicit SqlDialect(SqlKind kind)
        : m_kind(kind)
    {}

    SqlKind kind() const { return m_kind; }
    QString name() const; // "sqlite" or "postgresql"
    QString driver() const;

    // Replaces the type placeholders of a schema statement:
    //   {id}    an auto-increment 64-bit primary key whose values are never reused
    //   {blob}  bytes (BLOB / BYTEA)
    //   {text}  text that sorts and compares byte by byte, the same in both databases
    QString ddl(QString statement) const;

    // Run once per connection, before anything else.
    QStringList sessionSetup() const;
    // Starts a transaction that will write. SQLite takes the write lock at once, so that a
    // transaction that reads first cannot fail later on a concurrent writer (SQLITE_BUSY).
    QString beginWrite() const;
    // Statements that serialise schema migrations between processes, run after beginWrite.
    QStringList lockForMigration() const;
    // Moves the generator of account ids past an id written explicitly (bound as the one
    // value), so that createAccount() never hands it out again; never moves it back. Empty for
    // SQLite, whose AUTOINCREMENT keeps track of the largest id ever inserted by itself.
    QString advanceAccountIds() const;

    enum class Failure {
        Other,     // anything else: the database answered with an error
        Duplicate, // a unique key is taken
        BadValue,  // a constraint or a type rejected a value
        ConnectionLost,
    };
    Failure classify(const QSqlError& error) const;

private:
    SqlKind m_kind;
};

} // namespace swarmshare::tracker
