#include "attention/heatmappainter.h"

#include "attention/wordmerge.h"
#include "decode/interventionedits.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPolygonF>

#include <algorithm>
#include <cmath>

namespace alignscope::ui {
namespace {

constexpr double kPad = 6.0;
constexpr double kBarGap = 14.0;
constexpr double kBarThickness = 14.0;
constexpr double kLogFloor = 1e-4; // log scale spans 1e-4 .. 1

QString label(const std::string &token) { return QString::fromStdString(token); }

constexpr double kMinLabelPixels = 7.0;

/// `f` shrunk so a line fits a cell (down to a legible minimum), instead of skipping labels.
QFont fittedToCell(QFont f, double cell)
{
    const double height = QFontMetricsF(f).height();
    const double room = cell - 1;
    if (height <= room)
        return f;
    const double scale = std::max(room, kMinLabelPixels) / height;
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * scale);
    else
        f.setPixelSize(std::max(1, int(f.pixelSize() * scale)));
    return f;
}

// Labels shrink with the cells down to kMinLabelPixels; only cells smaller
// than that (a huge figure, never the window: CellFit keeps cells at 12 px
// or more there) label every k-th row or column (the current one always),
// so labels never overprint.
bool labelShown(int index, int current, double cell)
{
    const int stride = std::max(1, int(std::ceil(kMinLabelPixels / cell)));
    if (index == current)
        return true;
    if (current >= 0 && std::abs(index - current) < stride)
        return false;
    return index % stride == 0;
}

} // namespace

int HeatmapData::rowOfStep(int step) const
{
    for (int r = 0; r < rows(); ++r)
        if (rowSteps[size_t(r)] <= step && step < rowSteps[size_t(r)] + rowSpan(r))
            return r;
    return -1;
}

int HeatmapData::columnOfSource(int source) const
{
    for (int c = 0; c < columns(); ++c)
        if (columnSources[size_t(c)] <= source && source < columnSources[size_t(c)] + columnSpan(c))
            return c;
    return -1;
}

HeatmapData HeatmapData::build(const SourceAxis &source, const std::vector<HeatmapRow> &rows, const Matrix &values,
                               const Matrix &scores, const HeatmapOptions &options,
                               const std::function<std::string(const std::string &)> &display)
{
    HeatmapData d;
    int n = std::min(source.size(), int(values.cols()));
    if (source.kind == SourceKind::Audio && source.audioColumns > 0) // the window's padding after the clip is left out
        n = std::min(n, source.audioColumns);
    for (int j = 0; j < n; ++j) {
        if (options.hideSpecial && source.isSpecial(j))
            continue;
        d.columnSources.push_back(j);
        const std::string &token = source.labels[size_t(j)];
        d.columnLabels << label(display ? display(token) : token);
        d.oovColumn.push_back(source.isOov(j));
    }
    const bool renormalise = options.renormalise && options.signedRange <= 0;
    for (size_t r = 0; r < rows.size() && Eigen::Index(r) < values.rows(); ++r) {
        const HeatmapRow &row = rows[r];
        if (options.hideSpecial && row.special)
            continue;
        d.rowSteps.push_back(row.step);
        d.rowLabels << row.label;
        d.forcedRow.push_back(row.forced);
        double sum = 0;
        for (int j : d.columnSources)
            sum += values(Eigen::Index(r), j);
        const double scale = renormalise && sum > 0 ? 1.0 / sum : 1.0;
        for (int j : d.columnSources) {
            d.values.push_back(float(values(Eigen::Index(r), j) * scale));
            d.scores.push_back(scores(Eigen::Index(r), j));
        }
    }
    return d;
}

QString attentionKindName(AttentionKind kind)
{
    switch (kind) {
    case AttentionKind::Cross: return QObject::tr("Cross-attention");
    case AttentionKind::DecoderSelf: return QObject::tr("Decoder self-attention");
    case AttentionKind::EncoderSelf: return QObject::tr("Encoder self-attention");
    }
    return {};
}

