// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/mainwindow.h"

#include "common/units.h"
#include "gui/dialogs/settingsdialog.h"
#include "gui/models/logmodel.h"
#include "gui/models/torrentmodel.h"
#include "gui/trayicon.h"
#include "gui/widgets/logview.h"
#include "gui/widgets/pieceraritymap.h"
#include "gui/widgets/searchpanel.h"
#include "session/sessionhost.h"
#include "torrent/metainfo.h"
#include "torrent/torrentcreator.h"
#include "tracker_client/livefeed.h"
#include "ui_mainwindow.h"

#include <QAbstractItemView>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QDragEnterEvent>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressDialog>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTimer>
#include <QToolBar>
#include <QTreeWidget>
#include <QUrl>
#include <QtConcurrent>

#include <atomic>
#include <swarmshare/version.h>

Q_LOGGING_CATEGORY(lcGui, "swarmshare.gui")

namespace swarmshare::gui {

namespace {

bool isTorrentFile(const QString& path)
{
    return path.endsWith(QLatin1String(".torrent"), Qt::CaseInsensitive) &&
           QFileInfo(path).isFile();
}

// Announce URLs for a new share: the BEP 3 endpoint of the tracker the user is logged in to,
// then of the configured ones.
QStringList announceUrls(const QUrl& loggedIn, const Config& config)
{
    QStringList trackers = config.tracker.urls;
    if (!loggedIn.isEmpty())
        trackers.prepend(loggedIn.toString());
    QStringList urls;
    for (QString url : std::as_const(trackers)) {
        while (url.endsWith(QLatin1Char('/')))
            url.chop(1);
        if (!url.endsWith(QLatin1String("/announce")))
            url += QStringLiteral("/announce");
        if (!urls.contains(url))
            urls << url;
    }
    return urls;
}

} // namespace

MainWindow::MainWindow(Config config, QWidget* parent)
    : QMainWindow(parent)
    , m_ui(std::make_unique<Ui::MainWindow>())
    , m_config(std::move(config))
{
    m_ui->setupUi(this);
    setAcceptDrops(true);
    connect(m_ui->actionQuit, &QAction::triggered, this, &QWidget::close);
    connect(m_ui->actionAbout, &QAction::triggered, this, &MainWindow::showAbout);
    m_chooseSaveFolder = [this](const QString& name) {
        return QFileDialog::getExistingDirectory(this, tr("Where to save %1").arg(name),
                                                 m_config.effectiveDownloadDir());
    };
    setUpViews();
    retranslate();
    qCInfo(lcGui) << "main window ready";
}

MainWindow::~MainWindow() = default;

void MainWindow::setUpViews()
{
    m_model = new TorrentModel(this);
    m_downloads = new TorrentFilter(TorrentFilter::Show::Downloads, this);
    m_shares = new TorrentFilter(TorrentFilter::Show::Shares, this);
    m_downloads->setSourceModel(m_model);
    m_shares->setSourceModel(m_model);
    for (auto [view, filter] :
         {std::pair{m_ui->downloadsView, m_downloads}, std::pair{m_ui->sharesView, m_shares}}) {
        view->setModel(filter);
        view->setItemDelegateForColumn(TorrentModel::Progress, new ProgressDelegate(view));
        view->setSelectionMode(QAbstractItemView::ExtendedSelection);
        view->setAlternatingRowColors(true);
        // The name takes what the numbers leave; they get a width that fits their usual text.
        view->header()->setStretchLastSection(false);
        view->header()->setMinimumSectionSize(48);
        view->header()->setDefaultSectionSize(
            view->fontMetrics().horizontalAdvance(QStringLiteral("999.9 MB/s")) + 16);
        view->header()->setSectionResizeMode(TorrentModel::Name, QHeaderView::Stretch);
        view->header()->resizeSection(TorrentModel::Progress, 120);
        view->sortByColumn(TorrentModel::Name, Qt::AscendingOrder);
        connect(view->selectionModel(), &QItemSelectionModel::currentChanged, this,
                &MainWindow::showDetails);
        connect(view, &QAbstractItemView::doubleClicked, this, [this] {
            actOnSelection([this](const QByteArray& hash) {
                if (const auto* t = m_model->torrent(hash))
                    QDesktopServices::openUrl(QUrl::fromLocalFile(t->saveDir));
            });
        });
    }
    // The details pane belongs to the Downloads and Shares views.
    connect(m_ui->views, &QTabWidget::currentChanged, this, [this](int) {
        m_details->setVisible(m_ui->views->currentWidget() == m_ui->downloadsTab ||
                              m_ui->views->currentWidget() == m_ui->sharesTab);
        showDetails();
    });
    const QList<QAction*> viewActions{m_ui->actionViewDownloads, m_ui->actionViewShares,
                                      m_ui->actionViewSearch, m_ui->actionViewTracker,
                                      m_ui->actionViewLog};
    for (QAction* action : viewActions) {
        const int index = int(viewActions.indexOf(action));
        connect(action, &QAction::triggered, this,
                [this, index] { m_ui->views->setCurrentIndex(index); });
    }

    // Log: the app's own log lines, followed as they come.
    m_logModel = new LogModel(LogModel::kDefaultCapacity, this);
    m_logModel->follow();
    m_log = new LogView(m_logModel, m_ui->logTab);
    m_log->setLogFolder(m_config.logDir());
    m_ui->logLayout->addWidget(m_log);

    // Search: the tracker's file index; a result's .torrent downloads like an opened one.
    m_search = new SearchPanel(m_ui->searchTab);
    m_ui->searchLayout->replaceWidget(m_ui->searchView, m_search);
    m_ui->searchView->hide();
    connect(m_search, &SearchPanel::downloadRequested, this,
            [this](const QByteArray&, const QByteArray& metainfo, const QString& name) {
                if (!m_session)
                    return;
                const QString saveDir = m_chooseSaveFolder(name);
                if (!saveDir.isEmpty())
                    addTorrentBytes(metainfo, saveDir, false);
            });

    m_trackerModel = new QStandardItemModel(this);
    m_ui->trackerView->setModel(m_trackerModel);
    m_ui->trackerView->setRootIsDecorated(false);
    m_ui->trackerView->setAlternatingRowColors(true);

    // Details pane under the views: the piece-rarity map and the peers of the selected item.
    m_details = new QTabWidget(this);
    m_details->setDocumentMode(true);
    // Pieces: the local map beside the swarm-wide one.
    auto* pieces = new QWidget(m_details);
    auto* piecesLayout = new QHBoxLayout(pieces);
    piecesLayout->setContentsMargins(0, 0, 0, 0);
    m_map = new PieceRarityMap(pieces);
    m_map->setObjectName(QStringLiteral("localMap"));
    m_swarmMap = new PieceRarityMap(pieces);
    m_swarmMap->setObjectName(QStringLiteral("swarmMap"));
    piecesLayout->addWidget(m_map);
    piecesLayout->addWidget(m_swarmMap);
    m_peers = new QTreeWidget(m_details);
    m_peers->setRootIsDecorated(false);
    m_peers->setSortingEnabled(true);
    m_peers->setAlternatingRowColors(true);
    m_files = new QTreeWidget(m_details);
    m_files->setObjectName(QStringLiteral("filesList"));
    m_files->setRootIsDecorated(false);
    m_files->setAlternatingRowColors(true);
    m_details->addTab(pieces, QString());
    m_details->addTab(m_peers, QString());
    m_details->addTab(m_files, QString());
    auto* splitter = new QSplitter(Qt::Vertical, this);
    m_ui->centralLayout->removeWidget(m_ui->views);
    splitter->addWidget(m_ui->views);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    m_ui->centralLayout->addWidget(splitter);

    // Actions: the File menu gets Share and Open; a Torrent menu and the toolbar act on the
    // selection.
    auto* shareAction = new QAction(this);
    shareAction->setObjectName(QStringLiteral("actionShare"));
    shareAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    connect(shareAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Share a file"));
        if (!path.isEmpty())
            share(path);
    });
    auto* openAction = new QAction(this);
    openAction->setObjectName(QStringLiteral("actionOpen"));
    openAction->setShortcut(QKeySequence::Open);
    connect(openAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a .torrent file"), {},
                                                          tr("Torrent files (*.torrent)"));
        if (!path.isEmpty())
            openTorrent(path);
    });
    auto* settingsAction = new QAction(this);
    settingsAction->setObjectName(QStringLiteral("actionSettings"));
    settingsAction->setShortcut(QKeySequence::Preferences);
    settingsAction->setMenuRole(QAction::PreferencesRole);
    connect(settingsAction, &QAction::triggered, this, &MainWindow::showSettings);
    m_ui->menuFile->insertActions(m_ui->actionQuit, {shareAction, openAction});
    m_ui->menuFile->insertSeparator(m_ui->actionQuit);
    // One of the two shows: Log in while logged out, Log out while logged in.
    auto* logInAction = new QAction(this);
    logInAction->setObjectName(QStringLiteral("actionLogIn"));
    connect(logInAction, &QAction::triggered, this, &MainWindow::logInRequested);
    auto* logOutAction = new QAction(this);
    logOutAction->setObjectName(QStringLiteral("actionLogOut"));
    logOutAction->setVisible(false);
    connect(logOutAction, &QAction::triggered, this, &MainWindow::logOutRequested);
    m_ui->menuFile->insertActions(m_ui->actionQuit, {logInAction, logOutAction});
    m_ui->menuFile->insertAction(m_ui->actionQuit, settingsAction);
    m_ui->menuFile->insertSeparator(m_ui->actionQuit);
    // Quit means quit, also when closing only hides the window to the tray.
    disconnect(m_ui->actionQuit, &QAction::triggered, this, &QWidget::close);
    connect(m_ui->actionQuit, &QAction::triggered, this, [this] {
        m_quitting = true;
        close();
    });

    // The tray icon: rates in its tooltip, completion notices, and the window kept running
    // behind it when the user chose so.
    m_tray = new TrayIcon(this);
    connect(m_tray, &TrayIcon::toggleWindowRequested, this, [this] {
        setVisible(!isVisible());
        m_tray->setWindowShown(isVisible());
        if (isVisible())
            activateWindow();
    });
    connect(m_tray, &TrayIcon::quitRequested, m_ui->actionQuit, &QAction::trigger);
    connect(m_tray, &TrayIcon::pauseAllRequested, this, [this] {
        if (m_session)
            for (const session::TorrentSnapshot& t : m_last.torrents)
                m_session->pauseTorrent(t.infoHash);
    });
    connect(m_tray, &TrayIcon::resumeAllRequested, this, [this] {
        if (m_session)
            for (const session::TorrentSnapshot& t : m_last.torrents)
                m_session->resumeTorrent(t.infoHash);
    });

    auto* pauseAction = new QAction(this);
    pauseAction->setObjectName(QStringLiteral("actionPause"));
    pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    connect(pauseAction, &QAction::triggered, this, [this] {
        actOnSelection([this](const QByteArray& hash) { m_session->pauseTorrent(hash); });
    });
    auto* resumeAction = new QAction(this);
    resumeAction->setObjectName(QStringLiteral("actionResume"));
    resumeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(resumeAction, &QAction::triggered, this, [this] {
        actOnSelection([this](const QByteArray& hash) { m_session->resumeTorrent(hash); });
    });
    auto* removeAction = new QAction(this);
    removeAction->setObjectName(QStringLiteral("actionRemove"));
    removeAction->setShortcut(QKeySequence::Delete);
    connect(removeAction, &QAction::triggered, this, &MainWindow::removeSelected);
    auto* folderAction = new QAction(this);
    folderAction->setObjectName(QStringLiteral("actionOpenFolder"));
    folderAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(folderAction, &QAction::triggered, this, [this] {
        actOnSelection([this](const QByteArray& hash) {
            if (const auto* t = m_model->torrent(hash))
                QDesktopServices::openUrl(QUrl::fromLocalFile(t->saveDir));
        });
    });
    auto* copyAction = new QAction(this);
    copyAction->setObjectName(QStringLiteral("actionCopyInfoHash"));
    copyAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    connect(copyAction, &QAction::triggered, this, [this] {
        QStringList hashes;
        actOnSelection(
            [&](const QByteArray& hash) { hashes << QString::fromLatin1(hash.toHex()); });
        if (!hashes.isEmpty())
            QGuiApplication::clipboard()->setText(hashes.join(QLatin1Char('\n')));
    });
    auto* torrentMenu = new QMenu(this);
    torrentMenu->setObjectName(QStringLiteral("menuTorrent"));
    torrentMenu->addActions({pauseAction, resumeAction, removeAction});
    torrentMenu->addSeparator();
    torrentMenu->addActions({folderAction, copyAction});
    menuBar()->insertMenu(m_ui->menuHelp->menuAction(), torrentMenu);
    auto* toolbar = addToolBar(QString());
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setMovable(false);
    toolbar->addActions({shareAction, openAction});
    toolbar->addSeparator();
    toolbar->addActions({pauseAction, resumeAction, removeAction});
}

