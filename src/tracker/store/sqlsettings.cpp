// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/store/sqlsettings.h"

#include <QDir>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

namespace swarmshare::tracker {

namespace {

Error invalid(const QString& url, const QString& why)
{
    // The URL may hold a password: show only its scheme.
    const QString scheme = url.section(QLatin1Char(':'), 0, 0);
    return makeCodedError(QStringLiteral("invalid_argument"),
                          QStringLiteral("invalid database URL (%1:...): %2").arg(scheme, why));
}

Result<SqlSettings> parseSqlite(const QString& path)
{
    SqlSettings settings;
    settings.kind = SqlKind::Sqlite;
    settings.database = QDir::cleanPath(path);
    return settings;
}

// libpq parameters that may follow '?'. Others are refused rather than silently ignored.
bool isKnownParameter(const QString& key)
{
    static const QStringList known = {QStringLiteral("host"), QStringLiteral("port"),
                                      QStringLiteral("sslmode"), QStringLiteral("connect_timeout"),
                                      QStringLiteral("application_name")};
    return known.contains(key);
}

// Applies the query part; Qt joins connect options with ';' and hands them to libpq unquoted,
// so values are limited to characters that need no quoting.
Result<void> applyQuery(const QUrl& url, SqlSettings& settings, const QString& text)
{
    static const QRegularExpression plainValue(QStringLiteral("^[A-Za-z0-9_./-]+$"));
    bool hasTimeout = false;
    bool hasName = false;
    QStringList options;
    const auto items = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
    for (const auto& [key, value] : items) {
        if (!isKnownParameter(key))
            return invalid(text, QStringLiteral("unknown parameter \"%1\"").arg(key));
        if (!plainValue.match(value).hasMatch())
            return invalid(text, QStringLiteral("bad value for \"%1\"").arg(key));
        bool numeric = false;
        if (key == QLatin1String("host")) {
            settings.host = value;
            continue;
        }
        if (key == QLatin1String("port")) {
            settings.port = value.toInt(&numeric);
            if (!numeric || settings.port < 1 || settings.port > 65535)
                return invalid(text, QStringLiteral("port must be a number from 1 to 65535"));
            continue;
        }
        if (key == QLatin1String("connect_timeout")) {
            hasTimeout = true;
            if (value.toInt(&numeric) < 0 || !numeric)
                return invalid(text, QStringLiteral("connect_timeout must be a number of seconds"));
        }
        hasName = hasName || key == QLatin1String("application_name");
        options.append(key + QLatin1Char('=') + value);
    }
    // libpq waits forever for an unresponsive host by default; a tracker should not.
    if (!hasTimeout)
        options.append(QStringLiteral("connect_timeout=10"));
    // Names our connections in pg_stat_activity.
    if (!hasName)
        options.append(QStringLiteral("application_name=swarmshare"));
    settings.connectOptions = options.join(QLatin1Char(';'));
    return {};
}

Result<SqlSettings> parsePostgresql(const QString& text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid()) // QUrl's message quotes the whole URL, password included: cut it off
        return invalid(text, url.errorString().section(QLatin1String("; source was"), 0, 0));
    if (url.hasFragment())
        return invalid(text, QStringLiteral("unexpected '#' part"));
    SqlSettings settings;
    settings.kind = SqlKind::Postgresql;
    settings.host = url.host(QUrl::FullyDecoded);
    settings.port = url.port(-1);
    settings.userName = url.userName(QUrl::FullyDecoded);
    settings.password = url.password(QUrl::FullyDecoded);
    const QString path = url.path(QUrl::FullyDecoded);
    settings.database = path.mid(1);
    if (!path.startsWith(QLatin1Char('/')) || settings.database.isEmpty() ||
        settings.database.contains(QLatin1Char('/')))
        return invalid(text, QStringLiteral("expected one database name after the host, as in "
                                            "postgresql://user@host/database"));
    if (url.port() == 0)
        return invalid(text, QStringLiteral("port 0"));
    if (Result<void> query = applyQuery(url, settings, text); !query)
        return query.error();
    if (settings.host.isEmpty())
        return invalid(text, QStringLiteral("missing host"));
    return settings;
}

} // namespace

QString SqlSettings::describe() const
{
    if (kind == SqlKind::Sqlite)
        return QStringLiteral("SQLite database %1").arg(database);
    const QString where =
        host.startsWith(QLatin1Char('/'))
            ? host
            : host + (port > 0 ? QLatin1Char(':') + QString::number(port) : QString());
    return QStringLiteral("PostgreSQL database \"%1\" at %2").arg(database, where);
}

Result<SqlSettings> parseStoreUrl(const QString& url, const QString& defaultSqlitePath)
{
    if (url.isEmpty()) {
        if (defaultSqlitePath.isEmpty())
            return makeCodedError(QStringLiteral("invalid_argument"),
                                  QStringLiteral("no database given and no default SQLite path"));
        return parseSqlite(defaultSqlitePath);
    }
    if (url.startsWith(QLatin1String("sqlite:"), Qt::CaseInsensitive)) {
        const QString path = url.mid(7);
        if (path.isEmpty())
            return invalid(url, QStringLiteral("missing file path, as in sqlite:/var/lib/x.db"));
        return parseSqlite(path);
    }
    if (url.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive) ||
        url.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive))
        return parsePostgresql(url);
    return makeCodedError(QStringLiteral("invalid_argument"),
                          QStringLiteral("unsupported database URL: use sqlite:PATH or "
                                         "postgresql://USER[:PASSWORD]@HOST[:PORT]/DB"));
}

} // namespace swarmshare::tracker
