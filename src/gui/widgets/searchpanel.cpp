// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/widgets/searchpanel.h"

#include "gui/models/searchmodel.h"
#include "gui/trackererror.h"
#include "torrent/metainfo.h"
#include "tracker_client/trackerclient.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace swarmshare::gui {

namespace {

Q_LOGGING_CATEGORY(lcSearch, "swarmshare.gui.search")

const QColor kErrorColour(0xb3, 0x26, 0x1e);

} // namespace

using trackerclient::FileSummary;
using trackerclient::Reply;
using trackerclient::SearchQuery;
using trackerclient::TrackerClient;

SearchPanel::SearchPanel(QWidget* parent)
    : QWidget(parent)
    , m_model(new SearchModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_query(new QLineEdit(this))
    , m_searchButton(new QPushButton(this))
    , m_status(new QLabel(this))
    , m_view(new QTreeView(this))
    , m_downloadButton(new QPushButton(this))
{
    m_query->setObjectName(QStringLiteral("searchQuery"));
    m_query->setClearButtonEnabled(true);
    m_searchButton->setObjectName(QStringLiteral("searchButton"));
    m_status->setObjectName(QStringLiteral("searchStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_view->setObjectName(QStringLiteral("searchResults"));
    m_downloadButton->setObjectName(QStringLiteral("downloadButton"));

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SearchModel::SortRole);
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(SearchModel::Seeders, Qt::DescendingOrder);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(SearchModel::Name, QHeaderView::Stretch);
    for (int column : {SearchModel::Size, SearchModel::Seeders, SearchModel::Leechers})
        m_view->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    m_view->installEventFilter(this);

    auto* queryRow = new QHBoxLayout;
    queryRow->addWidget(m_query, 1);
    queryRow->addWidget(m_searchButton);
    auto* actionRow = new QHBoxLayout;
    actionRow->addWidget(m_status, 1);
    actionRow->addWidget(m_downloadButton);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(queryRow);
    layout->addWidget(m_view, 1);
    layout->addLayout(actionRow);
    setFocusProxy(m_query);

    connect(m_query, &QLineEdit::returnPressed, this, [this] { search(m_query->text()); });
    connect(m_searchButton, &QPushButton::clicked, this, [this] { search(m_query->text()); });
    connect(m_downloadButton, &QPushButton::clicked, this, &SearchPanel::downloadSelected);
    connect(m_view, &QTreeView::doubleClicked, this, &SearchPanel::download);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SearchPanel::updateButtons);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &SearchPanel::updateButtons);

    retranslateUi();
    showStatus(Tone::Neutral,
               [] { return tr("Log in to search the files shared on the tracker."); });
    updateButtons();
}

SearchPanel::~SearchPanel() = default;

void SearchPanel::setClient(TrackerClient* client)
{
    if (client == m_client)
        return;
    m_client = client;
    ++m_searchSerial;
    ++m_clientSerial;
    m_searching = false;
    m_fetching.clear();
    m_model->clear();
    if (client)
        showStatus(Tone::Neutral, [] {
            return tr("Type a name and press Enter. An empty search lists every file.");
        });
    else
        showStatus(Tone::Neutral,
                   [] { return tr("Log in to search the files shared on the tracker."); });
    updateButtons();
}

TrackerClient* SearchPanel::client() const
{
    return m_client;
}

void SearchPanel::search(const QString& text)
{
    if (m_query->text() != text)
        m_query->setText(text);
    const quint64 serial = ++m_searchSerial;
    if (!m_client) {
        m_searching = false;
        m_model->clear();
        showStatus(Tone::Error,
                   [] { return tr("Log in to search the files shared on the tracker."); });
        updateButtons();
        return;
    }
    const QString query = text.trimmed();
    m_searching = true;
    showStatus(Tone::Progress, [] { return tr("Searching…"); });
    updateButtons();
    qCDebug(lcSearch).noquote() << "searching for" << query;
    QPointer<SearchPanel> self(this);
    m_client->searchFiles(
        SearchQuery{query, kResultLimit, 0},
        [self, serial, query](const Reply<QList<FileSummary>>& reply) {
            if (!self || serial != self->m_searchSerial)
                return; // superseded by a newer search, or by another client
            self->m_searching = false;
            if (!reply) {
                qCInfo(lcSearch).noquote() << "search failed:" << reply.error().code
                                           << reply.status() << reply.error().message;
                self->m_model->clear();
                const Error error = reply.error();
                const int status = reply.status();
                SearchPanel* panel = self;
                self->showStatus(Tone::Error, [panel, error, status] {
                    return tr("The search failed. %1").arg(panel->describe(error, status));
                });
            } else {
                const QList<FileSummary>& files = reply.value();
                self->m_model->setResults(files);
                const int count = int(files.size());
                if (count == 0 && query.isEmpty())
                    self->showStatus(Tone::Neutral,
                                     [] { return tr("No files are shared on the tracker yet."); });
                else if (count == 0)
                    self->showStatus(Tone::Neutral,
                                     [query] { return tr("No files found for “%1”.").arg(query); });
                else if (count >= kResultLimit)
                    self->showStatus(Tone::Neutral, [count] {
                        return tr("The first %n result(s). Refine the search to see others.",
                                  nullptr, count);
                    });
                else
                    self->showStatus(Tone::Neutral,
                                     [count] { return tr("%n result(s)", nullptr, count); });
                if (count > 0)
                    self->m_view->setCurrentIndex(self->m_proxy->index(0, 0));
            }
            self->updateButtons();
            Q_EMIT self->searchFinished();
        });
}

