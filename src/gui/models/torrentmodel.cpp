// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/models/torrentmodel.h"

#include "common/units.h"

#include <QApplication>
#include <QHash>
#include <QStyle>
#include <QStyleOptionProgressBar>

namespace swarmshare::gui {

using session::TorrentSnapshot;
using session::TorrentState;

namespace {

double ratioOf(const TorrentSnapshot& t)
{
    const qint64 base = t.downloaded > 0 ? t.downloaded : t.wantedDone;
    return base > 0 ? double(t.uploaded) / double(base) : 0.0;
}

} // namespace

TorrentModel::TorrentModel(QObject* parent)
    : QAbstractTableModel(parent)
{}

QString TorrentModel::stateText(TorrentState state)
{
    switch (state) {
    case TorrentState::Checking:
        return tr("Checking");
    case TorrentState::Queued:
        return tr("Queued");
    case TorrentState::Downloading:
        return tr("Downloading");
    case TorrentState::Seeding:
        return tr("Sharing");
    case TorrentState::Paused:
        return tr("Paused");
    case TorrentState::Error:
        return tr("Error");
    }
    return QString();
}

QString TorrentModel::etaText(qint64 seconds)
{
    if (seconds < 0)
        return QStringLiteral("\u221e");
    if (seconds < 60)
        return tr("%1 s").arg(seconds);
    if (seconds < 3600)
        return tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    if (seconds < 86400)
        return tr("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
    return tr("%1 d %2 h").arg(seconds / 86400).arg(seconds % 86400 / 3600);
}

QString TorrentModel::rateText(qint64 bytesPerSecond)
{
    return bytesPerSecond > 0 ? Units::formatRate(bytesPerSecond) : QString();
}

void TorrentModel::update(const QList<TorrentSnapshot>& torrents)
{
    QHash<QByteArray, int> incoming;
    for (int i = 0; i < torrents.size(); ++i)
        incoming.insert(torrents.at(i).infoHash, i);
    // Rows gone, from the bottom so that indices stay valid.
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        if (!incoming.contains(m_rows.at(row).infoHash)) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    QHash<QByteArray, int> rowOf;
    for (int row = 0; row < m_rows.size(); ++row)
        rowOf.insert(m_rows.at(row).infoHash, row);
    for (const TorrentSnapshot& t : torrents) {
        const auto it = rowOf.constFind(t.infoHash);
        if (it == rowOf.cend()) {
            const int row = int(m_rows.size());
            beginInsertRows({}, row, row);
            m_rows.append(t);
            endInsertRows();
        } else {
            m_rows[*it] = t;
            Q_EMIT dataChanged(index(*it, 0), index(*it, ColumnCount - 1));
        }
    }
}

const TorrentSnapshot* TorrentModel::torrent(const QByteArray& infoHash) const
{
    for (const TorrentSnapshot& t : m_rows) {
        if (t.infoHash == infoHash)
            return &t;
    }
    return nullptr;
}

int TorrentModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TorrentModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TorrentModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const TorrentSnapshot& t = m_rows.at(index.row());
    switch (role) {
    case InfoHashRole:
        return t.infoHash;
    case ProgressRole:
        return t.progress;
    case FinishedRole:
        return t.state == TorrentState::Seeding;
    case Qt::ToolTipRole:
        if (index.column() == Status && !t.error.isEmpty())
            return t.error;
        if (index.column() == Name)
            return QStringLiteral("%1\n%2").arg(t.name, QString::fromLatin1(t.infoHash.toHex()));
        return {};
    case Qt::TextAlignmentRole:
        return index.column() == Name || index.column() == Status
                   ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                   : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case SortRole:
        switch (index.column()) {
        case Name:
            return t.name.toLower();
        case Size:
            return t.wantedSize;
        case Progress:
            return t.progress;
        case Status:
            return int(t.state);
        case DownloadRate:
            return t.downloadRate;
        case UploadRate:
            return t.uploadRate;
        case Eta:
            return t.etaSeconds < 0 ? std::numeric_limits<qint64>::max() : t.etaSeconds;
        case Peers:
            return t.connectedPeers;
        case Ratio:
            return ratioOf(t);
        default:
            return {};
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return t.name;
        case Size:
            return Units::formatBytes(t.wantedSize);
        case Progress:
            return QStringLiteral("%1%").arg(t.progress * 100, 0, 'f', 1);
        case Status:
            return stateText(t.state);
        case DownloadRate:
            return rateText(t.downloadRate);
        case UploadRate:
            return rateText(t.uploadRate);
        case Eta:
            return t.state == TorrentState::Downloading ? etaText(t.etaSeconds) : QString();
        case Peers:
            return tr("%1 (%2 sharing)").arg(t.connectedPeers).arg(t.connectedSeeds);
        case Ratio:
            return QString::number(ratioOf(t), 'f', 2);
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant TorrentModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Size:
        return tr("Size");
    case Progress:
        return tr("Progress");
    case Status:
        return tr("Status");
    case DownloadRate:
        return tr("Down speed");
    case UploadRate:
        return tr("Up speed");
    case Eta:
        return tr("ETA");
    case Peers:
        return tr("Peers");
    case Ratio:
        return tr("Ratio");
    default:
        return {};
    }
}

TorrentFilter::TorrentFilter(Show show, QObject* parent)
    : QSortFilterProxyModel(parent)
    , m_show(show)
{
    setSortRole(TorrentModel::SortRole);
    setDynamicSortFilter(true);
}

bool TorrentFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const bool finished =
        sourceModel()->index(sourceRow, 0, sourceParent).data(TorrentModel::FinishedRole).toBool();
    return m_show == Show::Shares ? finished : !finished;
}

void ProgressDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                             const QModelIndex& index) const
{
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = int(index.data(TorrentModel::ProgressRole).toDouble() * 1000);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.state = option.state | QStyle::State_Horizontal;
    const QStyle* style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
}

} // namespace swarmshare::gui
