// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/trayicon.h"

#include "common/units.h"

#include <QAction>
#include <QApplication>
#include <QEvent>
#include <QIcon>
#include <QMenu>
#include <QSystemTrayIcon>

namespace swarmshare::gui {

namespace {

constexpr int kMessageMs = 5000;

} // namespace

TrayIcon::TrayIcon(QObject* parent)
    : QObject(parent)
    , m_menu(std::make_unique<QMenu>())
{
    m_toggleWindow = m_menu->addAction(QString());
    m_menu->addSeparator();
    m_pauseAll = m_menu->addAction(QString());
    m_resumeAll = m_menu->addAction(QString());
    m_menu->addSeparator();
    m_quit = m_menu->addAction(QString());
    connect(m_toggleWindow, &QAction::triggered, this, &TrayIcon::toggleWindowRequested);
    connect(m_pauseAll, &QAction::triggered, this, &TrayIcon::pauseAllRequested);
    connect(m_resumeAll, &QAction::triggered, this, &TrayIcon::resumeAllRequested);
    connect(m_quit, &QAction::triggered, this, &TrayIcon::quitRequested);
    // QMenu is a top-level widget: it gets the application's LanguageChange.
    m_menu->installEventFilter(this);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(QApplication::windowIcon(), this);
        m_tray->setContextMenu(m_menu.get());
        connect(m_tray, &QSystemTrayIcon::activated, this,
                [this](QSystemTrayIcon::ActivationReason reason) {
                    if (reason == QSystemTrayIcon::Trigger ||
                        reason == QSystemTrayIcon::DoubleClick)
                        Q_EMIT toggleWindowRequested();
                });
    }
    retranslate();
    if (m_tray)
        m_tray->show();
}

TrayIcon::~TrayIcon()
{
    // The tray icon goes before the menu it shows.
    delete m_tray;
    m_tray = nullptr;
}

bool TrayIcon::isAvailable() const
{
    return m_tray != nullptr;
}

void TrayIcon::setRates(qint64 downloadRate, qint64 uploadRate)
{
    m_downloadRate = std::max<qint64>(downloadRate, 0);
    m_uploadRate = std::max<qint64>(uploadRate, 0);
    if (m_tray)
        m_tray->setToolTip(toolTip());
}

QString TrayIcon::toolTip() const
{
    return tr("Swarmshare — ↓ %1 ↑ %2")
        .arg(Units::formatRate(m_downloadRate), Units::formatRate(m_uploadRate));
}

void TrayIcon::setWindowShown(bool shown)
{
    m_windowShown = shown;
    m_toggleWindow->setText(shown ? tr("&Hide window") : tr("&Show window"));
}

void TrayIcon::notifyFinished(const QString& name)
{
    if (!m_tray || !QSystemTrayIcon::supportsMessages())
        return;
    m_tray->showMessage(tr("Download complete"), tr("%1 has finished downloading.").arg(name),
                        QSystemTrayIcon::Information, kMessageMs);
}

void TrayIcon::retranslate()
{
    setWindowShown(m_windowShown);
    m_pauseAll->setText(tr("&Pause all"));
    m_resumeAll->setText(tr("&Resume all"));
    m_quit->setText(tr("&Quit"));
    if (m_tray)
        m_tray->setToolTip(toolTip());
}

bool TrayIcon::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_menu.get() && event->type() == QEvent::LanguageChange)
        retranslate();
    return QObject::eventFilter(watched, event);
}

} // namespace swarmshare::gui
