// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/i18n.h"
#include "gui/mainwindow.h"
#include "support/widgets.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTest>
#include <QTimer>

#include <swarmshare/version.h>

using namespace swarmshare;

class TestMainWindow : public QObject {
    Q_OBJECT

private:
private slots:
    void showsTheFiveViews()
    {
        i18n::install(QStringLiteral("en"));
        gui::MainWindow window{Config{}};
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* views = window.findChild<QTabWidget*>(QStringLiteral("views"));
        QVERIFY(views);
        QCOMPARE(views->count(), 5);
        QCOMPARE(views->tabText(0), QStringLiteral("Downloads"));
        QCOMPARE(views->tabText(3), QStringLiteral("Tracker"));
        QCOMPARE(views->tabText(4), QStringLiteral("Log"));
        test::saveScreenshot(window, QStringLiteral("mainwindow-en"));
    }

    void switchesToVietnameseAtRunTime()
    {
        i18n::install(QStringLiteral("en"));
        gui::MainWindow window{Config{}};
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* views = window.findChild<QTabWidget*>(QStringLiteral("views"));
        i18n::install(QStringLiteral("vi"));
        QTRY_COMPARE(views->tabText(0), QStringLiteral("Tải xuống"));
        QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("Sẵn sàng"));
        QCOMPARE(views->tabText(4), QStringLiteral("Nhật ký"));
        auto* level = window.findChild<QComboBox*>(QStringLiteral("logLevel"));
        QVERIFY(level);
        QCOMPARE(level->currentText(), QStringLiteral("Thông tin trở lên"));
        test::saveScreenshot(window, QStringLiteral("mainwindow-vi"));
        i18n::install(QStringLiteral("en"));
        QTRY_COMPARE(views->tabText(0), QStringLiteral("Downloads"));
    }

    void quitShortcutClosesTheWindow()
    {
        gui::MainWindow window{Config{}};
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_Q, Qt::ControlModifier);
        QTRY_VERIFY(!window.isVisible());
    }

    void aboutShowsTheVersion()
    {
        gui::MainWindow window{Config{}};
        window.show();
        QString text;
        QTimer::singleShot(0, [&text] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (box) {
                text = box->text();
                box->accept();
            }
        });
        window.showAbout();
        QVERIFY2(text.contains(QStringLiteral(SWARMSHARE_VERSION)), qPrintable(text));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
