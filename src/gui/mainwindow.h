// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QLoggingCategory>
#include <QMainWindow>

#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcGui)

namespace Ui {
class MainWindow;
}

namespace swarmshare::gui {

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(Config config, QWidget* parent = nullptr);
    ~MainWindow() override;

    void showAbout();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();

    std::unique_ptr<Ui::MainWindow> m_ui;
    Config m_config;
};

} // namespace swarmshare::gui
