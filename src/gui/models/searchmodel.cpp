// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/models/searchmodel.h"

#include "common/units.h"

#include <QLocale>

namespace swarmshare::gui {

using trackerclient::FileSummary;

SearchModel::SearchModel(QObject* parent)
    : QAbstractTableModel(parent)
{}

void SearchModel::setResults(const QList<FileSummary>& results)
{
    beginResetModel();
    m_rows = results;
    endResetModel();
}

void SearchModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

void SearchModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                           {Qt::DisplayRole, Qt::ToolTipRole});
}

int SearchModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SearchModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SearchModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FileSummary& file = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return file.name;
        case Size:
            return Units::formatBytes(file.size);
        case Seeders:
            return QLocale().toString(file.seeders);
        case Leechers:
            return QLocale().toString(file.leechers);
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == Name)
            return tr("%1\nInfo-hash: %2")
                .arg(file.name, QString::fromLatin1(file.infoHash.toHex()));
        if (index.column() == Size)
            return tr("%1 bytes").arg(QLocale().toString(file.size));
        break;
    case Qt::TextAlignmentRole:
        if (index.column() != Name)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case SortRole:
        switch (index.column()) {
        case Name:
            return file.name.toCaseFolded();
        case Size:
            return file.size;
        case Seeders:
            return file.seeders;
        case Leechers:
            return file.leechers;
        }
        break;
    case InfoHashRole:
        return file.infoHash;
    }
    return {};
}

QVariant SearchModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole && section != Name)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Seeders:
            return tr("Peers that have the whole file");
        case Leechers:
            return tr("Peers still downloading the file");
        }
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Size:
        return tr("Size");
    case Seeders:
        return tr("Seeders");
    case Leechers:
        return tr("Leechers");
    }
    return {};
}

} // namespace swarmshare::gui
