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
    : OverlayFigure(std::vector<FigurePanel>{{&model, QString()}}, figure, options)
{
}

OverlayFigure::OverlayFigure(const std::vector<FigurePanel> &models, const FigureOptions &figure,
                             const OverlayFigureOptions &options)
    : m_figure(figure), m_options(options)
{
    for (const FigurePanel &m : models)
        if (m.model)
            addModel(*m.model, m.caption, models.size() > 1);
    if (options.step >= 0 && !m_panels.empty()) // every model's step side by side
        m_groups.push_back({QString(), 0, panelCount(), std::min(panelCount(), kStripColumns), QRectF()});
    layOut(figure.cellSize * (options.step >= 0 ? (panelCount() > 1 ? 5 : 8) : 3));
}

void OverlayFigure::addModel(const TraceModel &model, const QString &name, bool titled)
{
    const DecodeTrace *trace = model.trace();
    if (model.isEmpty() || !hasPatchGrid(trace->source))
        return;
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
    const int first = panelCount();
    auto addPanel = [&](QString caption, const Vector &row) {
        Panel p;
        p.caption = std::move(caption);
        p.model = titled ? name : QString();
        p.source = &trace->source;
        p.row.assign(row.data(), row.data() + row.size());
        if (!extra.isEmpty())
            p.share = QStringLiteral("%1 %2%").arg(extra).arg(std::lround(100.0 * extraShare(trace->source, p.row)));
        m_panels.push_back(std::move(p));
    };
    if (m_options.step >= 0) {
        if (m_options.step < model.stepCount())
            addPanel(wordCaption(readable[size_t(m_options.step)]), rows.row(m_options.step).transpose());
        return;
    }
    const std::vector<WordSpan> words = targetWordSpans(readable, special);
    const Matrix wordRows = averageRows(rows, words); // (W, n) a word's row is its pieces' mean
    for (size_t w = 0; w < words.size(); ++w)
        if (!special[size_t(words[w].first)])
            addPanel(wordCaption(joinPieces(readable, words[w])), wordRows.row(Eigen::Index(w)).transpose());
    const int count = panelCount() - first;
    const int columns = m_options.columns > 0 ? m_options.columns : kStripColumns;
    m_groups.push_back({titled ? name : QString(), first, count, std::max(1, std::min(columns, count)), QRectF()});
}

void OverlayFigure::layOut(double side)
{
    if (m_panels.empty())
        side = 0.0;
    const QFont font = figureFont(m_figure);
    QFont bold = font;
    bold.setBold(true);
    const QFont titleFont = figureTitleFont(m_figure);
    const QFontMetricsF fm(font), fmBold(bold);
    double width = 0.0;
    if (!m_figure.title.isEmpty()) {
        m_titleHeight = QFontMetricsF(titleFont).height() + kMargin;
        width = QFontMetricsF(titleFont).horizontalAdvance(m_figure.title);
    }
    // Under each picture: its word, then the share the grid does not show.
    m_captionHeight = 2 * fm.height() + kMargin / 2;
    // Above each picture its model's name when several models share a step.
    const bool headed = m_options.step >= 0 && std::any_of(m_panels.begin(), m_panels.end(),
                                                            [](const Panel &p) { return !p.model.isEmpty(); });
    m_headingHeight = headed ? fmBold.height() + kMargin / 2 : 0.0;
    double cell = side;
    for (const Panel &p : m_panels)
        cell = std::max({cell, fm.horizontalAdvance(p.caption), fm.horizontalAdvance(p.share),
                         headed ? fmBold.horizontalAdvance(p.model) : 0.0});
    const double rowHeight = m_headingHeight + side + m_captionHeight + kMargin;
    double y = kMargin + m_titleHeight;
    for (Group &g : m_groups) {
        if (!g.title.isEmpty()) {
            g.titleRect = QRectF(kMargin, y, fmBold.horizontalAdvance(g.title), fmBold.height());
            width = std::max(width, g.titleRect.width());
            y += fmBold.height() + kMargin / 2;
        }
        for (int k = 0; k < g.count; ++k) {
            const double x = kMargin + (k % g.columns) * (cell + kMargin) + (cell - side) / 2;
            m_panels[size_t(g.first + k)].image = QRectF(x, y + (k / g.columns) * rowHeight + m_headingHeight, side, side);
        }
        y += ((g.count + g.columns - 1) / g.columns) * rowHeight;
        width = std::max(width, g.columns * cell + (g.columns - 1) * kMargin);
    }
    m_size = QSizeF(std::ceil(width + 2 * kMargin), std::ceil(std::max(y, kMargin + m_titleHeight + side) + kMargin));
}

QRectF OverlayFigure::imageRect(int k) const
{
    return k >= 0 && k < panelCount() ? m_panels[size_t(k)].image : QRectF();
}

QString OverlayFigure::caption(int k) const
{
    return k >= 0 && k < panelCount() ? m_panels[size_t(k)].caption : QString();
}

QString OverlayFigure::modelName(int k) const
{
    return k >= 0 && k < panelCount() ? m_panels[size_t(k)].model : QString();
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
        p.setFont(figureTitleFont(m_figure));
        p.drawText(QRectF(kMargin, kMargin, m_size.width() - 2 * kMargin, m_titleHeight - kMargin),
                   Qt::AlignHCenter | Qt::AlignVCenter, m_figure.title);
    }
    ImageOverlayOptions overlay;
    overlay.colormap = m_figure.colormap;
    overlay.opacity = m_options.opacity;
    QFont bold = font;
    bold.setBold(true);
    const double line = QFontMetricsF(font).height();
    p.setFont(bold);
    for (const Group &g : m_groups)
        if (!g.title.isEmpty())
            p.drawText(g.titleRect, Qt::AlignLeft | Qt::AlignVCenter, g.title);
    for (const Panel &panel : m_panels) {
        if (m_headingHeight > 0) {
            p.setPen(Qt::black);
            p.setFont(bold);
            p.drawText(QRectF(panel.image.center().x() - m_size.width() / 2, panel.image.top() - m_headingHeight,
                              m_size.width(), m_headingHeight),
                       Qt::AlignHCenter | Qt::AlignTop, panel.model);
        }
        ImageOverlay(*panel.source, panel.row, overlay).paint(p, panel.image);
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
