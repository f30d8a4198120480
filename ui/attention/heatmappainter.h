#pragma once
// The attention heatmap as a figure: built from a trace path, painted onto
// any QPainter (the widget, and later PNG/SVG/PDF export). Rows are target
// steps, columns source tokens. Labels stay put while the cells scroll, and
// only cells inside the clip are painted so a 500-token source stays fast.

#include "attention/wordmerge.h"
#include "widgets/colormap.h"
#include "decode/tracemodel.h"

#include <QFont>
#include <QPalette>
#include <QPoint>
#include <QRectF>
#include <QStringList>

#include <functional>
#include <string>

#include <vector>

class QPainter;

namespace alignscope::ui {

/// Which attention a view shows: between the two sequences (cross), or
/// within one (the decoder's causal self-attention, the encoder's).
enum class AttentionKind { Cross, DecoderSelf, EncoderSelf };
/// "Cross-attention", "Decoder self-attention", "Encoder self-attention".
QString attentionKindName(AttentionKind kind);

struct HeatmapOptions {
    ColormapKind colormap = ColormapKind::Viridis;
    bool hideSpecial = false;  ///< drop <eos>/<sos>/<pad> columns and the <eos> row
    bool renormalise = false;  ///< rescale each row to sum to 1 over shown columns
    bool logScale = false;     ///< colour by log10 α over [1e-4, 1]
    double cellSize = 40.0;    ///< logical pixels per cell side
    bool showColorBar = true;
    bool showValues = true;    ///< print α inside cells big enough to hold it
    /// Off where a grid of heatmaps shares its axes: the target tokens once
    /// per grid row, the source tokens once per grid column.
    bool showRowLabels = true;
    bool showColumnLabels = true;
    /// > 0: values are differences in [-signedRange, signedRange], coloured
    /// around 0 (use the diverging colormap); logScale is ignored then.
    double signedRange = 0.0;
    /// A subword model's pieces as words: one column per word (α summed over
    /// its pieces) and one row per word (rows averaged over its pieces), in
    /// cross-attention and both self-attentions; nothing changes for
    /// sequences without pieces.
    bool mergeWords = false;
};

/// One row of a heatmap before filtering: its label and where it came from.
struct HeatmapRow {
    QString label;
    int step = 0;
    bool forced = false;
    bool special = false;  ///< the target's <eos> (hidden with the special columns)
};

/// What one heatmap shows; rows and columns already filtered by the options.
struct HeatmapData {
    QStringList rowLabels;
    QStringList columnLabels;
    std::vector<int> rowSteps;      ///< step index of each row (a merged word's first piece)
    std::vector<int> columnSources; ///< source position of each column (a merged word's first piece)
    std::vector<int> rowSpans;      ///< merged words: steps each row covers; empty = one each
    std::vector<int> columnSpans;   ///< merged words: source positions each column covers; empty = one each
    std::vector<float> values;      ///< (R, C) α as shown, row-major
    std::vector<float> scores;      ///< (R, C) raw e_tj, row-major
    std::vector<bool> oovColumn;
    std::vector<bool> forcedRow;
    /// Intervention marks (cross-attention only; empty when nothing is edited):
    /// rows whose step used edited weights, columns dropped from every step,
    /// and the cells an edit put its weight on, as (column, row): a one-hot's
    /// position, a reshaped row's cells at half its peak or more.
    std::vector<bool> editedRow;
    std::vector<bool> droppedColumn;
    std::vector<QPoint> forcedCells;
    int visibleRows = 0;            ///< rows generated so far
    int currentRow = -1;
    int selectedColumn = -1;

    int rows() const { return int(rowLabels.size()); }
    int columns() const { return int(columnLabels.size()); }
    float value(int r, int c) const { return values[size_t(r) * columns() + c]; }
    float score(int r, int c) const { return scores[size_t(r) * columns() + c]; }
    /// The row / column showing a step / source position (inside a merged word too), -1 when hidden.
    int rowOfStep(int step) const;
    int columnOfSource(int source) const;
    int rowSpan(int row) const { return rowSpans.empty() ? 1 : rowSpans[size_t(row)]; }
    int columnSpan(int column) const { return columnSpans.empty() ? 1 : columnSpans[size_t(column)]; }

