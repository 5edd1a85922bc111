// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/config.h"

#include "common/logging.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUrl>

#include <cmath>

namespace swarmshare {

namespace {

constexpr qint64 kMaxConfigBytes = 1024 * 1024;

QString checkUrl(const QString& text)
{
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.host().isEmpty() || (scheme != u"http" && scheme != u"https"))
        return Config::tr("'%1' is not an http:// or https:// URL").arg(text);
    return {};
}

QString checkAddressOrSubnet(const QString& text)
{
    if (!QHostAddress(text).isNull())
        return {};
    if (text.contains(u'/') && QHostAddress::parseSubnet(text).second >= 0)
        return {};
    return Config::tr("'%1' is not an IP address or subnet").arg(text);
}

QString checkChoice(const QString& text, std::initializer_list<const char*> choices)
{
    QStringList names;
    for (const char* choice : choices) {
        if (text == QLatin1String(choice))
            return {};
        names << QLatin1String(choice);
    }
    return Config::tr("'%1' is not one of: %2").arg(text, names.join(QStringLiteral(", ")));
}

QString checkLevel(const QString& text)
{
    return checkChoice(text, {"debug", "info", "warning", "critical"});
}

QString checkLanguage(const QString& text)
{
    return checkChoice(text, {"system", "en", "vi"});
}

// The table. Each macro row names the JSON path, the member it maps to, limits and a description.
#define SS_INT(PATH, MEMBER, MIN, MAX, DESC)                                                       \
    ConfigKey                                                                                      \
    {                                                                                              \
        QStringLiteral(PATH), ConfigKey::Type::Integer, QStringLiteral(DESC), MIN, MAX, {},        \
            [](const Config& c) { return QJsonValue(qint64(c.MEMBER)); },                          \
            [](Config& c, const QJsonValue& v) { c.MEMBER = decltype(c.MEMBER)(v.toInteger()); }   \
    }
#define SS_BOOL(PATH, MEMBER, DESC)                                                                \
    ConfigKey                                                                                      \
    {                                                                                              \
        QStringLiteral(PATH), ConfigKey::Type::Boolean, QStringLiteral(DESC), 0, 0, {},            \
            [](const Config& c) { return QJsonValue(c.MEMBER); },                                  \
            [](Config& c, const QJsonValue& v) { c.MEMBER = v.toBool(); }                          \
    }
#define SS_STRING(PATH, MEMBER, CHECK, DESC)                                                       \
    ConfigKey                                                                                      \
    {                                                                                              \
        QStringLiteral(PATH), ConfigKey::Type::String, QStringLiteral(DESC), 0, 0, CHECK,          \
            [](const Config& c) { return QJsonValue(c.MEMBER); },                                  \
            [](Config& c, const QJsonValue& v) { c.MEMBER = v.toString(); }                        \
    }
#define SS_LIST(PATH, MEMBER, CHECK, DESC)                                                         \
    ConfigKey                                                                                      \
    {                                                                                              \
        QStringLiteral(PATH), ConfigKey::Type::StringList, QStringLiteral(DESC), 0, 0, CHECK,      \
            [](const Config& c) { return QJsonValue(QJsonArray::fromStringList(c.MEMBER)); },      \
            [](Config& c, const QJsonValue& v) {                                                   \
                c.MEMBER.clear();                                                                  \
                for (const QJsonValue& item : v.toArray())                                         \
                    c.MEMBER << item.toString();                                                   \
            }                                                                                      \
    }

constexpr qint64 kMaxRate = qint64(1) << 40;

std::vector<ConfigKey> makeTable()
{
    return {
        SS_STRING("dataDir", dataDir, {},
                  "Folder for the tracker database, resume data and logs/. Empty: the "
                  "platform's per-user data folder. Relative paths are relative to the config "
                  "file."),
        SS_STRING("downloadDir", downloadDir, {},
                  "Where downloads are saved unless another folder is chosen. Empty: the "
                  "platform's Downloads folder."),
        SS_INT("peer.listenPort", peer.listenPort, 0, 65535,
               "TCP port for incoming peer connections. 0: any free port."),
        SS_INT("peer.maxConnections", peer.maxConnections, 1, 65535,
               "Peer connections open at once, over all torrents."),
        SS_INT("peer.maxConnectionsPerTorrent", peer.maxConnectionsPerTorrent, 1, 65535,
               "Peer connections open at once for one torrent."),
        SS_INT("peer.uploadSlots", peer.uploadSlots, 1, 1000,
               "Peers served at once; the tracker leases at most this many of our slots."),
        SS_INT("peer.maxActiveDownloads", peer.maxActiveDownloads, 1, 1000,
               "Downloads that run at once; the rest wait in the queue."),
        SS_INT("peer.downloadRateLimit", peer.downloadRateLimit, 0, kMaxRate,
               "Global download limit in bytes per second. 0: unlimited."),
        SS_INT("peer.uploadRateLimit", peer.uploadRateLimit, 0, kMaxRate,
               "Global upload limit in bytes per second. 0: unlimited."),
        SS_LIST("tracker.urls", tracker.urls, checkUrl,
                "Tracker addresses in order of preference; the client fails over to the next "
                "on connection errors and 5xx answers."),
        SS_INT("tracker.requestTimeoutMs", tracker.requestTimeoutMs, 100, 600000,
               "Time limit for one tracker request, in milliseconds."),
        SS_STRING("trackerServer.listen", trackerServer.listen, checkListenAddress,
                  "ADDR:PORT the main tracker listens on."),
        SS_STRING("trackerServer.backupListen", trackerServer.backupListen, checkListenAddress,
                  "ADDR:PORT the backup tracker listens on (host-tracker mode)."),
        SS_STRING("trackerServer.proxyListen", trackerServer.proxyListen, checkListenAddress,
                  "ADDR:PORT the failover proxy listens on (host-tracker mode)."),
        SS_STRING("trackerServer.database", trackerServer.database, checkDatabaseUrl,
                  "Tracker database: empty for SQLite in the data folder, sqlite:PATH, or "
                  "postgresql://USER:PASSWORD@HOST:PORT/DB."),
        SS_INT("trackerServer.heartbeatInterval", trackerServer.heartbeatInterval, 1, 3600,
               "Seconds between peer heartbeats; peers silent for three intervals are dropped."),
        SS_INT("trackerServer.leaseTtl", trackerServer.leaseTtl, 1, 86400,
               "Seconds an upload-slot lease lasts unless a heartbeat renews it."),
        SS_INT("trackerServer.maxConnections", trackerServer.maxConnections, 1, 1000000,
               "HTTP connections the tracker keeps open at once."),
        SS_INT("trackerServer.requestsPerSecondPerAddress",
               trackerServer.requestsPerSecondPerAddress, 0, 1000000,
               "Requests per second one client address may make on average (bursts of twice "
               "that). 0: no limit."),
        SS_BOOL("trackerServer.announcePasskeys", trackerServer.announcePasskeys,
                "BitTorrent /announce and /scrape need a per-user passkey (GET /auth/passkey): "
                "/announce/PASSKEY. Off: open to any client."),
        SS_LIST("trackerServer.trustedProxies", trackerServer.trustedProxies, checkAddressOrSubnet,
                "Addresses or subnets (CIDR) allowed to pass the client's address in "
                "X-Forwarded-For."),
        SS_STRING("log.level", log.level, checkLevel,
                  "Least severe message logged: debug, info, warning or critical."),
        SS_INT("log.maxFileSize", log.maxFileSize, 64 * 1024, qint64(1) << 30,
               "Bytes a log file may reach before it is rotated."),
        SS_INT("log.maxFiles", log.maxFiles, 0, 100,
               "Rotated log files kept per role, besides the current one."),
        SS_STRING("gui.language", gui.language, checkLanguage,
                  "Language of the app: system, en or vi."),
        SS_BOOL("gui.hostTracker", gui.hostTracker,
                "Run the tracker (main, backup and proxy) inside the app."),
        SS_BOOL("gui.closeToTray", gui.closeToTray,
                "Closing the window keeps the app running in the tray."),
    };
}

#undef SS_INT
#undef SS_BOOL
#undef SS_STRING
#undef SS_LIST

QString describe(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(value.toDouble(), 'g', 17);
    case QJsonValue::String:
        return Config::tr("the string \"%1\"").arg(value.toString().left(80));
    case QJsonValue::Array:
        return Config::tr("an array");
    case QJsonValue::Object:
        return Config::tr("an object");
    case QJsonValue::Undefined:
        break;
    }
    return Config::tr("nothing");
}

