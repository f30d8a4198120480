#include "compare/compareview.h"

#include "export/exportdialog.h"
#include "attention/heatmapview.h"
#include "widgets/elidedlabel.h"
#include "widgets/headpicker.h"
#include "decode/modelsources.h"
#include "vision/visionview.h"

#include "alignscope/metrics.h"

#include <QAction>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPainter>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QToolBar>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace alignscope::ui {
namespace {

/// Up to four across: 2 → 2×1, 3 → 3×1, 4 → 2×2, 5–6 → 3×2, 7–8 → 4×2.
int gridColumns(int count) { return count <= 3 ? std::max(1, count) : count == 4 ? 2 : (count + 1) / 2; }

QString qs(const std::string &s) { return QString::fromStdString(s); }

QTableWidgetItem *numberItem(double value, int decimals, const QString &tip = {})
{
    auto *item = new QTableWidgetItem(QString::number(value, 'f', decimals));
    item->setData(Qt::UserRole, value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    item->setToolTip(tip);
    return item;
}

} // namespace

// ---------------------------------------------------------------- ComparePanel

ComparePanel::ComparePanel(QWidget *parent)
    : QFrame(parent), m_trace(new TraceModel(this)), m_title(new ElidedLabel(this)), m_heads(new HeadPicker(this)),
      m_stack(new QStackedWidget(this)), m_note(new QLabel(this)), m_view(new HeatmapView(m_trace, this)),
      m_vision(new VisionView(m_trace, this))
{
    setFrameShape(QFrame::StyledPanel);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setContentsMargins(6, 3, 6, 0);
    m_note->setAlignment(Qt::AlignCenter);
    m_note->setWordWrap(true);
    m_note->setMargin(12);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stack->addWidget(m_note);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_vision); // a picture's caption: the overlay instead of a patch heatmap
    HeatmapOptions o = m_view->options();
    o.showColorBar = false; // one scale for the whole grid: α in [0, 1]
    m_view->setOptions(o);
    m_view->setMinimumCell(kMinimumCell);
    // Each panel reads its model through its own layer and head: an RNN's
    // one attention beside a Transformer head of the user's choice.
    m_heads->setToolTip(tr("The layer and head this panel shows"));
    m_heads->setCompact(true);
    m_heads->hide();
    connect(m_heads, &HeadPicker::selectionChanged, this, [this](const HeadSelection &s) {
        m_trace->setSelection(s);
        emit selectionChanged();
    });
    auto *titleRow = new QHBoxLayout;
    titleRow->setContentsMargins(0, 0, 0, 0);
    titleRow->addWidget(m_title, 1);
    titleRow->addWidget(m_heads);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(1, 1, 1, 1);
    layout->setSpacing(2);
    layout->addLayout(titleRow);
    layout->addWidget(m_stack, 1);
    setMinimumSize(200, 150);
    // Shared axes turn labels on and off: the room needed changes with them.
    connect(m_view, &HeatmapView::optionsChanged, this, &ComparePanel::updateMinimumSize);
}

void ComparePanel::updateMinimumSize()
{
    if (!showsHeatmap()) {
        setMinimumSize(200, 150);
        return;
    }
    const QSize figure = m_view->sizeForCell(kMinimumCell);
    const QMargins m = layout()->contentsMargins();
    setMinimumSize(std::max(200, figure.width() + m.left() + m.right() + 2 * frameWidth()),
                   std::max(150, figure.height() + m_title->sizeHint().height() + layout()->spacing() + m.top()
                                     + m.bottom() + 2 * frameWidth()));
}

void ComparePanel::setPending(const QString &source)
{
    m_title->setText(source);
    m_note->setText(tr("Decoding…"));
    m_note->setStyleSheet(QString());
    m_stack->setCurrentWidget(m_note);
    m_trace->setTrace(nullptr);
}

