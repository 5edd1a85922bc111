// SPDX-License-Identifier: GPL-3.0-or-later
// The database behind one run of the store conformance suite: SQLite files in a temporary
// folder, or databases on a real PostgreSQL server started by tests/support/postgres.sh.
// Which one is chosen at compile time (SWARMSHARE_STORE_SQLITE / SWARMSHARE_STORE_POSTGRESQL).
#pragma once

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUrl>
#include <QVariant>

#include <memory>

namespace swarmshare::test {

class StoreBackend {
public:
#if defined(SWARMSHARE_STORE_POSTGRESQL)
    static constexpr bool isPostgresql = true;
#else
    static constexpr bool isPostgresql = false;
#endif

    ~StoreBackend()
    {
        shutDown();
    }

    // initTestCase. Returns an error message, empty on success.
    QString startUp()
    {
        if constexpr (!isPostgresql)
            return {};
        else
            return startPostgresql();
    }

    // cleanupTestCase: stops a server this process started (one from the CTest fixture is
    // stopped by the fixture's cleanup test).
    void shutDown()
    {
        dropAll();
        closeConnection(adminConnection);
        if (m_serverDir) {
            runScript({QStringLiteral("stop"), m_serverDir->path()}, nullptr);
            m_serverDir.reset();
        }
    }

    // An empty database; returns its --db URL (empty on failure). By default it becomes the
    // current one, the one raw() works on. SQLite: a new file. PostgreSQL: the current one is
    // the server's database with its `public` schema dropped and created again (CREATE DATABASE
    // takes half a second, too slow for every test); others are new databases, dropped by
    // dropAll().
    QString createDatabase(bool makeCurrent = true)
    {
        const QString name = QStringLiteral("swarmshare_t%1").arg(++m_counter);
        QString url;
        if constexpr (!isPostgresql) {
            // A nested path: the store must create the folders.
            m_dirs.push_back(std::make_unique<QTemporaryDir>());
            url = QStringLiteral("sqlite:%1/data/tracker/%2.db").arg(m_dirs.back()->path(), name);
        } else if (makeCurrent) {
            closeConnection(rawConnectionName);
            if (!admin(QStringLiteral("DROP SCHEMA IF EXISTS public CASCADE")) ||
                !admin(QStringLiteral("CREATE SCHEMA public")))
                return {};
            url = m_serverUrl;
        } else {
            if (!admin(QStringLiteral("CREATE DATABASE %1").arg(name)))
                return {};
            m_databases.append(name);
            QUrl parsed(m_serverUrl);
            parsed.setPath(QLatin1Char('/') + name);
            url = parsed.toString();
        }
        if (makeCurrent) {
            closeConnection(rawConnectionName);
            m_current = url;
        }
        return url;
    }

    QString currentUrl() const
    {
        return m_current;
    }

    // Runs `sql` on the current database behind the store's back; returns the first column of
    // the first row (an invalid QVariant when there is none), or sets `error`.
    QVariant raw(const QString& sql, QString* error = nullptr)
    {
        QSqlDatabase db = rawConnection();
        QSqlQuery query(db);
        if (!query.exec(sql)) {
            if (error)
                *error = query.lastError().text();
            return {};
        }
        return query.next() ? query.value(0) : QVariant();
    }

    // Runs `sql` as the server's superuser (PostgreSQL only).
    bool admin(const QString& sql, QString* error = nullptr)
    {
        QSqlQuery query(QSqlDatabase::database(QLatin1String(adminConnection)));
        if (query.exec(sql))
            return true;
        if (error)
            *error = query.lastError().text();
        qWarning("admin statement failed: %s: %s", qUtf8Printable(sql),
                 qUtf8Printable(query.lastError().text()));
        return false;
    }

    // The folder of the server's unix socket (postgres.sh puts it in its DIR).
    QString socketDir() const
    {
        return m_socketDir;
    }

