// SPDX-License-Identifier: GPL-3.0-or-later
// The piece-rarity map as a user sees it: real widgets under the offscreen platform, checked
// pixel by pixel on a grab of the widget, tooltips through real help events, a screenshot saved.
#include "common/i18n.h"
#include "gui/widgets/pieceraritymap.h"
#include "support/widgets.h"

#include <QDir>
#include <QHelpEvent>
#include <QRandomGenerator>
#include <QTest>
#include <QToolTip>

using swarmshare::Bitfield;
using swarmshare::gui::PieceRarityMap;

class PieceRarityMapTest : public QObject {
    Q_OBJECT

private:
    static QColor pixel(const QImage& image, const QPoint& point)
    {
        return QColor(image.pixel(point));
    }

private Q_SLOTS:
    void initTestCase() { swarmshare::i18n::install(QStringLiteral("en")); }

    void colorsEachPieceByItsAvailability()
    {
        PieceRarityMap map;
        map.resize(420, 160);
        const QList<int> counts{0, 1, 2, 3, 4, 5, 9, 0, 2};
        map.setData(counts);
        QCOMPARE(map.piecesPerCell(), 1);
        const QImage image = map.grab().toImage();
        for (int piece = 0; piece < counts.size(); ++piece) {
            const QRect cell = map.cellRect(piece);
            QVERIFY(!cell.isEmpty());
            QCOMPARE(pixel(image, cell.center()), PieceRarityMap::colorFor(counts[piece]));
            QCOMPARE(map.pieceAt(cell.center()), piece);
        }
        // The scale: no peer is red, many are green, one is in between.
        QCOMPARE(PieceRarityMap::colorFor(0), QColor(0xd7, 0x30, 0x27));
        QCOMPARE(PieceRarityMap::colorFor(50), QColor(0x1a, 0x98, 0x50));
        QVERIFY(PieceRarityMap::colorFor(1) != PieceRarityMap::colorFor(0));
    }

    void marksThePiecesWeHave()
    {
        PieceRarityMap map;
        map.resize(420, 160);
        Bitfield have(6);
        have.set(1);
        have.set(4);
        map.setData({3, 3, 3, 3, 3, 3}, have);
        const QImage image = map.grab().toImage();
        for (int piece = 0; piece < 6; ++piece) {
            const QRect cell = map.cellRect(piece);
            const QPoint bottom(cell.center().x(), cell.bottom());
            const QColor expected =
                have.test(piece) ? PieceRarityMap::haveColor() : PieceRarityMap::colorFor(3);
            QCOMPARE(pixel(image, bottom), expected);
            QCOMPARE(pixel(image, cell.topLeft()), PieceRarityMap::colorFor(3));
        }
    }

    void tooltipNamesThePieceAndItsCount()
    {
        PieceRarityMap map;
        map.resize(420, 160);
        map.show();
        QVERIFY(QTest::qWaitForWindowExposed(&map));
        Bitfield have(4);
        have.set(2);
        map.setData({5, 1, 2, 0}, have);
        QCOMPARE(map.toolTipFor(1),
                 QStringLiteral("Piece 1: held by 1 peer\nYou do not have it yet"));
        QCOMPARE(map.toolTipFor(2), QStringLiteral("Piece 2: held by 2 peers\nYou have it"));
        const QPoint at = map.cellRect(3).center();
        QHelpEvent help(QEvent::ToolTip, at, map.mapToGlobal(at));
        QApplication::sendEvent(&map, &help);
        QTRY_COMPARE(QToolTip::text(),
                     QStringLiteral("Piece 3: held by 0 peers\nYou do not have it yet"));
        // Outside the cells: no tooltip.
        QCOMPARE(map.pieceAt(QPoint(0, 0)), -1);
    }

    void largeTorrentsShowTheRarestPieceOfEachCell()
    {
        PieceRarityMap map;
        map.resize(300, 120);
        QList<int> counts(50'000, 6);
        counts[31'337] = 0; // one piece nobody has, among 50k common ones
        map.setData(counts);
        QVERIFY(map.piecesPerCell() > 1);
        const QImage image = map.grab().toImage();
        const QRect rare = map.cellRect(31'337);
        QCOMPARE(pixel(image, rare.topLeft()), PieceRarityMap::colorFor(0));
        QCOMPARE(pixel(image, map.cellRect(0).topLeft()), PieceRarityMap::colorFor(6));
        QVERIFY(map.toolTipFor(31'337).contains(QStringLiteral("held by 0 peers")));
    }

    void emptyMapSaysSo()
    {
        PieceRarityMap map;
        map.resize(300, 120);
        map.clear();
        QCOMPARE(map.pieceCount(), 0);
        QCOMPARE(map.pieceAt(QPoint(150, 60)), -1);
        QVERIFY(!map.grab().isNull());
    }

    void screenshot()
    {
        // A download a third of the way through, in a swarm where the end of the file is rare.
        PieceRarityMap map;
        map.setTitle(QStringLiteral("Connected peers"));
        map.resize(520, 200);
        const int pieces = 1500;
        QList<int> counts(pieces);
        Bitfield have(pieces);
        QRandomGenerator random(7);
        for (int i = 0; i < pieces; ++i) {
            counts[i] = std::max(0, int(random.bounded(7)) - (i > pieces * 3 / 4 ? 4 : 0));
            if (random.bounded(3) == 0)
                have.set(i);
        }
        map.setData(counts, have);
        swarmshare::test::saveScreenshot(map, QStringLiteral("pieceraritymap"));

        // The same in Vietnamese: the legend and the tooltips follow the language.
        swarmshare::i18n::install(QStringLiteral("vi"));
        QVERIFY(!map.toolTipFor(0).contains(QStringLiteral("held by")));
        swarmshare::test::saveScreenshot(map, QStringLiteral("pieceraritymap-vi"));
        swarmshare::i18n::install(QStringLiteral("en"));
    }

    void updatesOf50kPiecesStayCheap()
    {
        // Timing is reported, never asserted (see bench/ for the project's figures).
        PieceRarityMap map;
        map.resize(800, 300);
        QList<int> counts(50'000);
        for (int i = 0; i < counts.size(); ++i)
            counts[i] = i % 9;
        Bitfield have(50'000);
        QBENCHMARK
        {
            map.setData(counts, have);
        }
    }
};

QTEST_MAIN(PieceRarityMapTest)
#include "tst_pieceraritymap.moc"