HeatmapData HeatmapData::buildWords(const DecodeTrace &trace, const SourceAxis &pieces,
                                    const std::vector<WordSpan> &columnWords, const std::vector<HeatmapRow> &rows,
                                    const std::vector<WordSpan> &rowWords, const Matrix &weights,
                                    const Matrix &scores, const HeatmapOptions &options, bool sumScores)
{
    SourceAxis words;
    words.labels = wordLabels(readablePieces(trace, pieces.labels), columnWords);
    for (const WordSpan &w : columnWords) {
        std::uint8_t flags = pieces.isSpecial(w.first) ? SourceAxis::Special : 0;
        for (int j = w.first; j < w.first + w.count; ++j)
            flags |= pieces.isOov(j) ? SourceAxis::Oov : 0;
        words.flags.push_back(flags);
    }
    std::vector<std::string> rowPieces;
    for (const HeatmapRow &r : rows)
        rowPieces.push_back(r.label.toStdString());
    std::vector<HeatmapRow> merged;
    for (const WordSpan &w : rowWords) {
        const auto first = rows.begin() + w.first, end = first + w.count;
        merged.push_back({label(joinPieces(rowPieces, w)), first->step,
                          std::any_of(first, end, [](const HeatmapRow &r) { return r.forced; }), first->special});
    }
    const Matrix mergedScores = sumScores ? sumColumns(scores, columnWords) : averageColumns(scores, columnWords);
    HeatmapData d = build(words, merged, averageRows(sumColumns(weights, columnWords), rowWords),
                          averageRows(mergedScores, rowWords), options);
    // build() dropped hidden words; map what is left back to pieces.
    for (int &c : d.columnSources) {
        d.columnSpans.push_back(columnWords[size_t(c)].count);
        c = columnWords[size_t(c)].first;
    }
    for (size_t w = 0; w < merged.size(); ++w)
        if (!(options.hideSpecial && merged[w].special))
            d.rowSpans.push_back(merged[w].step < 0 ? 1 : rowWords[w].count);
    return d;
}

HeatmapData HeatmapData::fromTrace(const TraceModel &model, const HeatmapOptions &options, AttentionKind kind)
{
    if (model.isEmpty())
        return {};
    const DecodeTrace &trace = *model.trace();
    const HeadSelection &selection = model.selection();
    auto readable = [&trace](const std::string &token) { return label(trace.readable(token)); };
    std::vector<HeatmapRow> rows;
    if (kind == AttentionKind::EncoderSelf) {
        if (trace.encoderSelf.empty())
            return {};
        // Source over source: no step owns a row, so every row shows at every step.
        for (int j = 0; j < trace.sourceLength(); ++j)
            rows.push_back({readable(trace.source.labels[size_t(j)]), -1, false, trace.source.isSpecial(j)});
        const Matrix weights = trace.encoderSelfWeights(selection), scores = trace.encoderSelfScores(selection);
        HeatmapData d;
        if (options.mergeWords && !trace.source.words.empty()) {
            const std::vector<WordSpan> words = sourceWordSpans(trace.source);
            d = buildWords(trace, trace.source, words, rows, words, weights, scores, options);
        } else {
            d = build(trace.source, rows, weights, scores, options, trace.displayToken);
        }
        d.followCursor(model);
        return d;
    }
    for (int s = 0; s < model.stepCount(); ++s) {
        const DecodeNode &node = *model.nodeAtStep(s);
        rows.push_back({readable(node.token), s, node.forced, node.tokenId == trace.eosId});
    }
    if (kind == AttentionKind::DecoderSelf) {
        if (!trace.hasDecoderSelfAttention())
            return {};
        // Columns: what the decoder read at each position, <sos> then the tokens before.
        SourceAxis inputs;
        inputs.labels.push_back("<sos>");
        inputs.flags.push_back(SourceAxis::Special);
        for (int s = 0; s + 1 < model.stepCount(); ++s) {
            inputs.labels.push_back(model.nodeAtStep(s)->token);
            inputs.flags.push_back(0);
        }
        const Matrix weights = trace.decoderSelfWeights(model.path(), selection),
                     scores = trace.decoderSelfScores(model.path(), selection); // (T, T)
        HeatmapData d;
        const std::vector<WordSpan> targetWords =
            options.mergeWords ? pathWordSpans(trace, model.path()) : std::vector<WordSpan>();
        if (mergesAnything(targetWords)) {
            d = buildWords(trace, inputs, inputWordSpans(targetWords, inputs.size()), rows, targetWords, weights,
                            scores, options);
        } else {
            d = build(inputs, rows, weights, scores, options, trace.displayToken);
        }
        d.followCursor(model);
        d.selectedColumn = -1; // a picked source position is not a decoder input
        return d;
    }
    const Matrix weights = model.weightMatrix(), scores = trace.scoreMatrix(model.path(), selection); // (T, n)
    HeatmapData d = options.mergeWords && !trace.source.words.empty()
                        ? buildWords(trace, trace.source, sourceWordSpans(trace.source), rows,
                                     pathWordSpans(trace, model.path()), weights, scores, options)
                        : build(trace.source, rows, weights, scores, options, trace.displayToken);
    d.followCursor(model);
    d.markIntervention(trace, model.path(), selection);
    return d;
}