void MainWindow::setTrackerConnection(const QUrl& url, const QString& username)
{
    m_trackerUrl = url;
    m_username = username;
    findChild<QAction*>(QStringLiteral("actionLogIn"))->setVisible(username.isEmpty());
    findChild<QAction*>(QStringLiteral("actionLogOut"))->setVisible(!username.isEmpty());
    refreshTrackerView();
}

void MainWindow::setTrackerClient(trackerclient::TrackerClient* client)
{
    m_search->setClient(client);
    delete std::exchange(m_live, nullptr);
    m_swarm = {};
    if (client) {
        m_search->search(QString()); // opens with every file listed
        m_live = new trackerclient::LiveFeed(*client, this);
        connect(m_live, &trackerclient::LiveFeed::swarmUpdated, this,
                [this](const trackerclient::SwarmUpdate& update) {
                    if (update.infoHash != m_selected)
                        return;
                    m_swarm = update;
                    showSwarmMap();
                });
        connect(m_live, &trackerclient::LiveFeed::disconnected, this, &MainWindow::showSwarmMap);
        connect(m_live, &trackerclient::LiveFeed::connected, this, &MainWindow::showSwarmMap);
        connect(m_live, &trackerclient::LiveFeed::rejected, this, [this](const QString& why) {
            qCWarning(lcGui).noquote() << "the tracker's live feed refused us:" << why;
            showSwarmMap();
        });
        if (!m_selected.isEmpty())
            m_live->subscribe({m_selected});
        m_live->start();
    }
    showDetails();
}

