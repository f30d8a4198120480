#pragma once
// The head grid: a Transformer's attention as layers × heads small
// multiples (plus the mean and the max over each layer's heads), for the
// current step's rows or the whole decode, for cross-attention or either
// self-attention. Clicking a cell makes it the selection every view shows.
// "Which head aligns?" scores each head's cross-attention against the
// en-fr task's gold links (per-head AER) and writes the numbers on the grid.
// HeadGridData and paintHeadGrid also draw the grid into exported figures.

#include "attention/heatmappainter.h"

#include <QFont>
#include <QPalette>
#include <QPoint>
#include <QRectF>
#include <QWidget>

#include <atomic>
#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QAction;
class QMenu;
class QPainter;

namespace alignscope::ui {

class DecodeController;
class HeadImportancePanel;

struct HeadGridData {
    AttentionKind kind = AttentionKind::Cross;
    int layers = 0;
    int heads = 0;
    bool wholeMatrices = false;    ///< each cell the whole matrix; else the current step's row
    std::vector<Matrix> cells;     ///< layers × columns(), row-major: (rows, keys) each
    int currentRow = -1;           ///< row of the current step in whole-matrix cells
    int selectedLayer = -1;        ///< the cell the other views show
    int selectedColumn = -1;
    QStringList keyLabels;         ///< what the columns of a cell attend over
    /// Per head (layers × heads, row-major) a score written on the cell
    /// (NaN: none) and its name ("AER"); the lowest is marked best.
    std::vector<double> headScores;
    QString scoreName;
    /// Cross-attention heads switched off in the decode shown (layers ×
    /// heads, row-major; empty when none): drawn greyed and crossed.
    std::vector<bool> ablated;

    /// Heads, then the mean and the max over them (when there are several).
    int columns() const { return heads > 1 ? heads + 2 : heads; }
    bool empty() const { return cells.empty(); }
    const Matrix &cell(int layer, int column) const { return cells[size_t(layer * columns() + column)]; }
    /// What clicking a cell selects: one head, or the layer's mean or max.
    HeadSelection selectionOf(int layer, int column) const;
    /// "head 3", "mean", "max".
    QString columnTitle(int column) const;
    /// The lowest head score's (layer, head), or (-1, -1).
    QPoint bestScore() const;
    /// Whether head `head` of `layer` (a head column) is switched off.
    bool isAblated(int layer, int head) const
    {
        return !ablated.empty() && head < heads && ablated[size_t(layer * heads + head)];
    }

    /// `mergeWords`: a subword model's pieces as words, as the heatmap's
    /// "Merge word pieces" (keys summed over a word's pieces, rows averaged).
    static HeadGridData fromTrace(const TraceModel &model, AttentionKind kind, bool wholeMatrices,
                                  bool mergeWords = false);
};

/// Where everything of a grid goes at a given width.
class HeadGridLayout {
public:
    HeadGridLayout(const HeadGridData &data, const QFont &font, double width);
    QSizeF size() const { return m_size; }
    QRectF cellRect(int layer, int column) const;
    /// (column, layer) of the cell under `pos`, (-1, -1) elsewhere.
    QPoint cellAt(QPointF pos) const;
    QRectF columnTitleRect(int column) const;
    QRectF layerTitleRect(int layer) const;

private:
    int m_layers = 0;
    int m_columns = 0;
    double m_left = 0;   ///< layer titles' width
    double m_top = 0;    ///< column titles' height
    double m_cellWidth = 0;
    double m_cellHeight = 0;
    double m_gap = 6;
    QSizeF m_size;
};

/// Paints the grid: cells in `colormap` (α from 0 to 1), titles, the
/// selected cell outlined, the current step's row marked, scores written.
void paintHeadGrid(QPainter &p, const HeadGridData &data, const HeadGridLayout &layout, const QFont &font,
                   const QPalette &palette, ColormapKind colormap);

class HeadGridView : public QWidget {
    Q_OBJECT
public:
    explicit HeadGridView(TraceModel *model, QWidget *parent = nullptr);

    const HeadGridData &data() const { return m_data; }
    HeadGridLayout layout() const;
    AttentionKind kind() const { return m_kind; }
    bool wholeMatrices() const { return m_whole; }
    void setKind(AttentionKind kind);
    void setWholeMatrices(bool whole);
    bool mergesWords() const { return m_mergeWords; }
    /// The heatmap's "Merge word pieces": cells over words, not pieces.
    void setMergeWords(bool merge);
    /// Scores written on the head cells (per-head AER), layers × heads; cleared for another model.
    void setHeadScores(std::vector<double> scores, const QString &name);
    /// Tooltip of a cell: which selection, where its largest weight lies, its score.
    QString cellToolTip(int layer, int column) const;
    /// The context menu of a cross-attention cell at `pos`: switch its head
    /// or its layer off or on (checkable); null elsewhere. The caller owns it.
    QMenu *contextMenuAt(QPointF pos);

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    bool event(QEvent *event) override;

signals:
    /// Switch head `head` of `layer` (−1: every head of the layer) off or
    /// back on; Ctrl+click on a head or the context menu asks for it.
    void ablationRequested(int layer, int head, bool off);

private:
    void rebuild();

    TraceModel *m_model;
    HeadGridData m_data;
    AttentionKind m_kind = AttentionKind::Cross;
    bool m_whole = false;
    bool m_mergeWords = false;
    std::vector<double> m_scores;
    QString m_scoreName;
};

/// The grid with its bar: attention kind, this step or the whole decode,
/// and "Which head aligns?".
class HeadGridPanel : public QWidget {
    Q_OBJECT
public:
    HeadGridPanel(TraceModel *model, DecodeController *controller, QWidget *parent = nullptr);
    ~HeadGridPanel() override;

    HeadGridView *view() const { return m_view; }
    QComboBox *kindPicker() const { return m_kind; }
    QComboBox *extentPicker() const { return m_extent; }
    QAction *alignAction() const { return m_align; }
    QLabel *status() const { return m_status; }
    /// "Which heads matter": beside the grid, whose cells carry the per-head AER.
    HeadImportancePanel *importance() const { return m_importance; }
    /// Whether a per-head AER run is going on (tests wait for it).
    bool scoring() const { return m_running != nullptr; }

public slots:
    /// Scores every head of the current model on the en-fr test split, in the background.
    void scoreHeads();

signals:
    void headsScored();

private:
    void modelChanged();

    TraceModel *m_model;
    DecodeController *m_controller;
    HeadGridView *m_view;
    QComboBox *m_kind;
    QComboBox *m_extent;
    QAction *m_align;
    QLabel *m_status;
    HeadImportancePanel *m_importance;
    std::shared_ptr<std::atomic<bool>> m_running; ///< the run's "still wanted" flag
};

} // namespace alignscope::ui
