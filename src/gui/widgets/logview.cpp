// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/widgets/logview.h"

#include "gui/models/logmodel.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QTreeView>
#include <QUrl>
#include <QVBoxLayout>

namespace swarmshare::gui {

LogView::LogView(LogModel* model, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new LogFilter(this))
    , m_level(new QComboBox(this))
    , m_text(new QLineEdit(this))
    , m_count(new QLabel(this))
    , m_copy(new QPushButton(this))
    , m_clear(new QPushButton(this))
    , m_folder(new QPushButton(this))
    , m_view(new QTreeView(this))
{
    m_filter->setSourceModel(m_model);
    m_level->setObjectName(QStringLiteral("logLevel"));
    m_text->setObjectName(QStringLiteral("logFilter"));
    m_text->setClearButtonEnabled(true);
    m_copy->setObjectName(QStringLiteral("logCopy"));
    m_clear->setObjectName(QStringLiteral("logClear"));
    m_folder->setObjectName(QStringLiteral("logFolder"));
    m_folder->hide();
    m_view->setObjectName(QStringLiteral("logLines"));
    m_view->setModel(m_filter);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true); // thousands of lines scroll without measuring each
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setTextElideMode(Qt::ElideRight);
    QHeaderView* header = m_view->header();
    header->setStretchLastSection(true);
    const QFontMetrics metrics = m_view->fontMetrics();
    header->resizeSection(LogModel::Time,
                          metrics.horizontalAdvance(QStringLiteral("00:00:00.000")) + 20);
    header->resizeSection(LogModel::Level, metrics.horizontalAdvance(QStringLiteral("Warning")) +
                                               40); // room for the Vietnamese word too
    header->resizeSection(LogModel::Source,
                          metrics.horizontalAdvance(QStringLiteral("trackerclient")) + 20);

    auto* bar = new QHBoxLayout;
    bar->addWidget(m_level);
    bar->addWidget(m_text, 1);
    bar->addWidget(m_count);
    bar->addWidget(m_copy);
    bar->addWidget(m_clear);
    bar->addWidget(m_folder);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_view);

    connect(m_level, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_filter->setMinimumSeverity(m_level->itemData(index).toInt()); });
    connect(m_text, &QLineEdit::textChanged, m_filter, &LogFilter::setText);
    connect(m_copy, &QPushButton::clicked, this, &LogView::copyLines);
    connect(m_clear, &QPushButton::clicked, m_model, &LogModel::clear);
    connect(m_folder, &QPushButton::clicked, this,
            [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(m_folderPath)); });
    auto* copy = new QAction(m_view);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, &LogView::copyLines);
    m_view->addAction(copy);

    // New lines are followed while the view is at its end; scrolled up, it stays put.
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int value) { m_follow = value == m_view->verticalScrollBar()->maximum(); });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow)
            m_view->scrollToBottom();
    });
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_filter, signal, this, &LogView::updateCount);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &LogView::updateCount);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &LogView::updateCount);
    retranslate();
}

void LogView::setLogFolder(const QString& folder)
{
    m_folderPath = folder;
    m_folder->setVisible(!folder.isEmpty());
}

void LogView::setMinimumSeverity(int severity)
{
    m_level->setCurrentIndex(m_level->findData(severity));
    m_filter->setMinimumSeverity(severity);
}

void LogView::copyLines() const
{
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        for (int row = 0; row < m_filter->rowCount(); ++row)
            rows << m_filter->index(row, 0);
    }
    std::sort(rows.begin(), rows.end());
    QByteArray text;
    for (const QModelIndex& index : std::as_const(rows)) {
        text += logging::formatLine(m_model->record(m_filter->mapToSource(index).row()));
        text += '\n';
    }
    QGuiApplication::clipboard()->setText(QString::fromUtf8(text));
}

void LogView::updateCount()
{
    m_count->setText(tr("%1 of %2 lines").arg(m_filter->rowCount()).arg(m_model->rowCount()));
}

void LogView::retranslate()
{
    {
        const QSignalBlocker quiet(m_level);
        m_level->clear();
        m_level->addItem(tr("Everything (debug)"), 0);
        m_level->addItem(tr("Information and above"), 1);
        m_level->addItem(tr("Warnings and errors"), 2);
        m_level->addItem(tr("Errors only"), 3);
        m_level->setCurrentIndex(m_level->findData(m_filter->minimumSeverity()));
    }
    m_level->setToolTip(tr("The least severe lines shown. Debug lines are logged only when the "
                           "log level in the configuration is debug."));
    m_text->setPlaceholderText(tr("Filter by source or message"));
    m_copy->setText(tr("&Copy"));
    m_copy->setToolTip(tr("Copy the selected lines, or every line shown"));
    m_clear->setText(tr("C&lear"));
    m_folder->setText(tr("Open log &folder"));
    updateCount();
}

void LogView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(event);
}

} // namespace swarmshare::gui