void MainWindow::followSelection(const QByteArray& infoHash)
{
    // The engine sends the details, and the tracker the swarm map, of the selected item only:
    // a map of 50k pieces is not sent for items nobody looks at.
    if (infoHash == m_selected)
        return;
    if (m_live && !m_selected.isEmpty())
        m_live->unsubscribe({m_selected});
    m_selected = infoHash;
    m_swarm = {};
    if (m_live && !infoHash.isEmpty())
        m_live->subscribe({infoHash});
    if (m_session)
        m_session->setSnapshotDetail(infoHash); // a snapshot with its details follows at once
}

void MainWindow::showSwarmMap()
{
    const session::TorrentSnapshot* t = m_model->torrent(m_selected);
    const bool known = t && m_swarm.infoHash == m_selected && !m_swarm.availability.isEmpty();
    m_swarmMap->setTitle(known ? tr("Pieces among the tracker's peers (seeders: %1, leechers: %2)")
                                     .arg(m_swarm.seeders)
                                     .arg(m_swarm.leechers)
                               : tr("Pieces among the tracker's peers"));
    if (!known) {
        m_swarmMap->clear();
        m_swarmMap->setPlaceholderText(
            !m_live                  ? tr("Log in to a tracker to see which pieces its peers have.")
            : !m_live->isConnected() ? tr("Connecting to the tracker's live feed...")
            : m_swarm.infoHash.isEmpty() ? tr("Waiting for the tracker's map of this file...")
                                         : tr("No peer of the tracker has this file yet."));
        return;
    }
    // Our pieces are marked when the tracker's map is of the same torrent shape.
    const bool sameShape = m_swarm.availability.size() == t->availability.size();
    m_swarmMap->setData(m_swarm.availability, sameShape ? t->have : Bitfield());
}

