#pragma once
// HeatmapView: the attention heatmap widget. Scrolls and zooms; hovering a
// cell shows the token pair with α_tj and e_tj, clicking picks the cell for
// the explain panel. HeatmapPanel adds the option bar above it.

#include "attention/heatmappainter.h"

#include <QAbstractScrollArea>
#include <QList>
#include <QWidget>

class QComboBox;
class QAction;
class QMenu;

namespace alignscope::ui {

class HeadPicker;

class HeatmapView : public QAbstractScrollArea {
    Q_OBJECT
public:
    explicit HeatmapView(TraceModel *model, QWidget *parent = nullptr);

    const HeatmapOptions &options() const { return m_options; }
    void setOptions(const HeatmapOptions &options);
    /// Which attention the view shows (cross-attention unless set).
    AttentionKind kind() const { return m_kind; }
    void setKind(AttentionKind kind);
    const HeatmapData &data() const { return m_data; }
    /// Whether the cell size follows the view's size.
    bool fitToView() const { return m_fit; }
    /// The cell size fitting the whole matrix into the view (what fit mode
    /// picks, before the limit below).
    double naturalFitCell() const;
    /// In fit mode, cells no larger than this: a grid sharing its axes keeps
    /// every panel's cells the same size. 0 = no limit.
    void setFitLimit(double limit);

    /// Cell rectangle in viewport coordinates (for tests and tooltips).
    QRectF cellRect(int row, int column) const;
    /// Tooltip text of a cell: token pair, α and e.
    QString cellToolTip(int row, int column) const;
    /// Tooltip of the token label under `pos` (viewport coordinates): the whole token.
    QString labelToolTip(QPointF pos) const;
    /// What the view paints with now (labels measured once per rebuild).
    HeatmapPainter painter() const;
    /// The view's size that shows every cell at `cell` pixels with its labels and bar.
    QSize sizeForCell(double cell) const;
    /// Fitted cells never go below this (CellFit::kMin by default; the compare grid asks for more).
    void setMinimumCell(double cell);
    /// The context menu at `pos` (viewport coordinates): on a cross-attention
    /// cell or source label, "all attention here" and "remove this position
    /// from every step"; null elsewhere. The caller owns and shows it.
    QMenu *contextMenuAt(QPointF pos);

    /// Reshape mode: a plain drag on a cell reshapes its row (as Shift+drag
    /// always does) instead of picking the cell.
    bool reshapeMode() const { return m_reshapeMode; }
    /// Whether a drag is reshaping a row now.
    bool reshaping() const { return m_drag.row >= 0; }
    /// Pixels of vertical drag that move a cell's weight by the whole range 0..1.
    double reshapePixels() const;

public slots:
    void setReshapeMode(bool on);
    void zoomIn();
    void zoomOut();
    void setFitToView(bool fit);

signals:
    void optionsChanged();
    /// Ctrl+click on a cross-attention cell: put all of step `step`'s weight
    /// on source position `source` (the window re-decodes with the edit).
    void editRequested(int step, int source);
    /// "Remove this position from every step" on a source column.
    void dropRequested(int source);
    /// A drag on a cross-attention cell (Shift, or in reshape mode) or
    /// Shift+Up/Down on the picked cell reshaped step `step`'s row: `weights`
    /// (n) is the row to decode with, a distribution over the source.
    void reshapeRequested(int step, const alignscope::Vector &weights);
    void reshapeModeChanged(bool on);

protected:
    void changeEvent(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    bool viewportEvent(QEvent *event) override;

private:
    void rebuild();
    void updateGeometryFromData();
    void ensureCurrentRowVisible();
    QPointF scrollOffset() const;
    /// Starts reshaping the row of `cell` (column, row); false when it cannot be.
    bool beginReshape(QPoint cell, double y);
    void dragReshape(double y);
    /// Ends the drag: emits the reshaped row when `apply` and it changed.
    void endReshape(bool apply);
    /// Shift+Up/Down: the picked cell of the current step by `delta` of the row's weight.
    void nudgePickedCell(double delta);

    /// A reshape under way: the row, the dragged column's source positions
    /// and the weights it started from and shows now.
    struct Drag {
        int row = -1;
        int step = -1;
        int first = 0;
        int count = 1;
        double startY = 0;
        double startShare = 0;
        Vector base;
        Vector current;
    };

    TraceModel *m_model;
    AttentionKind m_kind = AttentionKind::Cross;
    HeatmapOptions m_options;
    HeatmapData m_data;
    HeatmapLabelMetrics m_metrics; // of m_data in font(): measured on rebuild, not per mouse move
    bool m_fit = true;
    double m_fitLimit = 0;
    double m_minimumCell = CellFit::kMin;
    std::vector<int> m_builtPath; // the path m_data was built from
    bool m_reshapeMode = false;
    Drag m_drag;
};

/// The heatmap with its options: colormap, hide special tokens,
/// renormalise, log scale, merge word pieces, zoom.
class HeatmapPanel : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapPanel(TraceModel *model, QWidget *parent = nullptr);
    HeatmapView *view() const { return m_view; }
    QComboBox *colormapPicker() const { return m_colormap; }
    /// Layer and head; shown only for models with more than one.
    HeadPicker *headPicker() const { return m_heads; }
    /// "Merge word pieces" (checkable; also in View): HeatmapOptions::mergeWords.
    QAction *mergeWordsAction() const { return m_mergeWords; }

private:
    HeatmapView *m_view;
    QAction *m_mergeWords = nullptr;
    QComboBox *m_colormap;
    HeadPicker *m_heads;
};

/// Keeps `picker` on `model`: the trace's layers × heads and the selection,
/// and the picker's choice back to the model. `shown` (the toolbar actions
/// holding the picker and its separator) are visible only when there is a choice.
void bindHeadPicker(HeadPicker *picker, TraceModel *model, QList<QAction *> shown);

} // namespace alignscope::ui