bool isInteger(const QJsonValue& value)
{
    if (!value.isDouble())
        return false;
    const double d = value.toDouble();
    return std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9007199254740992.0;
}

// Checks one value against its row; returns the problem or "".
QString checkValue(const ConfigKey& key, const QJsonValue& value)
{
    switch (key.type) {
    case ConfigKey::Type::Integer: {
        if (!isInteger(value))
            return Config::tr("expected an integer, got %1").arg(describe(value));
        const qint64 n = value.toInteger();
        if (n < key.minimum || n > key.maximum)
            return Config::tr("%1 is out of range (%2 to %3)")
                .arg(n)
                .arg(key.minimum)
                .arg(key.maximum);
        return {};
    }
    case ConfigKey::Type::Boolean:
        return value.isBool() ? QString()
                              : Config::tr("expected true or false, got %1").arg(describe(value));
    case ConfigKey::Type::String:
        if (!value.isString())
            return Config::tr("expected a string, got %1").arg(describe(value));
        return key.check ? key.check(value.toString()) : QString();
    case ConfigKey::Type::StringList: {
        if (!value.isArray())
            return Config::tr("expected an array of strings, got %1").arg(describe(value));
        const QJsonArray items = value.toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            if (!items[i].isString())
                return Config::tr("item %1: expected a string, got %2")
                    .arg(i + 1)
                    .arg(describe(items[i]));
            if (key.check) {
                if (QString problem = key.check(items[i].toString()); !problem.isEmpty())
                    return Config::tr("item %1: %2").arg(i + 1).arg(problem);
            }
        }
        return {};
    }
    }
    return {};
}