void MainWindow::setHostedTracker(const QList<HostedTrackerRole>& roles)
{
    m_hosted = roles;
    refreshTrackerView();
}

void MainWindow::refreshTrackerView()
{
    m_trackerModel->clear();
    m_trackerModel->setHorizontalHeaderLabels(
        {tr("Tracker"), tr("Address"), tr("State"), tr("Epoch"), tr("Changes"), tr("Lag")});
    auto add = [this](const QStringList& cells) {
        QList<QStandardItem*> row;
        for (const QString& cell : cells) {
            auto* item = new QStandardItem(cell);
            item->setEditable(false);
            row << item;
        }
        m_trackerModel->appendRow(row);
    };
    const QString session = m_trackerState.isEmpty() ? QString() : m_trackerState;
    add({m_username.isEmpty() ? tr("Used by this app")
                              : tr("Used by this app, as %1").arg(m_username),
         m_trackerUrl.isEmpty() ? tr("none") : m_trackerUrl.toString(), session, QString(),
         QString(), QString()});
    for (const HostedTrackerRole& role : std::as_const(m_hosted)) {
        const QString name = role.role == u"main"     ? tr("Hosted here: main")
                             : role.role == u"backup" ? tr("Hosted here: backup")
                                                      : tr("Hosted here: proxy");
        add({name, role.address, role.state,
             role.epoch >= 0 ? QString::number(role.epoch) : QString(),
             role.seq >= 0 ? QString::number(role.seq) : QString(),
             role.lagMs >= 0 ? tr("%1 ms").arg(role.lagMs) : QString()});
    }
    m_ui->trackerView->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
}

