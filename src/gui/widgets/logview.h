// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeView;

namespace swarmshare::gui {

class LogFilter;
class LogModel;

// The log view: the app's own log lines as they come (LogModel), filtered by level and by a
// text, newest at the bottom and followed while the view is scrolled to the end. Lines can be
// copied (Ctrl+C, or the Copy button: the selection, else every line shown) in the log file's
// format; "Open log folder" shows the rotating log files.
class LogView : public QWidget {
    Q_OBJECT

public:
    explicit LogView(LogModel* model, QWidget* parent = nullptr);

    // Where the log files are ("" hides the button).
    void setLogFolder(const QString& folder);
    // 0 debug, 1 info, 2 warnings, 3 errors: the least severe level shown.
    void setMinimumSeverity(int severity);
    void copyLines() const;

    LogFilter* filter() const { return m_filter; }
    QTreeView* view() const { return m_view; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void updateCount();

    LogModel* m_model;
    LogFilter* m_filter;
    QComboBox* m_level;
    QLineEdit* m_text;
    QLabel* m_count;
    QPushButton* m_copy;
    QPushButton* m_clear;
    QPushButton* m_folder;
    QTreeView* m_view;
    QString m_folderPath;
    bool m_follow = true;
};

} // namespace swarmshare::gui
