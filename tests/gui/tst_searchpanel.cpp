// SPDX-License-Identifier: GPL-3.0-or-later
// The Search view driven as a user would (typing, Enter, clicks, double-click) against a real
// `swarmshare --tracker` process that knows a peer sharing two files with real .torrents:
// a search lists the matching file, Download hands on the tracker's .torrent, a search that
// matches nothing says so, and so do a missing login and a stopped tracker.
#include "common/i18n.h"
#include "gui/models/searchmodel.h"
#include "gui/widgets/searchpanel.h"
#include "integration/integrationfixture.h"
#include "integration/trackerprocess.h"
#include "support/widgets.h"
#include "torrent/metainfo.h"

#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace swarmshare;
using namespace swarmshare::test;
using gui::SearchModel;
using gui::SearchPanel;

namespace {

constexpr int kTimeoutMs = 15000;

struct Widgets {
    explicit Widgets(SearchPanel& panel)
        : query(find<QLineEdit>(panel, "searchQuery"))
        , search(find<QPushButton>(panel, "searchButton"))
        , status(find<QLabel>(panel, "searchStatus"))
        , results(find<QTreeView>(panel, "searchResults"))
        , download(find<QPushButton>(panel, "downloadButton"))
    {}

    template<typename T>
    static T* find(SearchPanel& panel, const char* name)
    {
        return swarmshare::test::child<T>(&panel, name);
    }

    QString cell(int row, int column) const
    {
        return results->model()->index(row, column).data().toString();
    }
    QVariant sortValue(int row, int column) const
    {
        return results->model()->index(row, column).data(SearchModel::SortRole);
    }

    QLineEdit* query;
    QPushButton* search;
    QLabel* status;
    QTreeView* results;
    QPushButton* download;
};

struct Shared {
    QString name;
    QByteArray infoHash;
    QByteArray torrent;
    qint64 size = 0;
};

void showAndWait(SearchPanel& panel)
{
    panel.resize(720, 360);
    panel.show();
    panel.activateWindow();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
}

// Types `text` in the query field (replacing what was there) and presses Enter; waits for the
// answer.
void typeAndSearch(SearchPanel& panel, const Widgets& w, const QString& text)
{
    w.query->selectAll();
    QTest::keyClick(w.query, Qt::Key_Backspace);
    QTest::keyClicks(w.query, text);
    QSignalSpy finished(&panel, &SearchPanel::searchFinished);
    QTest::keyClick(w.query, Qt::Key_Return);
    QVERIFY(panel.isSearching());
    QCOMPARE(w.status->text(), QStringLiteral("Searching…"));
    QVERIFY(finished.wait(kTimeoutMs));
    QVERIFY(!panel.isSearching());
}

} // namespace

class TestSearchPanel : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;
    std::unique_ptr<TrackerClient> m_client;
    QList<Shared> m_shared;

    void share(const QString& name, qint64 size, quint32 seed)
    {
        const Result<torrent::CreatedTorrent> made =
            makeTorrent(QDir(m_dir.path()).filePath(name), size, seed);
        QVERIFY2(made, qPrintable(made ? QString() : made.error().message));
        const Result<torrent::Metainfo> parsed = torrent::Metainfo::parse(made.value().torrentFile);
        QVERIFY(parsed);
        QCOMPARE(parsed.value().name(), name);
        m_shared.append({name, made.value().infoHash, made.value().torrentFile, size});
    }

    SharedFile sharedFileOf(const Shared& file) const
    {
        const torrent::Metainfo meta = torrent::Metainfo::parse(file.torrent).value();
        return {file.infoHash, file.name, meta.totalLength(), meta.pieceLength(), meta.pieceCount(),
                true,          {},        file.torrent};
    }