void HeatmapData::markIntervention(const DecodeTrace &trace, const std::vector<int> &path,
                                   const HeadSelection &selection)
{
    editedRow.clear();
    droppedColumn.clear();
    forcedCells.clear();
    const Intervention &iv = trace.intervention;
    if (iv.edits.empty() && iv.droppedSource.empty())
        return;
    editedRow.assign(size_t(rows()), false);
    for (int r = 0; r < rows(); ++r)
        for (int k = 0; k < rowSpan(r); ++k) {
            const size_t s = size_t(rowSteps[size_t(r)] + k);
            if (s < path.size() && trace.nodes[size_t(path[s])].edited)
                editedRow[size_t(r)] = true;
        }
    droppedColumn.assign(size_t(columns()), false);
    for (int j : iv.droppedSource)
        if (const int c = columnOfSource(j); c >= 0)
            droppedColumn[size_t(c)] = true;
    const int layer = selection.layerIn(trace.layers());
    for (const AttentionEdit &e : iv.edits) {
        const int r = rowOfStep(e.step);
        if (r < 0 || (e.layer >= 0 && e.layer != layer))
            continue;
        for (int j : reshapePeaks(e))
            if (const int c = columnOfSource(j);
                c >= 0 && std::find(forcedCells.begin(), forcedCells.end(), QPoint(c, r)) == forcedCells.end())
                forcedCells.emplace_back(c, r);
    }
}

void HeatmapData::previewRow(int row, const Vector &weights, const HeatmapOptions &options)
{
    if (row < 0 || row >= rows())
        return;
    std::vector<double> shown(size_t(columns()), 0.0);
    for (int c = 0; c < columns(); ++c)
        for (int k = 0; k < columnSpan(c); ++k)
            if (const Eigen::Index j = columnSources[size_t(c)] + k; j < weights.size())
                shown[size_t(c)] += weights[j];
    double sum = 0;
    for (double v : shown)
        sum += v;
    const double scale = options.renormalise && options.signedRange <= 0 && sum > 0 ? 1.0 / sum : 1.0;
    for (int c = 0; c < columns(); ++c)
        values[size_t(row) * columns() + c] = float(shown[size_t(c)] * scale);
}

QColor interventionColor()
{
    return QColor(255, 128, 0); // orange: apart from viridis/magma cells and the Highlight outline
}

void HeatmapData::followCursor(const TraceModel &model)
{
    const int step = model.step();
    visibleRows = int(std::upper_bound(rowSteps.begin(), rowSteps.end(), step) - rowSteps.begin());
    currentRow = rowOfStep(step);
    selectedColumn = model.hasSourcePick() ? columnOfSource(model.selectedSource()) : -1;
}

HeatmapLabelMetrics HeatmapLabelMetrics::measure(const HeatmapData &data, const QFont &font)
{
    HeatmapLabelMetrics m;
    m.font = font;
    m.boldFont = font;
    m.boldFont.setBold(true);
    const QFontMetricsF fm(m.boldFont);
    for (const QString &s : data.rowLabels)
        m.rowLabelWidth = std::max(m.rowLabelWidth, fm.horizontalAdvance(s));
    for (const QString &s : data.columnLabels)
        m.columnLabelWidth = std::max(m.columnLabelWidth, fm.horizontalAdvance(s));
    // A very long token is elided rather than widening the margin for all.
    m.rowLabelWidth = std::min(m.rowLabelWidth, kMaxLabelExtent);
    m.columnLabelWidth = std::min(m.columnLabelWidth, kMaxLabelExtent);
    m.lineHeight = fm.height();
    m.barLabelWidth = fm.horizontalAdvance(QStringLiteral("0.0001"));
    return m;
}