void ComparePanel::setResult(const CompareResult &result, int step)
{
    const CompareRow &row = result.row;
    if (!result.trace) {
        m_title->setText(row.model.empty() ? result.source : qs(row.model));
        if (result.stopped) {
            m_note->setText(tr("Stopped before %1 finished.").arg(result.source));
            m_note->setStyleSheet(QString());
        } else {
            m_note->setText(tr("Could not decode with %1:\n%2").arg(result.source, qs(row.error)));
            m_note->setStyleSheet(QStringLiteral("color: #c03030;"));
        }
        m_stack->setCurrentWidget(m_note);
        m_trace->setTrace(nullptr);
        return;
    }
    // "additive", or "local-p · general+local-p" when the name does not say the scorer
    m_title->setText(row.model == row.scorer ? qs(row.model) : tr("%1 · %2").arg(qs(row.model), qs(row.scorer)));
    m_title->setToolTip(tr("%1 → %2").arg(m_title->text(), qs(row.translation)));
    m_trace->setTrace(result.trace, step);
    m_heads->setShape(result.trace->layers(), result.trace->heads());
    m_heads->setSelection(m_trace->selection());
    m_heads->setVisible(m_heads->hasChoice());
    m_stack->setCurrentWidget(result.trace->source.kind == SourceKind::Image ? static_cast<QWidget *>(m_vision)
                                                                             : m_view);
    updateMinimumSize();
}

void ComparePanel::setSelection(const HeadSelection &selection)
{
    m_trace->setSelection(selection);
    m_heads->setSelection(selection);
}

void ComparePanel::setStep(int step)
{
    m_trace->setStep(step);
}

void ComparePanel::setMergeWords(bool merge)
{
    HeatmapOptions o = m_view->options();
    if (o.mergeWords == merge)
        return;
    o.mergeWords = merge;
    m_view->setOptions(o);
}

QString ComparePanel::errorText() const
{
    return m_stack->currentWidget() == m_note && !m_note->styleSheet().isEmpty() ? m_note->text() : QString();
}

bool ComparePanel::showsHeatmap() const
{
    return m_stack->currentWidget() == m_view;
}

bool ComparePanel::showsImage() const
{
    return m_stack->currentWidget() == m_vision;
}

// -------------------------------------------------------------- DifferenceView

DifferenceView::DifferenceView(QWidget *parent) : QWidget(parent)
{
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setMinimumSize(220, 160);
    m_options.colormap = ColormapKind::Diverging;
    m_options.signedRange = 1.0;
    setToolTip(tr("α_A − α_B per cell: red where A attends more, blue where B does, white where they agree."));
}

void DifferenceView::setTraces(TracePtr a, TracePtr b, int step, const QString &note)
{
    m_a = std::move(a);
    m_b = std::move(b);
    m_step = step;
    m_note = note;
    rebuild();
}

void DifferenceView::setSelections(const HeadSelection &a, const HeadSelection &b)
{
    m_selectionA = a;
    m_selectionB = b;
    rebuild();
}

void DifferenceView::setMergeWords(bool merge)
{
    m_options.mergeWords = merge;
    rebuild();
}

void DifferenceView::setStep(int step)
{
    m_step = step;
    rebuild();
}

void DifferenceView::rebuild()
{
    m_data = HeatmapData();
    const Matrix diff = m_a && m_b ? weightDifference(*m_a, m_selectionA, *m_b, m_selectionB) : Matrix(); // (T, n)
    if (diff.size() > 0) {
        const std::vector<int> path = m_a->bestPath();
        std::vector<HeatmapRow> rows;
        for (int t = 0; t < int(diff.rows()); ++t)
            rows.push_back({qs(m_a->readable(m_a->nodes[path[t]].token)), t, false, false});
        // Tooltips of a difference show the difference.
        if (m_options.mergeWords && !m_a->source.words.empty())
            m_data = HeatmapData::buildWords(*m_a, m_a->source, sourceWordSpans(m_a->source), rows,
                                             pathWordSpans(*m_a, {path.begin(), path.begin() + diff.rows()}),
                                             diff, diff, m_options, true);
        else
            m_data = HeatmapData::build(m_a->source, rows, diff, diff, m_options, m_a->displayToken);
        m_data.currentRow = std::max(0, m_data.rowOfStep(std::clamp(m_step, 0, int(diff.rows()) - 1)));
        m_data.visibleRows = m_data.currentRow + 1;
        // Symmetric scale around 0, rounded up to a tenth so the bar reads well.
        const double largest = diff.cwiseAbs().maxCoeff();
        m_options.signedRange = std::clamp(std::ceil(largest * 10.0) / 10.0, 0.1, 1.0);
    }
    fitCells();
    update();
}