    /// The one builder every heatmap goes through (the step-through view, the
    /// compare grid, the difference map, the exporters): `values` and
    /// `scores` are (rows, n) over `source`'s columns; the options' filters
    /// (hide special, renormalise) apply here. Column labels are `source`'s
    /// labels through `display` (DecodeTrace::displayToken) when it is set.
    static HeatmapData build(const SourceAxis &source, const std::vector<HeatmapRow> &rows, const Matrix &values,
                             const Matrix &scores, const HeatmapOptions &options,
                             const std::function<std::string(const std::string &)> &display = {});
    /// build() over words (wordmerge.h): the (R, n) matrices over `pieces`
    /// get one column per word of `columnWords` (α summed over its pieces,
    /// scores averaged, or summed too when `sumScores`: a difference) and one
    /// row per word of `rowWords` over `rows` (averaged). Labels are the
    /// trace's readable pieces joined; the spans map rows and columns back to
    /// steps and positions, so the cursor and a picked cell still find them
    /// (rows of no step, step < 0, span one).
    static HeatmapData buildWords(const DecodeTrace &trace, const SourceAxis &pieces,
                                  const std::vector<WordSpan> &columnWords, const std::vector<HeatmapRow> &rows,
                                  const std::vector<WordSpan> &rowWords, const Matrix &values, const Matrix &scores,
                                  const HeatmapOptions &options, bool sumScores = false);
    /// The trace model's path under its layer/head selection: cross-attention
    /// (steps × source), the decoder's self-attention (steps × its inputs,
    /// <sos> first) or the encoder's (source × source; every row shown).
    /// Labels are the trace's readable tokens; options.mergeWords merges
    /// pieces into words (wordmerge.h).
    static HeatmapData fromTrace(const TraceModel &model, const HeatmapOptions &options,
                                 AttentionKind kind = AttentionKind::Cross);
    /// The cursor's fields (visible rows, current row, picked column) from
    /// `model`, whose path must be the one the data was built from: a step
    /// changes only these, not the matrix.
    void followCursor(const TraceModel &model);
    /// Fills the intervention marks from `trace` (its edited steps, dropped
    /// positions and one-hot edits of `selection`'s layer).
    void markIntervention(const DecodeTrace &trace, const std::vector<int> &path, const HeadSelection &selection);
    /// Shows `weights` (n, one source row) in row `row` while a drag reshapes
    /// it, summed over merged columns and renormalised as `options` say.
    void previewRow(int row, const Vector &weights, const HeatmapOptions &options);
};

/// The colour of intervention marks (edited rows, forced cells) on every heatmap.
QColor interventionColor();

/// Token labels longer than this (logical pixels) are elided; the view's
/// tooltip shows them whole.
inline constexpr double kMaxLabelExtent = 180.0;

/// Label sizes of one HeatmapData in one font, measured once: views keep
/// them so hovering and painting never measure every label again.
struct HeatmapLabelMetrics {
    QFont font;
    QFont boldFont;
    double rowLabelWidth = 0;     ///< widest row label
    double columnLabelWidth = 0;  ///< widest column label
    double lineHeight = 0;
    double barLabelWidth = 0;     ///< the colour bar's widest tick label

    static HeatmapLabelMetrics measure(const HeatmapData &data, const QFont &font);
};

/// The one cell-fit policy of every heatmap on screen.
struct CellFit {
    static constexpr double kMin = 12.0;    ///< smaller cells scroll instead
    static constexpr double kMaxFit = 56.0; ///< a short sentence fitted larger looks bloated
    static constexpr double kMaxZoom = 96.0;
    /// The largest whole-pixel cell that fits `data` into `area` with its
    /// labels and bar, clamped to [minimum, kMaxFit] (and to `limit` when > 0).
    static double fit(const HeatmapData &data, const HeatmapOptions &options, const HeatmapLabelMetrics &metrics,
                      QSizeF area, double limit = 0, double minimum = kMin);
};

class HeatmapPainter {
public:
    HeatmapPainter(const HeatmapData &data, const HeatmapOptions &options, const QFont &font,
                   const QPalette &palette);
    /// With labels measured before (a view's cached metrics).
    HeatmapPainter(const HeatmapData &data, const HeatmapOptions &options, const HeatmapLabelMetrics &metrics,
                   const QPalette &palette);

    /// Whole figure at scroll offset 0 (export size).
    QSizeF figureSize() const;
    /// Where the cells may be drawn inside `target` (labels and bar excluded).
    QRectF cellViewport(const QRectF &target) const;
    /// Cell rectangle for the given scroll offset.
    QRectF cellRect(int row, int column, const QRectF &target, QPointF scroll = {}) const;
    /// Row and column under `pos`, (-1, -1) when outside the cells.
    QPoint cellAt(QPointF pos, const QRectF &target, QPointF scroll = {}) const;
    /// Colour coordinate in [0, 1] of an α value under the options.
    double unit(double alpha) const;
    /// The text a row / column label is drawn with: the token, elided to its
    /// room; never empty for a token that has text (labels are shrunk to the
    /// cell rather than left out).
    QString shownRowLabel(int row) const;
    QString shownColumnLabel(int column) const;
    /// The font labels are drawn in at this cell size (smaller cells, smaller text).
    QFont labelFont(bool bold) const;
    /// Row (y) or column (x) whose label is under `pos`, -1 elsewhere.
    QPoint labelAt(QPointF pos, const QRectF &target, QPointF scroll = {}) const;

    void paint(QPainter &p, const QRectF &target, QPointF scroll = {}) const;

private:
    void paintCells(QPainter &p, const QRectF &view, QPointF origin) const;
    QString cellText(float value) const;
    void paintCurrentRow(QPainter &p, const QRectF &view, QPointF origin) const;
    void paintEdits(QPainter &p, QPointF origin) const;
    void paintRowLabels(QPainter &p, const QRectF &target, const QRectF &view, QPointF origin) const;
    void paintColumnLabels(QPainter &p, const QRectF &target, const QRectF &view, QPointF origin) const;
    void paintColorBar(QPainter &p, const QRectF &target, const QRectF &view) const;

    const HeatmapData &m_data;
    HeatmapOptions m_options;
    Colormap m_colormap;
    QFont m_font;
    QFont m_boldFont;
    QFont m_labelFont;     // m_font and m_boldFont shrunk to the cell, once per painter
    QFont m_labelBoldFont;
    QPalette m_palette;
    double m_rowLabelWidth = 0;
    double m_columnLabelHeight = 0;
    double m_barWidth = 0; // colour bar plus its tick labels
    bool m_verticalColumnLabels = false;
};

} // namespace alignscope::ui