double CellFit::fit(const HeatmapData &data, const HeatmapOptions &options, const HeatmapLabelMetrics &metrics,
                    QSizeF area, double limit, double minimum)
{
    if (data.rows() == 0 || data.columns() == 0)
        return kMaxFit;
    // Measure the label margins at the current size, then give the rest to cells.
    const QRectF cells = HeatmapPainter(data, options, metrics, QPalette()).cellViewport(QRectF(QPointF(0, 0), area));
    double fit = std::floor(std::min(cells.width() / data.columns(), cells.height() / data.rows()));
    if (limit > 0)
        fit = std::min(fit, limit);
    return std::clamp(fit, minimum, kMaxFit);
}

HeatmapPainter::HeatmapPainter(const HeatmapData &data, const HeatmapOptions &options, const QFont &font,
                               const QPalette &palette)
    : HeatmapPainter(data, options, HeatmapLabelMetrics::measure(data, font), palette)
{
}

HeatmapPainter::HeatmapPainter(const HeatmapData &data, const HeatmapOptions &options,
                               const HeatmapLabelMetrics &metrics, const QPalette &palette)
    : m_data(data), m_options(options), m_colormap(options.colormap), m_font(metrics.font),
      m_boldFont(metrics.boldFont), m_labelFont(fittedToCell(metrics.font, options.cellSize)),
      m_labelBoldFont(fittedToCell(metrics.boldFont, options.cellSize)), m_palette(palette)
{
    m_rowLabelWidth = options.showRowLabels ? metrics.rowLabelWidth + 3 * kPad : kPad;
    // Horizontal labels read better; turn them when any would spill over.
    m_verticalColumnLabels = metrics.columnLabelWidth + kPad > options.cellSize;
    m_columnLabelHeight = options.showColumnLabels
                              ? (m_verticalColumnLabels ? metrics.columnLabelWidth : metrics.lineHeight) + 2 * kPad
                              : kPad;
    m_barWidth = options.showColorBar ? kBarGap + kBarThickness + kPad + metrics.barLabelWidth : 0.0;
}

QSizeF HeatmapPainter::figureSize() const
{
    const double w = m_rowLabelWidth + m_data.columns() * m_options.cellSize + m_barWidth + kPad;
    const double h = m_columnLabelHeight + m_data.rows() * m_options.cellSize + kPad;
    return {w, std::max(h, m_options.showColorBar ? m_columnLabelHeight + 120.0 : h)};
}

QRectF HeatmapPainter::cellViewport(const QRectF &target) const
{
    return target.adjusted(m_rowLabelWidth, m_columnLabelHeight, -(m_barWidth + kPad), -kPad);
}

QRectF HeatmapPainter::cellRect(int row, int column, const QRectF &target, QPointF scroll) const
{
    const QPointF origin = cellViewport(target).topLeft() - scroll;
    const double c = m_options.cellSize;
    return {origin.x() + column * c, origin.y() + row * c, c, c};
}

QPoint HeatmapPainter::cellAt(QPointF pos, const QRectF &target, QPointF scroll) const
{
    if (!cellViewport(target).contains(pos))
        return {-1, -1};
    const QPointF rel = pos - cellRect(0, 0, target, scroll).topLeft();
    const int col = int(std::floor(rel.x() / m_options.cellSize));
    const int row = int(std::floor(rel.y() / m_options.cellSize));
    if (row < 0 || col < 0 || row >= m_data.rows() || col >= m_data.columns())
        return {-1, -1};
    return {col, row};
}

double HeatmapPainter::unit(double alpha) const
{
    if (m_options.signedRange > 0)
        return 0.5 + 0.5 * alpha / m_options.signedRange;
    if (!m_options.logScale)
        return alpha;
    return (std::log10(std::max(alpha, kLogFloor)) - std::log10(kLogFloor)) / -std::log10(kLogFloor);
}

