// SPDX-License-Identifier: GPL-3.0-or-later
// The settings dialog driven as a user would (typing, clicks on its buttons and tabs), and the
// tray icon where there is no system tray (the offscreen platform).
#include "common/i18n.h"
#include "config/config.h"
#include "gui/dialogs/settingsdialog.h"
#include "gui/trayicon.h"
#include "support/widgets.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QTest>

using namespace swarmshare;
using gui::SettingsDialog;
using gui::TrayIcon;

namespace {

// The dialog's widgets, by their names in ui/settingsdialog.ui.
struct Widgets {
    explicit Widgets(SettingsDialog& dialog)
        : pages(find<QTabWidget>(dialog, "pages"))
        , language(find<QComboBox>(dialog, "language"))
        , downloadDir(find<QLineEdit>(dialog, "downloadDir"))
        , browse(find<QPushButton>(dialog, "browseButton"))
        , closeToTray(find<QCheckBox>(dialog, "closeToTray"))
        , listenPort(find<QSpinBox>(dialog, "listenPort"))
        , downloadLimit(find<QSpinBox>(dialog, "downloadRateLimit"))
        , uploadLimit(find<QSpinBox>(dialog, "uploadRateLimit"))
        , trackerUrls(find<QPlainTextEdit>(dialog, "trackerUrls"))
        , hostTracker(find<QCheckBox>(dialog, "hostTracker"))
        , mainPort(find<QSpinBox>(dialog, "mainPort"))
        , backupPort(find<QSpinBox>(dialog, "backupPort"))
        , proxyPort(find<QSpinBox>(dialog, "proxyPort"))
        , status(find<QLabel>(dialog, "statusLabel"))
        , buttons(find<QDialogButtonBox>(dialog, "buttons"))
    {}

    template<typename T>
    static T* find(SettingsDialog& dialog, const char* name)
    {
        return swarmshare::test::child<T>(&dialog, name);
    }

    void showPage(int index) const
    {
        QTest::mouseClick(pages->tabBar(), Qt::LeftButton, {},
                          pages->tabBar()->tabRect(index).center());
    }

    void click(QDialogButtonBox::StandardButton which) const
    {
        QTest::mouseClick(buttons->button(which), Qt::LeftButton);
    }

    // A click on the box itself (a check box only reacts on its box and its text).
    static void tick(QCheckBox* box)
    {
        QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(box->height() / 2, box->height() / 2));
    }

    // Selects what the field holds and types `text` over it.
    static void retype(QWidget* field, const QString& text)
    {
        field->setFocus();
        QTest::keyClick(field, Qt::Key_A, Qt::ControlModifier);
        const QStringList lines = text.split(u'\n');
        for (qsizetype i = 0; i < lines.size(); ++i) {
            if (i > 0)
                QTest::keyClick(field, Qt::Key_Return);
            QTest::keyClicks(field, lines[i]);
        }
    }

    QTabWidget* pages;
    QComboBox* language;
    QLineEdit* downloadDir;
    QPushButton* browse;
    QCheckBox* closeToTray;
    QSpinBox* listenPort;
    QSpinBox* downloadLimit;
    QSpinBox* uploadLimit;
    QPlainTextEdit* trackerUrls;
    QCheckBox* hostTracker;
    QSpinBox* mainPort;
    QSpinBox* backupPort;
    QSpinBox* proxyPort;
    QLabel* status;
    QDialogButtonBox* buttons;
};

Config sampleConfig()
{
    Config config;
    config.gui.language = QStringLiteral("en");
    config.gui.closeToTray = true;
    config.gui.hostTracker = true;
    config.downloadDir = QStringLiteral("/home/lan/Tải về");
    config.peer.listenPort = 6890;
    config.peer.downloadRateLimit = 512 * 1024;
    config.peer.uploadRateLimit = 1500; // not a whole KiB: kept as it is unless edited
    config.tracker.urls = {QStringLiteral("http://tracker.lan:7000"),
                           QStringLiteral("https://backup.example.org/tracker")};
    config.trackerServer.listen = QStringLiteral("0.0.0.0:7070");
    config.trackerServer.backupListen = QStringLiteral("[::1]:7071");
    config.trackerServer.proxyListen = QStringLiteral("0.0.0.0:7000");
    config.log.maxFiles = 9; // not in the dialog: carried over
    return config;
}

