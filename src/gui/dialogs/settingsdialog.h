// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QDialog>
#include <QString>

#include <functional>
#include <memory>

class QAbstractButton;
class QWidget;

namespace Ui {
class SettingsDialog;
}

namespace swarmshare::gui {

// The settings dialog (ui/settingsdialog.ui): General (language, download folder, close to
// tray), Connection (listen port, rate limits, tracker URLs) and Tracker hosting (host a
// tracker, the ports of trackerServer.listen / backupListen / proxyListen; their addresses are
// kept as they are). Every field starts from the Config given; keys the dialog does not show
// are carried over unchanged.
//
// Apply and OK check the fields first: a tracker URL that is not http(s) or tracker ports that
// clash put a message in the dialog, show the page with the problem and keep it open. When
// the fields are fine, result() has them, applied() is emitted, and a changed language is
// installed at once (i18n::install), so every open window, this one included, retranslates.
// Writing the result to disk is the caller's job (Config::save()).
class SettingsDialog : public QDialog {
    Q_OBJECT

public:
    explicit SettingsDialog(const Config& config, QWidget* parent = nullptr);
    ~SettingsDialog() override;

    // The Config given with the edits of the last successful Apply / OK.
    Config result() const { return m_config; }
    // The fields as they are now; `problem`, when not null, gets why they cannot be applied
    // ("" when they can).
    Config edited(QString* problem = nullptr) const;

public Q_SLOTS:
    // Checks and applies the fields; returns false (and shows why) when they are not valid.
    bool apply();
    void accept() override;

Q_SIGNALS:
    void applied(const swarmshare::Config& config);

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Problem {
        std::function<QString()> text; // called again after a language change
        QWidget* field = nullptr;      // where the user fixes it
    };

    Config collect(Problem* problem) const;
    void load(const Config& config);
    void browseDownloadDir();
    void buttonClicked(QAbstractButton* button);
    void showProblem(const Problem& problem);
    void clearProblem();
    QString languageCode() const;

    std::unique_ptr<Ui::SettingsDialog> m_ui;
    Config m_config;
    // The limits as loaded, in bytes/s: kept as they are when their KiB/s box is not touched.
    qint64 m_loadedDownloadLimit = 0;
    qint64 m_loadedUploadLimit = 0;
    std::function<QString()> m_problemText;
};

} // namespace swarmshare::gui