void MainWindow::attachSession(session::SessionHost* session)
{
    if (m_session)
        m_session->disconnect(this);
    m_session = session;
    if (!m_session)
        return;
    connect(m_session, &session::SessionHost::snapshotReady, this, &MainWindow::onSnapshot);
    // The engine sends the details (piece map, peers, files) of the selected item only.
    m_session->setSnapshotDetail(m_selected);
    connect(m_session, &session::SessionHost::torrentFinished, this,
            [this](const QByteArray& infoHash) {
                const session::TorrentSnapshot* t = m_model->torrent(infoHash);
                // A share that was complete from the start is no news.
                if (t && t->downloaded > 0)
                    m_tray->notifyFinished(t->name);
            });
}

void MainWindow::showSettings()
{
    auto* dialog = new SettingsDialog(m_config, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::applied, this, [this](const Config& config) {
        m_config = config;
        if (m_session)
            m_session->setRateLimits(config.peer.downloadRateLimit, config.peer.uploadRateLimit);
        if (!m_configPath.isEmpty()) {
            if (Result<void> saved = m_config.save(m_configPath); !saved)
                QMessageBox::warning(this, tr("Settings"), saved.error().message);
        }
        Q_EMIT settingsApplied(m_config);
    });
    dialog->open();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // Closing keeps Swarmshare running in the tray when the user asked for it and there is one.
    if (!m_quitting && m_config.gui.closeToTray && m_tray->isAvailable()) {
        hide();
        m_tray->setWindowShown(false);
        event->ignore();
        return;
    }
    QMainWindow::closeEvent(event);
}

void MainWindow::setSaveFolderChooser(std::function<QString(const QString&)> chooser)
{
    m_chooseSaveFolder = std::move(chooser);
}

void MainWindow::onSnapshot(const session::SessionSnapshot& snapshot)
{
    m_last = snapshot;
    m_model->update(snapshot.torrents);
    int peers = 0;
    for (const session::TorrentSnapshot& t : snapshot.torrents)
        peers += t.connectedPeers;
    QString status = tr("Down %1  Up %2  Peers %3")
                         .arg(TorrentModel::rateText(snapshot.downloadRate).isEmpty()
                                  ? tr("0 B/s")
                                  : TorrentModel::rateText(snapshot.downloadRate),
                              TorrentModel::rateText(snapshot.uploadRate).isEmpty()
                                  ? tr("0 B/s")
                                  : TorrentModel::rateText(snapshot.uploadRate))
                         .arg(peers);
    if (!snapshot.trackerState.isEmpty())
        status += QStringLiteral("  ") + tr("Tracker: %1").arg(snapshot.trackerState);
    statusBar()->showMessage(status);
    m_tray->setRates(snapshot.downloadRate, snapshot.uploadRate);
    if (snapshot.trackerState != m_trackerState) {
        m_trackerState = snapshot.trackerState;
        refreshTrackerView();
    }
    showDetails();
}

