// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace swarmshare {

// The whole configuration of one installation: one JSON file, nested objects per section,
// every key optional with the default shown here. docs/configuration.md documents each key;
// ConfigKey::all() is the single table the loader, the saver and that page follow.
struct Config {
    Q_DECLARE_TR_FUNCTIONS(Config)

public:
    QString dataDir;     // "" = the platform's per-user data folder
    QString downloadDir; // "" = the platform's Downloads folder

    struct Peer {
        int listenPort = 6881;
        int maxConnections = 500;
        int maxConnectionsPerTorrent = 80;
        int uploadSlots = 4;
        int maxActiveDownloads = 5;
        qint64 downloadRateLimit = 0; // bytes per second, 0 = unlimited
        qint64 uploadRateLimit = 0;
    } peer;

    struct Tracker {
        // Ordered: the client fails over from one to the next (proxy first, then the roles).
        QStringList urls = {QStringLiteral("http://127.0.0.1:7000"),
                            QStringLiteral("http://127.0.0.1:7070"),
                            QStringLiteral("http://127.0.0.1:7071")};
        int requestTimeoutMs = 10000;
    } tracker;

    struct TrackerServer {
        QString listen = QStringLiteral("127.0.0.1:7070");
        QString backupListen = QStringLiteral("127.0.0.1:7071");
        QString proxyListen = QStringLiteral("127.0.0.1:7000");
        QString database; // "" = SQLite file in the data folder; or sqlite:PATH, postgresql://...
        int heartbeatInterval = 30; // seconds
        int leaseTtl = 120;         // seconds
        int maxConnections = 4096;
        int requestsPerSecondPerAddress = 2000; // 0 = no limit
        bool announcePasskeys = false;          // /announce and /scrape need a per-user passkey
        QStringList trustedProxies = {QStringLiteral("127.0.0.1"), QStringLiteral("::1")};
    } trackerServer;

    struct Log {
        QString level = QStringLiteral("info");
        qint64 maxFileSize = 4 * 1024 * 1024;
        int maxFiles = 5;
    } log;

    struct Gui {
        QString language = QStringLiteral("system");
        bool hostTracker = false;
        bool closeToTray = false;
    } gui;

    // Folders with the platform defaults filled in.
    QString effectiveDataDir() const;
    QString effectiveDownloadDir() const;
    QString logDir() const;

    // Where the config lives when --config is not given.
    static QString defaultPath();

    // Reads `path`. A missing file gives the defaults; anything else that is wrong (unreadable,
    // too large, invalid JSON, unknown key, wrong type, value out of range) is an error naming
    // the file, the key and the problem, and no half-read Config is ever returned.
    static Result<Config> load(const QString& path);
    static Result<Config> fromJson(const QByteArray& json, const QString& sourceName,
                                   const QString& baseDir = {});

    QJsonObject toJson() const;
    // Writes atomically (temp file + rename), creating the folder.
    Result<void> save(const QString& path) const;
};

// One row of the configuration table.
struct ConfigKey {
    enum class Type { Integer, Boolean, String, StringList };

    QString path; // "peer.listenPort"
    Type type;
    QString description;
    qint64 minimum = 0;
    qint64 maximum = 0;
    // Extra check of a string (or of each string of a list): returns a problem, or "" when fine.
    std::function<QString(const QString&)> check;
    std::function<QJsonValue(const Config&)> get;
    std::function<void(Config&, const QJsonValue&)> set;

    static const std::vector<ConfigKey>& all();
};

// "ADDR:PORT", "[v6]:PORT" -> host and port; returns a problem or "" when fine.
QString checkListenAddress(const QString& text);
// "" (default SQLite), "sqlite:PATH", "postgresql://..." ; returns a problem or "" when fine.
QString checkDatabaseUrl(const QString& text);

} // namespace swarmshare
