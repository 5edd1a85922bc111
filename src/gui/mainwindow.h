// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "session/sessiontypes.h"
#include "tracker_client/livemessage.h"

#include <QLoggingCategory>
#include <QMainWindow>
#include <QUrl>

#include <functional>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcGui)

class QStandardItemModel;
class QTreeWidget;
class QTabWidget;

namespace Ui {
class MainWindow;
}

namespace swarmshare::session {
class SessionHost;
}
namespace swarmshare::trackerclient {
class LiveFeed;
class TrackerClient;
} // namespace swarmshare::trackerclient

namespace swarmshare::gui {

class LogModel;
class LogView;
class PieceRarityMap;
class SearchPanel;
class TrayIcon;
class TorrentFilter;
class TorrentModel;

// The main window (DESIGN.md section 7): Downloads and Shares views over the session's
// snapshots, a details pane for the selected item (the piece-rarity map, its peers), drag and
// drop (files and folders are shared, .torrent files downloaded), File > Share... and Open....
// The engine runs in its own thread (SessionHost); this window only renders snapshots and sends
// commands, so it never blocks on the network or the disk — hashing a share runs on a worker
// thread behind a progress dialog that can be cancelled.
// One role of the tracker this app hosts (host-tracker mode), as the Tracker view shows it. The
// app fills it from the tracker library; the GUI library does not link the tracker.
struct HostedTrackerRole {
    QString role;    // "main", "backup", "proxy"
    QString address; // http://HOST:PORT
    QString state;   // active, standby, catching_up, fenced; for the proxy: which one it routes to
    qint64 epoch = -1;
    qint64 seq = -1;
    qint64 lagMs = -1;
};

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(Config config, QWidget* parent = nullptr);
    ~MainWindow() override;

    // The engine whose torrents the window shows and drives (not owned). Without one the views
    // stay empty and sharing is refused with a message.
    void attachSession(session::SessionHost* session);
    // Where a dropped or opened .torrent is saved; by default a folder dialog starting at the
    // download folder. Tests replace it.
    void setSaveFolderChooser(std::function<QString(const QString& name)> chooser);

    // Shares a file or folder: hashes it (cancellable progress dialog), writes the .torrent next
    // to the app's data, adds it to the session. Asynchronous; shareFinished() tells the outcome.
    void share(const QString& path);
    // Starts downloading a .torrent file.
    void openTorrent(const QString& path);

    // The Tracker view: the tracker this app uses (and the account), and when this computer hosts
    // it, the state of each role.
    void setTrackerConnection(const QUrl& url, const QString& username);
    void setHostedTracker(const QList<HostedTrackerRole>& roles);
    // Where Settings saves the configuration ("" = not saved, e.g. in tests).
    void setConfigPath(const QString& path) { m_configPath = path; }
    void showSettings();

    // The logged-in client the Search view and the swarm-wide piece map (the tracker's /live
    // feed) use (not owned; nullptr: logged out). Set nullptr before deleting the client.
    void setTrackerClient(trackerclient::TrackerClient* client);

    TorrentModel* torrentModel() const { return m_model; }
    void showAbout();

Q_SIGNALS:
    void shareFinished(const QString& path, bool ok, const QString& message);
    // File > Log in... / Log out (the app handles the account).
    void logInRequested();
    void logOutRequested();
    // The user applied new settings (already saved, rate limits already given to the engine).
    void settingsApplied(const swarmshare::Config& config);

protected:
    void changeEvent(QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void retranslate();
    void setUpViews();
    void onSnapshot(const session::SessionSnapshot& snapshot);
    QByteArray selectedInfoHash() const;
    void showDetails();
    void actOnSelection(const std::function<void(const QByteArray&)>& action);
    void removeSelected();
    void addTorrentBytes(const QByteArray& metainfo, const QString& saveDir, bool publish);

    std::unique_ptr<Ui::MainWindow> m_ui;
    Config m_config;
    session::SessionHost* m_session = nullptr;
    TorrentModel* m_model = nullptr;
    TorrentFilter* m_downloads = nullptr;
    TorrentFilter* m_shares = nullptr;
    QTabWidget* m_details = nullptr;
    PieceRarityMap* m_map = nullptr;      // among the connected peers (the session's view)
    PieceRarityMap* m_swarmMap = nullptr; // among all the tracker's peers (its /live feed)
    trackerclient::LiveFeed* m_live = nullptr;
    // The selected item: the one whose details the engine sends and whose swarm map the tracker
    // sends.
    QByteArray m_selected;
    trackerclient::SwarmUpdate m_swarm;
    void followSelection(const QByteArray& infoHash);
    void showSwarmMap();
    LogModel* m_logModel = nullptr;
    LogView* m_log = nullptr;
    QTreeWidget* m_peers = nullptr;
    QTreeWidget* m_files = nullptr;
    QByteArray m_filesOf; // the torrent the Files tab lists
    void showFiles(const session::TorrentSnapshot& torrent);
    SearchPanel* m_search = nullptr;
    TrayIcon* m_tray = nullptr;
    QString m_configPath;
    bool m_quitting = false;
    std::function<QString(const QString&)> m_chooseSaveFolder;
    session::SessionSnapshot m_last;
    QStandardItemModel* m_trackerModel = nullptr;
    QList<HostedTrackerRole> m_hosted;
    QUrl m_trackerUrl;
    QString m_username;
    QString m_trackerState;
    void refreshTrackerView();
};

} // namespace swarmshare::gui
