// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/commandline.h"
#include "common/i18n.h"
#include "common/logging.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <swarmshare/version.h>

#ifdef SWARMSHARE_WITH_GUI
#include "gui/dialogs/logindialog.h"
#include "gui/mainwindow.h"
#include "session/sessionhost.h"
#include "tracker/ha/trackerhost.h"
#include "tracker/tracker.h"
#include "tracker_client/trackerclient.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QEventLoop>
#include <QHostAddress>
#include <QIcon>
#include <QLocalServer>
#include <QLocalSocket>
#include <QMessageBox>
#include <QTimer>

#include <unistd.h>
#endif

using namespace swarmshare;

#ifdef SWARMSHARE_WITH_GUI
// The GUI library's resources (the icon); Q_INIT_RESOURCE must be used outside any namespace.
static void initGuiResources()
{
    Q_INIT_RESOURCE(swarmshare);
}
#endif

namespace {

QStringList argumentsOf(int argc, char* argv[])
{
    QStringList args;
    args.reserve(argc);
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    return args;
}

#ifdef SWARMSHARE_WITH_GUI
// One desktop app per user and configuration: its local socket, by which a second launch (a
// .torrent double-clicked in the file manager) hands over its files instead of starting another.
QString instanceSocket(const QString& configPath)
{
    const QByteArray key =
        QCryptographicHash::hash(configPath.toUtf8(), QCryptographicHash::Sha1).toHex().left(12);
    return QDir::temp().filePath(
        QStringLiteral("swarmshare-%1-%2.sock").arg(getuid()).arg(QString::fromLatin1(key)));
}

// True when another instance took `files` (one path per line, an empty line to end).
bool handToRunningInstance(const QString& socketName, const QStringList& files)
{
    QLocalSocket other;
    other.connectToServer(socketName);
    if (!other.waitForConnected(1000))
        return false;
    QByteArray message;
    for (const QString& file : files)
        message += file.toUtf8() + '\n';
    other.write(message + '\n');
    return other.waitForBytesWritten(2000) && (other.disconnectFromServer(), true);
}

int runGui(int argc, char* argv[], const app::CommandLine& cli, const QStringList& args)
{
    QApplication application(argc, argv);
    initGuiResources();
    QApplication::setApplicationDisplayName(QStringLiteral("Swarmshare"));
    // Ties the windows to the desktop entry (task bars, Wayland) and gives them the app's icon.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.swarmshare.Swarmshare"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("io.github.swarmshare.Swarmshare"),
                                                 QIcon(QStringLiteral(":/icons/swarmshare.png"))));
    i18n::install(QStringLiteral("system"));

    const QString configPath = cli.configPath(args);
    Result<Config> config = Config::load(configPath);
    if (!config) {
        const QString message = config.error().message;
        fprintf(stderr, "swarmshare: %s\n", qPrintable(message));
        QMessageBox::critical(
            nullptr, QApplication::translate("main", "Swarmshare cannot start"),
            QApplication::translate("main", "The configuration file has a problem:\n\n%1")
                .arg(message));
        return 1;
    }
    i18n::install(config->gui.language);

    logging::Options logOptions;
    logOptions.directory = config->logDir();
    logOptions.role = QStringLiteral("gui");
    logOptions.toStderr = isatty(STDERR_FILENO);
    logOptions.level = logging::levelFromName(config->log.level).value_or(logging::Level::Info);
    logOptions.maxFileBytes = config->log.maxFileSize;
    logOptions.generations = config->log.maxFiles;
    if (Result<void> logging = logging::install(logOptions); !logging)
        fprintf(stderr, "swarmshare: %s\n", qPrintable(logging.error().message));
    qCInfo(lcGui) << "Swarmshare" << SWARMSHARE_VERSION << "starting; config" << configPath;

    // The peer engine in its own thread; the window renders its snapshots.
    session::SessionOptions sessionOptions;
    sessionOptions.listenPort = quint16(config->peer.listenPort);
    sessionOptions.maxConnections = config->peer.maxConnections;
    sessionOptions.maxConnectionsPerTorrent = config->peer.maxConnectionsPerTorrent;
    sessionOptions.uploadSlots = config->peer.uploadSlots;
    sessionOptions.maxActiveDownloads = config->peer.maxActiveDownloads;
    sessionOptions.downloadRateLimit = config->peer.downloadRateLimit;
    sessionOptions.uploadRateLimit = config->peer.uploadRateLimit;
    sessionOptions.resumeDir = QDir(config->effectiveDataDir()).filePath(QStringLiteral("resume"));
    session::SessionHost engine(sessionOptions);
    const QStringList files = cli.filesToOpen(args);
    const QString socketName = instanceSocket(configPath);
    if (handToRunningInstance(socketName, files)) {
        qCInfo(lcGui) << "handed" << files.size() << "file(s) to the running instance";
        return 0;
    }
    QLocalServer instance;
    QLocalServer::removeServer(socketName); // a stale socket of an instance that crashed
    if (!instance.listen(socketName))
        qCWarning(lcGui).noquote() << "cannot take the instance socket:" << instance.errorString();

    Config appConfig = *config;
    gui::MainWindow window(std::move(config).value());
    window.setConfigPath(configPath);
    QObject::connect(&instance, &QLocalServer::newConnection, &window, [&instance, &window] {
        while (QLocalSocket* other = instance.nextPendingConnection()) {
            QObject::connect(other, &QLocalSocket::disconnected, other, &QObject::deleteLater);
            QObject::connect(other, &QLocalSocket::readyRead, &window, [other, &window] {
                if (!other->peek(1 << 16).contains("\n\n") && other->bytesAvailable() < (1 << 16))
                    return; // not all of it yet
                const QList<QByteArray> lines = other->readAll().split('\n');
                for (const QByteArray& line : lines) {
                    if (line.isEmpty())
                        continue;
                    const QString path = QString::fromUtf8(line);
                    qCInfo(lcGui).noquote() << "another launch asks to open" << path;
                    window.openTorrent(path);
                }
                window.raise();
                window.activateWindow();
            });
        }
    });
    if (const Result<quint16> port = engine.start(); port) {
        window.attachSession(&engine);
    } else {
        QMessageBox::warning(&window, QApplication::translate("main", "Swarmshare"),
                             QApplication::translate("main", "Sharing and downloading are off: %1")
                                 .arg(port.error().message));
    }
    window.show();

    // Host-tracker mode (main, backup and proxy in this process) and the login, after the window
    // shows: the dialog is window-modal, the window is never blocked behind a network call.
    std::unique_ptr<tracker::ha::TrackerHost> host;
    const auto portOf = [](const QString& listen) {
        return quint16(listen.section(QLatin1Char(':'), -1).toUInt());
    };
    const auto startHost = [&]() -> QUrl {
        if (host)
            return host->proxyUrl();
        tracker::ha::TrackerHost::Options options;
        options.tracker.address = QHostAddress(QHostAddress::LocalHost);
        options.tracker.heartbeatIntervalSec = appConfig.trackerServer.heartbeatInterval;
        options.tracker.leaseTtlSec = appConfig.trackerServer.leaseTtl;
        options.mainPort = portOf(appConfig.trackerServer.listen);
        options.backupPort = portOf(appConfig.trackerServer.backupListen);
        options.proxyPort = portOf(appConfig.trackerServer.proxyListen);
        options.dataDir = appConfig.effectiveDataDir();
        host = std::make_unique<tracker::ha::TrackerHost>(options);
        if (Result<void> started = host->start(); !started) {
            QMessageBox::warning(&window, QApplication::translate("main", "Swarmshare"),
                                 QApplication::translate("main", "Cannot host a tracker: %1")
                                     .arg(started.error().message));
            host.reset();
            return {};
        }
        const auto show = [&window, &host] {
            QList<gui::HostedTrackerRole> roles;
            const tracker::ha::TrackerHost::State state = host->state();
            roles.append({QStringLiteral("main"), host->mainUrl().toString(), state.mainState,
                          host->main()->changeLog().epoch(), host->main()->changeLog().seq(), -1});
            roles.append({QStringLiteral("backup"), host->backupUrl().toString(), state.backupState,
                          host->backup()->changeLog().epoch(), host->backup()->changeLog().seq(),
                          state.backupLagMs});
            roles.append({QStringLiteral("proxy"), host->proxyUrl().toString(),
                          QApplication::translate("main", "routes to %1").arg(state.active), -1, -1,
                          -1});
            window.setHostedTracker(roles);
        };
        QObject::connect(host.get(), &tracker::ha::TrackerHost::stateChanged, &window, show);
        show();
        return host->proxyUrl();
    };
    // The window's own client of the tracker (search): the dialog's, or one made for a
    // remembered login.
    std::unique_ptr<trackerclient::TrackerClient> client;
    const auto useLogin = [&](const gui::TrackerLogin& login,
                              std::unique_ptr<trackerclient::TrackerClient> loggedIn) {
        engine.setTrackerAccount({login.trackerUrl}, login.username, login.token);
        window.setTrackerConnection(login.trackerUrl, login.username);
        if (!loggedIn) {
            trackerclient::TrackerClient::Options options =
                trackerclient::TrackerClient::Options::fromConfig(appConfig);
            options.urls = {login.trackerUrl};
            loggedIn = std::make_unique<trackerclient::TrackerClient>(options);
            loggedIn->setToken(login.token);
        }
        window.setTrackerClient(nullptr);
        client = std::move(loggedIn);
        window.setTrackerClient(client.get());
    };
    if (appConfig.gui.hostTracker)
        startHost();
    if (const std::optional<gui::RememberedLogin> remembered = gui::LoginDialog::loadRemembered()) {
        useLogin(*remembered, nullptr);
    } else {
        auto* dialog = new gui::LoginDialog(appConfig, &window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        if (host)
            dialog->setTrackerUrl(host->proxyUrl());
        QObject::connect(dialog, &gui::LoginDialog::hostTrackerRequested, &window, [&, dialog] {
            const QUrl url = startHost();
            if (url.isEmpty())
                return;
            dialog->setTrackerUrl(url);
            // Remembered for the next start: the tracker comes up with the app.
            appConfig.gui.hostTracker = true;
            if (Result<void> saved = appConfig.save(configPath); !saved)
                qCWarning(lcGui).noquote() << saved.error().message;
        });
        QObject::connect(dialog, &QDialog::accepted, &window,
                         [&, dialog] { useLogin(dialog->session(), dialog->takeClient()); });
        dialog->open();
    }
    if (!files.isEmpty())
        QTimer::singleShot(0, &window, [&window, files] {
            for (const QString& file : files)
                window.openTorrent(file);
        });
    const int status = QApplication::exec();
    // A clean stop: trackers hear that we leave, resume data is saved (bounded).
    QEventLoop wait;
    QObject::connect(&engine, &session::SessionHost::shutdownFinished, &wait, &QEventLoop::quit);
    QTimer::singleShot(5000, &wait, &QEventLoop::quit);
    engine.shutdown();
    wait.exec();
    return status;
}
#endif

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral("swarmshare"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SWARMSHARE_VERSION));

    // Until the configuration sets the level, only warnings and worse reach stderr.
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false\n*.info=false"));
    const QStringList args = argumentsOf(argc, argv);
#ifdef SWARMSHARE_WITH_GUI
    app::CommandLine cli(app::makeVerbs(), true);
    if (cli.wantsGui(args))
        return runGui(argc, argv, cli, args);
#else
    app::CommandLine cli(app::makeVerbs(), false);
#endif
    // Headless modes use Qt's own event dispatcher: with thousands of sockets it costs less per
    // event than the GLib one, and nothing here needs GLib integration.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication application(argc, argv);
    i18n::install(QStringLiteral("system"));
    return cli.run(args);
}
