// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QLocalServer>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <memory>

namespace swarmshare::gui {
class LoginDialog;
class MainWindow;
struct TrackerLogin;
} // namespace swarmshare::gui
namespace swarmshare::session {
class SessionHost;
}
namespace swarmshare::tracker::ha {
class TrackerHost;
}
namespace swarmshare::trackerclient {
class TrackerClient;
}

namespace swarmshare::app {

// The desktop app once its configuration is loaded: the peer engine in its own thread
// (SessionHost), the main window that renders it, the trackers this computer hosts when the
// user asked for it (TrackerHost: main, backup and proxy in this process, on loopback), the
// login, and the tracker client the window's Search view and live piece map use. main() makes
// the QApplication, loads the configuration and the logging, and hands over; the GUI tests drive
// this same object as a user would.
//
// Nothing here blocks the GUI thread: problems are shown in window-modal message boxes, the
// login dialog is window-modal and asynchronous.
class DesktopApp : public QObject {
    Q_OBJECT

public:
    DesktopApp(Config config, QString configPath, QObject* parent = nullptr);
    ~DesktopApp() override;

    // Starts the engine and shows the window; hosts the tracker when the configuration says so;
    // then logs in: with the remembered login, else through the login dialog. `files` are
    // .torrent files to open.
    void start(const QStringList& files = {});
    // Takes the .torrent files another launch hands over on the local socket `name` (one path per
    // line, an empty line to end). False when the socket cannot be taken (logged).
    bool listenForOtherLaunches(const QString& name);
    // Stops the engine cleanly: its trackers hear that it leaves, resume data is saved; waits at
    // most `timeoutMs`. Also done by the destructor.
    void shutdown(int timeoutMs = 5000);

    gui::MainWindow* window() const { return m_window.get(); }
    session::SessionHost* engine() const { return m_engine.get(); }
    // The hosted trackers (nullptr when this computer hosts none).
    tracker::ha::TrackerHost* trackerHost() const { return m_host.get(); }
    // The login dialog while it is open.
    gui::LoginDialog* loginDialog() const;
    // The logged-in client (nullptr before the login).
    trackerclient::TrackerClient* trackerClient() const { return m_client.get(); }

Q_SIGNALS:
    void loggedIn(const QUrl& trackerUrl, const QString& username);

private:
    // Starts main, backup and proxy (once); returns the proxy's address, or an empty URL after
    // telling the user why it failed.
    QUrl hostTracker();
    void stopHosting();
    void showHostedState();
    // Settings that take effect at once: hosting the tracker on or off.
    void applySettings(const Config& config);
    void useLogin(const gui::TrackerLogin& login,
                  std::unique_ptr<trackerclient::TrackerClient> client);
    void openLogin();
    // File > Log out: the tracker ends the token, the remembered login is forgotten, the engine
    // stops using the account, and the login dialog opens.
    void logOut();
    void warn(const QString& text);

    Config m_config;
    QString m_configPath;
    std::unique_ptr<session::SessionHost> m_engine;
    std::unique_ptr<gui::MainWindow> m_window;
    std::unique_ptr<tracker::ha::TrackerHost> m_host;
    std::unique_ptr<trackerclient::TrackerClient> m_client;
    QPointer<gui::LoginDialog> m_dialog;
    QLocalServer m_instance;
    bool m_started = false;
    bool m_stopped = false;
};

} // namespace swarmshare::app
