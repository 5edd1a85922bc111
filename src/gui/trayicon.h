// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QString>

#include <memory>

class QAction;
class QMenu;
class QSystemTrayIcon;

namespace swarmshare::gui {

// Swarmshare's icon in the system tray: the application's window icon, a tooltip with the
// transfer rates, a menu (show/hide the window, pause all, resume all, quit) whose items are
// signals for the main window to act on, and "download complete" notifications.
//
// Where there is no system tray (QSystemTrayIcon::isSystemTrayAvailable() false: some
// desktops, the offscreen platform) isAvailable() is false, nothing is shown and
// notifyFinished() does nothing; the menu and the tooltip text are still kept up to date.
class TrayIcon : public QObject {
    Q_OBJECT

public:
    explicit TrayIcon(QObject* parent = nullptr);
    ~TrayIcon() override;

    bool isAvailable() const;
    // Current rates in bytes per second, for the tooltip.
    void setRates(qint64 downloadRate, qint64 uploadRate);
    // The tooltip text ("Swarmshare — ↓ 1.2 MB/s ↑ 300 KB/s"), also without a tray.
    QString toolTip() const;
    // Whether the main window is shown: the first menu item says Hide or Show.
    void setWindowShown(bool shown);
    // Shows a "Download complete" message for `name` when the tray supports messages.
    void notifyFinished(const QString& name);
    QMenu* menu() const { return m_menu.get(); }

Q_SIGNALS:
    // The menu's first item, or a click on the icon: show the window when hidden, else hide it.
    void toggleWindowRequested();
    void pauseAllRequested();
    void resumeAllRequested();
    void quitRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void retranslate();

    std::unique_ptr<QMenu> m_menu;
    QSystemTrayIcon* m_tray = nullptr; // a child; null without a system tray
    QAction* m_toggleWindow = nullptr;
    QAction* m_pauseAll = nullptr;
    QAction* m_resumeAll = nullptr;
    QAction* m_quit = nullptr;
    qint64 m_downloadRate = 0;
    qint64 m_uploadRate = 0;
    bool m_windowShown = true;
};

} // namespace swarmshare::gui
