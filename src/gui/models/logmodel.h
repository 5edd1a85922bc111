// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/logging.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QTimer>

namespace swarmshare::gui {

// The app's own log, as the log view shows it: the latest lines the logging handler keeps in
// memory (logging::Options::memoryRecords), fetched by polling. The handler never calls into the
// GUI (it runs on every thread, also while objects are being destroyed), and a burst of lines
// costs one row insertion per poll, not one per line.
class LogModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Time, Level, Source, Message, ColumnCount };
    // The line's severity as a rank: 0 debug, 1 info, 2 warning, 3 error (critical), 4 fatal.
    static constexpr int SeverityRole = Qt::UserRole + 1;
    // Lines the app keeps for the view (the handler keeps as many: logging::Options).
    static constexpr int kDefaultCapacity = 5000;

    explicit LogModel(int capacity, QObject* parent = nullptr);

    // Fetches new lines from the logging handler now, and then every `intervalMs`.
    void follow(int intervalMs = 250);
    // Takes lines (oldest first); the oldest rows go beyond the capacity.
    void append(const QList<logging::Record>& records);
    void clear();
    const logging::Record& record(int row) const { return m_records.at(row); }

    static int severity(QtMsgType type);
    static QString severityName(QtMsgType type);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void poll();

    int m_capacity;
    QList<logging::Record> m_records;
    quint64 m_lastSeq = 0;
    QTimer m_poll;
};

// The log view's filter: lines at or above a severity whose source or message contains a text
// (case-insensitive).
class LogFilter : public QSortFilterProxyModel {
    Q_OBJECT

public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setMinimumSeverity(int severity);
    int minimumSeverity() const { return m_minimum; }
    void setText(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    int m_minimum = 1;
    QString m_text;
};

} // namespace swarmshare::gui
