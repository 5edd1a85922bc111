// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare --tracker`: runs a tracker role headless (no display needed).
#include "app/signalwatcher.h"
#include "app/verb.h"
#include "common/logging.h"
#include "tracker/tracker.h"

#include <QDir>
#include <QHostAddress>

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
            {QStringLiteral("role"), tr("Tracker role: main (default)."), QStringLiteral("ROLE"),
             QStringLiteral("main")},
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
        if (role != u"main")
            return context.usageError(tr("unknown role '%1' (this version runs: main)").arg(role));

        tracker::TrackerOptions options;
        options.role = role;
        const QString listen = parser.isSet(QStringLiteral("listen"))
                                   ? parser.value(QStringLiteral("listen"))
                                   : config.trackerServer.listen;
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
        tracker::Tracker server(options);
        if (Result<void> started = server.start(); !started)
            return context.failure(started.error().message);
        // Tests and scripts read the address (port 0 picks one) from this line.
        context.out() << QStringLiteral("swarmshare tracker %1 listening on %2:%3\n")
                             .arg(role, server.address().toString())
                             .arg(server.port());
        context.out().flush();

        SignalWatcher signals_({SIGINT, SIGTERM});
        QObject::connect(&signals_, &SignalWatcher::received, [](int number) {
            qCInfo(lcTracker) << "signal" << number << "received: stopping";
            QCoreApplication::quit();
        });
        const int status = QCoreApplication::exec();
        server.stop();
        return status;
    }

private:
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