void showAndWait(SettingsDialog& dialog)
{
    dialog.show();
    dialog.activateWindow();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
}

} // namespace

class TestSettingsDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { i18n::install(QStringLiteral("en")); }

    void fieldsArePrefilled()
    {
        SettingsDialog dialog(sampleConfig());
        Widgets w(dialog);
        QCOMPARE(w.language->currentText(), QStringLiteral("English"));
        QCOMPARE(w.downloadDir->text(), QStringLiteral("/home/lan/Tải về"));
        QVERIFY(w.closeToTray->isChecked());
        QCOMPARE(w.listenPort->value(), 6890);
        QCOMPARE(w.downloadLimit->value(), 512);
        QCOMPARE(w.uploadLimit->value(), 2); // 1500 B/s rounds up, never to "unlimited"
        QCOMPARE(w.trackerUrls->toPlainText(),
                 QStringLiteral("http://tracker.lan:7000\nhttps://backup.example.org/tracker"));
        QVERIFY(w.hostTracker->isChecked());
        QCOMPARE(w.mainPort->value(), 7070);
        QCOMPARE(w.backupPort->value(), 7071);
        QCOMPARE(w.proxyPort->value(), 7000);
        QVERIFY(w.status->isHidden());

        // Untouched, OK gives back the same settings.
        showAndWait(dialog);
        w.click(QDialogButtonBox::Ok);
        QCOMPARE(dialog.QDialog::result(), int(QDialog::Accepted));
        QCOMPARE(dialog.result().toJson(), sampleConfig().toJson());
    }

    void editedValuesComeBackOnOk()
    {
        SettingsDialog dialog(sampleConfig());
        Widgets w(dialog);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        showAndWait(dialog);

        Widgets::retype(w.downloadDir, QStringLiteral("/srv/chia-se"));
        Widgets::tick(w.closeToTray);
        w.showPage(1);
        QVERIFY(w.listenPort->isVisible());
        Widgets::retype(w.listenPort, QStringLiteral("51413"));
        Widgets::retype(w.downloadLimit, QStringLiteral("0"));
        QTest::keyClick(w.downloadLimit, Qt::Key_Tab); // leaving the box shows the special text
        QCOMPARE(w.downloadLimit->text(), QStringLiteral("Unlimited"));
        Widgets::retype(w.uploadLimit, QStringLiteral("300"));
        Widgets::retype(w.trackerUrls,
                        QStringLiteral("http://10.0.0.5:7000\n\n  https://t.example.vn/  \n"
                                       "http://10.0.0.5:7000"));
        w.showPage(2);
        Widgets::tick(w.hostTracker);
        Widgets::retype(w.mainPort, QStringLiteral("8080"));
        w.click(QDialogButtonBox::Ok);

        QVERIFY(!dialog.isVisible());
        QCOMPARE(dialog.QDialog::result(), int(QDialog::Accepted));
        const Config config = dialog.result();
        QCOMPARE(applied.count(), 1);
        QCOMPARE(applied.at(0).at(0).value<Config>().toJson(), config.toJson());
        QCOMPARE(config.downloadDir, QStringLiteral("/srv/chia-se"));
        QVERIFY(!config.gui.closeToTray);
        QCOMPARE(config.peer.listenPort, 51413);
        QCOMPARE(config.peer.downloadRateLimit, qint64(0));
        QCOMPARE(config.peer.uploadRateLimit, qint64(300 * 1024));
        // Blank lines, spaces and repeats dropped; the order kept.
        QCOMPARE(config.tracker.urls, QStringList({QStringLiteral("http://10.0.0.5:7000"),
                                                   QStringLiteral("https://t.example.vn/")}));
        QVERIFY(!config.gui.hostTracker);
        QCOMPARE(config.trackerServer.listen, QStringLiteral("0.0.0.0:8080"));
        QCOMPARE(config.trackerServer.backupListen, QStringLiteral("[::1]:7071"));
        QCOMPARE(config.trackerServer.proxyListen, QStringLiteral("0.0.0.0:7000"));
        QCOMPARE(config.gui.language, QStringLiteral("en"));
        QCOMPARE(config.log.maxFiles, 9);
        // What the dialog gives is a valid config file.
        QVERIFY(
            Config::fromJson(QJsonDocument(config.toJson()).toJson(), QStringLiteral("t")).ok());
    }

    void untouchedLimitIsKeptExactly()
    {
        SettingsDialog dialog(sampleConfig());
        Widgets w(dialog);
        showAndWait(dialog);
        w.click(QDialogButtonBox::Ok);
        QCOMPARE(dialog.result().peer.uploadRateLimit, qint64(1500));
        QCOMPARE(dialog.result().peer.downloadRateLimit, qint64(512 * 1024));
    }

    void badTrackerUrlKeepsTheDialogOpen()
    {
        SettingsDialog dialog(sampleConfig());
        Widgets w(dialog);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        showAndWait(dialog);
        w.showPage(1);
        Widgets::retype(w.trackerUrls,
                        QStringLiteral("http://tracker.lan:7000\nftp://files.example.org"));
        w.showPage(0);
        w.click(QDialogButtonBox::Ok);

        QVERIFY(dialog.isVisible());
        QCOMPARE(applied.count(), 0);
        QVERIFY(w.status->isVisible());
        QVERIFY2(w.status->text().contains(QStringLiteral("ftp://files.example.org")),
                 qPrintable(w.status->text()));
        // The page with the problem is shown, the field focused.
        QCOMPARE(w.pages->currentIndex(), 1);
        QTRY_VERIFY(w.trackerUrls->hasFocus());
        QCOMPARE(dialog.result().tracker.urls, sampleConfig().tracker.urls);
        test::saveScreenshot(dialog, QStringLiteral("settingsdialog-bad-url"));

        // Fixed, Apply takes it and clears the message; the dialog stays open.
        Widgets::retype(w.trackerUrls, QStringLiteral("https://files.example.org"));
        w.click(QDialogButtonBox::Apply);
        QCOMPARE(applied.count(), 1);
        QVERIFY(dialog.isVisible());
        QVERIFY(w.status->isHidden());
        QCOMPARE(dialog.result().tracker.urls,
                 QStringList({QStringLiteral("https://files.example.org")}));
    }

    void duplicatePortsAreRefused()
    {
        SettingsDialog dialog(sampleConfig());
        Widgets w(dialog);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        showAndWait(dialog);
        w.showPage(2);
        Widgets::retype(w.backupPort, QStringLiteral("7000"));
        w.click(QDialogButtonBox::Ok);
        QVERIFY(dialog.isVisible());
        QCOMPARE(applied.count(), 0);
        QVERIFY(w.status->isVisible());
        QVERIFY2(w.status->text().contains(QStringLiteral("7000")), qPrintable(w.status->text()));
        QCOMPARE(w.pages->currentIndex(), 2);
        test::saveScreenshot(dialog, QStringLiteral("settingsdialog-duplicate-ports"));

        // The peers' listen port on a tracker port, while hosting.
        Widgets::retype(w.backupPort, QStringLiteral("7071"));
        w.showPage(1);
        Widgets::retype(w.listenPort, QStringLiteral("7070"));
        w.click(QDialogButtonBox::Apply);
        QCOMPARE(applied.count(), 0);
        QCOMPARE(w.pages->currentIndex(), 1);
        QVERIFY(w.status->text().contains(QStringLiteral("7070")));

        Widgets::retype(w.listenPort, QStringLiteral("0"));
        QTest::keyClick(w.listenPort, Qt::Key_Tab);
        QCOMPARE(w.listenPort->text(), QStringLiteral("0 = any free port"));
        w.click(QDialogButtonBox::Ok);
        QVERIFY(!dialog.isVisible());
        QCOMPARE(dialog.result().peer.listenPort, 0);
    }

    void cancelKeepsTheConfig()
    {
        SettingsDialog dialog(sampleConfig());
        Widgets w(dialog);
        showAndWait(dialog);
        w.showPage(1);
        Widgets::retype(w.listenPort, QStringLiteral("1234"));
        w.click(QDialogButtonBox::Cancel);
        QVERIFY(!dialog.isVisible());
        QCOMPARE(dialog.QDialog::result(), int(QDialog::Rejected));
        QCOMPARE(dialog.result().peer.listenPort, 6890);
    }

    void vietnameseOnApplyRetranslatesTheDialog()
    {
        SettingsDialog dialog(sampleConfig());
        Widgets w(dialog);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        showAndWait(dialog);
        // Set by hand: retranslateUi() puts the .ui's (translated) title back.
        dialog.setWindowTitle(QStringLiteral("not retranslated"));
        w.language->setFocus();
        QTest::keyClick(w.language, Qt::Key_Down);
        QCOMPARE(w.language->currentText(), QStringLiteral("Tiếng Việt"));
        w.click(QDialogButtonBox::Apply);

        QCOMPARE(applied.count(), 1);
        QCOMPARE(dialog.result().gui.language, QStringLiteral("vi"));
        QTRY_COMPARE(dialog.windowTitle(),
                     QCoreApplication::translate("SettingsDialog", "Settings — Swarmshare"));
        QCOMPARE(w.pages->tabText(1), QCoreApplication::translate("SettingsDialog", "&Connection"));
        QCOMPARE(w.closeToTray->text(),
                 QCoreApplication::translate(
                     "SettingsDialog", "&Keep running in the tray when the window is closed"));
        // The choice survives the retranslation, and so do the fields.
        QCOMPARE(w.language->currentText(), QStringLiteral("Tiếng Việt"));
        QCOMPARE(w.listenPort->value(), 6890);
        for (int page = 0; page < w.pages->count(); ++page) {
            w.showPage(page);
            test::saveScreenshot(dialog, QStringLiteral("settingsdialog-vi-%1").arg(page));
        }

        // A message of the moment follows the language too.
        w.showPage(2);
        Widgets::retype(w.proxyPort, QStringLiteral("7070"));
        w.click(QDialogButtonBox::Apply);
        i18n::install(QStringLiteral("en"));
        QTRY_COMPARE(dialog.windowTitle(), QStringLiteral("Settings — Swarmshare"));
        QVERIFY(w.status->text().startsWith(QStringLiteral("The main tracker")));
    }

    void screenshotsOfEachPage()
    {
        SettingsDialog dialog(sampleConfig());
        Widgets w(dialog);
        showAndWait(dialog);
        const QStringList names = {QStringLiteral("general"), QStringLiteral("connection"),
                                   QStringLiteral("tracker")};
        for (int page = 0; page < w.pages->count(); ++page) {
            w.showPage(page);
            QCOMPARE(w.pages->currentIndex(), page);
            test::saveScreenshot(dialog, QStringLiteral("settingsdialog-") + names.value(page));
        }
    }

    void trayIconWithoutASystemTray()
    {
        QVERIFY(!QSystemTrayIcon::isSystemTrayAvailable());
        TrayIcon tray;
        QVERIFY(!tray.isAvailable());
        // All of it is a quiet no-op.
        tray.setRates(1536 * 1024, 300 * 1024);
        tray.notifyFinished(QStringLiteral("ubuntu.iso"));
        tray.setWindowShown(false);
        const QString tip = tray.toolTip();
        QVERIFY2(tip.startsWith(QStringLiteral("Swarmshare — ↓ ")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("1.5 MB/s")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("↑ 300.0 kB/s")), qPrintable(tip));

        // The menu's items are signals for the main window.
        QSignalSpy toggle(&tray, &TrayIcon::toggleWindowRequested);
        QSignalSpy pause(&tray, &TrayIcon::pauseAllRequested);
        QSignalSpy resume(&tray, &TrayIcon::resumeAllRequested);
        QSignalSpy quit(&tray, &TrayIcon::quitRequested);
        QStringList texts;
        for (QAction* action : tray.menu()->actions()) {
            if (action->isSeparator())
                continue;
            texts << action->text();
            action->trigger();
        }
        QCOMPARE(texts, QStringList({QStringLiteral("&Show window"), QStringLiteral("&Pause all"),
                                     QStringLiteral("&Resume all"), QStringLiteral("&Quit")}));
        QCOMPARE(toggle.count(), 1);
        QCOMPARE(pause.count(), 1);
        QCOMPARE(resume.count(), 1);
        QCOMPARE(quit.count(), 1);
        tray.setWindowShown(true);
        QCOMPARE(tray.menu()->actions().constFirst()->text(), QStringLiteral("&Hide window"));

        // It follows the language (its menu gets the LanguageChange).
        i18n::install(QStringLiteral("vi"));
        QTRY_COMPARE(tray.menu()->actions().constLast()->text(),
                     QCoreApplication::translate("swarmshare::gui::TrayIcon", "&Quit"));
        i18n::install(QStringLiteral("en"));
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