void DifferenceView::fitCells()
{
    if (m_data.rows() == 0 || m_data.columns() == 0)
        return;
    m_options.cellSize = CellFit::fit(m_data, m_options, HeatmapLabelMetrics::measure(m_data, font()), QSizeF(size()));
}

QRectF DifferenceView::cellRect(int row, int column) const
{
    return HeatmapPainter(m_data, m_options, font(), palette()).cellRect(row, column, QRectF(rect()));
}

void DifferenceView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitCells();
}

void DifferenceView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    if (m_data.rows() == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                   m_note.isEmpty() ? tr("Pick two models that both decoded.") : m_note);
        return;
    }
    HeatmapPainter(m_data, m_options, font(), palette()).paint(p, QRectF(rect()));
}

QString ComparePanel::caption() const { return m_title->text(); }

// ----------------------------------------------------------------- CompareView

CompareView::CompareView(TraceModel *follow, QComboBox *picker, QWidget *parent)
    : QWidget(parent), m_follow(follow), m_picker(picker), m_controller(new CompareController(this))
{
    setObjectName(QStringLiteral("compareView"));
    setToolTip(tr("The same sentence decoded by several models, stepping together with the main view"));
    auto *gridHolder = new QWidget(this);
    m_grid = new QGridLayout(gridHolder);
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_grid->setSpacing(4);

    m_difference = new DifferenceView(this);
    m_differenceTitle = new QLabel(this);
    m_differenceTitle->setContentsMargins(6, 0, 6, 0);
    auto *differenceBox = new QWidget(this);
    auto *dl = new QVBoxLayout(differenceBox);
    dl->setContentsMargins(0, 0, 0, 0);
    dl->setSpacing(2);
    dl->addWidget(m_differenceTitle);
    dl->addWidget(m_difference, 1);

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setHorizontalHeaderLabels({tr("Model"), tr("Scorer"), tr("Translation"), tr("log P"), tr("Entropy"),
                                        tr("Max α per step"), tr("AER"), tr("ms")});
    m_table->horizontalHeaderItem(EntropyColumn)->setToolTip(tr("Mean attention entropy over the steps (nats)"));
    m_table->horizontalHeaderItem(AerColumn)
        ->setToolTip(tr("Alignment error rate against the corpus's gold links (only when the output matches the reference)"));
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(TranslationColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);

    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(differenceBox);
    bottom->addWidget(m_table);
    bottom->setStretchFactor(0, 2);
    bottom->setStretchFactor(1, 3);
    // The grid scrolls rather than shrink cells below ComparePanel::kMinimumCell.
    auto *gridScroll = new QScrollArea(this);
    gridScroll->setObjectName(QStringLiteral("compareGridScroll"));
    gridScroll->setWidget(gridHolder);
    gridScroll->setWidgetResizable(true);
    gridScroll->setFrameShape(QFrame::NoFrame);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(gridScroll);
    split->addWidget(bottom);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 1);
    split->setSizes({2000, 1000}); // two thirds for the grid, whatever the bottom's size hints ask

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setContentsMargins(6, 0, 6, 0);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(createControls());
    layout->addWidget(m_status);
    layout->addWidget(split, 1);

    createExportActions();

    connect(m_controller, &CompareController::started, this, [this] { m_stop->setEnabled(m_controller->busy()); });
    connect(m_controller, &CompareController::finished, this, [this] { m_stop->setEnabled(false); });
    connect(m_controller, &CompareController::started, this, &CompareView::onStarted);
    connect(m_controller, &CompareController::resultReady, this, &CompareView::onResultReady);
    connect(m_controller, &CompareController::targetUnavailable, m_status, &QLabel::setText);
    connect(m_controller, &CompareController::finished, this, [this] {
        if (m_status->text().isEmpty() && !m_controller->resolvedTarget().isEmpty())
            m_status->setText(tr("Every model is forced on “%1”.").arg(m_controller->resolvedTarget()));
    });
    if (m_follow)
        connect(m_follow, &TraceModel::cursorChanged, this, &CompareView::followStep);

    QStringList defaults;
    for (const std::string &n : bundledModelNames(SourceKind::Text))
        defaults << qs(n);
    setModelSources(defaults);
}

