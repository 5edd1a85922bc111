// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/widgets/pieceraritymap.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <array>

namespace swarmshare::gui {

namespace {

constexpr int kMaxCell = 16;
constexpr int kMargin = 2;
const QColor kHaveColor(0x21, 0x66, 0xac);

// Discrete steps rather than a gradient: "nobody", "one peer" and "two peers" are what a user
// acts on, and a legend of six swatches reads at a glance. ColorBrewer's RdYlGn scale.
const std::array<QColor, 6> kSteps{QColor(0xd7, 0x30, 0x27), QColor(0xfc, 0x8d, 0x59),
                                   QColor(0xfe, 0xe0, 0x8b), QColor(0xd9, 0xef, 0x8b),
                                   QColor(0x91, 0xcf, 0x60), QColor(0x1a, 0x98, 0x50)};

QRgb blend(QRgb under, QRgb over, double amount)
{
    auto mix = [amount](int a, int b) { return int(a + (b - a) * amount + 0.5); };
    return qRgb(mix(qRed(under), qRed(over)), mix(qGreen(under), qGreen(over)),
                mix(qBlue(under), qBlue(over)));
}

} // namespace

PieceRarityMap::PieceRarityMap(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QColor PieceRarityMap::colorFor(int count)
{
    return kSteps[std::clamp(count, 0, int(kSteps.size()) - 1)];
}

QColor PieceRarityMap::haveColor()
{
    return kHaveColor;
}

void PieceRarityMap::setTitle(const QString& title)
{
    m_title = title;
    rebuild();
}

void PieceRarityMap::setData(const QList<int>& availability, const Bitfield& have)
{
    m_availability = availability;
    m_have = have.size() == availability.size() ? have : Bitfield();
    rebuild();
}

void PieceRarityMap::clear()
{
    setData({}, {});
}

QSize PieceRarityMap::sizeHint() const
{
    return {420, 160};
}

QSize PieceRarityMap::minimumSizeHint() const
{
    return {120, 40 + 2 * fontMetrics().height()};
}

QRect PieceRarityMap::legendRect() const
{
    const int height = fontMetrics().height() + 4;
    return {kMargin, this->height() - height - kMargin, width() - 2 * kMargin, height};
}

PieceRarityMap::Layout PieceRarityMap::computeLayout() const
{
    Layout layout;
    const int top = kMargin + (m_title.isEmpty() ? 0 : fontMetrics().height() + 2);
    const int bottom = legendRect().top() - 2;
    layout.map = QRect(kMargin, top, std::max(0, width() - 2 * kMargin), std::max(0, bottom - top));
    const int pieces = pieceCount();
    const int w = layout.map.width();
    const int h = layout.map.height();
    if (pieces == 0 || w <= 0 || h <= 0)
        return layout;
    // The largest square cell that fits every piece.
    for (int size = kMaxCell; size >= 1; --size) {
        const int columns = std::max(1, w / size);
        const int rows = (pieces + columns - 1) / columns;
        if (qint64(rows) * size <= h) {
            layout.cellSize = size;
            layout.columns = columns;
            layout.rows = rows;
            return layout;
        }
    }
    // More pieces than pixels: each one-pixel cell stands for a run of pieces.
    layout.cellSize = 1;
    layout.columns = w;
    layout.piecesPerCell = int((qint64(pieces) + qint64(w) * h - 1) / (qint64(w) * h));
    const int cells = (pieces + layout.piecesPerCell - 1) / layout.piecesPerCell;
    layout.rows = (cells + w - 1) / w;
    return layout;
}

void PieceRarityMap::rebuild()
{
    m_layout = computeLayout();
    const Layout& l = m_layout;
    if (l.cellSize == 0) {
        m_image = QImage();
        update();
        return;
    }
    m_image = QImage(l.map.size(), QImage::Format_RGB32);
    m_image.fill(palette().color(QPalette::Base));
    const int pieces = pieceCount();
    const int gap = l.cellSize >= 4 ? 1 : 0;
    const int inner = l.cellSize - gap;
    const int strip = inner >= 4 ? std::max(2, inner * 2 / 5) : 0;
    const bool showHave = !m_have.isEmpty();
    const int cells = (pieces + l.piecesPerCell - 1) / l.piecesPerCell;
    for (int cell = 0; cell < cells; ++cell) {
        const int first = cell * l.piecesPerCell;
        const int last = std::min(pieces, first + l.piecesPerCell);
        int rarest = m_availability.at(first);
        int held = 0;
        for (int piece = first; piece < last; ++piece) {
            rarest = std::min(rarest, m_availability.at(piece));
            held += showHave && m_have.test(piece) ? 1 : 0;
        }
        const double share = double(held) / double(last - first);
        const QRgb base = colorFor(rarest).rgb();
        // Tiny cells have no room for a strip: tint the whole cell instead.
        const QRgb body =
            strip == 0 && held > 0 ? blend(base, kHaveColor.rgb(), 0.6 * share) : base;
        const QRgb mark = blend(base, kHaveColor.rgb(), share);
        const int x0 = (cell % l.columns) * l.cellSize;
        const int y0 = (cell / l.columns) * l.cellSize;
        for (int y = 0; y < inner && y0 + y < m_image.height(); ++y) {
            auto* line = reinterpret_cast<QRgb*>(m_image.scanLine(y0 + y));
            const QRgb color = held > 0 && y >= inner - strip ? mark : body;
            std::fill(line + x0, line + std::min(x0 + inner, m_image.width()), color);
        }
    }
    update();
}

QRect PieceRarityMap::cellRect(int piece) const
{
    const Layout& l = m_layout;
    if (l.cellSize == 0 || piece < 0 || piece >= pieceCount())
        return {};
    const int cell = piece / l.piecesPerCell;
    const int inner = l.cellSize - (l.cellSize >= 4 ? 1 : 0);
    return {l.map.left() + (cell % l.columns) * l.cellSize,
            l.map.top() + (cell / l.columns) * l.cellSize, inner, inner};
}

int PieceRarityMap::pieceAt(const QPoint& position) const
{
    const Layout& l = m_layout;
    if (l.cellSize == 0 || !l.map.contains(position))
        return -1;
    const QPoint local = position - l.map.topLeft();
    const int column = local.x() / l.cellSize;
    const int row = local.y() / l.cellSize;
    if (column >= l.columns)
        return -1;
    const qint64 piece = (qint64(row) * l.columns + column) * l.piecesPerCell;
    return piece < pieceCount() ? int(piece) : -1;
}

QString PieceRarityMap::toolTipFor(int piece) const
{
    if (piece < 0 || piece >= pieceCount())
        return QString();
    const int first = piece - piece % m_layout.piecesPerCell;
    const int last = std::min(pieceCount(), first + m_layout.piecesPerCell);
    if (last - first == 1) {
        QString text =
            tr("Piece %1: held by %n peer(s)", nullptr, m_availability.at(first)).arg(first);
        if (!m_have.isEmpty())
            text += QLatin1Char('\n') +
                    (m_have.test(first) ? tr("You have it") : tr("You do not have it yet"));
        return text;
    }
    int rarest = m_availability.at(first);
    int held = 0;
    for (int p = first; p < last; ++p) {
        rarest = std::min(rarest, m_availability.at(p));
        held += !m_have.isEmpty() && m_have.test(p) ? 1 : 0;
    }
    QString text = tr("Pieces %1 to %2: the rarest is held by %n peer(s)", nullptr, rarest)
                       .arg(first)
                       .arg(last - 1);
    if (!m_have.isEmpty())
        text +=
            QLatin1Char('\n') + tr("You have %1 of these %2 pieces").arg(held).arg(last - first);
    return text;
}

void PieceRarityMap::setPlaceholderText(const QString& text)
{
    if (text == m_placeholder)
        return;
    m_placeholder = text;
    update();
}

QString PieceRarityMap::placeholderText() const
{
    return m_placeholder.isEmpty() ? tr("No pieces to show") : m_placeholder;
}

void PieceRarityMap::paintEvent(QPaintEvent* event)
{
    Q_UNUSED(event);
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Window));
    if (!m_title.isEmpty()) {
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(kMargin, kMargin, width() - 2 * kMargin, fontMetrics().height()),
                         Qt::AlignLeft | Qt::AlignVCenter, m_title);
    }
    if (m_image.isNull()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(m_layout.map.isValid() ? m_layout.map : rect(),
                         Qt::AlignCenter | Qt::TextWordWrap, placeholderText());
    } else {
        painter.drawImage(m_layout.map.topLeft(), m_image);
        paintLegend(painter); // nothing to explain without cells
    }
}

