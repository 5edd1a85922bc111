// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"

#include <QColor>
#include <QImage>
#include <QList>
#include <QWidget>

namespace swarmshare::gui {

// The piece-rarity map (DESIGN.md section 7): one cell per piece, coloured by how many peers have
// it — red for pieces nobody connected has, through orange and yellow for rare ones, to green for
// common ones — with the pieces we hold marked by a blue strip along the bottom of their cell, a
// legend under the map (when there are cells to explain), and a tooltip naming the piece and its
// count.
//
// The same widget shows the local map (Availability of the connected peers, from the session's
// snapshots) and the swarm-wide one (the tracker's live feed); setTitle() tells them apart.
//
// Large torrents: the cells are laid out to fill the widget; when there are more pieces than fit
// at one pixel per cell, each cell covers a run of pieces and shows the rarest of them (the
// scarce piece is what the user needs to see) and, for the strip, the share of them we hold. The
// map is drawn into an image once per update or resize, so a repaint is one blit whatever the
// piece count; an update of 50k pieces costs one pass over the counts.
class PieceRarityMap : public QWidget {
    Q_OBJECT

public:
    explicit PieceRarityMap(QWidget* parent = nullptr);

    void setTitle(const QString& title);
    QString title() const { return m_title; }
    // `availability`: peers with each piece. `have`: our verified pieces (empty: none, or not
    // ours to show — the swarm map).
    void setData(const QList<int>& availability, const Bitfield& have = {});
    void clear();
    // What the widget says while it has no pieces ("" = "No pieces to show").
    void setPlaceholderText(const QString& text);
    QString placeholderText() const;

    int pieceCount() const { return int(m_availability.size()); }
    // The first piece of the cell under `position` (widget coordinates), or -1.
    int pieceAt(const QPoint& position) const;
    // Where the cell holding `piece` is drawn (widget coordinates; empty when not shown).
    QRect cellRect(int piece) const;
    // How many pieces one cell stands for (1 unless the torrent has more pieces than pixels).
    int piecesPerCell() const { return m_layout.piecesPerCell; }
    // The text of the tooltip for the cell holding `piece`.
    QString toolTipFor(int piece) const;
    // The colour of a piece held by `count` peers.
    static QColor colorFor(int count);
    // The colour marking pieces we have.
    static QColor haveColor();

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    struct Layout {
        QRect map; // where the cells are
        int columns = 0;
        int rows = 0;
        int cellSize = 0; // pixels per cell side (>= 1)
        int piecesPerCell = 1;
    };

    Layout computeLayout() const;
    void rebuild();
    QRect legendRect() const;
    void paintLegend(QPainter& painter) const;

    QString m_title;
    QString m_placeholder;
    QList<int> m_availability;
    Bitfield m_have;
    Layout m_layout;
    QImage m_image; // the cells, m_layout.map sized
};

} // namespace swarmshare::gui
