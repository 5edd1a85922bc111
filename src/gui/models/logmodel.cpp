// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/models/logmodel.h"

#include <QBrush>
#include <QColor>
#include <QGuiApplication>
#include <QPalette>

namespace swarmshare::gui {

LogModel::LogModel(int capacity, QObject* parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax(capacity, 1))
{
    connect(&m_poll, &QTimer::timeout, this, &LogModel::poll);
}

void LogModel::follow(int intervalMs)
{
    poll();
    m_poll.start(intervalMs);
}

void LogModel::poll()
{
    append(logging::recentRecords(m_lastSeq));
}

void LogModel::append(const QList<logging::Record>& records)
{
    if (records.isEmpty())
        return;
    m_lastSeq = qMax(m_lastSeq, records.constLast().seq);
    // Only the newest `capacity` of the new lines can stay; then old rows make room for them.
    const qsizetype take = qMin<qsizetype>(records.size(), m_capacity);
    const qsizetype drop = qMax<qsizetype>(0, m_records.size() + take - m_capacity);
    if (drop > 0) {
        beginRemoveRows({}, 0, int(drop - 1));
        m_records.remove(0, drop);
        endRemoveRows();
    }
    beginInsertRows({}, int(m_records.size()), int(m_records.size() + take - 1));
    m_records.append(records.sliced(records.size() - take));
    endInsertRows();
}

void LogModel::clear()
{
    beginResetModel();
    m_records.clear();
    endResetModel();
}

int LogModel::severity(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
        return 3;
    case QtFatalMsg:
        return 4;
    }
    return 1;
}

QString LogModel::severityName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return tr("Debug");
    case QtInfoMsg:
        return tr("Info");
    case QtWarningMsg:
        return tr("Warning");
    case QtCriticalMsg:
        return tr("Error");
    case QtFatalMsg:
        return tr("Fatal");
    }
    return {};
}

int LogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int LogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_records.size())
        return {};
    const logging::Record& r = m_records.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return r.time.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
        case Level:
            return severityName(r.type);
        case Source: {
            QLatin1StringView source(r.category);
            if (source.startsWith(QLatin1StringView("swarmshare.")))
                source = source.sliced(11);
            return QString(source);
        }
        case Message:
            return r.message;
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Time)
            return QLocale().toString(r.time.toLocalTime(), QLocale::LongFormat);
        if (index.column() == Source)
            return QString::fromLatin1(r.category);
        if (index.column() == Message && r.message.size() > 80)
            return r.message;
        return {};
    case Qt::ForegroundRole:
        // Errors red, warnings dark orange, debug lines dimmed; info in the text colour.
        switch (severity(r.type)) {
        case 0:
            return QBrush(QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
        case 2:
            return QBrush(QColor(0xb3, 0x5c, 0x00));
        case 3:
        case 4:
            return QBrush(QColor(0xc0, 0x1c, 0x28));
        }
        return {};
    case SeverityRole:
        return severity(r.type);
    }
    return {};
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Level:
        return tr("Level");
    case Source:
        return tr("Source");
    case Message:
        return tr("Message");
    }
    return {};
}

void LogFilter::setMinimumSeverity(int severity)
{
    if (severity == m_minimum)
        return;
    m_minimum = severity;
    invalidateFilter();
}

void LogFilter::setText(const QString& text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
}

bool LogFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QAbstractItemModel* model = sourceModel();
    if (model->index(sourceRow, 0, sourceParent).data(LogModel::SeverityRole).toInt() < m_minimum)
        return false;
    if (m_text.isEmpty())
        return true;
    for (int column : {int(LogModel::Source), int(LogModel::Message)}) {
        if (model->index(sourceRow, column, sourceParent)
                .data()
                .toString()
                .contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace swarmshare::gui
