#pragma once
// CompareView: one sentence decoded by 2–8 models side by side. A grid of
// heatmaps (one HeatmapView per model, each on its own TraceModel) steps in
// lockstep with the main window's TraceModel; a difference heatmap shows
// α_A − α_B of any two models on a diverging colormap centred on 0; a table
// holds one summary row per model. Decoding runs in CompareController.

#include "compare/comparecontroller.h"
#include "export/exporter.h"
#include "attention/heatmappainter.h"

#include <QFrame>
#include <QWidget>

#include <functional>
#include <memory>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QStackedWidget;
class QTableWidget;
class QToolButton;
class QGridLayout;

namespace alignscope::ui {

class ElidedLabel;
class HeadPicker;

class HeatmapView;
class VisionView;

/// One model's cell of the grid: its title, then its heatmap, or a
/// "decoding…" note, or the error that stopped it.
class ComparePanel : public QFrame {
    Q_OBJECT
public:
    explicit ComparePanel(QWidget *parent = nullptr);

    void setPending(const QString &source);
    void setResult(const CompareResult &result, int step);
    void setStep(int step);
    /// The heatmap over words instead of a subword model's pieces (HeatmapOptions::mergeWords).
    void setMergeWords(bool merge);

    TraceModel *traceModel() const { return m_trace; }
    HeatmapView *view() const { return m_view; }
    /// This panel's own layer and head (shown for a model with several).
    HeadPicker *headPicker() const { return m_heads; }
    /// Reads the panel's model through `selection` (the picker follows).
    void setSelection(const HeadSelection &selection);
    QString caption() const;
    /// The error shown instead of a heatmap; empty when the model rendered.
    QString errorText() const;
    bool showsHeatmap() const;
    /// Whether the panel shows a picture's caption (the overlay) instead of a heatmap.
    bool showsImage() const;
    VisionView *visionView() const { return m_vision; }
    /// Cells of the compare grid are never smaller than this: the grid
    /// scrolls instead (7 models stay readable on a 1440 × 900 screen).
    static constexpr double kMinimumCell = 16.0;

signals:
    /// The user picked another layer or head in this panel.
    void selectionChanged();

private:
    /// Room for every cell at kMinimumCell with its labels.
    void updateMinimumSize();

    TraceModel *m_trace;
    ElidedLabel *m_title; ///< elided, so a panel's own layer/head picker always fits beside it
    HeadPicker *m_heads;
    QStackedWidget *m_stack;
    QLabel *m_note;
    HeatmapView *m_view;
    VisionView *m_vision;
};

/// α_A − α_B painted by HeatmapPainter with a signed, diverging scale.
class DifferenceView : public QWidget {
    Q_OBJECT
public:
    explicit DifferenceView(QWidget *parent = nullptr);

    /// Empty traces or different shapes leave the view empty with `note`.
    void setTraces(TracePtr a, TracePtr b, int step, const QString &note = {});
    void setStep(int step);
    /// The layer / head each trace is read with.
    void setSelections(const HeadSelection &a, const HeadSelection &b);
    /// Over words instead of pieces (model A's words; both models read the same pieces).
    void setMergeWords(bool merge);
    const HeatmapData &data() const { return m_data; }
    const HeatmapOptions &options() const { return m_options; }
    /// Cell rectangle in widget coordinates (tests).
    QRectF cellRect(int row, int column) const;

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void rebuild();
    void fitCells();

    TracePtr m_a, m_b;
    HeadSelection m_selectionA, m_selectionB;
    int m_step = 0;
    QString m_note;
    HeatmapData m_data;
    HeatmapOptions m_options;
};

class CompareView : public QWidget {
    Q_OBJECT
public:
    /// Follows `follow`'s step; offers the models listed in `picker` (the
    /// main window's model picker; item data = source) when given.
    explicit CompareView(TraceModel *follow, QComboBox *picker = nullptr, QWidget *parent = nullptr);

