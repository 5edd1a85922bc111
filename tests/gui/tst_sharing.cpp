// SPDX-License-Identifier: GPL-3.0-or-later
// Sharing and downloading as a user does it: a file dropped on one window (a real QDropEvent with
// a file URL) is hashed and shared; its .torrent dropped on a second window is downloaded from
// the first through a real tracker process, progress reaches 100% and the file is identical; the
// piece-rarity map shows the torrent's pieces. Each window has its own engine (SessionHost) on
// 127.0.0.1. Screenshots of both windows are saved.
#include "common/i18n.h"
#include "gui/mainwindow.h"
#include "gui/models/torrentmodel.h"
#include "gui/widgets/pieceraritymap.h"
#include "integration/trackerprocess.h"
#include "session/sessionhost.h"
#include "support/files.h"
#include "support/widgets.h"

#include <QComboBox>
#include <QDir>
#include <QDropEvent>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

using namespace swarmshare;

namespace {} // namespace

class SharingTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        i18n::install(QStringLiteral("en"));
        QVERIFY(m_dir.isValid());
        m_tracker =
            std::make_unique<test::TrackerProcess>(m_dir.filePath(QStringLiteral("tracker")));
        const QString started = m_tracker->start({});
        QVERIFY2(started.isEmpty(), qPrintable(started));
    }

    void dropToShareThenDropToDownload()
    {
        // Two users: each a window and an engine.
        auto configFor = [&](const QString& name) {
            Config config;
            config.dataDir = m_dir.filePath(name + QStringLiteral("/data"));
            config.downloadDir = m_dir.filePath(name + QStringLiteral("/downloads"));
            config.tracker.urls = {m_tracker->url().toString()};
            return config;
        };
        auto engineFor = [&](const QString& name) {
            session::SessionOptions options;
            options.listenAddress = QHostAddress::LocalHost;
            options.resumeDir = m_dir.filePath(name + QStringLiteral("/data/resume"));
            options.snapshotIntervalMs = 200;
            auto engine = std::make_unique<session::SessionHost>(options);
            const Result<quint16> port = engine->start();
            if (!port)
                qWarning("engine did not start: %s", qPrintable(port.error().message));
            return engine;
        };
        auto alice = engineFor(QStringLiteral("alice"));
        gui::MainWindow aliceWindow(configFor(QStringLiteral("alice")));
        aliceWindow.attachSession(alice.get());
        aliceWindow.resize(900, 560);
        aliceWindow.show();
        QVERIFY(QTest::qWaitForWindowExposed(&aliceWindow));

        // Alice drops a file: it is hashed, shared, and listed under Shares.
        const QString shared = m_dir.filePath(QStringLiteral("holiday.bin"));
        const QByteArray payload = test::randomBytes(3 * 1024 * 1024 + 77, 42);
        QVERIFY(test::writeFile(shared, payload));
        QSignalSpy finished(&aliceWindow, &gui::MainWindow::shareFinished);
        test::dropFiles(aliceWindow, {shared});
        QVERIFY(finished.wait(20000));
        QVERIFY2(finished.at(0).at(1).toBool(), qPrintable(finished.at(0).at(2).toString()));
        auto* sharesView = aliceWindow.findChild<QTreeView*>(QStringLiteral("sharesView"));
        QTRY_COMPARE_WITH_TIMEOUT(sharesView->model()->rowCount(), 1, 10000);
        QCOMPARE(sharesView->model()->index(0, gui::TorrentModel::Name).data().toString(),
                 QStringLiteral("holiday.bin"));
        const QStringList kept = QDir(m_dir.filePath(QStringLiteral("alice/data/torrents")))
                                     .entryList({QStringLiteral("*.torrent")});
        QCOMPARE(kept.size(), 1);
        const QString torrentPath =
            m_dir.filePath(QStringLiteral("alice/data/torrents/")) + kept.constFirst();
        aliceWindow.findChild<QTabWidget*>(QStringLiteral("views"))->setCurrentIndex(1);
        sharesView->setCurrentIndex(sharesView->model()->index(0, 0));
        test::saveScreenshot(aliceWindow, QStringLiteral("sharing-alice"));

        // Bob drops the .torrent: he is asked where to save, downloads from Alice (found through
        // the tracker's /announce) and sees 100%.
        auto bob = engineFor(QStringLiteral("bob"));
        gui::MainWindow bobWindow(configFor(QStringLiteral("bob")));
        bobWindow.attachSession(bob.get());
        const QString saveTo = m_dir.filePath(QStringLiteral("bob/downloads"));
        QString askedFor;
        bobWindow.setSaveFolderChooser([&](const QString& name) {
            askedFor = name;
            return saveTo;
        });
        bobWindow.resize(900, 560);
        bobWindow.show();
        QVERIFY(QTest::qWaitForWindowExposed(&bobWindow));
        test::dropFiles(bobWindow, {torrentPath});
        QCOMPARE(askedFor, QStringLiteral("holiday.bin"));
        gui::TorrentModel* model = bobWindow.torrentModel();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(
            model->index(0, 0).data(gui::TorrentModel::ProgressRole).toDouble(), 1.0, 30000);
        QFile file(saveTo + QStringLiteral("/holiday.bin"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll() == payload);

        // Finished, it moved to Shares; selected, its piece map shows every piece, all ours.
        auto* bobShares = bobWindow.findChild<QTreeView*>(QStringLiteral("sharesView"));
        QTRY_COMPARE_WITH_TIMEOUT(bobShares->model()->rowCount(), 1, 5000);
        bobWindow.findChild<QTabWidget*>(QStringLiteral("views"))->setCurrentIndex(1);
        bobShares->setCurrentIndex(bobShares->model()->index(0, 0));
        auto* map = bobWindow.findChild<gui::PieceRarityMap*>();
        QVERIFY(map);
        QTRY_VERIFY_WITH_TIMEOUT(map->pieceCount() > 0, 5000);
        QCOMPARE(map->pieceCount(), model->at(0).pieceCount);
        test::saveScreenshot(bobWindow, QStringLiteral("sharing-bob"));

        // The Files tab lists the file, done; its priority is changed from the keyboard and the
        // engine takes it.
        auto* files = bobWindow.findChild<QTreeWidget*>(QStringLiteral("filesList"));
        QVERIFY(files);
        QTRY_COMPARE_WITH_TIMEOUT(files->topLevelItemCount(), 1, 5000);
        QCOMPARE(files->topLevelItem(0)->text(0), QStringLiteral("holiday.bin"));
        QCOMPARE(files->topLevelItem(0)->text(2), QStringLiteral("100.0%"));
        auto* priority = files->findChild<QComboBox*>(QStringLiteral("priority0"));
        QVERIFY(priority);
        QCOMPARE(priority->currentText(), QStringLiteral("Normal"));
        // The details pane's Files tab (the list sits in the tab widget's stack).
        auto* details = qobject_cast<QTabWidget*>(files->parentWidget()->parentWidget());
        QVERIFY(details);
        details->setCurrentWidget(files);
        priority->setFocus();
        QTest::keyClick(priority, Qt::Key_Down);
        QTRY_COMPARE_WITH_TIMEOUT(model->at(0).filePriorities.value(0), picker::Priority::High,
                                  5000);
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<test::TrackerProcess> m_tracker;
};

QTEST_MAIN(SharingTest)
#include "tst_sharing.moc"
