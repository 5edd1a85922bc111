// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/desktopapp.h"

#include "gui/dialogs/logindialog.h"
#include "gui/mainwindow.h"
#include "session/sessionhost.h"
#include "tracker/ha/trackerhost.h"
#include "tracker/tracker.h"
#include "tracker_client/trackerclient.h"

#include <QDir>
#include <QEventLoop>
#include <QHostAddress>
#include <QLocalSocket>
#include <QMessageBox>
#include <QTimer>

namespace swarmshare::app {

namespace {

quint16 portOf(const QString& listen)
{
    return quint16(listen.section(QLatin1Char(':'), -1).toUInt());
}

session::SessionOptions sessionOptions(const Config& config)
{
    session::SessionOptions options = session::SessionOptions::fromConfig(config);
    options.persistTorrents = true; // downloads and shares come back at the next start
    return options;
}

} // namespace

DesktopApp::DesktopApp(Config config, QString configPath, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_configPath(std::move(configPath))
    , m_engine(std::make_unique<session::SessionHost>(sessionOptions(m_config)))
    , m_window(std::make_unique<gui::MainWindow>(m_config))
{
    m_window->setConfigPath(m_configPath);
    connect(m_window.get(), &gui::MainWindow::settingsApplied, this, &DesktopApp::applySettings);
    connect(m_window.get(), &gui::MainWindow::logInRequested, this, [this] {
        if (!m_dialog)
            openLogin();
    });
    connect(m_window.get(), &gui::MainWindow::logOutRequested, this, &DesktopApp::logOut);
}

void DesktopApp::applySettings(const Config& config)
{
    // Ports, the listen port and the folders take effect at the next start; hosting now.
    m_config = config;
    if (config.gui.hostTracker && !m_host) {
        // Not logged in anywhere yet: the login dialog opens on the tracker just started.
        if (!hostTracker().isEmpty() && !m_client && !m_dialog)
            openLogin();
    } else if (!config.gui.hostTracker && m_host) {
        stopHosting();
    }
}

DesktopApp::~DesktopApp()
{
    shutdown();
    // The window lets go of the client (its live feed) before the client goes.
    m_window->setTrackerClient(nullptr);
    m_window->attachSession(nullptr);
}

gui::LoginDialog* DesktopApp::loginDialog() const
{
    return m_dialog.data();
}

void DesktopApp::warn(const QString& text)
{
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Swarmshare"), text, QMessageBox::Ok,
                                m_window.get());
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

bool DesktopApp::listenForOtherLaunches(const QString& name)
{
    QLocalServer::removeServer(name); // a stale socket of an instance that crashed
    if (!m_instance.listen(name)) {
        qCWarning(lcGui).noquote()
            << "cannot take the instance socket:" << m_instance.errorString();
        return false;
    }
    connect(&m_instance, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket* other = m_instance.nextPendingConnection()) {
            connect(other, &QLocalSocket::disconnected, other, &QObject::deleteLater);
            connect(other, &QLocalSocket::readyRead, this, [this, other] {
                // At most 64 KiB of paths; wait for the empty line that ends them.
                if (!other->peek(1 << 16).contains("\n\n") && other->bytesAvailable() < (1 << 16))
                    return;
                const QList<QByteArray> lines = other->readAll().split('\n');
                for (const QByteArray& line : lines) {
                    if (line.isEmpty())
                        continue;
                    const QString path = QString::fromUtf8(line);
                    qCInfo(lcGui).noquote() << "another launch asks to open" << path;
                    m_window->openTorrent(path);
                }
                m_window->raise();
                m_window->activateWindow();
            });
        }
    });
    return true;
}

void DesktopApp::start(const QStringList& files)
{
    if (m_started)
        return;
    m_started = true;
    if (const Result<quint16> port = m_engine->start(); port)
        m_window->attachSession(m_engine.get());
    else
        warn(tr("Sharing and downloading are off: %1").arg(port.error().message));
    m_window->show();

    // Host-tracker mode and the login come after the window shows: the dialog is window-modal,
    // the window is never blocked behind a network call.
    if (m_config.gui.hostTracker)
        hostTracker();
    if (const std::optional<gui::RememberedLogin> remembered = gui::LoginDialog::loadRemembered())
        useLogin(*remembered, nullptr);
    else
        openLogin();
    if (!files.isEmpty())
        QTimer::singleShot(0, m_window.get(), [this, files] {
            for (const QString& file : files)
                m_window->openTorrent(file);
        });
}

void DesktopApp::openLogin()
{
    auto* dialog = new gui::LoginDialog(m_config, m_window.get());
    m_dialog = dialog;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (m_host)
        dialog->setTrackerUrl(m_host->proxyUrl());
    connect(dialog, &gui::LoginDialog::hostTrackerRequested, this, [this, dialog] {
        const QUrl url = hostTracker();
        if (url.isEmpty())
            return;
        dialog->setTrackerUrl(url);
        // Remembered for the next start: the tracker comes up with the app.
        m_config.gui.hostTracker = true;
        if (m_configPath.isEmpty())
            return;
        if (Result<void> saved = m_config.save(m_configPath); !saved)
            qCWarning(lcGui).noquote() << saved.error().message;
    });
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { useLogin(dialog->session(), dialog->takeClient()); });
    dialog->open();
}

