// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/mainwindow.h"

#include "ui_mainwindow.h"

#include <QEvent>
#include <QMessageBox>

#include <swarmshare/version.h>

Q_LOGGING_CATEGORY(lcGui, "swarmshare.gui")

namespace swarmshare::gui {

MainWindow::MainWindow(Config config, QWidget* parent)
    : QMainWindow(parent)
    , m_ui(std::make_unique<Ui::MainWindow>())
    , m_config(std::move(config))
{
    m_ui->setupUi(this);
    connect(m_ui->actionQuit, &QAction::triggered, this, &QWidget::close);
    connect(m_ui->actionAbout, &QAction::triggered, this, &MainWindow::showAbout);
    retranslate();
    qCInfo(lcGui) << "main window ready";
}

MainWindow::~MainWindow() = default;

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
