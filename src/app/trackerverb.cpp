// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare --tracker`: runs a tracker role headless (no display needed).
#include "app/signalwatcher.h"
#include "app/verb.h"
#include "common/logging.h"
#include "tracker/ha/proxy.h"
#include "tracker/ha/trackerhost.h"
#include "tracker/tracker.h"

#include <QDir>
#include <QHostAddress>
#include <QUrl>

#include <csignal>

namespace swarmshare::app {

namespace {

// "ADDR:PORT" / "[v6]:PORT" -> address and port (the config loader checked the form already
// for config values; --listen is checked here).
bool parseListen(const QString& text, QHostAddress* address, quint16* port)
{
    if (!checkListenAddress(text).isEmpty())
        return false;
    const qsizetype colon = text.lastIndexOf(u':');
    QString host = text.left(colon);
    if (host.startsWith(u'['))
        host = host.mid(1, host.size() - 2);
    *address = host == u"localhost" ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    *port = quint16(text.mid(colon + 1).toUInt());
    return true;
}

// The shared HA secret: the first line of a file, at least 16 characters.
Result<QByteArray> readSecret(const QString& path)
{
    Result<QByteArray> line = readFirstLine(path);
    if (!line)
        return line.error();
    const QByteArray secret = line->trimmed();
    if (secret.size() < 16)
        return makeError(QCoreApplication::translate(
                             "TrackerVerb", "the secret in %1 is shorter than 16 characters")
                             .arg(path));
    return secret;
}

class TrackerVerb final : public Verb {
    Q_DECLARE_TR_FUNCTIONS(TrackerVerb)

public:
    QString name() const override { return QStringLiteral("--tracker"); }

    QString summary() const override
    {
        return tr("Run the tracker without a window (also: swarmshare --tracker --help).");
    }

    void configure(QCommandLineParser& parser) const override
    {
        parser.addOptions({
            {QStringLiteral("tracker"), tr("Run the tracker (this mode).")},
            {QStringLiteral("role"),
             tr("Tracker role: main (default), backup, proxy, or all (the three in one process)."),
             QStringLiteral("ROLE"), QStringLiteral("main")},
            {QStringLiteral("main"), tr("Proxy role: the URL of the main tracker."),
             QStringLiteral("URL")},
            {QStringLiteral("backup"), tr("Proxy role: the URL of the backup tracker."),
             QStringLiteral("URL")},
            {QStringLiteral("primary"), tr("Backup role: the URL of the tracker to follow (main)."),
             QStringLiteral("URL")},
            {QStringLiteral("secret-file"),
             tr("The file whose first line is the secret shared by main, backup and proxy; "
                "turns replication on."),
             QStringLiteral("FILE")},
            {QStringLiteral("listen"),
             tr("Listen on ADDR:PORT (default: trackerServer.listen, 127.0.0.1:7070; port 0 "
                "picks a free one)."),
             QStringLiteral("ADDR:PORT")},
            {QStringLiteral("db"),
             tr("Database: sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DB (default: "
                "SQLite in the data folder)."),
             QStringLiteral("URL")},
        });
    }

    int run(VerbContext& context) override
    {
        const QCommandLineParser& parser = context.parser();
        if (!parser.positionalArguments().isEmpty())
            return context.usageError(
                tr("unexpected argument '%1'").arg(parser.positionalArguments().constFirst()));
        const Config& config = context.config();
        const QString role = parser.value(QStringLiteral("role"));
        if (role != u"main" && role != u"backup" && role != u"proxy" && role != u"all")
            return context.usageError(
                tr("unknown role '%1' (roles: main, backup, proxy, all)").arg(role));

        tracker::TrackerOptions options;
        options.role = role;
        if (parser.isSet(QStringLiteral("secret-file"))) {
            const Result<QByteArray> secret =
                readSecret(parser.value(QStringLiteral("secret-file")));
            if (!secret)
                return context.failure(secret.error().message);
            options.haSecret = *secret;
        }
        if (role == u"backup") {
            options.primary = QUrl(parser.value(QStringLiteral("primary")), QUrl::StrictMode);
            if (!options.primary.isValid() || options.primary.host().isEmpty() ||
                (options.primary.scheme() != u"http" && options.primary.scheme() != u"https"))
                return context.usageError(
                    tr("the backup role needs --primary http://HOST:PORT (the main tracker)"));
            if (options.haSecret.isEmpty())
                return context.usageError(
                    tr("the backup role needs --secret-file FILE (the same file as main's)"));
        } else if (parser.isSet(QStringLiteral("primary"))) {
            return context.usageError(tr("--primary is for the backup role"));
        }
        if (role == u"proxy" && options.haSecret.isEmpty())
            return context.usageError(
                tr("the proxy role needs --secret-file FILE (the same file as the trackers')"));
        const QString listen = parser.isSet(QStringLiteral("listen"))
                                   ? parser.value(QStringLiteral("listen"))
                               : role == u"backup" ? config.trackerServer.backupListen
                               : role == u"main"   ? config.trackerServer.listen
                                                   : config.trackerServer.proxyListen;
        if (!parseListen(listen, &options.address, &options.port))
            return context.usageError(checkListenAddress(listen));
        options.database = parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db"))
                                                              : config.trackerServer.database;
        if (QString problem = checkDatabaseUrl(options.database); !problem.isEmpty())
            return context.usageError(problem);
        options.sqlitePath =
            QDir(config.effectiveDataDir()).filePath(QStringLiteral("tracker-%1.db").arg(role));
        options.heartbeatIntervalSec = config.trackerServer.heartbeatInterval;
        options.leaseTtlSec = config.trackerServer.leaseTtl;
        options.httpLimits.maxConnections = config.trackerServer.maxConnections;
        options.requestsPerSecondPerAddress = config.trackerServer.requestsPerSecondPerAddress;
        options.announcePasskeys = config.trackerServer.announcePasskeys;
        options.passkeySecretPath =
            QDir(config.effectiveDataDir())
                .filePath(QStringLiteral("tracker-%1.passkey-secret").arg(role));
        for (const QString& subnet : config.trackerServer.trustedProxies)
            options.trustedProxies << QHostAddress::parseSubnet(
                subnet.contains(u'/') ? subnet
                                      : subnet + (subnet.contains(u':') ? QStringLiteral("/128")
                                                                        : QStringLiteral("/32")));

        startLogging(config, role);
        if (role == u"proxy")
            return runProxy(context, options);
        if (role == u"all")
            return runAll(context, options, config);
        tracker::Tracker server(options);
        if (Result<void> started = server.start(); !started)
            return context.failure(started.error().message);
        printListening(context, role, server.address(), server.port());
        const int status = runUntilSignal();
        server.stop();
        return status;
    }

private:
    static int runUntilSignal()
    {
        SignalWatcher signals_({SIGINT, SIGTERM});
        QObject::connect(&signals_, &SignalWatcher::received, [](int number) {
            qCInfo(lcTracker) << "signal" << number << "received: stopping";
            QCoreApplication::quit();
        });
        return QCoreApplication::exec();
    }