QWidget *CompareView::createControls()
{
    auto *bar = new QToolBar(this);
    bar->setIconSize(QSize(16, 16));
    m_modelsButton = new QToolButton(bar);
    m_modelsButton->setText(tr("Models"));
    m_modelsButton->setPopupMode(QToolButton::InstantPopup);
    m_modelsButton->setToolTip(tr("Choose 2–8 models from the model picker to compare"));
    m_modelsButton->setMenu(new QMenu(m_modelsButton));
    connect(m_modelsButton->menu(), &QMenu::aboutToShow, this, &CompareView::rebuildModelMenu);
    bar->addWidget(m_modelsButton);
    // Stop: the decodes still running end within a step (Esc while the tab has focus).
    m_stop = bar->addAction(tr("Stop"), m_controller, &CompareController::cancel);
    m_stop->setObjectName(QStringLiteral("stopCompare"));
    m_stop->setShortcut(QKeySequence(Qt::Key_Escape));
    m_stop->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_stop->setToolTip(tr("Stop the models still decoding (Esc)"));
    m_stop->setEnabled(false);
    bar->addSeparator();

    m_mode = new QComboBox(bar);
    m_mode->addItems({tr("Each model's own decode"), tr("Teacher-forced on one target")});
    m_mode->setToolTip(tr("Own decode: each model translates freely. Teacher-forced: every model reads the same "
                          "target, so every attention matrix has the same shape."));
    bar->addWidget(m_mode);
    m_targetSource = new QComboBox(bar);
    m_targetSource->setToolTip(tr("The target every model is forced on"));
    m_targetSourceAction = bar->addWidget(m_targetSource);
    m_targetEdit = new QLineEdit(bar);
    m_targetEdit->setPlaceholderText(tr("Type a target…"));
    m_targetEdit->setClearButtonEnabled(true);
    m_targetEdit->setMinimumWidth(180);
    m_targetEditAction = bar->addWidget(m_targetEdit);
    connect(m_mode, &QComboBox::currentIndexChanged, this, &CompareView::applyTarget);
    connect(m_targetSource, &QComboBox::activated, this, &CompareView::applyTarget);
    connect(m_targetEdit, &QLineEdit::returnPressed, this, &CompareView::applyTarget);
    bar->addSeparator();

    bar->addWidget(new QLabel(tr(" Difference "), bar));
    m_diffA = new QComboBox(bar);
    m_diffB = new QComboBox(bar);
    m_diffA->setToolTip(tr("Model A of the difference α_A − α_B"));
    m_diffB->setToolTip(tr("Model B of the difference α_A − α_B"));
    bar->addWidget(m_diffA);
    bar->addWidget(new QLabel(tr(" − "), bar));
    bar->addWidget(m_diffB);
    connect(m_diffA, &QComboBox::activated, this, &CompareView::updateDifference);
    connect(m_diffB, &QComboBox::activated, this, &CompareView::updateDifference);
    m_heads = new HeadPicker(bar);
    QAction *gap = bar->addSeparator();
    m_headsAction = bar->addWidget(m_heads);
    connect(m_heads, &HeadPicker::selectionChanged, this, &CompareView::setSelection);
    connect(m_headsAction, &QAction::visibleChanged, gap, [this, gap] { gap->setVisible(m_headsAction->isVisible()); });
    m_headsAction->setVisible(false);
    m_targetSourceAction->setVisible(false);
    m_targetEditAction->setVisible(false);
    return bar;
}

QMenu *CompareView::modelsMenu() const { return m_modelsButton ? m_modelsButton->menu() : nullptr; }