    CompareController *controller() const { return m_controller; }
    int panelCount() const { return int(m_panels.size()); }
    ComparePanel *panel(int i) const { return m_panels.value(i); }
    DifferenceView *differenceView() const { return m_difference; }
    QTableWidget *summaryTable() const { return m_table; }
    QComboBox *modeCombo() const { return m_mode; }
    QComboBox *targetCombo() const { return m_targetSource; }
    /// Layer and head for every panel, the difference and the table (shown
    /// when a model has more than one).
    HeadPicker *headPicker() const { return m_heads; }
    const HeadSelection &selection() const { return m_selection; }
    /// The tool bar's choice: every panel's layer and head.
    void setSelection(const HeadSelection &selection);
    /// What panel `index` shows (its own picker may differ from the tool bar's).
    HeadSelection panelSelection(int index) const;
    /// The main heatmap's "Merge word pieces", for every panel, the
    /// difference map and the exported figures.
    void setMergeWords(bool merge);
    bool mergesWords() const { return m_mergeWords; }
    QLineEdit *targetEdit() const { return m_targetEdit; }

    /// The grid as a figure: one captioned panel per model that rendered,
    /// every step shown; the difference map with its signed scale.
    std::vector<FigurePanel> gridFigure() const;
    std::vector<FigurePanel> differenceFigure() const;
    /// Export… and Copy image for the grid and for the difference map (their context menus).
    QAction *exportGridAction() const { return m_exportGrid; }
    QAction *copyGridAction() const { return m_copyGrid; }
    QAction *exportDifferenceAction() const { return m_exportDifference; }
    QAction *copyDifferenceAction() const { return m_copyDifference; }
    /// Stops the models still decoding (enabled while a run is busy).
    QAction *stopAction() const { return m_stop; }
    /// The Models button's menu: the picker's models and the Hugging Face
    /// cache, checkable, rebuilt each time it opens.
    QMenu *modelsMenu() const;

    /// Table columns, in order.
    enum Column { ModelColumn, ScorerColumn, TranslationColumn, LogProbColumn, EntropyColumn, MaxWeightColumn,
                  AerColumn, TimeColumn, ColumnCount };

public slots:
    /// Bundled names or paths (2–8 make sense; more are cut).
    void setModelSources(const QStringList &sources);
    void setSentence(const QString &sentence);
    /// Captions a picture with every model (the main window's, shared); see CompareController::setImage.
    void setImage(std::shared_ptr<const alignscope::RgbImage> image, const QString &label);
    /// Teacher-forced on `kind` (None: each model's own decode).
    void setTarget(alignscope::ui::CompareTarget kind, const QString &typed = {}, int modelIndex = 0);
    /// Which two models the difference heatmap subtracts (indices into the panels).
    void setDifferencePair(int a, int b);

    /// Whether the grid shares its axes: every panel rendered, all with the
    /// same tokens on both axes (teacher forcing, or models that agree).
    /// Then the target tokens show in the first grid column only, the source
    /// tokens in the first grid row, the colour bar in the last column, and
    /// every panel's cells take the smallest panel's fitted size.
    bool sharesAxes() const;

protected:
    void showEvent(QShowEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *createControls();
    void createExportActions();
    void updateSharedAxes();
    void rebuildModelMenu();
    void rebuildTargetChoices();
    void applyTarget();
    void onStarted(int count);
    void onResultReady(int index);
    void updateDifference();
    void updateTable(int index);
    void followStep();
    void updateHeadPicker();
    /// What an export starts from: the view's word merging.
    FigureOptions figureDefaults() const;

    TraceModel *m_follow;
    QComboBox *m_picker;
    CompareController *m_controller;
    QList<ComparePanel *> m_panels;
    bool m_mergeWords = false;
    QGridLayout *m_grid = nullptr;
    DifferenceView *m_difference = nullptr;
    QLabel *m_differenceTitle = nullptr;
    QTableWidget *m_table = nullptr;
    QToolButton *m_modelsButton = nullptr;
    QComboBox *m_mode = nullptr;
    QComboBox *m_targetSource = nullptr;
    QLineEdit *m_targetEdit = nullptr;
    QAction *m_targetSourceAction = nullptr; // tool bar widgets hide through their actions
    QAction *m_targetEditAction = nullptr;
    QComboBox *m_diffA = nullptr;
    QComboBox *m_diffB = nullptr;
    QLabel *m_status = nullptr;
    HeadPicker *m_heads = nullptr;
    QAction *m_headsAction = nullptr;
    HeadSelection m_selection;
    bool m_axesPending = false;
    QAction *m_stop = nullptr;
    QAction *m_exportGrid = nullptr;
    QAction *m_copyGrid = nullptr;
    QAction *m_exportDifference = nullptr;
    QAction *m_copyDifference = nullptr;
    std::function<void()> m_pendingSource; // a sentence or picture set while hidden; decoded when shown
};

} // namespace alignscope::ui