    static void printListening(VerbContext& context, const QString& role,
                               const QHostAddress& address, quint16 port)
    {
        // Tests and scripts read the address (port 0 picks one) from this line.
        context.out() << QStringLiteral("swarmshare tracker %1 listening on %2:%3\n")
                             .arg(role, address.toString())
                             .arg(port);
        context.out().flush();
    }

    static QUrl trackerUrl(const QString& text)
    {
        const QUrl url(text, QUrl::StrictMode);
        return url.isValid() && !url.host().isEmpty() &&
                       (url.scheme() == u"http" || url.scheme() == u"https")
                   ? url
                   : QUrl();
    }

    int runProxy(VerbContext& context, const tracker::TrackerOptions& options)
    {
        tracker::ha::Proxy::Options proxyOptions;
        proxyOptions.address = options.address;
        proxyOptions.port = options.port;
        proxyOptions.secret = options.haSecret;
        proxyOptions.mainUrl = trackerUrl(context.parser().value(QStringLiteral("main")));
        proxyOptions.backupUrl = trackerUrl(context.parser().value(QStringLiteral("backup")));
        if (proxyOptions.mainUrl.isEmpty() || proxyOptions.backupUrl.isEmpty())
            return context.usageError(
                tr("the proxy role needs --main http://HOST:PORT and --backup http://HOST:PORT"));
        proxyOptions.httpLimits = options.httpLimits;
        tracker::ha::Proxy proxy(proxyOptions);
        if (!proxy.start())
            return context.failure(proxy.errorString());
        printListening(context, QStringLiteral("proxy"), proxy.address(), proxy.port());
        const int status = runUntilSignal();
        proxy.stop();
        return status;
    }

    int runAll(VerbContext& context, const tracker::TrackerOptions& options, const Config& config)
    {
        tracker::ha::TrackerHost::Options hostOptions;
        hostOptions.tracker = options;
        hostOptions.proxyPort = options.port;
        hostOptions.mainDatabase = options.database;
        hostOptions.dataDir = config.effectiveDataDir();
        hostOptions.secret = options.haSecret;
        // Port 0 for the proxy means ephemeral ports for all three (tests, several instances).
        QHostAddress ignored;
        if (options.port != 0) {
            parseListen(config.trackerServer.listen, &ignored, &hostOptions.mainPort);
            parseListen(config.trackerServer.backupListen, &ignored, &hostOptions.backupPort);
        } else {
            hostOptions.mainPort = 0;
            hostOptions.backupPort = 0;
        }
        tracker::ha::TrackerHost host(hostOptions);
        if (Result<void> started = host.start(); !started)
            return context.failure(started.error().message);
        printListening(context, QStringLiteral("main"), options.address, host.main()->port());
        printListening(context, QStringLiteral("backup"), options.address, host.backup()->port());
        printListening(context, QStringLiteral("proxy"), options.address,
                       quint16(host.proxyUrl().port()));
        const int status = runUntilSignal();
        host.stop();
        return status;
    }

    static void startLogging(const Config& config, const QString& role)
    {
        logging::Options options;
        options.directory = config.logDir();
        options.role = QStringLiteral("tracker-") + role;
        options.toStderr = true;
        options.level = logging::levelFromName(config.log.level).value_or(logging::Level::Info);
        options.maxFileBytes = config.log.maxFileSize;
        options.generations = config.log.maxFiles;
        if (Result<void> started = logging::install(options); !started)
            qCWarning(lcTracker).noquote() << started.error().message;
    }
};

} // namespace

std::unique_ptr<Verb> makeTrackerVerb()
{
    return std::make_unique<TrackerVerb>();
}

} // namespace swarmshare::app