void SearchPanel::downloadSelected()
{
    download(m_view->currentIndex());
}

void SearchPanel::download(const QModelIndex& proxyIndex)
{
    if (!proxyIndex.isValid())
        return;
    const QModelIndex source = m_proxy->mapToSource(proxyIndex);
    if (!source.isValid())
        return;
    const FileSummary file = m_model->at(source.row());
    if (!m_client) {
        showStatus(Tone::Error,
                   [] { return tr("Log in to search the files shared on the tracker."); });
        return;
    }
    if (m_fetching.contains(file.infoHash))
        return; // already on its way
    m_fetching.append(file.infoHash);
    const QString name = file.name;
    showStatus(Tone::Progress, [name] { return tr("Fetching the .torrent of “%1”…").arg(name); });
    updateButtons();
    const quint64 clientSerial = m_clientSerial;
    QPointer<SearchPanel> self(this);
    m_client->downloadMetainfo(file.infoHash, [self, clientSerial,
                                               file](const Reply<QByteArray>& reply) {
        if (!self || clientSerial != self->m_clientSerial)
            return;
        self->m_fetching.removeAll(file.infoHash);
        self->updateButtons();
        const QString name = file.name;
        if (!reply) {
            qCInfo(lcSearch).noquote() << "metainfo download failed:" << reply.error().code
                                       << reply.status() << reply.error().message;
            const Error error = reply.error();
            const int status = reply.status();
            SearchPanel* panel = self;
            self->showStatus(Tone::Error, [panel, name, error, status] {
                return tr("Cannot download “%1”. %2").arg(name, panel->describe(error, status));
            });
            return;
        }
        // A .torrent that is not the one asked for is refused here, before the engine.
        const Result<torrent::Metainfo> parsed = torrent::Metainfo::parse(reply.value());
        if (!parsed || parsed.value().infoHash() != file.infoHash) {
            const QString details = parsed ? QString() : parsed.error().message;
            qCWarning(lcSearch).noquote() << "the tracker's .torrent for" << file.infoHash.toHex()
                                          << "is not valid" << details;
            self->showStatus(Tone::Error, [name] {
                return tr("Cannot download “%1”: the tracker sent a .torrent that does not match "
                          "this file.")
                    .arg(name);
            });
            return;
        }
        self->showStatus(Tone::Neutral,
                         [name] { return tr("“%1” was added to the downloads.").arg(name); });
        Q_EMIT self->downloadRequested(file.infoHash, reply.value(), name);
    });
}

QString SearchPanel::statusText() const
{
    return m_status->text();
}

QString SearchPanel::describe(const Error& error, int status) const
{
    const QString url = m_client ? m_client->currentUrl().toDisplayString() : QString();
    return TrackerError::describe(error, status, url, [](const QString& key) {
        return key == u"not_found" ? tr("The tracker no longer has this file.") : QString();
    });
}

void SearchPanel::showStatus(Tone tone, std::function<QString()> text)
{
    m_statusText = std::move(text);
    QPalette palette = this->palette();
    if (tone == Tone::Error)
        palette.setColor(QPalette::WindowText, kErrorColour);
    m_status->setPalette(palette);
    m_status->setText(m_statusText ? m_statusText() : QString());
}

void SearchPanel::updateButtons()
{
    const QModelIndex current = m_view->currentIndex();
    bool fetching = false;
    if (current.isValid()) {
        const QByteArray hash = current.data(SearchModel::InfoHashRole).toByteArray();
        fetching = m_fetching.contains(hash);
    }
    m_downloadButton->setEnabled(m_client && current.isValid() &&
                                 m_view->selectionModel()->hasSelection() && !fetching);
}

void SearchPanel::retranslateUi()
{
    m_query->setPlaceholderText(tr("Search files shared on the tracker"));
    m_query->setToolTip(tr("Part of a file name. Leave empty to list every file."));
    m_searchButton->setText(tr("Search"));
    m_downloadButton->setText(tr("Download"));
    m_downloadButton->setToolTip(tr("Download the selected file (or double-click it)"));
    m_view->setAccessibleName(tr("Search results"));
    m_model->retranslate();
    if (m_statusText)
        m_status->setText(m_statusText());
}

void SearchPanel::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

bool SearchPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
            m_view->currentIndex().isValid()) {
            download(m_view->currentIndex());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace swarmshare::gui