QByteArray MainWindow::selectedInfoHash() const
{
    const QTreeView* view =
        m_ui->views->currentWidget() == m_ui->sharesTab ? m_ui->sharesView : m_ui->downloadsView;
    return view->currentIndex().data(TorrentModel::InfoHashRole).toByteArray();
}

void MainWindow::actOnSelection(const std::function<void(const QByteArray&)>& action)
{
    if (!m_session)
        return;
    const QTreeView* view =
        m_ui->views->currentWidget() == m_ui->sharesTab ? m_ui->sharesView : m_ui->downloadsView;
    for (const QModelIndex& index : view->selectionModel()->selectedRows())
        action(index.data(TorrentModel::InfoHashRole).toByteArray());
}

void MainWindow::removeSelected()
{
    QList<QByteArray> hashes;
    actOnSelection([&](const QByteArray& hash) { hashes << hash; });
    if (hashes.isEmpty())
        return;
    QMessageBox box(QMessageBox::Question, tr("Remove"),
                    tr("Remove %n item(s) from the list?", nullptr, int(hashes.size())),
                    QMessageBox::Cancel, this);
    QPushButton* keep = box.addButton(tr("Remove, keep the files"), QMessageBox::AcceptRole);
    QPushButton* erase =
        box.addButton(tr("Remove and delete the files"), QMessageBox::DestructiveRole);
    box.setDefaultButton(keep);
    box.exec();
    if (box.clickedButton() != keep && box.clickedButton() != erase)
        return;
    for (const QByteArray& hash : hashes)
        m_session->removeTorrent(hash, box.clickedButton() == erase);
}

void MainWindow::showDetails()
{
    followSelection(selectedInfoHash());
    showSwarmMap();
    const session::TorrentSnapshot* t = m_model->torrent(m_selected);
    if (!t) {
        m_map->clear();
        m_peers->clear();
        m_files->clear();
        m_filesOf.clear();
        return;
    }
    showFiles(*t);
    m_map->setData(t->availability, t->have);
    m_peers->clear();
    for (const session::PeerSnapshot& p : t->peers) {
        QString flags;
        flags += p.peerChoking ? QStringLiteral("c") : QStringLiteral("D");
        flags += p.amChoking ? QStringLiteral("") : QStringLiteral("U");
        flags += p.incoming ? QStringLiteral("I") : QStringLiteral("");
        flags += p.snubbed ? QStringLiteral("S") : QStringLiteral("");
        auto* item = new QTreeWidgetItem(
            m_peers, {p.address, p.client, TorrentModel::rateText(p.downloadRate),
                      TorrentModel::rateText(p.uploadRate),
                      QStringLiteral("%1%").arg(p.progress * 100, 0, 'f', 0), flags});
        item->setToolTip(5, tr("D: downloading from it, c: it chokes us, U: uploading to it, "
                               "I: it connected to us, S: snubbed"));
    }
}