void PieceRarityMap::paintLegend(QPainter& painter) const
{
    const QRect area = legendRect();
    const int swatch = fontMetrics().height() - 4;
    int x = area.left();
    const int y = area.top() + (area.height() - swatch) / 2;
    painter.setPen(palette().color(QPalette::WindowText));
    const QString label = tr("Peers with the piece:");
    painter.drawText(QRect(x, area.top(), area.width(), area.height()), Qt::AlignVCenter, label);
    x += fontMetrics().horizontalAdvance(label) + 6;
    for (int count = 0; count < int(kSteps.size()); ++count) {
        painter.fillRect(QRect(x, y, swatch, swatch), kSteps[count]);
        x += swatch + 3;
        const QString text =
            count + 1 == int(kSteps.size()) ? tr("%1+").arg(count) : QString::number(count);
        painter.drawText(QRect(x, area.top(), area.width(), area.height()), Qt::AlignVCenter, text);
        x += fontMetrics().horizontalAdvance(text) + 8;
    }
    if (!m_have.isEmpty()) {
        painter.fillRect(QRect(x, y, swatch, swatch), kHaveColor);
        x += swatch + 3;
        painter.drawText(QRect(x, area.top(), area.width(), area.height()), Qt::AlignVCenter,
                         tr("we have"));
    }
}

void PieceRarityMap::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    rebuild();
}

bool PieceRarityMap::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipFor(pieceAt(help->pos()));
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, this);
        }
        return true;
    }
    return QWidget::event(event);
}

void PieceRarityMap::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        rebuild();
    else if (event->type() == QEvent::LanguageChange)
        update();
    QWidget::changeEvent(event);
}

} // namespace swarmshare::gui