void CompareView::rebuildModelMenu()
{
    QMenu *menu = m_modelsButton->menu();
    menu->clear();
    QList<QPair<QString, QString>> offered; // (label, source)
    if (m_picker) {
        for (int i = 0; i < m_picker->count(); ++i)
            if (!m_picker->itemData(i).toString().isEmpty())
                offered.append({m_picker->itemText(i), m_picker->itemData(i).toString()});
    } else {
        for (const std::string &n : bundledModelNames(SourceKind::Text))
            offered.append({qs(n), qs(n)});
    }
    for (const QString &s : m_controller->models()) // chosen files no longer in the picker
        if (std::none_of(offered.begin(), offered.end(), [&](const auto &o) { return o.second == s; }))
            offered.append({modelLabel(s), s});
    const QStringList chosen = m_controller->models();
    auto addChoice = [this, menu, &chosen](const QString &label, const QString &source) {
        QAction *a = menu->addAction(label);
        a->setToolTip(source);
        a->setCheckable(true);
        a->setChecked(chosen.contains(source));
        a->setEnabled(a->isChecked() ? chosen.size() > 2 : chosen.size() < CompareController::kMaxModels);
        connect(a, &QAction::toggled, this, [this, source](bool on) {
            QStringList models = m_controller->models();
            on ? models.append(source) : (void)models.removeAll(source);
            setModelSources(models);
        });
    };
    for (const auto &[label, source] : offered)
        addChoice(label, source);
    // The Hugging Face cache, as in File ▸ Hugging Face cache (listing it only lists folders).
    menu->addSection(tr("Hugging Face cache"));
    const QList<CachedModelEntry> cached = huggingFaceCacheEntries();
    for (const CachedModelEntry &e : cached)
        if (std::none_of(offered.begin(), offered.end(), [&](const auto &o) { return o.second == e.path; }))
            addChoice(e.label, e.path);
    if (cached.isEmpty())
        menu->addAction(tr("No models in %1").arg(huggingFaceCacheLocation()))->setEnabled(false);
}

void CompareView::setModelSources(const QStringList &sources)
{
    m_controller->setModels(sources);
    rebuildTargetChoices();
}

void CompareView::rebuildTargetChoices()
{
    const int previous = m_targetSource->currentIndex();
    QSignalBlocker block(m_targetSource);
    m_targetSource->clear();
    m_targetSource->addItem(tr("Corpus reference"));
    m_targetSource->addItem(tr("Typed target"));
    for (const QString &s : m_controller->models())
        m_targetSource->addItem(tr("Output of %1").arg(s));
    m_targetSource->setCurrentIndex(std::clamp(previous, 0, m_targetSource->count() - 1));
}

void CompareView::setSentence(const QString &sentence)
{
    if (!isVisible()) { // decoding for a hidden view would only burn the cores
        m_pendingSource = [this, sentence] { setSentence(sentence); };
        return;
    }
    m_pendingSource = nullptr;
    m_status->clear();
    m_controller->setSentence(sentence);
}

void CompareView::setImage(std::shared_ptr<const RgbImage> image, const QString &label)
{
    if (!isVisible()) {
        m_pendingSource = [this, image, label] { setImage(image, label); };
        return;
    }
    m_pendingSource = nullptr;
    m_status->clear();
    m_controller->setImage(std::move(image), label);
}

void CompareView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_pendingSource)
        std::exchange(m_pendingSource, nullptr)();
}

void CompareView::setTarget(CompareTarget kind, const QString &typed, int modelIndex)
{
    {
        QSignalBlocker b1(m_mode), b2(m_targetSource);
        m_mode->setCurrentIndex(kind == CompareTarget::None ? 0 : 1);
        if (kind == CompareTarget::Reference)
            m_targetSource->setCurrentIndex(0);
        else if (kind == CompareTarget::Typed)
            m_targetSource->setCurrentIndex(1);
        else if (kind == CompareTarget::ModelOutput)
            m_targetSource->setCurrentIndex(2 + modelIndex);
        m_targetEdit->setText(typed);
    }
    applyTarget();
}

