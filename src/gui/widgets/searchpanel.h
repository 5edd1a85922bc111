// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QPointer>
#include <QWidget>

#include <functional>

class QLabel;
class QLineEdit;
class QModelIndex;
class QPushButton;
class QSortFilterProxyModel;
class QTreeView;

namespace swarmshare::trackerclient {
class TrackerClient;
}

namespace swarmshare::gui {

class SearchModel;

// The Search view (DESIGN.md section 7, issue 7): queries the tracker's file index and downloads
// a result with one action. Type a query and press Enter (or Search); an empty query lists every
// file. Download (or double-click, or Enter on a row) fetches the result's .torrent from the
// tracker and hands it on through downloadRequested().
//
// Everything is asynchronous: nothing blocks the GUI thread. A new search supersedes one still
// running (its late answer is ignored), and so does changing the client. Results are capped at
// kResultLimit.
class SearchPanel : public QWidget {
    Q_OBJECT

public:
    static constexpr int kResultLimit = 200;

    explicit SearchPanel(QWidget* parent = nullptr);
    ~SearchPanel() override;

    // The client to ask (not owned; nullptr: logged out, the view is cleared). Requests of an
    // earlier client are abandoned.
    void setClient(trackerclient::TrackerClient* client);
    trackerclient::TrackerClient* client() const;

    // Searches as if `text` had been typed and Enter pressed.
    void search(const QString& text);
    // Fetches the .torrent of the selected result (no-op without one).
    void downloadSelected();

    bool isSearching() const { return m_searching; }
    QString statusText() const;
    SearchModel* model() const { return m_model; }

Q_SIGNALS:
    // The .torrent of a result arrived (and parses to `infoHash`): add it to the engine.
    void downloadRequested(const QByteArray& infoHash, const QByteArray& metainfo,
                           const QString& name);
    void searchFinished();

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    enum class Tone { Neutral, Progress, Error };

    void retranslateUi();
    void showStatus(Tone tone, std::function<QString()> text);
    void updateButtons();
    void download(const QModelIndex& proxyIndex);
    QString describe(const Error& error, int status) const;

    QPointer<trackerclient::TrackerClient> m_client;
    SearchModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_query;
    QPushButton* m_searchButton;
    QLabel* m_status;
    QTreeView* m_view;
    QPushButton* m_downloadButton;

    std::function<QString()> m_statusText;
    // Bumped by every search and by setClient(): answers carrying an older number are stale.
    quint64 m_searchSerial = 0;
    // Bumped by setClient(): .torrents fetched through an earlier client are dropped.
    quint64 m_clientSerial = 0;
    bool m_searching = false;
    QList<QByteArray> m_fetching; // info-hashes whose .torrent is on its way
};

} // namespace swarmshare::gui