const ConfigKey* findKey(const QString& path)
{
    for (const ConfigKey& key : ConfigKey::all()) {
        if (key.path == path)
            return &key;
    }
    return nullptr;
}

bool isSection(const QString& path)
{
    const QString prefix = path + QLatin1Char('.');
    for (const ConfigKey& key : ConfigKey::all()) {
        if (key.path.startsWith(prefix))
            return true;
    }
    return false;
}

Result<void> apply(Config& config, const QJsonObject& object, const QString& prefix,
                   const QString& source)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString path = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
        if (const ConfigKey* key = findKey(path)) {
            if (QString problem = checkValue(*key, it.value()); !problem.isEmpty())
                return makeError(Config::tr("%1: key '%2': %3").arg(source, path, problem));
            key->set(config, it.value());
        } else if (isSection(path)) {
            if (!it.value().isObject()) {
                return makeError(Config::tr("%1: key '%2': expected an object, got %3")
                                     .arg(source, path, describe(it.value())));
            }
            if (Result<void> nested = apply(config, it.value().toObject(), path, source); !nested)
                return nested;
        } else {
            return makeError(Config::tr("%1: unknown key '%2'").arg(source, path));
        }
    }
    return {};
}

QString resolvePath(const QString& path, const QString& baseDir)
{
    if (path.isEmpty())
        return path;
    if (path == u"~" || path.startsWith(u"~/"))
        return QDir::cleanPath(QDir::homePath() + path.mid(1));
    if (QDir::isRelativePath(path) && !baseDir.isEmpty())
        return QDir::cleanPath(QDir(baseDir).absoluteFilePath(path));
    return path;
}

void insertPath(QJsonObject& root, QStringView path, const QJsonValue& value)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0) {
        root.insert(path.toString(), value);
        return;
    }
    const QString head = path.left(dot).toString();
    QJsonObject child = root.value(head).toObject();
    insertPath(child, path.mid(dot + 1), value);
    root.insert(head, child);
}

} // namespace

QString checkDatabaseUrl(const QString& text)
{
    if (text.isEmpty())
        return {};
    if (text.startsWith(u"sqlite:")) {
        if (text.size() == 7)
            return Config::tr(
                "sqlite: needs a file path, as in sqlite:/var/lib/swarmshare/tracker.db");
        return {};
    }
    const QUrl url(text, QUrl::StrictMode);
    if (url.isValid() && (url.scheme() == u"postgresql" || url.scheme() == u"postgres"))
        return {};
    return Config::tr("'%1' is not a database URL (use sqlite:PATH or postgresql://USER@HOST/DB)")
        .arg(text);
}