private Q_SLOTS:
    void initTestCase()
    {
        i18n::install(QStringLiteral("en"));
        QVERIFY(m_dir.isValid());
        m_tracker = std::make_unique<TrackerProcess>(m_dir.path() + QStringLiteral("/tracker"));
        const QString problem = m_tracker->start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        m_client = makeClient({m_tracker->url()});
        const QByteArray signedUp = signUp(*m_client, QStringLiteral("lan.nguyen"));
        QVERIFY2(signedUp.isEmpty(), signedUp.constData());

        share(QStringLiteral("holiday-photos-2026.bin"), 100'000, 1);
        share(QStringLiteral("lecture-notes.bin"), 40'000, 2);
        const Reply<RegisterResult> registered =
            registerPeer(*m_client, randomId(), 6881, 4,
                         {sharedFileOf(m_shared.at(0)), sharedFileOf(m_shared.at(1))});
        QVERIFY2(registered, describe(registered));
    }

    void cleanupTestCase()
    {
        m_client.reset();
        if (m_tracker && m_tracker->isRunning())
            QVERIFY2(m_tracker->stop(), m_tracker->errorOutput().constData());
    }

    void looksRight()
    {
        SearchPanel panel;
        Widgets w(panel);
        showAndWait(panel);
        QCOMPARE(w.query->placeholderText(), QStringLiteral("Search files shared on the tracker"));
        QCOMPARE(w.search->text(), QStringLiteral("Search"));
        QCOMPARE(w.download->text(), QStringLiteral("Download"));
        QVERIFY(!w.download->isEnabled());
        QCOMPARE(w.results->model()->columnCount(), 4);
        const QStringList headers{QStringLiteral("Name"), QStringLiteral("Size"),
                                  QStringLiteral("Seeders"), QStringLiteral("Leechers")};
        for (int column = 0; column < headers.size(); ++column)
            QCOMPARE(w.results->model()->headerData(column, Qt::Horizontal).toString(),
                     headers.at(column));
        QVERIFY(w.results->isSortingEnabled());
    }

    void withoutClientAsksToLogIn()
    {
        SearchPanel panel;
        Widgets w(panel);
        showAndWait(panel);
        QVERIFY(w.status->text().startsWith(QStringLiteral("Log in to search")));
        QTest::keyClicks(w.query, QStringLiteral("holiday"));
        QTest::keyClick(w.query, Qt::Key_Return);
        QVERIFY(!panel.isSearching());
        QVERIFY(w.status->text().startsWith(QStringLiteral("Log in to search")));
        QCOMPARE(w.results->model()->rowCount(), 0);

        // Logging out clears the results.
        panel.setClient(m_client.get());
        panel.search(QString());
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isSearching(), kTimeoutMs);
        QCOMPARE(w.results->model()->rowCount(), 2);
        panel.setClient(nullptr);
        QCOMPARE(w.results->model()->rowCount(), 0);
        QVERIFY(w.status->text().startsWith(QStringLiteral("Log in to search")));
        QVERIFY(!w.download->isEnabled());
    }

    void searchFindsFileAndDownloadsIt()
    {
        SearchPanel panel;
        panel.setClient(m_client.get());
        Widgets w(panel);
        showAndWait(panel);
        typeAndSearch(panel, w, QStringLiteral("holiday"));
        QCOMPARE(w.results->model()->rowCount(), 1);
        const Shared& holiday = m_shared.at(0);
        QCOMPARE(w.cell(0, SearchModel::Name), holiday.name);
        QCOMPARE(w.sortValue(0, SearchModel::Size).toLongLong(), holiday.size);
        QCOMPARE(w.sortValue(0, SearchModel::Seeders).toInt(), 1);
        QCOMPARE(w.cell(0, SearchModel::Seeders), QStringLiteral("1"));
        QCOMPARE(w.sortValue(0, SearchModel::Leechers).toInt(), 0);
        QCOMPARE(w.results->model()->index(0, 0).data(SearchModel::InfoHashRole).toByteArray(),
                 holiday.infoHash);
        QVERIFY2(w.status->text().startsWith(QStringLiteral("1 result")),
                 qPrintable(w.status->text()));
        QVERIFY(w.download->isEnabled());
        test::saveScreenshot(panel, QStringLiteral("searchpanel-results"));

        // Download: the tracker's .torrent, which parses to the result's info-hash.
        QSignalSpy requested(&panel, &SearchPanel::downloadRequested);
        QTest::mouseClick(w.download, Qt::LeftButton);
        QVERIFY(requested.wait(kTimeoutMs));
        QCOMPARE(requested.count(), 1);
        QCOMPARE(requested.at(0).at(0).toByteArray(), holiday.infoHash);
        const QByteArray metainfo = requested.at(0).at(1).toByteArray();
        QCOMPARE(requested.at(0).at(2).toString(), holiday.name);
        const Result<torrent::Metainfo> parsed = torrent::Metainfo::parse(metainfo);
        QVERIFY(parsed);
        QCOMPARE(parsed.value().infoHash(), holiday.infoHash);
        QCOMPARE(parsed.value().name(), holiday.name);
        QVERIFY(w.status->text().contains(holiday.name));

        // Enter on the row, and a double-click, do the same.
        w.results->setFocus();
        QTest::keyClick(w.results, Qt::Key_Return);
        QVERIFY(requested.wait(kTimeoutMs));
        QCOMPARE(requested.count(), 2);
        QCOMPARE(requested.at(1).at(0).toByteArray(), holiday.infoHash);
        const QRect cell = w.results->visualRect(w.results->model()->index(0, 0));
        // A double-click is a press, a release, then the double-click (QTest sends only the
        // last one, which an item view ignores without the press before it).
        QTest::mouseClick(w.results->viewport(), Qt::LeftButton, {}, cell.center());
        QCOMPARE(requested.count(), 2); // one click does not download
        QTest::mouseDClick(w.results->viewport(), Qt::LeftButton, {}, cell.center());
        QVERIFY(requested.wait(kTimeoutMs));
        QCOMPARE(requested.count(), 3);
        QCOMPARE(requested.at(2).at(0).toByteArray(), holiday.infoHash);
    }

    void emptyQueryListsEverythingSortable()
    {
        SearchPanel panel;
        panel.setClient(m_client.get());
        Widgets w(panel);
        showAndWait(panel);
        QSignalSpy finished(&panel, &SearchPanel::searchFinished);
        QTest::mouseClick(w.search, Qt::LeftButton); // empty query
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(w.results->model()->rowCount(), 2);
        QVERIFY2(w.status->text().startsWith(QStringLiteral("2 result")),
                 qPrintable(w.status->text()));

        // Sort by size by clicking its header: numbers, not text.
        QHeaderView* header = w.results->header();
        const int x = header->sectionViewportPosition(SearchModel::Size) +
                      header->sectionSize(SearchModel::Size) / 2;
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        QCOMPARE(header->sortIndicatorSection(), int(SearchModel::Size));
        const qint64 first = w.sortValue(0, SearchModel::Size).toLongLong();
        const qint64 second = w.sortValue(1, SearchModel::Size).toLongLong();
        QVERIFY(header->sortIndicatorOrder() == Qt::AscendingOrder ? first <= second
                                                                   : first >= second);
        test::saveScreenshot(panel, QStringLiteral("searchpanel-all"));
    }

    void noMatchSaysSo()
    {
        SearchPanel panel;
        panel.setClient(m_client.get());
        Widgets w(panel);
        showAndWait(panel);
        typeAndSearch(panel, w, QStringLiteral("no-such-file-xyz"));
        QCOMPARE(w.results->model()->rowCount(), 0);
        QCOMPARE(w.status->text(), QStringLiteral("No files found for “no-such-file-xyz”."));
        QVERIFY(!w.download->isEnabled());
    }

    void newerSearchSupersedesRunningOne()
    {
        SearchPanel panel;
        panel.setClient(m_client.get());
        Widgets w(panel);
        showAndWait(panel);
        QSignalSpy finished(&panel, &SearchPanel::searchFinished);
        panel.search(QStringLiteral("holiday"));
        panel.search(QStringLiteral("lecture"));
        QVERIFY(finished.wait(kTimeoutMs));
        QTest::qWait(500); // the first answer, if it comes late, is ignored
        QCOMPARE(finished.count(), 1);
        QCOMPARE(w.results->model()->rowCount(), 1);
        QCOMPARE(w.cell(0, SearchModel::Name), m_shared.at(1).name);
        QCOMPARE(w.query->text(), QStringLiteral("lecture"));
    }

    void retranslates()
    {
        SearchPanel panel;
        Widgets w(panel);
        i18n::install(QStringLiteral("vi"));
        const QString vietnamese = w.search->text();
        i18n::install(QStringLiteral("en"));
        QCOMPARE(w.search->text(), QStringLiteral("Search"));
        Q_UNUSED(vietnamese); // the Vietnamese catalog may not have these strings yet
    }

    // Last: stops the tracker.
    void stoppedTrackerIsAnErrorInWords()
    {
        SearchPanel panel;
        panel.setClient(m_client.get());
        Widgets w(panel);
        showAndWait(panel);
        QVERIFY(m_tracker->stop());
        typeAndSearch(panel, w, QStringLiteral("holiday"));
        QCOMPARE(w.results->model()->rowCount(), 0);
        QVERIFY2(w.status->text().startsWith(QStringLiteral("The search failed. Cannot reach the "
                                                            "tracker at ")),
                 qPrintable(w.status->text()));
        QVERIFY(w.status->text().contains(m_tracker->url().toDisplayString()));
        test::saveScreenshot(panel, QStringLiteral("searchpanel-error"));
    }
};

QTEST_MAIN(TestSearchPanel)
#include "tst_searchpanel.moc"
