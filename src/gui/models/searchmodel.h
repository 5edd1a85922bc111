// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker_client/messages.h"

#include <QAbstractTableModel>

namespace swarmshare::gui {

// The files a tracker search found (DESIGN.md section 7, Search view): one row per FileSummary,
// in the tracker's order. Sorting uses SortRole: sizes and counts sort as numbers, not as their
// formatted text.
class SearchModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Name, Size, Seeders, Leechers, ColumnCount };
    enum Role { InfoHashRole = Qt::UserRole + 1, SortRole };

    explicit SearchModel(QObject* parent = nullptr);

    void setResults(const QList<trackerclient::FileSummary>& results);
    void clear();
    const QList<trackerclient::FileSummary>& results() const { return m_rows; }
    const trackerclient::FileSummary& at(int row) const { return m_rows.at(row); }

    // The header texts changed language.
    void retranslate();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<trackerclient::FileSummary> m_rows;
};

} // namespace swarmshare::gui