void HeatmapPainter::paint(QPainter &p, const QRectF &target, QPointF scroll) const
{
    p.save();
    p.setFont(m_font);
    const QRectF view = cellViewport(target);
    const QPointF origin = view.topLeft() - scroll;
    // A caller's clip (an exposed region, an exported band) narrows the
    // cells worth visiting.
    const QRectF cells = p.hasClipping() ? view & p.clipBoundingRect() : view;
    p.save();
    p.setClipRect(view, Qt::IntersectClip);
    paintCells(p, cells, origin);
    paintEdits(p, origin);
    paintCurrentRow(p, view, origin);
    p.restore();
    if (m_options.showRowLabels)
        paintRowLabels(p, target, view, origin);
    if (m_options.showColumnLabels)
        paintColumnLabels(p, target, view, origin);
    if (m_options.showColorBar) {
        // Beside the last column when the cells do not fill the view.
        const double right = std::min(view.right(), origin.x() + m_data.columns() * m_options.cellSize);
        paintColorBar(p, target, QRectF(view.left(), view.top(), std::max(0.0, right - view.left()), view.height()));
    }
    p.restore();
}

void HeatmapPainter::paintCells(QPainter &p, const QRectF &view, QPointF origin) const
{
    const double c = m_options.cellSize;
    // Only the cells that intersect the view: the loop bounds, not the clip,
    // are what keep large matrices cheap.
    const int r0 = std::max(0, int((view.top() - origin.y()) / c));
    const int r1 = std::min(m_data.visibleRows, int(std::ceil((view.bottom() - origin.y()) / c)));
    const int c0 = std::max(0, int((view.left() - origin.x()) / c));
    const int c1 = std::min(m_data.columns(), int(std::ceil((view.right() - origin.x()) / c)));
    const bool values = m_options.showValues && c >= 34;
    QFont small = m_font;
    if (m_font.pointSizeF() > 0)
        small.setPointSizeF(m_font.pointSizeF() * 0.85);
    else // pixel-sized figure fonts (exporter.h)
        small.setPixelSize(std::max(1, int(std::lround(m_font.pixelSize() * 0.85))));
    p.setFont(small);
    for (int r = r0; r < r1; ++r) {
        for (int col = c0; col < c1; ++col) {
            const QRectF cell(origin.x() + col * c, origin.y() + r * c, c, c);
            const double u = unit(m_data.value(r, col));
            p.fillRect(cell, QColor::fromRgb(m_colormap.rgb(u)));
            if (values) {
                p.setPen(m_colormap.textColorOn(u));
                p.drawText(cell, Qt::AlignCenter, cellText(m_data.value(r, col)));
            }
        }
    }
    // Rows not generated yet: a faint placeholder keeps the layout still
    // while stepping instead of growing under the user's eyes.
    QColor future = m_palette.color(QPalette::WindowText);
    future.setAlphaF(0.06f);
    for (int r = std::max(r0, m_data.visibleRows); r < m_data.rows(); ++r)
        p.fillRect(QRectF(origin.x() + c0 * c, origin.y() + r * c, (c1 - c0) * c, c - 1), future);
}

QString HeatmapPainter::cellText(float v) const
{
    const QString text = QString::number(std::abs(v), 'f', 2).mid(1); // ".62"
    if (m_options.signedRange > 0) // differences: "+.12", "−.30", "0"
        return std::abs(v) < 0.005f ? QStringLiteral("0") : (v < 0 ? QStringLiteral("−") : QStringLiteral("+")) + text;
    return v >= 0.995f ? QStringLiteral("1") : text;
}

void HeatmapPainter::paintCurrentRow(QPainter &p, const QRectF &, QPointF origin) const
{
    const double c = m_options.cellSize;
    const QColor accent = m_palette.color(QPalette::Highlight);
    if (m_data.currentRow >= 0) {
        const QRectF row(origin.x(), origin.y() + m_data.currentRow * c, m_data.columns() * c, c);
        p.setPen(QPen(accent, 3.0));
        p.setBrush(Qt::NoBrush);
        p.drawRect(row.adjusted(1.5, 1.5, -1.5, -1.5));
    }
    if (m_data.selectedColumn >= 0 && m_data.currentRow >= 0) {
        const QRectF cell(origin.x() + m_data.selectedColumn * c, origin.y() + m_data.currentRow * c, c, c);
        p.setPen(QPen(m_palette.color(QPalette::Base), 2.0, Qt::DashLine));
        p.drawRect(cell.adjusted(4, 4, -4, -4));
    }
}

