// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/store/sqlconnection.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QThread>

#include <atomic>

namespace swarmshare::tracker {

namespace {

QString uniqueConnectionName(const SqlDialect& dialect)
{
    static std::atomic<int> counter{0};
    return QStringLiteral("swarmshare-store-%1-%2").arg(dialect.name()).arg(++counter);
}

QString messageOf(const QSqlError& error)
{
    // databaseText is the server's own words; driverText only Qt's summary of the step. One
    // line, for the log.
    QString text = error.databaseText().simplified();
    if (text.isEmpty())
        text = error.driverText().simplified();
    if (text.isEmpty())
        text = QStringLiteral("unknown error");
    return text;
}

Error unavailable(const QString& message)
{
    return makeCodedError(QStringLiteral("unavailable"), message);
}

} // namespace

QVariant sqlNullInteger()
{
    return QVariant(QMetaType::fromType<qlonglong>());
}

SqlConnection::SqlConnection(SqlSettings settings)
    : m_settings(std::move(settings))
    , m_dialect(m_settings.kind)
    , m_name(uniqueConnectionName(m_dialect))
{}

SqlConnection::~SqlConnection()
{
    m_db.close();
    // removeDatabase warns while any QSqlDatabase copy of the connection is alive.
    m_db = QSqlDatabase();
    if (QSqlDatabase::contains(m_name))
        QSqlDatabase::removeDatabase(m_name);
}

Result<void> SqlConnection::open()
{
    if (m_open)
        return {};
    if (!QSqlDatabase::isDriverAvailable(m_dialect.driver()))
        return unavailable(QStringLiteral("the Qt SQL driver %1 is not installed (Debian: %2)")
                               .arg(m_dialect.driver(), m_dialect.kind() == SqlKind::Sqlite
                                                            ? QStringLiteral("libqt6sql6-sqlite")
                                                            : QStringLiteral("libqt6sql6-psql")));
    if (m_settings.kind == SqlKind::Sqlite) {
        const QString folder = QFileInfo(m_settings.database).absolutePath();
        if (!QDir().mkpath(folder))
            return unavailable(QStringLiteral("cannot create the folder %1").arg(folder));
    }
    if (!QSqlDatabase::contains(m_name))
        m_db = QSqlDatabase::addDatabase(m_dialect.driver(), m_name);
    m_db.setDatabaseName(m_settings.database);
    m_db.setHostName(m_settings.host);
    m_db.setPort(m_settings.port);
    m_db.setUserName(m_settings.userName);
    m_db.setPassword(m_settings.password);
    m_db.setConnectOptions(m_settings.connectOptions);
    m_thread = QThread::currentThread();
    if (Result<void> connected = connect(); !connected)
        return connected;
    m_open = true;
    return {};
}

Result<void> SqlConnection::connect()
{
    if (!m_db.open())
        return unavailable(QStringLiteral("cannot open the %1: %2")
                               .arg(m_settings.describe(), messageOf(m_db.lastError())));
    if (Result<void> session = setUpSession(); !session) {
        m_db.close();
        return session;
    }
    m_lost = false;
    return {};
}

Result<void> SqlConnection::setUpSession()
{
    for (const QString& statement : m_dialect.sessionSetup()) {
        QSqlQuery query(m_db);
        if (!query.exec(statement))
            return unavailable(QStringLiteral("cannot open the %1: %2")
                                   .arg(m_settings.describe(), messageOf(query.lastError())));
    }
    return {};
}

Result<void> SqlConnection::reconnectIfLost()
{
    if (!m_lost)
        return {};
    // Never in the middle of a transaction: its remaining statements would run on their own.
    if (m_inTransaction)
        return unavailable(
            QStringLiteral("the connection to the %1 was lost").arg(m_settings.describe()));
    m_db.close();
    return connect();
}

Result<void> SqlConnection::checkUsable(const QString& what)
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "SqlConnection",
               "a connection is used by the thread that opened it only");
    if (!m_open)
        return unavailable(QStringLiteral("%1: the store is not open").arg(what));
    return reconnectIfLost();
}

Result<QSqlQuery> SqlConnection::exec(const QString& what, const QString& sql,
                                      const QVariantList& values)
{
    if (Result<void> usable = checkUsable(what); !usable)
        return usable.error();
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return failure(what, query.lastError());
    for (const QVariant& value : values)
        query.addBindValue(value);
    if (!query.exec())
        return failure(what, query.lastError());
    return query;
}

Result<void> SqlConnection::run(const QString& what, const QString& sql)
{
    if (Result<void> usable = checkUsable(what); !usable)
        return usable;
    // Not prepared: PostgreSQL cannot PREPARE DDL or transaction control.
    QSqlQuery query(m_db);
    if (!query.exec(sql))
        return failure(what, query.lastError());
    return {};
}

Result<void> SqlConnection::begin(const QString& what)
{
    Result<void> begun = run(what, m_dialect.beginWrite());
    m_inTransaction = begun.ok();
    return begun;
}

Result<void> SqlConnection::commit(const QString& what)
{
    Result<void> committed = run(what, QStringLiteral("COMMIT"));
    if (committed)
        m_inTransaction = false; // a failure has rolled back already
    return committed;
}

void SqlConnection::rollback()
{
    if (!m_inTransaction)
        return; // already rolled back when the failing statement was seen
    m_inTransaction = false;
    if (m_lost)
        return; // the server rolled back when the connection dropped
    QSqlQuery query(m_db);
    query.exec(QStringLiteral("ROLLBACK"));
}

Error SqlConnection::failure(const QString& what, const QSqlError& error)
{
    const QString message = QStringLiteral("%1: %2").arg(what, messageOf(error));
    const SqlDialect::Failure kind = m_dialect.classify(error);
    m_lost = m_lost || kind == SqlDialect::Failure::ConnectionLost;
    // A failed statement ends the transaction. Rolling back now, while the failed query still
    // exists, lets PostgreSQL free its prepared statement (refused inside an aborted transaction).
    rollback();
    switch (kind) {
    case SqlDialect::Failure::Duplicate:
        return makeCodedError(QStringLiteral("conflict"), message);
    case SqlDialect::Failure::BadValue:
        return makeCodedError(QStringLiteral("invalid_argument"), message);
    case SqlDialect::Failure::ConnectionLost:
    case SqlDialect::Failure::Other:
        break;
    }
    return unavailable(message);
}

} // namespace swarmshare::tracker
