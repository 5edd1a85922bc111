// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/commandline.h"
#include "common/i18n.h"
#include "common/logging.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <swarmshare/version.h>

#ifdef SWARMSHARE_WITH_GUI
#include "app/desktopapp.h"
#include "gui/mainwindow.h"
#include "gui/models/logmodel.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QIcon>
#include <QLocalSocket>
#include <QMessageBox>

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
    logOptions.memoryRecords = gui::LogModel::kDefaultCapacity; // the window's log view
    if (Result<void> logging = logging::install(logOptions); !logging)
        fprintf(stderr, "swarmshare: %s\n", qPrintable(logging.error().message));
    qCInfo(lcGui) << "Swarmshare" << SWARMSHARE_VERSION << "starting; config" << configPath;

    const QStringList files = cli.filesToOpen(args);
    const QString socketName = instanceSocket(configPath);
    if (handToRunningInstance(socketName, files)) {
        qCInfo(lcGui) << "handed" << files.size() << "file(s) to the running instance";
        return 0;
    }
    app::DesktopApp desktop(std::move(config).value(), configPath);
    desktop.listenForOtherLaunches(socketName);
    desktop.start(files);
    const int status = QApplication::exec();
    desktop.shutdown();
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