void HeatmapPainter::paintEdits(QPainter &p, QPointF origin) const
{
    const double c = m_options.cellSize;
    const QColor mark = interventionColor();
    p.save();
    QColor hatch = m_palette.color(QPalette::Base);
    hatch.setAlphaF(0.8f);
    for (int col = 0; col < int(m_data.droppedColumn.size()); ++col)
        if (m_data.droppedColumn[size_t(col)]) // removed from every step: hatched
            p.fillRect(QRectF(origin.x() + col * c, origin.y(), c * m_data.columnSpan(col), m_data.visibleRows * c),
                       QBrush(hatch, Qt::BDiagPattern));
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(mark, 2.0, Qt::DashLine));
    for (int r = 0; r < std::min(int(m_data.editedRow.size()), m_data.visibleRows); ++r)
        if (m_data.editedRow[size_t(r)])
            p.drawRect(QRectF(origin.x(), origin.y() + r * c, m_data.columns() * c, c).adjusted(4, 4, -4, -4));
    for (const QPoint &cell : m_data.forcedCells) {
        if (cell.y() >= m_data.visibleRows)
            continue;
        const QRectF box(origin.x() + cell.x() * c, origin.y() + cell.y() * c, c, c);
        p.setPen(QPen(mark, 3.0));
        p.setBrush(Qt::NoBrush);
        p.drawRect(box.adjusted(2.5, 2.5, -2.5, -2.5));
        // A corner flag tells a forced cell from the model's own peak.
        const double f = std::max(4.0, c / 4);
        p.setPen(Qt::NoPen);
        p.setBrush(mark);
        p.drawPolygon(QPolygonF({box.topLeft(), box.topLeft() + QPointF(f, 0), box.topLeft() + QPointF(0, f)}));
    }
    p.restore();
}

QFont HeatmapPainter::labelFont(bool bold) const { return bold ? m_labelBoldFont : m_labelFont; }

QString HeatmapPainter::shownRowLabel(int row) const
{
    const QFontMetricsF fm(labelFont(row == m_data.currentRow));
    return fm.elidedText(m_data.rowLabels[row], Qt::ElideRight, std::max(1.0, m_rowLabelWidth - 2 * kPad));
}

QString HeatmapPainter::shownColumnLabel(int column) const
{
    const QFontMetricsF fm(labelFont(column == m_data.selectedColumn));
    const double room = m_verticalColumnLabels ? m_columnLabelHeight - 2 * kPad : m_options.cellSize;
    return fm.elidedText(m_data.columnLabels[column], Qt::ElideRight, std::max(1.0, room));
}

QPoint HeatmapPainter::labelAt(QPointF pos, const QRectF &target, QPointF scroll) const
{
    const QRectF view = cellViewport(target);
    const QPointF origin = view.topLeft() - scroll;
    const double c = m_options.cellSize;
    if (m_options.showRowLabels && pos.x() < view.left() && pos.y() >= view.top() && pos.y() < view.bottom()) {
        const int r = int(std::floor((pos.y() - origin.y()) / c));
        return {-1, r >= 0 && r < m_data.visibleRows ? r : -1};
    }
    if (m_options.showColumnLabels && pos.y() < view.top() && pos.x() >= view.left() && pos.x() < view.right()) {
        const int col = int(std::floor((pos.x() - origin.x()) / c));
        return {col >= 0 && col < m_data.columns() ? col : -1, -1};
    }
    return {-1, -1};
}