QUrl DesktopApp::hostTracker()
{
    if (m_host)
        return m_host->proxyUrl();
    tracker::ha::TrackerHost::Options options;
    options.tracker.address = QHostAddress(QHostAddress::LocalHost);
    options.tracker.heartbeatIntervalSec = m_config.trackerServer.heartbeatInterval;
    options.tracker.leaseTtlSec = m_config.trackerServer.leaseTtl;
    options.mainPort = portOf(m_config.trackerServer.listen);
    options.backupPort = portOf(m_config.trackerServer.backupListen);
    options.proxyPort = portOf(m_config.trackerServer.proxyListen);
    options.dataDir = m_config.effectiveDataDir();
    m_host = std::make_unique<tracker::ha::TrackerHost>(options);
    if (Result<void> started = m_host->start(); !started) {
        warn(tr("Cannot host a tracker: %1").arg(started.error().message));
        m_host.reset();
        return {};
    }
    qCInfo(lcGui).noquote() << "hosting a tracker: proxy" << m_host->proxyUrl().toString() << "main"
                            << m_host->mainUrl().toString() << "backup"
                            << m_host->backupUrl().toString();
    connect(m_host.get(), &tracker::ha::TrackerHost::stateChanged, this,
            &DesktopApp::showHostedState);
    // Positions and lag move without a state change: the view follows them every second.
    auto* refresh = new QTimer(m_host.get());
    connect(refresh, &QTimer::timeout, this, &DesktopApp::showHostedState);
    refresh->start(1000);
    showHostedState();
    return m_host->proxyUrl();
}

void DesktopApp::stopHosting()
{
    qCInfo(lcGui).noquote() << "no longer hosting the tracker at" << m_host->proxyUrl().toString();
    m_host.reset();
    m_window->setHostedTracker({});
}

void DesktopApp::showHostedState()
{
    const tracker::ha::TrackerHost::State state = m_host->state();
    QList<gui::HostedTrackerRole> roles;
    roles.append({QStringLiteral("main"), m_host->mainUrl().toString(), state.mainState,
                  m_host->main()->changeLog().epoch(), m_host->main()->changeLog().seq(), -1});
    roles.append({QStringLiteral("backup"), m_host->backupUrl().toString(), state.backupState,
                  m_host->backup()->changeLog().epoch(), m_host->backup()->changeLog().seq(),
                  state.backupLagMs});
    roles.append({QStringLiteral("proxy"), m_host->proxyUrl().toString(),
                  tr("routes to %1").arg(state.active), -1, -1, -1});
    m_window->setHostedTracker(roles);
}

void DesktopApp::useLogin(const gui::TrackerLogin& login,
                          std::unique_ptr<trackerclient::TrackerClient> client)
{
    m_engine->setTrackerAccount({login.trackerUrl}, login.username, login.token);
    m_window->setTrackerConnection(login.trackerUrl, login.username);
    if (!client) {
        trackerclient::TrackerClient::Options options =
            trackerclient::TrackerClient::Options::fromConfig(m_config);
        options.urls = {login.trackerUrl};
        client = std::make_unique<trackerclient::TrackerClient>(options);
        client->setToken(login.token);
    }
    // The window lets go of the old client before it goes.
    m_window->setTrackerClient(nullptr);
    m_client = std::move(client);
    m_window->setTrackerClient(m_client.get());
    qCInfo(lcGui).noquote() << "logged in to" << login.trackerUrl.toString() << "as"
                            << login.username;
    Q_EMIT loggedIn(login.trackerUrl, login.username);
}

void DesktopApp::logOut()
{
    if (!m_client)
        return;
    qCInfo(lcGui) << "logging out";
    gui::LoginDialog::forget();
    m_engine->setTrackerAccount({}, {}, {});
    m_window->setTrackerClient(nullptr);
    m_window->setTrackerConnection({}, {});
    // The client lives until the tracker answered (or gave up): the token ends on its side too.
    trackerclient::TrackerClient* client = m_client.release();
    client->setParent(this);
    client->logout([client](const trackerclient::Reply<void>& reply) {
        if (!reply)
            qCWarning(lcGui).noquote()
                << "the tracker did not take the logout:" << reply.error().message;
        client->deleteLater();
    });
    openLogin();
}

void DesktopApp::shutdown(int timeoutMs)
{
    if (!m_started || m_stopped)
        return;
    m_stopped = true;
    // A clean stop: trackers hear that we leave, resume data is saved (bounded).
    QEventLoop wait;
    connect(m_engine.get(), &session::SessionHost::shutdownFinished, &wait, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &wait, &QEventLoop::quit);
    m_engine->shutdown();
    wait.exec();
}

} // namespace swarmshare::app