void CompareView::applyTarget()
{
    const bool forced = m_mode->currentIndex() == 1;
    m_targetSourceAction->setVisible(forced);
    const int choice = m_targetSource->currentIndex();
    m_targetEditAction->setVisible(forced && choice == 1);
    m_status->clear();
    if (!forced)
        m_controller->setTarget(CompareTarget::None);
    else if (choice <= 0)
        m_controller->setTarget(CompareTarget::Reference);
    else if (choice == 1)
        m_controller->setTarget(CompareTarget::Typed, m_targetEdit->text());
    else
        m_controller->setTarget(CompareTarget::ModelOutput, {}, choice - 2);
}

void CompareView::onStarted(int count)
{
    while (m_panels.size() > count)
        delete m_panels.takeLast();
    while (m_panels.size() < count)
    {
        auto *panel = new ComparePanel(this);
        panel->setMergeWords(m_mergeWords);
        panel->view()->viewport()->setContextMenuPolicy(Qt::ActionsContextMenu);
        panel->view()->viewport()->addActions({m_exportGrid, m_copyGrid});
        panel->visionView()->setContextMenuPolicy(Qt::ActionsContextMenu); // a picture's captions: their overlays
        panel->visionView()->addActions({m_exportGrid, m_copyGrid});
        panel->view()->installEventFilter(this); // a resize changes the shared cell size
        connect(panel, &ComparePanel::selectionChanged, this, [this, panel] {
            const int index = int(m_panels.indexOf(panel));
            if (index == m_diffA->currentIndex() || index == m_diffB->currentIndex())
                updateDifference();
            if (index >= 0 && index < m_controller->results().size())
                updateTable(index);
            updateSharedAxes();
        });
        m_panels.append(panel);
    }
    for (ComparePanel *p : std::as_const(m_panels))
        m_grid->removeWidget(p);
    const int columns = gridColumns(count);
    for (int i = 0; i < count; ++i) {
        m_grid->addWidget(m_panels[i], i / columns, i % columns);
        m_panels[i]->setPending(m_controller->models().value(i));
    }
    for (int c = 0; c < 4; ++c)
        m_grid->setColumnStretch(c, c < columns ? 1 : 0);
    m_table->setRowCount(count);
    for (int i = 0; i < count; ++i) {
        m_table->setItem(i, ModelColumn, new QTableWidgetItem(m_controller->models().value(i)));
        for (int c = ScorerColumn; c < ColumnCount; ++c)
            m_table->setItem(i, c, new QTableWidgetItem(c == TranslationColumn ? tr("decoding…") : QString()));
    }
    const auto fill = [&](QComboBox *box, int fallback) {
        const int keep = box->currentIndex();
        QSignalBlocker block(box);
        box->clear();
        for (const QString &s : m_controller->models())
            box->addItem(s);
        box->setCurrentIndex(keep >= 0 && keep < count ? keep : std::min(fallback, count - 1));
    };
    fill(m_diffA, 0);
    fill(m_diffB, 1);
    updateDifference();
    updateSharedAxes();
}

void CompareView::onResultReady(int index)
{
    const int step = m_follow ? m_follow->step() : 0;
    m_panels[index]->setResult(m_controller->results()[index], step);
    m_panels[index]->setSelection(m_selection);
    updateHeadPicker();
    updateSharedAxes();
    updateTable(index);
    if (index == m_diffA->currentIndex() || index == m_diffB->currentIndex())
        updateDifference();
}

void CompareView::updateHeadPicker()
{
    // The largest shape among the models: a layer or head a smaller model
    // lacks shows its nearest (selectRow clamps), the label says which.
    int layers = 1, heads = 1;
    for (const CompareResult &r : m_controller->results())
        if (r.trace) {
            layers = std::max(layers, r.trace->layers());
            heads = std::max(heads, r.trace->heads());
        }
    m_heads->setShape(layers, heads);
    m_heads->setSelection(m_selection);
    m_headsAction->setVisible(m_heads->hasChoice());
}

void CompareView::setSelection(const HeadSelection &selection)
{
    m_selection = selection;
    m_heads->setSelection(selection);
    for (ComparePanel *p : std::as_const(m_panels))
        p->setSelection(selection); // the tool bar's choice applies to every panel
    updateDifference();
    for (int i = 0; i < m_controller->results().size(); ++i)
        updateTable(i);
    updateSharedAxes();
}

