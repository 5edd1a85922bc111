// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "session/sessiontypes.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>

namespace swarmshare::gui {

// The torrents of the session as a table (DESIGN.md section 7): one row per torrent, fed by the
// session's snapshots (update() keeps rows in place and reports only what changed, so a view
// keeps its selection and scroll position at every refresh). Sorting uses SortRole: numbers sort
// as numbers, not as their formatted text.
class TorrentModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Name,
        Size,
        Progress,
        Status,
        DownloadRate,
        UploadRate,
        Eta,
        Peers,
        Ratio,
        ColumnCount
    };
    enum Role { InfoHashRole = Qt::UserRole + 1, SortRole, ProgressRole, FinishedRole };

    explicit TorrentModel(QObject* parent = nullptr);

    void update(const QList<session::TorrentSnapshot>& torrents);
    // The snapshot of a row (valid index) or of an info-hash (nullptr when absent).
    const session::TorrentSnapshot* torrent(const QByteArray& infoHash) const;
    const session::TorrentSnapshot& at(int row) const { return m_rows.at(row); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    static QString stateText(session::TorrentState state);
    static QString etaText(qint64 seconds);
    static QString rateText(qint64 bytesPerSecond);

private:
    QList<session::TorrentSnapshot> m_rows;
};

// Downloads (not finished) or shares (finished: seeding) of a TorrentModel, sortable.
class TorrentFilter : public QSortFilterProxyModel {
    Q_OBJECT

public:
    enum class Show { Downloads, Shares };
    explicit TorrentFilter(Show show, QObject* parent = nullptr);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    Show m_show;
};

// Paints the progress column as a progress bar.
class ProgressDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
};

} // namespace swarmshare::gui
