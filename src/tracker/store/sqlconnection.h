// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "tracker/store/sqldialect.h"
#include "tracker/store/sqlsettings.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>

class QThread;

namespace swarmshare::tracker {

// One database connection under a name of its own (QSqlDatabase connections are process-wide
// and looked up by name, so two stores in one process must never share one). Statements are
// always prepared with bound values; failures become Errors with a code:
//   "conflict" (unique key taken), "invalid_argument" (a constraint or type refused a value),
//   "unavailable" (anything else, with the driver's message).
// A PostgreSQL connection that was lost (server restart) is reopened on the next statement.
// Use from one thread only: the one that called open().
class SqlConnection {
public:
    explicit SqlConnection(SqlSettings settings);
    ~SqlConnection();
    SqlConnection(const SqlConnection&) = delete;
    SqlConnection& operator=(const SqlConnection&) = delete;

    Result<void> open();
    bool isOpen() const { return m_open; }
    const SqlDialect& dialect() const { return m_dialect; }
    const SqlSettings& settings() const { return m_settings; }

    // Prepares `sql`, binds `values` in order to its '?' placeholders and runs it. The query is
    // returned before its first row. `what` names the operation for the error message.
    Result<QSqlQuery> exec(const QString& what, const QString& sql,
                           const QVariantList& values = {});
    // Runs a statement that takes no values (schema changes, transaction control).
    Result<void> run(const QString& what, const QString& sql);

    // Runs `body` (returning some Result) inside a write transaction: committed when it
    // succeeds, rolled back when it fails. `body` must not keep queries alive past its return.
    template<typename Body>
    auto writeTransaction(const QString& what, Body&& body) -> decltype(body())
    {
        if (Result<void> begun = begin(what); !begun)
            return begun.error();
        auto result = body();
        if (!result) {
            rollback();
            return result;
        }
        if (Result<void> committed = commit(what); !committed) {
            rollback();
            return committed.error();
        }
        return result;
    }

private:
    Result<void> connect();
    Result<void> setUpSession();
    Result<void> reconnectIfLost();
    Result<void> begin(const QString& what);
    Result<void> commit(const QString& what);
    void rollback();
    Result<void> checkUsable(const QString& what);
    Error failure(const QString& what, const QSqlError& error);

    SqlSettings m_settings;
    SqlDialect m_dialect;
    QString m_name;
    QSqlDatabase m_db;
    QThread* m_thread = nullptr;
    bool m_open = false;
    bool m_lost = false;
    bool m_inTransaction = false;
};

// Null values of a given type (bound as SQL NULL).
QVariant sqlNullInteger();

} // namespace swarmshare::tracker