HeadSelection CompareView::panelSelection(int index) const
{
    return index >= 0 && index < m_panels.size() ? m_panels[index]->traceModel()->selection() : m_selection;
}

void CompareView::setDifferencePair(int a, int b)
{
    m_diffA->setCurrentIndex(a);
    m_diffB->setCurrentIndex(b);
    updateDifference();
}

void CompareView::createExportActions()
{
    const auto action = [this](const QString &text, const char *name, auto slot) {
        auto *a = new QAction(text, this);
        a->setObjectName(QLatin1String(name));
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    m_exportGrid = action(tr("&Export comparison…"), "exportComparison",
                          [this] { exportPanelsWithDialog(this, gridFigure(), figureDefaults()); });
    m_copyGrid = action(tr("&Copy comparison image"), "copyComparison",
                        [this] { copyPanelsToClipboard(gridFigure(), figureDefaults()); });
    m_exportDifference = action(tr("Export &difference…"), "exportDifference", [this] {
        exportPanelsWithDialog(this, differenceFigure(), figureDefaults(), ExportDialog::HeatmapFiguresOnly);
    });
    m_copyDifference = action(tr("Copy difference &image"), "copyDifference",
                              [this] { copyPanelsToClipboard(differenceFigure(), figureDefaults()); });
    m_difference->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_difference->addActions({m_exportDifference, m_copyDifference});
}

FigureOptions CompareView::figureDefaults() const
{
    FigureOptions o;
    o.mergeWords = m_mergeWords;
    return o;
}

void CompareView::setMergeWords(bool merge)
{
    if (merge == m_mergeWords)
        return;
    m_mergeWords = merge;
    for (ComparePanel *p : std::as_const(m_panels))
        p->setMergeWords(merge);
    m_difference->setMergeWords(merge);
    updateSharedAxes();
}

std::vector<FigurePanel> CompareView::gridFigure() const
{
    std::vector<FigurePanel> panels;
    for (const ComparePanel *p : m_panels)
        if ((p->showsHeatmap() || p->showsImage()) && !p->traceModel()->isEmpty()) // a picture: its overlay
            panels.push_back({p->traceModel(), p->caption()});
    return panels;
}

std::vector<FigurePanel> CompareView::differenceFigure() const
{
    if (m_difference->data().rows() == 0)
        return {};
    FigurePanel panel;
    panel.caption = m_differenceTitle->text();
    panel.data = &m_difference->data();
    panel.heatmap = m_difference->options();
    return {panel};
}

void CompareView::updateDifference()
{
    const auto &results = m_controller->results();
    const int a = m_diffA->currentIndex(), b = m_diffB->currentIndex();
    if (a < 0 || b < 0 || a >= results.size() || b >= results.size()) {
        m_differenceTitle->setText(tr("Difference"));
        m_difference->setTraces(nullptr, nullptr, 0, tr("Choose two models to subtract."));
        return;
    }
    const TracePtr ta = results[a].trace, tb = results[b].trace;
    m_differenceTitle->setText(tr("α(%1) − α(%2)").arg(results[a].source, results[b].source));
    QString note;
    if (!ta || !tb)
        note = tr("Waiting for both models to decode.");
    else if (weightDifference(*ta, *tb).size() == 0)
        note = tr("The two matrices have different shapes: switch to “Teacher-forced on one target” so both "
                  "models read the same target.");
    m_difference->setSelections(panelSelection(a), panelSelection(b));
    m_difference->setTraces(ta, tb, m_follow ? m_follow->step() : 0, note);
}

void CompareView::updateTable(int index)
{
    const CompareResult &r = m_controller->results()[index];
    // Entropy, max α and AER read the layer / head the model's panel shows.
    const CompareRow row = r.trace ? summarise(*r.trace, m_controller->gold(), r.row.milliseconds, panelSelection(index)) : r.row;
    auto *model = new QTableWidgetItem(row.model.empty() ? r.source : qs(row.model));
    model->setToolTip(r.source);
    m_table->setItem(index, ModelColumn, model);
    m_table->setItem(index, ScorerColumn, new QTableWidgetItem(qs(row.scorer)));
    if (!row.error.empty()) {
        auto *error = new QTableWidgetItem(r.stopped ? tr("stopped") : tr("error: %1").arg(qs(row.error)));
        error->setForeground(r.stopped ? palette().color(QPalette::PlaceholderText) : QColor(0xc0, 0x30, 0x30));
        error->setToolTip(qs(row.error));
        m_table->setItem(index, TranslationColumn, error);
        for (int c = LogProbColumn; c < ColumnCount; ++c)
            m_table->setItem(index, c, new QTableWidgetItem());
        return;
    }
    auto *translation = new QTableWidgetItem(qs(row.translation));
    translation->setToolTip(qs(row.translation)); // whole, when the column elides it
    m_table->setItem(index, TranslationColumn, translation);
    m_table->setItem(index, LogProbColumn, numberItem(row.logProb, 3, tr("Sum of the token log-probabilities")));
    m_table->setItem(index, EntropyColumn, numberItem(row.entropy, 3));
    QStringList maxima;
    QVariantList values;
    for (float w : row.maxWeights) {
        maxima << QString::number(w, 'f', 2);
        values << double(w);
    }
    auto *maxItem = new QTableWidgetItem(maxima.join(QLatin1Char(' ')));
    maxItem->setData(Qt::UserRole, values);
    maxItem->setToolTip(tr("Largest attention weight at each step"));
    m_table->setItem(index, MaxWeightColumn, maxItem);
    if (row.aer >= 0)
        m_table->setItem(index, AerColumn, numberItem(row.aer, 3));
    else
        m_table->setItem(index, AerColumn, new QTableWidgetItem(QStringLiteral("—")));
    m_table->setItem(index, TimeColumn, numberItem(row.milliseconds, 1, tr("Decode time in milliseconds")));
}

bool CompareView::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::Resize && !m_axesPending) {
        // Once per burst of resizes, after the layout has settled.
        m_axesPending = true;
        QTimer::singleShot(0, this, [this] {
            m_axesPending = false;
            updateSharedAxes();
        });
    }
    return QWidget::eventFilter(watched, event);
}