void HeatmapPainter::paintRowLabels(QPainter &p, const QRectF &target, const QRectF &view, QPointF origin) const
{
    const double c = m_options.cellSize;
    p.save();
    p.setClipRect(QRectF(target.left(), view.top(), m_rowLabelWidth, view.height()), Qt::IntersectClip);
    for (int r = 0; r < m_data.visibleRows; ++r) {
        const QRectF box(target.left(), origin.y() + r * c, m_rowLabelWidth - kPad, c);
        if (box.bottom() < view.top() || box.top() > view.bottom() || !labelShown(r, m_data.currentRow, c))
            continue;
        const bool current = r == m_data.currentRow;
        QFont f = labelFont(current);
        f.setItalic(m_data.forcedRow[r]); // forced (what-if) tokens read as italic
        p.setFont(f);
        const QString text = shownRowLabel(r);
        if (current) {
            const double w = QFontMetricsF(f).horizontalAdvance(text) + 2 * kPad;
            QRectF pill(box.right() - w, box.center().y() - c * 0.35, w, c * 0.7);
            p.setPen(Qt::NoPen);
            p.setBrush(m_palette.color(QPalette::Highlight));
            p.drawRoundedRect(pill, 4, 4);
            p.setPen(m_palette.color(QPalette::HighlightedText));
        } else {
            p.setPen(m_palette.color(QPalette::WindowText));
        }
        p.drawText(box.adjusted(0, 0, -kPad, 0), Qt::AlignRight | Qt::AlignVCenter, text);
    }
    p.restore();
}

void HeatmapPainter::paintColumnLabels(QPainter &p, const QRectF &target, const QRectF &view, QPointF origin) const
{
    const double c = m_options.cellSize;
    const QColor oovColor(0xd0, 0x30, 0x30);
    p.save();
    p.setClipRect(QRectF(view.left(), target.top(), view.width(), m_columnLabelHeight), Qt::IntersectClip);
    const int c0 = std::max(0, int((view.left() - origin.x()) / c));
    const int c1 = std::min(m_data.columns(), int(std::ceil((view.right() - origin.x()) / c)));
    for (int col = c0; col < c1; ++col) {
        if (!labelShown(col, m_data.selectedColumn, c))
            continue;
        p.setFont(labelFont(col == m_data.selectedColumn));
        p.setPen(m_data.oovColumn[col] ? oovColor : m_palette.color(QPalette::WindowText));
        const QString text = shownColumnLabel(col);
        const double x = origin.x() + col * c;
        const double bottom = target.top() + m_columnLabelHeight - kPad;
        if (m_verticalColumnLabels) {
            p.save();
            p.translate(x + c / 2, bottom);
            p.rotate(-90);
            p.drawText(QRectF(0, -c / 2, m_columnLabelHeight, c), Qt::AlignLeft | Qt::AlignVCenter, text);
            p.restore();
        } else {
            p.drawText(QRectF(x, target.top(), c, bottom - target.top()), Qt::AlignHCenter | Qt::AlignBottom, text);
        }
    }
    p.restore();
}

void HeatmapPainter::paintColorBar(QPainter &p, const QRectF &, const QRectF &view) const
{
    const double height = std::min(view.height(), std::max(120.0, m_data.rows() * m_options.cellSize));
    const QRectF bar(view.right() + kBarGap, view.top(), kBarThickness, height);
    const int steps = std::max(2, int(bar.height()));
    for (int i = 0; i < steps; ++i) {
        const double u = 1.0 - double(i) / (steps - 1);
        p.fillRect(QRectF(bar.left(), bar.top() + i * bar.height() / steps, bar.width(), bar.height() / steps + 1),
                   QColor::fromRgb(m_colormap.rgb(u)));
    }
    p.setPen(QPen(m_palette.color(QPalette::Mid), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(bar);
    p.setPen(m_palette.color(QPalette::WindowText));
    p.setFont(m_font);
    const QString range = QString::number(m_options.signedRange, 'g', 2);
    const QStringList ticks = m_options.signedRange > 0
        ? QStringList{QStringLiteral("+") + range, QStringLiteral("0"), QStringLiteral("−") + range}
        : m_options.logScale
        ? QStringList{QStringLiteral("1"), QStringLiteral("0.1"), QStringLiteral("0.01"), QStringLiteral("0.001"),
                      QStringLiteral("0.0001")}
        : QStringList{QStringLiteral("1"), QStringLiteral("0.5"), QStringLiteral("0")};
    const double fh = QFontMetricsF(m_font).height();
    for (int i = 0; i < ticks.size(); ++i) {
        const double y = bar.top() + bar.height() * i / (ticks.size() - 1);
        p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 3, y));
        p.drawText(QRectF(bar.right() + kPad, y - fh / 2, 200, fh), Qt::AlignLeft | Qt::AlignVCenter, ticks[i]);
    }
}

} // namespace alignscope::ui