const std::vector<ConfigKey>& ConfigKey::all()
{
    static const std::vector<ConfigKey> table = makeTable();
    return table;
}

QString checkListenAddress(const QString& text)
{
    const qsizetype colon = text.lastIndexOf(u':');
    QString host = colon > 0 ? text.left(colon) : QString();
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    else if (host.contains(u':'))
        host.clear(); // a bare IPv6 address needs brackets to carry a port
    bool portOk = false;
    const uint port = colon > 0 ? text.mid(colon + 1).toUInt(&portOk) : 0;
    if (host.isEmpty() || !portOk || port > 65535 ||
        (host != u"localhost" && QHostAddress(host).isNull()))
        return Config::tr("'%1' is not ADDRESS:PORT (for example 127.0.0.1:7070 or [::1]:7070)")
            .arg(text);
    return {};
}

QString Config::effectiveDataDir() const
{
    return dataDir.isEmpty()
               ? QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
               : dataDir;
}

QString Config::effectiveDownloadDir() const
{
    return downloadDir.isEmpty()
               ? QStandardPaths::writableLocation(QStandardPaths::DownloadLocation)
               : downloadDir;
}

QString Config::logDir() const
{
    return QDir(effectiveDataDir()).filePath(QStringLiteral("logs"));
}

QString Config::defaultPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation))
        .filePath(QStringLiteral("config.json"));
}

Result<Config> Config::load(const QString& path)
{
    QFile file(path);
    if (!file.exists()) {
        qCDebug(lcConfig) << "no config file at" << path << "- using defaults";
        return Config{};
    }
    if (QFileInfo(path).isDir())
        return makeError(Config::tr("%1: is a folder, not a config file").arg(path));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(Config::tr("%1: cannot read: %2").arg(path, file.errorString()));
    if (file.size() > kMaxConfigBytes)
        return makeError(Config::tr("%1: too large (%2 bytes; the limit is %3)")
                             .arg(path)
                             .arg(file.size())
                             .arg(kMaxConfigBytes));
    const QByteArray bytes = file.read(kMaxConfigBytes + 1);
    return fromJson(bytes, path, QFileInfo(path).absolutePath());
}

Result<Config> Config::fromJson(const QByteArray& json, const QString& sourceName,
                                const QString& baseDir)
{
    if (json.size() > kMaxConfigBytes)
        return makeError(Config::tr("%1: too large (%2 bytes; the limit is %3)")
                             .arg(sourceName)
                             .arg(json.size())
                             .arg(kMaxConfigBytes));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        const QByteArray before = json.left(parseError.offset);
        const qsizetype line = before.count('\n') + 1;
        const qsizetype column = parseError.offset - (before.lastIndexOf('\n') + 1) + 1;
        return makeError(Config::tr("%1:%2:%3: invalid JSON: %4")
                             .arg(sourceName)
                             .arg(line)
                             .arg(column)
                             .arg(parseError.errorString()),
                         parseError.offset);
    }
    if (!document.isObject())
        return makeError(
            Config::tr("%1: the configuration must be a JSON object ({ ... })").arg(sourceName));

    Config config;
    if (Result<void> applied = apply(config, document.object(), QString(), sourceName); !applied)
        return applied.error();
    config.dataDir = resolvePath(config.dataDir, baseDir);
    config.downloadDir = resolvePath(config.downloadDir, baseDir);
    return config;
}

QJsonObject Config::toJson() const
{
    QJsonObject root;
    for (const ConfigKey& key : ConfigKey::all())
        insertPath(root, key.path, key.get(*this));
    return root;
}

Result<void> Config::save(const QString& path) const
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return makeError(Config::tr("%1: cannot create its folder").arg(path));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(Config::tr("%1: cannot write: %2").arg(path, file.errorString()));
    file.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return makeError(Config::tr("%1: cannot write: %2").arg(path, file.errorString()));
    return {};
}

} // namespace swarmshare
