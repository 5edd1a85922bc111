// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop app as a user meets it on a fresh machine (the README's first command): no tracker
// answers, so the login dialog offers to host one; the user accepts, creates an account and is
// logged in to the trackers now running in the app (main, backup and proxy, shown in the Tracker
// view). A file dropped on the window is shared and appears in the tracker's file index through
// the account API; its swarm-wide piece map comes from the tracker's live feed beside the local
// one; the Log view shows the app's own log, filtered by level and text; hosting follows the
// settings. Started again, the app hosts the tracker, logs in by itself and shares the file
// again; File > Log out drops the account. A second user's app on the first one's tracker finds
// the file with Search and downloads it from the first app (idle peers and leases of the account
// API), byte for byte, then shares it too. Screenshots of the Shares, Tracker and Log views.
#include "app/desktopapp.h"
#include "common/i18n.h"
#include "common/logging.h"
#include "gui/dialogs/logindialog.h"
#include "gui/mainwindow.h"
#include "gui/models/logmodel.h"
#include "gui/models/torrentmodel.h"
#include "gui/widgets/logview.h"
#include "gui/widgets/pieceraritymap.h"
#include "support/awaitreply.h"
#include "support/files.h"
#include "support/widgets.h"
#include "tracker/ha/trackerhost.h"
#include "tracker_client/trackerclient.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QLineEdit>
#include <QMimeData>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTabBar>
#include <QTabWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace swarmshare;
using test::child;

namespace {

constexpr int kTimeoutMs = 20000;
const QString kUser = QStringLiteral("chi.le");
const QString kPassword = QStringLiteral("mot mat khau rat dai");

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost);
    return server.serverPort();
}

// The rows of the Tracker view, as text.
QStringList trackerRows(gui::MainWindow* window)
{
    auto* view = child<QTreeView>(window, "trackerView");
    QStringList rows;
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        QStringList cells;
        for (int column = 0; column < view->model()->columnCount(); ++column)
            cells << view->model()->index(row, column).data().toString();
        rows << cells.join(QLatin1Char('|'));
    }
    return rows;
}

} // namespace

class DesktopAppTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        i18n::install(QStringLiteral("en"));
        QVERIFY(m_dir.isValid());
        logging::Options options;
        options.toStderr = true;
        options.memoryRecords = gui::LogModel::kDefaultCapacity;
        QVERIFY(logging::install(options).ok());
        m_config.dataDir = m_dir.filePath(QStringLiteral("data"));
        m_config.downloadDir = m_dir.filePath(QStringLiteral("downloads"));
        m_config.peer.listenPort = 0;
        const auto at = [](quint16 port) { return QStringLiteral("127.0.0.1:%1").arg(port); };
        m_config.trackerServer.listen = at(freePort());
        m_config.trackerServer.backupListen = at(freePort());
        m_config.trackerServer.proxyListen = at(freePort());
        // The configured tracker does not answer (nobody listens there).
        m_config.tracker.urls = {QStringLiteral("http://") + at(freePort())};
        m_configPath = m_dir.filePath(QStringLiteral("config.json"));
        QVERIFY(m_config.save(m_configPath).ok());
    }

    void cleanupTestCase()
    {
        gui::LoginDialog::forget();
        logging::uninstall();
    }

    void hostsATrackerSharesAndShowsItsSwarm()
    {
        app::DesktopApp desktop(m_config, m_configPath);
        QSignalSpy loggedIn(&desktop, &app::DesktopApp::loggedIn);
        desktop.start();
        gui::MainWindow* window = desktop.window();
        window->resize(1000, 640);
        QVERIFY(QTest::qWaitForWindowExposed(window));
        QVERIFY(!desktop.trackerHost());

        // The login dialog: logging in to the configured tracker fails, hosting is offered.
        gui::LoginDialog* dialog = desktop.loginDialog();
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->isVisible(), kTimeoutMs);
        auto* submit = child<QPushButton>(dialog, "submitButton");
        QTest::keyClicks(child<QLineEdit>(dialog, "loginUsername"), kUser);
        QTest::keyClicks(child<QLineEdit>(dialog, "loginPassword"), kPassword);
        QTest::mouseClick(submit, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->isHostOfferVisible(), kTimeoutMs);
        QTest::mouseClick(child<QPushButton>(dialog, "hostTrackerButton"), Qt::LeftButton);
        tracker::ha::TrackerHost* host = desktop.trackerHost();
        QVERIFY(host);
        QCOMPARE(child<QComboBox>(dialog, "trackerUrl")->currentText(),
                 host->proxyUrl().toString());
        // Remembered: the next start hosts it again.
        const Result<Config> saved = Config::load(m_configPath);
        QVERIFY(saved);
        QVERIFY(saved->gui.hostTracker);

        // A new account on the hosted tracker, then logged in (remember me ticked).
        auto* tabs = child<QTabWidget>(dialog, "modeTabs");
        QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {}, tabs->tabBar()->tabRect(1).center());
        child<QLineEdit>(dialog, "registerUsername")->setText(kUser);
        QTest::keyClicks(child<QLineEdit>(dialog, "registerPassword"), kPassword);
        QTest::keyClicks(child<QLineEdit>(dialog, "registerConfirm"), kPassword);
        child<QCheckBox>(dialog, "rememberMe")->setChecked(true);
        QTest::mouseClick(submit, Qt::LeftButton);
        QVERIFY(loggedIn.wait(kTimeoutMs));
        QCOMPARE(loggedIn.at(0).at(0).toUrl(), host->proxyUrl());
        QCOMPARE(loggedIn.at(0).at(1).toString(), kUser);
        QTRY_VERIFY_WITH_TIMEOUT(!desktop.loginDialog(), kTimeoutMs); // closed and gone
        QVERIFY(desktop.trackerClient());

        // The Tracker view (Ctrl+4): the tracker in use, and each hosted role with its state.
        window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window));
        QTest::keyClick(window, Qt::Key_4, Qt::ControlModifier);
        auto* views = child<QTabWidget>(window, "views");
        QCOMPARE(views->currentWidget()->objectName(), QStringLiteral("trackerTab"));
        QTRY_VERIFY_WITH_TIMEOUT(trackerRows(window).size() == 4 &&
                                     trackerRows(window).at(1).contains(QStringLiteral("active")) &&
                                     trackerRows(window).at(2).contains(QStringLiteral("standby")),
                                 kTimeoutMs);
        const QStringList rows = trackerRows(window);
        QVERIFY2(rows.at(0).startsWith(QStringLiteral("Used by this app, as chi.le|") +
                                       host->proxyUrl().toString()),
                 qPrintable(rows.at(0)));
        QVERIFY(rows.at(1).startsWith(QStringLiteral("Hosted here: main|") +
                                      host->mainUrl().toString()));
        QVERIFY(rows.at(2).startsWith(QStringLiteral("Hosted here: backup|") +
                                      host->backupUrl().toString()));
        QVERIFY2(rows.at(3).contains(QStringLiteral("routes to main")), qPrintable(rows.at(3)));
        test::saveScreenshot(*window, QStringLiteral("desktop-tracker"));

        // A file dropped on the window is shared and registered with the tracker: its index
        // lists it, with us as the seeder.
        const QString shared = m_dir.filePath(QStringLiteral("ban-do-ha-noi.pdf"));
        const QByteArray payload = test::randomBytes(5 * 1024 * 1024 + 321, 7);
        QVERIFY(test::writeFile(shared, payload));
        QSignalSpy finished(window, &gui::MainWindow::shareFinished);
        test::dropFiles(*window, {shared});
        QVERIFY(finished.wait(kTimeoutMs));
        QVERIFY2(finished.at(0).at(1).toBool(), qPrintable(finished.at(0).at(2).toString()));
        QList<trackerclient::FileSummary> found;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto reply = test::awaitReply<QList<trackerclient::FileSummary>>(
                    [&](auto done) {
                        desktop.trackerClient()->searchFiles({QStringLiteral("ha-noi"), 10, 0},
                                                             done);
                    },
                    5000);
                found = reply ? (*reply) : QList<trackerclient::FileSummary>();
                return found.size() == 1 && found.at(0).seeders == 1;
            }(),
            kTimeoutMs);
        QCOMPARE(found.at(0).name, QStringLiteral("ban-do-ha-noi.pdf"));
        QCOMPARE(found.at(0).size, payload.size());

        // Shares (Ctrl+2), the share selected: the local map (no peer connected) beside the
        // tracker's map, where our own copy holds every piece.
        QTest::keyClick(window, Qt::Key_2, Qt::ControlModifier);
        auto* shares = child<QTreeView>(window, "sharesView");
        QTRY_COMPARE_WITH_TIMEOUT(shares->model()->rowCount(), 1, kTimeoutMs);
        QCOMPARE(found.at(0).infoHash,
                 shares->model()->index(0, 0).data(gui::TorrentModel::InfoHashRole).toByteArray());
        shares->setCurrentIndex(shares->model()->index(0, 0));
        const int pieces = window->torrentModel()->at(0).pieceCount;
        auto* local = child<gui::PieceRarityMap>(window, "localMap");
        auto* swarm = child<gui::PieceRarityMap>(window, "swarmMap");
        QTRY_COMPARE_WITH_TIMEOUT(local->pieceCount(), pieces, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(swarm->pieceCount(), pieces, kTimeoutMs);
        QVERIFY2(swarm->title().contains(QStringLiteral("seeders: 1, leechers: 0")),
                 qPrintable(swarm->title()));
        QVERIFY2(swarm->toolTipFor(pieces - 1).contains(QStringLiteral("held by 1 peer")),
                 qPrintable(swarm->toolTipFor(pieces - 1)));
        QVERIFY(swarm->toolTipFor(0).contains(QStringLiteral("You have it")));
        QVERIFY(local->toolTipFor(0).contains(QStringLiteral("held by 0 peers")));
        test::saveScreenshot(*window, QStringLiteral("desktop-shares"));

        // The Log view (Ctrl+5): the app's own lines; filtered by text, then by level.
        QTest::keyClick(window, Qt::Key_5, Qt::ControlModifier);
        auto* log = child<gui::LogView>(window, "");
        QVERIFY(log->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(log->filter()->rowCount() > 0, kTimeoutMs);
        auto* text = child<QLineEdit>(log, "logFilter");
        QTest::keyClicks(text, QStringLiteral("hosting a tracker"));
        QCOMPARE(log->filter()->rowCount(), 1);
        QVERIFY(log->filter()
                    ->index(0, gui::LogModel::Message)
                    .data()
                    .toString()
                    .contains(host->proxyUrl().toString()));
        QCOMPARE(log->filter()->index(0, gui::LogModel::Source).data().toString(),
                 QStringLiteral("gui"));
        text->clear();
        qCWarning(lcGui) << "a warning for the log view";
        const auto shown = [log](const QString& message) {
            for (int row = 0; row < log->filter()->rowCount(); ++row)
                if (log->filter()->index(row, gui::LogModel::Message).data() == message)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(shown(QStringLiteral("a warning for the log view")), kTimeoutMs);
        auto* level = child<QComboBox>(log, "logLevel");
        level->setCurrentIndex(level->findData(2)); // warnings and errors
        QVERIFY(shown(QStringLiteral("a warning for the log view")));
        for (int row = 0; row < log->filter()->rowCount(); ++row)
            QVERIFY(log->filter()->index(row, 0).data(gui::LogModel::SeverityRole).toInt() >= 2);
        level->setCurrentIndex(level->findData(1));
        test::saveScreenshot(*window, QStringLiteral("desktop-log"));

        // Settings: hosting off stops the trackers at once; on starts them again.
        const auto setHosting = [&](bool on) {
            window->showSettings();
            QDialog* settings = nullptr;
            QTRY_VERIFY(
                (settings = window->findChild<QDialog*>(QStringLiteral("SettingsDialog"))) &&
                settings->isVisible());
            auto* box = child<QCheckBox>(settings, "hostTracker");
            if (box->isChecked() != on)
                QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(8, box->height() / 2));
            QCOMPARE(box->isChecked(), on);
            QTest::mouseClick(
                child<QDialogButtonBox>(settings, "buttons")->button(QDialogButtonBox::Ok),
                Qt::LeftButton);
            QTRY_VERIFY(!window->findChild<QDialog*>(QStringLiteral("SettingsDialog")));
        };
        setHosting(false);
        QVERIFY(!desktop.trackerHost());
        QCOMPARE(trackerRows(window).size(), 1);
        QVERIFY(!Config::load(m_configPath)->gui.hostTracker);
        setHosting(true);
        QVERIFY(desktop.trackerHost());
        QCOMPARE(trackerRows(window).size(), 4);
        QVERIFY(Config::load(m_configPath)->gui.hostTracker);
    }

    void startsAgainHostingAndLoggedIn()
    {
        // Config, login and shares were remembered by the first run: no dialog, the tracker comes
        // up in the app, it still knows the account's token and the shared file, which is
        // shared again.
        const Result<Config> config = Config::load(m_configPath);
        QVERIFY(config);
        app::DesktopApp desktop(*config, m_configPath);
        QSignalSpy loggedIn(&desktop, &app::DesktopApp::loggedIn);
        desktop.start();
        QVERIFY(desktop.trackerHost());
        QVERIFY(!desktop.loginDialog());
        QCOMPARE(loggedIn.size(), 1);
        QCOMPARE(loggedIn.at(0).at(1).toString(), kUser);
        const auto reply = test::awaitReply<QList<trackerclient::FileSummary>>([&](auto done) {
            desktop.trackerClient()->searchFiles({QStringLiteral("ha-noi"), 10, 0}, done);
        });
        QVERIFY2(reply, test::describe(reply).constData());
        QCOMPARE((*reply).size(), 1);
        gui::TorrentModel* model = desktop.window()->torrentModel();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, kTimeoutMs);
        QCOMPARE(model->at(0).name, QStringLiteral("ban-do-ha-noi.pdf"));
        QTRY_COMPARE_WITH_TIMEOUT(model->at(0).state, session::TorrentState::Seeding, kTimeoutMs);
    }

    void hostingFromTheSettingsOffersTheLogin()
    {
        // A user who closed the login dialog and later turns hosting on in the settings: the
        // trackers start and the login dialog comes back, on them.
        gui::LoginDialog::forget();
        Config config = *Config::load(m_configPath);
        config.gui.hostTracker = false;
        QVERIFY(config.save(m_configPath).ok());
        app::DesktopApp desktop(config, m_configPath);
        desktop.start();
        QVERIFY(!desktop.trackerHost());
        QPointer<gui::LoginDialog> dialog = desktop.loginDialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QTest::mouseClick(child<QPushButton>(dialog, "cancelButton"), Qt::LeftButton);
        QTRY_VERIFY(!dialog);
        QVERIFY(!desktop.trackerClient());

        gui::MainWindow* window = desktop.window();
        window->showSettings();
        QDialog* settings = nullptr;
        QTRY_VERIFY((settings = window->findChild<QDialog*>(QStringLiteral("SettingsDialog"))) &&
                    settings->isVisible());
        child<QCheckBox>(settings, "hostTracker")->setChecked(true);
        QTest::mouseClick(
            child<QDialogButtonBox>(settings, "buttons")->button(QDialogButtonBox::Ok),
            Qt::LeftButton);
        QVERIFY(desktop.trackerHost());
        dialog = desktop.loginDialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        QCOMPARE(child<QComboBox>(dialog, "trackerUrl")->currentText(),
                 desktop.trackerHost()->proxyUrl().toString());
        // The account made in the first test is in the hosted tracker's database.
        QSignalSpy loggedIn(&desktop, &app::DesktopApp::loggedIn);
        QTest::keyClicks(child<QLineEdit>(dialog, "loginUsername"), kUser);
        QTest::keyClicks(child<QLineEdit>(dialog, "loginPassword"), kPassword);
        QTest::mouseClick(child<QPushButton>(dialog, "submitButton"), Qt::LeftButton);
        QVERIFY(loggedIn.wait(kTimeoutMs));
        QCOMPARE(loggedIn.at(0).at(0).toUrl(), desktop.trackerHost()->proxyUrl());
        QTRY_VERIFY(!desktop.loginDialog());

        // File > Log out: the account is dropped, the login dialog comes back.
        auto* logIn = child<QAction>(window, "actionLogIn");
        auto* logOut = child<QAction>(window, "actionLogOut");
        QVERIFY(logOut->isVisible() && !logIn->isVisible());
        logOut->trigger();
        QVERIFY(!desktop.trackerClient());
        QVERIFY(!gui::LoginDialog::loadRemembered());
        QVERIFY(trackerRows(window).at(0).startsWith(QStringLiteral("Used by this app|none")));
        QVERIFY(logIn->isVisible() && !logOut->isVisible());
        dialog = desktop.loginDialog();
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
    }

    void aSecondUserFindsTheShareAndDownloadsIt()
    {
        // Alice's app: hosting, logged in (her share came back from the first test's run).
        app::DesktopApp alice(*Config::load(m_configPath), m_configPath);
        alice.start();
        QVERIFY(alice.trackerHost());
        QSignalSpy aliceIn(&alice, &app::DesktopApp::loggedIn);
        logIn(alice.loginDialog(), kUser, kPassword, 0);
        QVERIFY(aliceIn.wait(kTimeoutMs));
        const QUrl tracker = alice.trackerHost()->proxyUrl();

        // Bob's app, on Alice's tracker: a new account, then Search finds her file.
        Config config;
        config.dataDir = m_dir.filePath(QStringLiteral("bob/data"));
        config.peer.listenPort = 0;
        config.tracker.urls = {tracker.toString()};
        app::DesktopApp bob(config, QString());
        const QString saveTo = m_dir.filePath(QStringLiteral("bob/downloads"));
        bob.window()->setSaveFolderChooser([&](const QString&) { return saveTo; });
        bob.start();
        QSignalSpy bobIn(&bob, &app::DesktopApp::loggedIn);
        logIn(bob.loginDialog(), QStringLiteral("bob.pham"), QStringLiteral("another long one"), 1);
        QVERIFY(bobIn.wait(kTimeoutMs));
        gui::MainWindow* window = bob.window();
        window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window));
        QTest::keyClick(window, Qt::Key_3, Qt::ControlModifier);
        auto* query = child<QLineEdit>(window, "searchQuery");
        query->clear();
        QTest::keyClicks(query, QStringLiteral("ha-noi"));
        QTest::keyClick(query, Qt::Key_Return);
        auto* results = child<QTreeView>(window, "searchResults");
        QTRY_COMPARE_WITH_TIMEOUT(results->model()->rowCount(), 1, kTimeoutMs);
        results->setCurrentIndex(results->model()->index(0, 0));
        QTest::mouseClick(child<QPushButton>(window, "downloadButton"), Qt::LeftButton);

        // The download comes from Alice (found through the tracker's idle peers), reaches 100%,
        // and the file is hers; Bob then shares it too: the tracker's map counts two peers.
        gui::TorrentModel* model = window->torrentModel();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(
            model->index(0, 0).data(gui::TorrentModel::ProgressRole).toDouble(), 1.0, 60000);
        QFile file(saveTo + QStringLiteral("/ban-do-ha-noi.pdf"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), test::randomBytes(5 * 1024 * 1024 + 321, 7));
        QTest::keyClick(window, Qt::Key_2, Qt::ControlModifier);
        auto* shares = child<QTreeView>(window, "sharesView");
        QTRY_COMPARE_WITH_TIMEOUT(shares->model()->rowCount(), 1, kTimeoutMs);
        shares->setCurrentIndex(shares->model()->index(0, 0));
        auto* swarm = child<gui::PieceRarityMap>(window, "swarmMap");
        QTRY_VERIFY_WITH_TIMEOUT(swarm->title().contains(QStringLiteral("seeders: 2")), kTimeoutMs);
        QVERIFY2(swarm->toolTipFor(0).contains(QStringLiteral("held by 2 peers")),
                 qPrintable(swarm->toolTipFor(0)));
        test::saveScreenshot(*window, QStringLiteral("desktop-downloaded"));
    }

private:
    // Fills the login dialog's tab (0 log in, 1 create an account) and submits it.
    static void logIn(gui::LoginDialog* dialog, const QString& user, const QString& password,
                      int tab)
    {
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->isVisible());
        auto* tabs = child<QTabWidget>(dialog, "modeTabs");
        tabs->setCurrentIndex(tab);
        if (tab == 0) {
            QTest::keyClicks(child<QLineEdit>(dialog, "loginUsername"), user);
            QTest::keyClicks(child<QLineEdit>(dialog, "loginPassword"), password);
        } else {
            child<QLineEdit>(dialog, "registerUsername")->setText(user);
            QTest::keyClicks(child<QLineEdit>(dialog, "registerPassword"), password);
            QTest::keyClicks(child<QLineEdit>(dialog, "registerConfirm"), password);
        }
        QTest::mouseClick(child<QPushButton>(dialog, "submitButton"), Qt::LeftButton);
    }

    QTemporaryDir m_dir;
    Config m_config;
    QString m_configPath;
};

QTEST_MAIN(DesktopAppTest)
#include "tst_desktopapp.moc"