    // Drops every database this run created (SQLite: deletes the folders).
    void dropAll()
    {
        closeConnection(rawConnectionName);
        if constexpr (isPostgresql) {
            for (const QString& name : std::as_const(m_databases))
                admin(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(name));
        }
        m_databases.clear();
        m_dirs.clear();
        m_current.clear();
    }

private:
    static constexpr const char* adminConnection = "tst-store-admin";
    static constexpr const char* rawConnectionName = "tst-store-raw";

    static void closeConnection(const char* name)
    {
        if (!QSqlDatabase::contains(QLatin1String(name)))
            return;
        QSqlDatabase::database(QLatin1String(name), false).close();
        QSqlDatabase::removeDatabase(QLatin1String(name));
    }

    static QString script()
    {
        return QStringLiteral(SWARMSHARE_SOURCE_DIR "/tests/support/postgres.sh");
    }

    // Runs postgres.sh to completion within a bounded time; returns its exit code.
    static int runScript(const QStringList& args, QByteArray* out)
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process.start(QStringLiteral("bash"), QStringList{script()} + args);
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished(5000);
            return -1;
        }
        if (out)
            *out = process.readAllStandardOutput().trimmed();
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    }

    QString startPostgresql()
    {
        const QByteArray urlFile = qgetenv("SWARMSHARE_POSTGRES_URL_FILE");
        if (!urlFile.isEmpty()) {
            // Started by the CTest fixture (tests/tracker/store/CMakeLists.txt).
            QFile file(QString::fromLocal8Bit(urlFile));
            if (!file.open(QIODevice::ReadOnly))
                return QStringLiteral("no PostgreSQL URL in %1: did the fixture's start test fail?")
                    .arg(file.fileName());
            m_serverUrl = QString::fromUtf8(file.readAll().trimmed());
            m_socketDir = QFileInfo(file).absolutePath();
        } else {
            m_serverDir = std::make_unique<QTemporaryDir>();
            QByteArray out;
            const QStringList args = {QStringLiteral("start"), m_serverDir->path(),
                                      QStringLiteral("--owner"),
                                      QString::number(QCoreApplication::applicationPid())};
            if (runScript(args, &out) != 0)
                return QStringLiteral("tests/support/postgres.sh could not start PostgreSQL");
            m_serverUrl = QString::fromUtf8(out);
            m_socketDir = m_serverDir->path();
        }
        return openAdmin();
    }

    QString openAdmin()
    {
        const QUrl url(m_serverUrl);
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QLatin1String(adminConnection));
        db.setHostName(url.host());
        db.setPort(url.port());
        db.setUserName(url.userName());
        db.setPassword(url.password());
        db.setDatabaseName(url.path().mid(1));
        if (!db.open())
            return QStringLiteral("cannot connect to %1: %2")
                .arg(url.host(), db.lastError().text());
        // NOTICEs such as "drop cascades to 4 other objects" are noise.
        admin(QStringLiteral("SET client_min_messages TO WARNING"));
        return {};
    }

    QSqlDatabase rawConnection()
    {
        const QString name = QLatin1String(rawConnectionName);
        if (QSqlDatabase::contains(name))
            return QSqlDatabase::database(name);
        QSqlDatabase db;
        if constexpr (isPostgresql) {
            const QUrl url(m_current);
            db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
            db.setHostName(url.host());
            db.setPort(url.port());
            db.setUserName(url.userName());
            db.setPassword(url.password());
            db.setDatabaseName(url.path().mid(1));
        } else {
            db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(m_current.mid(int(qstrlen("sqlite:"))));
        }
        db.open();
        return db;
    }

    QString m_serverUrl;
    QString m_socketDir;
    std::unique_ptr<QTemporaryDir> m_serverDir;
    std::vector<std::unique_ptr<QTemporaryDir>> m_dirs;
    QStringList m_databases;
    QString m_current;
    int m_counter = 0;
};

} // namespace swarmshare::test
