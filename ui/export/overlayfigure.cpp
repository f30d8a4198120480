#include "export/overlayfigure.h"

#include "attention/wordmerge.h"
#include "vision/imageoverlay.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace alignscope::ui {
namespace {

constexpr double kMargin = 8.0;
constexpr int kStripColumns = 6;

/// A word as a caption: its readable pieces without the word mark.
QString wordCaption(std::string word)
{
    const std::string mark = kWordMark;
    if (word.rfind(mark, 0) == 0)
        word.erase(0, mark.size());
    return QString::fromStdString(word).trimmed();
}

/// The name of the columns that are not patches: "[CLS]", or "extra" when there are several.
QString extraName(const SourceAxis &source)
{
    std::vector<int> extra;
    for (int j = 0; j < source.size(); ++j)
        if (source.patchCell(j).first < 0)
            extra.push_back(j);
    if (extra.empty())
        return {};
    return extra.size() == 1 ? QString::fromStdString(source.labels[size_t(extra.front())]) : QStringLiteral("extra");
}

} // namespace

OverlayFigure::OverlayFigure(const TraceModel &model, const FigureOptions &figure, const OverlayFigureOptions &options)
    : m_model(model), m_figure(figure), m_options(options)
{
    const DecodeTrace *trace = model.trace();
    if (model.isEmpty() || !hasPatchGrid(trace->source)) {
        layOut(0.0, 1);
        return;
    }
    std::vector<std::string> readable;
    std::vector<bool> special;
    Matrix rows(model.stepCount(), trace->sourceLength()); // (T, n) the selected weights
    for (int s = 0; s < model.stepCount(); ++s) {
        const DecodeNode &node = *model.nodeAtStep(s);
        readable.push_back(trace->readable(node.token));
        special.push_back(node.tokenId == trace->eosId);
        rows.row(s) = model.weightsAt(s).transpose();
    }
    const QString extra = extraName(trace->source); // the same columns at every step
    auto addPanel = [&](QString caption, const Vector &row) {
        Panel p;
        p.caption = std::move(caption);
        p.row.assign(row.data(), row.data() + row.size());
        if (!extra.isEmpty())
            p.share = QStringLiteral("%1 %2%").arg(extra).arg(std::lround(100.0 * extraShare(trace->source, p.row)));
        m_panels.push_back(std::move(p));
    };
    if (options.step >= 0) {
        if (options.step < model.stepCount())
            addPanel(wordCaption(readable[size_t(options.step)]), rows.row(options.step).transpose());
        layOut(figure.cellSize * 8, 1);
        return;
    }
    const std::vector<WordSpan> words = targetWordSpans(readable, special);
    const Matrix wordRows = averageRows(rows, words); // (W, n) a word's row is its pieces' mean
    for (size_t w = 0; w < words.size(); ++w)
        if (!special[size_t(words[w].first)])
            addPanel(wordCaption(joinPieces(readable, words[w])), wordRows.row(Eigen::Index(w)).transpose());
    const int columns = options.columns > 0 ? options.columns : kStripColumns;
    layOut(figure.cellSize * 3, std::max(1, std::min(columns, panelCount())));
}

void OverlayFigure::layOut(double side, int columns)
{
    const QFont font = figureFont(m_figure);
    QFont titleFont = font;
    titleFont.setBold(true);
    titleFont.setPixelSize(int(std::lround(font.pixelSize() * 1.3)));
    const QFontMetricsF fm(font);
    double width = 0.0;
    if (!m_figure.title.isEmpty()) {
        m_titleHeight = QFontMetricsF(titleFont).height() + kMargin;
        width = QFontMetricsF(titleFont).horizontalAdvance(m_figure.title);
    }
    // Under each picture: its word, then the share the grid does not show.
    m_captionHeight = 2 * fm.height() + kMargin / 2;
    double cell = side;
    for (const Panel &p : m_panels)
        cell = std::max({cell, fm.horizontalAdvance(p.caption), fm.horizontalAdvance(p.share)});
    const int rowsOfPanels = (panelCount() + columns - 1) / columns;
    for (int k = 0; k < panelCount(); ++k) {
        const double x = kMargin + (k % columns) * (cell + kMargin) + (cell - side) / 2;
        const double y = kMargin + m_titleHeight + (k / columns) * (side + m_captionHeight + kMargin);
        m_panels[size_t(k)].image = QRectF(x, y, side, side);
    }
    width = std::max(width, columns * cell + (columns - 1) * kMargin);
    const double height = m_titleHeight + rowsOfPanels * (side + m_captionHeight + kMargin);
    m_size = QSizeF(std::ceil(width + 2 * kMargin), std::ceil(height + kMargin));
}

QRectF OverlayFigure::imageRect(int k) const
{
    return k >= 0 && k < panelCount() ? m_panels[size_t(k)].image : QRectF();
}

QString OverlayFigure::caption(int k) const
{
    return k >= 0 && k < panelCount() ? m_panels[size_t(k)].caption : QString();
}

void OverlayFigure::paint(QPainter &p) const
{
    p.save();
    p.setRenderHint(QPainter::SmoothPixmapTransform, true);
    if (m_figure.whiteBackground)
        p.fillRect(QRectF(QPointF(), m_size), Qt::white);
    const QFont font = figureFont(m_figure);
    p.setPen(Qt::black);
    if (!m_figure.title.isEmpty()) {
        QFont titleFont = font;
        titleFont.setBold(true);
        titleFont.setPixelSize(int(std::lround(font.pixelSize() * 1.3)));
        p.setFont(titleFont);
        p.drawText(QRectF(kMargin, kMargin, m_size.width() - 2 * kMargin, m_titleHeight - kMargin),
                   Qt::AlignHCenter | Qt::AlignVCenter, m_figure.title);
    }
    ImageOverlayOptions overlay;
    overlay.colormap = m_figure.colormap;
    overlay.opacity = m_options.opacity;
    const SourceAxis &source = m_model.trace()->source;
    const double line = QFontMetricsF(font).height();
    for (const Panel &panel : m_panels) {
        ImageOverlay(source, panel.row, overlay).paint(p, panel.image);
        const QRectF under(panel.image.center().x() - m_size.width() / 2, panel.image.bottom() + kMargin / 2,
                           m_size.width(), line);
        p.setPen(Qt::black);
        p.setFont(font);
        p.drawText(under, Qt::AlignHCenter | Qt::AlignTop, panel.caption);
        p.setPen(QColor(0x60, 0x60, 0x60));
        p.drawText(under.translated(0, line), Qt::AlignHCenter | Qt::AlignTop, panel.share);
    }
    p.restore();
}

QByteArray OverlayFigure::render() const
{
    return renderFigure(m_size, m_figure, [this](QPainter &p) { paint(p); });
}

Result<void> OverlayFigure::write(const QString &file) const
{
    return writeFigure(file, m_size, m_figure, [this](QPainter &p) { paint(p); });
}

} // namespace alignscope::ui