void MainWindow::showFiles(const session::TorrentSnapshot& t)
{
    // Rows are kept while the same torrent is shown, so a priority box being used stays put.
    if (m_filesOf != t.infoHash || m_files->topLevelItemCount() != t.files.size()) {
        m_files->clear();
        m_filesOf = t.infoHash;
        for (int i = 0; i < t.files.size(); ++i) {
            auto* item = new QTreeWidgetItem(m_files);
            auto* priority = new QComboBox(m_files);
            priority->setObjectName(QStringLiteral("priority%1").arg(i));
            priority->addItem(tr("Skip"), int(picker::Priority::Skip));
            priority->addItem(tr("Normal"), int(picker::Priority::Normal));
            priority->addItem(tr("High"), int(picker::Priority::High));
            m_files->setItemWidget(item, 3, priority);
            const QByteArray infoHash = t.infoHash;
            connect(priority, &QComboBox::activated, this, [this, infoHash] {
                if (!m_session)
                    return;
                QList<picker::Priority> priorities;
                for (int row = 0; row < m_files->topLevelItemCount(); ++row) {
                    const auto* box = qobject_cast<QComboBox*>(
                        m_files->itemWidget(m_files->topLevelItem(row), 3));
                    priorities << picker::Priority(box->currentData().toInt());
                }
                m_session->setFilePriorities(infoHash, priorities);
            });
        }
    }
    for (int i = 0; i < t.files.size(); ++i) {
        const session::FileSnapshot& file = t.files.at(i);
        QTreeWidgetItem* item = m_files->topLevelItem(i);
        item->setText(0, file.path);
        item->setText(1, Units::formatBytes(file.size));
        item->setText(2, QStringLiteral("%1%").arg(
                             file.size > 0 ? 100.0 * double(file.done) / double(file.size) : 100.0,
                             0, 'f', 1));
        auto* box = qobject_cast<QComboBox*>(m_files->itemWidget(item, 3));
        if (!box->view()->isVisible()) // not while the user picks
            box->setCurrentIndex(box->findData(int(file.priority)));
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    const bool local = !urls.isEmpty() && std::all_of(urls.begin(), urls.end(), [](const QUrl& u) {
        return u.isLocalFile();
    });
    if (local)
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        if (!url.isLocalFile())
            continue;
        const QString path = url.toLocalFile();
        if (isTorrentFile(path))
            openTorrent(path);
        else
            share(path);
    }
    event->acceptProposedAction();
}

void MainWindow::addTorrentBytes(const QByteArray& metainfo, const QString& saveDir, bool publish)
{
    session::AddTorrentParams params;
    params.metainfo = metainfo;
    params.saveDir = saveDir;
    params.publishMetainfo = publish;
    m_session->addTorrent(params, [this](const Result<QByteArray>& added) {
        if (!added)
            QMessageBox::warning(this, tr("Cannot add"), added.error().message);
    });
}

void MainWindow::openTorrent(const QString& path)
{
    const Result<QByteArray> bytes = torrent::Metainfo::readFile(path);
    const Result<torrent::Metainfo> meta =
        bytes ? torrent::Metainfo::parse(*bytes) : Result<torrent::Metainfo>(bytes.error());
    if (!meta) {
        QMessageBox::warning(this, tr("Cannot open %1").arg(QFileInfo(path).fileName()),
                             meta.error().message);
        return;
    }
    if (!m_session) {
        QMessageBox::warning(this, tr("Cannot download"), tr("The engine is not running."));
        return;
    }
    const QString saveDir = m_chooseSaveFolder(meta->name());
    if (saveDir.isEmpty())
        return;
    addTorrentBytes(*bytes, saveDir, false);
}