bool CompareView::sharesAxes() const
{
    if (m_panels.size() < 2)
        return false;
    const HeatmapData *first = nullptr;
    for (const ComparePanel *p : m_panels) {
        if (!p->showsHeatmap() || p->traceModel()->isEmpty())
            return false;
        const HeatmapData &d = p->view()->data();
        if (!first)
            first = &d;
        else if (d.rowLabels != first->rowLabels || d.columnLabels != first->columnLabels)
            return false;
    }
    return true;
}

void CompareView::updateSharedAxes()
{
    const bool shared = sharesAxes();
    const int count = int(m_panels.size()), columns = gridColumns(count);
    for (int i = 0; i < count; ++i) {
        HeatmapView *v = m_panels[i]->view();
        HeatmapOptions o = v->options();
        const bool rowLabels = !shared || i % columns == 0;
        const bool columnLabels = !shared || i < columns;
        const bool colorBar = !shared || i % columns == columns - 1 || i == count - 1;
        if (o.showRowLabels != rowLabels || o.showColumnLabels != columnLabels || o.showColorBar != colorBar) {
            o.showRowLabels = rowLabels;
            o.showColumnLabels = columnLabels;
            o.showColorBar = colorBar;
            v->setOptions(o);
        }
    }
    // The smallest panel's fit, for all: cells line up across the grid.
    double limit = 0;
    if (shared) {
        limit = std::numeric_limits<double>::max();
        for (const ComparePanel *p : std::as_const(m_panels))
            limit = std::min(limit, p->view()->naturalFitCell());
    }
    for (ComparePanel *p : std::as_const(m_panels))
        p->view()->setFitLimit(limit);
}

void CompareView::followStep()
{
    const int step = m_follow->step();
    for (ComparePanel *p : std::as_const(m_panels))
        p->setStep(step);
    m_difference->setStep(step);
}

} // namespace alignscope::ui