void MainWindow::share(const QString& path)
{
    const QFileInfo info(path);
    auto fail = [this, path](const QString& message) {
        QMessageBox::warning(this, tr("Cannot share %1").arg(QFileInfo(path).fileName()), message);
        Q_EMIT shareFinished(path, false, message);
    };
    if (!m_session)
        return fail(tr("The engine is not running."));
    torrent::CreateOptions options;
    options.sourcePath = info.absoluteFilePath();
    options.trackers = announceUrls(m_trackerUrl, m_config);
    auto creator = std::make_shared<torrent::TorrentCreator>(options);
    // Listing (a folder may hold many thousands of files) and hashing both run on the thread
    // pool; the dialog follows them and can cancel them. The total is published once listed.
    auto total = std::make_shared<std::atomic<qint64>>(0);
    auto* progress =
        new QProgressDialog(tr("Hashing %1...").arg(info.fileName()), tr("Cancel"), 0, 1000, this);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(400);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    connect(progress, &QProgressDialog::canceled, this, [creator] { creator->cancel(); });
    auto* poll = new QTimer(progress);
    connect(poll, &QTimer::timeout, progress, [progress, creator, total] {
        if (const qint64 bytes = total->load(); bytes > 0)
            progress->setValue(int(creator->bytesHashed() * 1000 / bytes));
    });
    poll->start(100);
    auto* watcher = new QFutureWatcher<Result<torrent::CreatedTorrent>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this,
            [this, watcher, progress, creator, path, fail] {
                watcher->deleteLater();
                progress->close();
                const Result<torrent::CreatedTorrent> created = watcher->result();
                if (!created) {
                    if (progress->wasCanceled()) {
                        Q_EMIT shareFinished(path, false, created.error().message);
                        return;
                    }
                    return fail(created.error().message);
                }
                // The .torrent is kept with the app's data, so that the share can be added again.
                const QString folder =
                    QDir(m_config.effectiveDataDir()).filePath(QStringLiteral("torrents"));
                QDir().mkpath(folder);
                QSaveFile file(QDir(folder).filePath(
                    QString::fromLatin1(created->infoHash.toHex()) + QStringLiteral(".torrent")));
                if (!file.open(QIODevice::WriteOnly) ||
                    file.write(created->torrentFile) != created->torrentFile.size() ||
                    !file.commit())
                    qCWarning(lcGui).noquote() << "cannot keep the .torrent:" << file.errorString();
                addTorrentBytes(created->torrentFile, creator->root(), true);
                Q_EMIT shareFinished(path, true, QString());
            });
    watcher->setFuture(QtConcurrent::run([creator, total]() -> Result<torrent::CreatedTorrent> {
        if (Result<void> prepared = creator->prepare(); !prepared)
            return prepared.error();
        total->store(creator->totalBytes());
        return creator->create();
    }));
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About Swarmshare"),
        tr("<h3>Swarmshare %1</h3><p>Peer-to-peer file sharing with a tracker anyone can "
           "host.</p><p>Built with Qt %2.</p>")
            .arg(QStringLiteral(SWARMSHARE_VERSION), QString::fromLatin1(qVersion())));
}

void MainWindow::retranslate()
{
    // Texts set from code; the .ui texts are redone by retranslateUi().
    statusBar()->showMessage(tr("Ready"));
    const auto set = [this](const char* name, const QString& text, const QString& tip = {}) {
        if (auto* action = findChild<QAction*>(QLatin1String(name))) {
            action->setText(text);
            action->setToolTip(tip.isEmpty() ? text : tip);
        }
    };
    set("actionSettings", tr("Se&ttings..."));
    set("actionLogIn", tr("&Log in..."), tr("Log in to a tracker, or create an account"));
    set("actionLogOut", tr("&Log out"), tr("Log out of the tracker and forget the saved login"));
    set("actionShare", tr("&Share..."), tr("Share a file (or drop files and folders here)"));
    set("actionOpen", tr("&Open..."), tr("Download from a .torrent file"));
    set("actionPause", tr("&Pause"));
    set("actionResume", tr("&Resume"));
    set("actionRemove", tr("Re&move..."));
    set("actionOpenFolder", tr("Open &containing folder"));
    set("actionCopyInfoHash", tr("Copy &info-hash"));
    if (auto* menu = findChild<QMenu*>(QStringLiteral("menuTorrent")))
        menu->setTitle(tr("&Torrent"));
    if (auto* toolbar = findChild<QToolBar*>(QStringLiteral("mainToolBar")))
        toolbar->setWindowTitle(tr("Toolbar"));
    m_details->setTabText(0, tr("Pieces"));
    m_details->setTabText(1, tr("Peers"));
    m_details->setTabText(2, tr("Files"));
    m_files->setHeaderLabels({tr("File"), tr("Size"), tr("Done"), tr("Priority")});
    m_filesOf.clear(); // rebuilt with the priorities' new texts at the next update
    m_map->setTitle(tr("Pieces among connected peers"));
    showSwarmMap();
    refreshTrackerView();
    m_peers->setHeaderLabels({tr("Address"), tr("Client"), tr("Down speed"), tr("Up speed"),
                              tr("Progress"), tr("Flags")});
}

void MainWindow::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) {
        m_ui->retranslateUi(this);
        retranslate();
    }
    QMainWindow::changeEvent(event);
}

} // namespace swarmshare::gui
