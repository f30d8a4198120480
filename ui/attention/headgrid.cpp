#include "attention/headgrid.h"

#include "attention/headimportanceview.h"
#include "attention/wordmerge.h"
#include "decode/decodecontroller.h"

#include "alignscope/recipes.h"
#include "alignscope/train.h"

#include <QAction>
#include <QComboBox>
#include <QCoreApplication>
#include <QFontMetricsF>
#include <QHelpEvent>
#include <QLabel>
#include <QMenu>
#include <QContextMenuEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPointer>
#include <QScrollArea>
#include <QSplitter>
#include <QThreadPool>
#include <QToolBar>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace alignscope::ui {

namespace {

constexpr double kMinCellWidth = 48.0;
constexpr double kMaxCellWidth = 220.0;

/// The model's own shape of one kind of attention (layers, heads).
QPoint shapeOf(const DecodeTrace &trace, AttentionKind kind)
{
    switch (kind) {
    case AttentionKind::Cross: return {trace.layers(), trace.heads()};
    case AttentionKind::DecoderSelf:
        return trace.hasDecoderSelfAttention() ? QPoint(trace.nodes.front().self.layers, trace.nodes.front().self.heads)
                                               : QPoint();
    case AttentionKind::EncoderSelf: return {trace.encoderSelf.layers, trace.encoderSelf.heads};
    }
    return {};
}

} // namespace

HeadSelection HeadGridData::selectionOf(int layer, int column) const
{
    if (column < heads)
        return HeadSelection::of(layer, column);
    return {layer, column == heads ? HeadSelection::Reduce::Mean : HeadSelection::Reduce::Max, 0};
}

QString HeadGridData::columnTitle(int column) const
{
    if (column < heads)
        return QObject::tr("head %1").arg(column + 1);
    return column == heads ? QObject::tr("mean") : QObject::tr("max");
}

QPoint HeadGridData::bestScore() const
{
    QPoint best(-1, -1);
    double lowest = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < headScores.size(); ++i)
        if (std::isfinite(headScores[i]) && headScores[i] < lowest) {
            lowest = headScores[i];
            best = QPoint(int(i) / std::max(1, heads), int(i) % std::max(1, heads));
        }
    return best;
}

namespace {

/// The grid's cells, key labels and current row over words instead of
/// pieces (wordmerge.h): keys summed over a word's pieces, a whole matrix's
/// rows averaged over them.
void mergeWords(HeadGridData &d, const TraceModel &model)
{
    const DecodeTrace &trace = *model.trace();
    std::vector<WordSpan> keys, rows;
    std::vector<std::string> keyPieces;
    int currentPiece = -1;
    switch (d.kind) {
    case AttentionKind::Cross:
        if (trace.source.words.empty())
            return;
        keys = sourceWordSpans(trace.source);
        rows = pathWordSpans(trace, model.path());
        keyPieces = readablePieces(trace, trace.source.labels);
        currentPiece = model.step();
        break;
    case AttentionKind::DecoderSelf:
        rows = pathWordSpans(trace, model.path());
        keys = inputWordSpans(rows, int(d.keyLabels.size()));
        for (const QString &k : std::as_const(d.keyLabels))
            keyPieces.push_back(k.toStdString());
        currentPiece = model.step();
        break;
    case AttentionKind::EncoderSelf:
        if (trace.source.words.empty())
            return;
        keys = rows = sourceWordSpans(trace.source);
        keyPieces = readablePieces(trace, trace.source.labels);
        currentPiece = model.selectedSource();
        break;
    }
    if (!mergesAnything(keys) && !mergesAnything(rows))
        return;
    for (Matrix &cell : d.cells)
        cell = d.wholeMatrices ? averageRows(sumColumns(cell, keys), rows) : sumColumns(cell, keys);
    d.keyLabels.clear();
    for (const std::string &l : wordLabels(keyPieces, keys))
        d.keyLabels << QString::fromStdString(l);
    if (d.currentRow >= 0)
        d.currentRow = wordOf(rows, currentPiece);
}

} // namespace

HeadGridData HeadGridData::fromTrace(const TraceModel &model, AttentionKind kind, bool wholeMatrices, bool merge)
{
    HeadGridData d;
    d.kind = kind;
    d.wholeMatrices = wholeMatrices;
    if (model.isEmpty())
        return d;
    const DecodeTrace &trace = *model.trace();
    const QPoint shape = shapeOf(trace, kind);
    if (shape.x() <= 0 || shape.y() <= 0)
        return d;
    d.layers = shape.x();
    d.heads = shape.y();
    const std::vector<int> &path = model.path();
    const DecodeNode &node = *model.currentNode();
    for (int l = 0; l < d.layers; ++l)
        for (int c = 0; c < d.columns(); ++c) {
            const HeadSelection s = d.selectionOf(l, c);
            switch (kind) {
            case AttentionKind::Cross:
                d.cells.push_back(wholeMatrices ? trace.weightMatrix(path, s) : Matrix(node.weights(s).transpose()));
                break;
            case AttentionKind::DecoderSelf:
                d.cells.push_back(wholeMatrices ? trace.decoderSelfWeights(path, s)
                                                : Matrix(selectWeights(node.self, s).transpose()));
                break;
            case AttentionKind::EncoderSelf: // once per source: always the whole matrix
                d.cells.push_back(trace.encoderSelfWeights(s));
                break;
            }
        }
    if (kind == AttentionKind::EncoderSelf) {
        d.wholeMatrices = true;
        d.currentRow = model.selectedSource();
        for (const std::string &t : trace.source.labels)
            d.keyLabels << QString::fromStdString(trace.readable(t));
    } else {
        d.currentRow = wholeMatrices ? model.step() : -1;
        if (kind == AttentionKind::Cross) {
            for (const std::string &t : trace.source.labels)
                d.keyLabels << QString::fromStdString(trace.readable(t));
        } else {
            d.keyLabels << QStringLiteral("<sos>");
            for (int s = 0; s + 1 < model.stepCount(); ++s)
                d.keyLabels << QString::fromStdString(trace.readable(model.nodeAtStep(s)->token));
        }
    }
    if (merge)
        mergeWords(d, model);
    const Intervention &iv = trace.intervention;
    if (kind == AttentionKind::Cross && !iv.ablatedHeads.empty()) {
        d.ablated.assign(size_t(d.layers * d.heads), false);
        for (int l = 0; l < d.layers; ++l)
            for (int h = 0; h < d.heads; ++h)
                d.ablated[size_t(l * d.heads + h)] = iv.silences(l, h);
    }
    const HeadSelection &sel = model.selection();
    d.selectedLayer = std::clamp(sel.layerIn(d.layers), 0, d.layers - 1);
    d.selectedColumn = sel.reduce == HeadSelection::Reduce::Head ? std::clamp(sel.head, 0, d.heads - 1)
                       : d.heads == 1                            ? 0
                       : sel.reduce == HeadSelection::Reduce::Mean ? d.heads
                                                                   : d.heads + 1;
    return d;
}

HeadGridLayout::HeadGridLayout(const HeadGridData &data, const QFont &font, double width)
    : m_layers(data.layers), m_columns(data.columns())
{
    if (data.empty())
        return;
    const QFontMetricsF fm(font);
    m_left = fm.horizontalAdvance(QObject::tr("layer %1").arg(data.layers)) + 2 * m_gap;
    m_top = fm.height() + m_gap;
    m_cellWidth = std::clamp((width - m_left - m_gap * m_columns) / m_columns, kMinCellWidth, kMaxCellWidth);
    const Matrix &first = data.cell(0, 0);
    const double keys = std::max<Eigen::Index>(1, first.cols()), rows = std::max<Eigen::Index>(1, first.rows());
    // A row strip: square-ish key cells; a matrix: its own aspect, at most 1.5 × wide.
    m_cellHeight = first.rows() == 1 && !data.wholeMatrices
                       ? std::clamp(m_cellWidth / keys, 12.0, 28.0)
                       : std::clamp(m_cellWidth * rows / keys, 12.0, 1.5 * m_cellWidth);
    // A score line under each cell when there are scores.
    const double scoreLine = data.headScores.empty() ? 0.0 : fm.height();
    m_cellHeight += scoreLine;
    m_size = QSizeF(std::ceil(m_left + m_columns * (m_cellWidth + m_gap)),
                    std::ceil(m_top + m_layers * (m_cellHeight + m_gap)));
}

QRectF HeadGridLayout::cellRect(int layer, int column) const
{
    return {m_left + column * (m_cellWidth + m_gap), m_top + layer * (m_cellHeight + m_gap), m_cellWidth, m_cellHeight};
}

QPoint HeadGridLayout::cellAt(QPointF pos) const
{
    for (int l = 0; l < m_layers; ++l)
        for (int c = 0; c < m_columns; ++c)
            if (cellRect(l, c).contains(pos))
                return {c, l};
    return {-1, -1};
}

QRectF HeadGridLayout::columnTitleRect(int column) const
{
    return {m_left + column * (m_cellWidth + m_gap), 0, m_cellWidth, m_top - m_gap / 2};
}

QRectF HeadGridLayout::layerTitleRect(int layer) const
{
    return {0, m_top + layer * (m_cellHeight + m_gap), m_left - m_gap, m_cellHeight};
}

void paintHeadGrid(QPainter &p, const HeadGridData &data, const HeadGridLayout &layout, const QFont &font,
                   const QPalette &palette, ColormapKind colormap)
{
    if (data.empty())
        return;
    const Colormap map(colormap);
    const QFontMetricsF fm(font);
    const bool scored = !data.headScores.empty();
    const QPoint best = data.bestScore();
    p.save();
    p.setFont(font);
    for (int c = 0; c < data.columns(); ++c) {
        QFont f = font;
        f.setBold(c == data.selectedColumn);
        p.setFont(f);
        p.setPen(palette.color(QPalette::WindowText));
        p.drawText(layout.columnTitleRect(c), Qt::AlignHCenter | Qt::AlignBottom, data.columnTitle(c));
    }
    for (int l = 0; l < data.layers; ++l) {
        QFont f = font;
        f.setBold(l == data.selectedLayer);
        p.setFont(f);
        p.drawText(layout.layerTitleRect(l), Qt::AlignRight | Qt::AlignVCenter, QObject::tr("layer %1").arg(l + 1));
    }
    p.setFont(font);
    for (int l = 0; l < data.layers; ++l)
        for (int c = 0; c < data.columns(); ++c) {
            QRectF box = layout.cellRect(l, c);
            const bool hasScore = scored && c < data.heads;
            QRectF scoreBox;
            if (scored) {
                scoreBox = QRectF(box.left(), box.bottom() - fm.height(), box.width(), fm.height());
                box.setBottom(box.bottom() - fm.height());
            }
            const Matrix &m = data.cell(l, c);
            const double w = box.width() / std::max<Eigen::Index>(1, m.cols());
            const double h = box.height() / std::max<Eigen::Index>(1, m.rows());
            p.setPen(Qt::NoPen);
            for (Eigen::Index r = 0; r < m.rows(); ++r)
                for (Eigen::Index k = 0; k < m.cols(); ++k) {
                    // Whole pixels edge to edge, so no hairline gaps between cells.
                    const QRectF cell(QPointF(std::floor(box.left() + k * w), std::floor(box.top() + r * h)),
                                      QPointF(std::floor(box.left() + (k + 1) * w), std::floor(box.top() + (r + 1) * h)));
                    p.fillRect(cell, map.color(m(r, k)));
                }
            if (data.currentRow >= 0 && data.currentRow < m.rows() && m.rows() > 1) {
                p.setPen(QPen(palette.color(QPalette::Highlight), 1));
                p.setBrush(Qt::NoBrush);
                p.drawRect(QRectF(box.left(), box.top() + data.currentRow * h, box.width(), h).adjusted(0.5, 0.5, -0.5, -0.5));
            }
            if (data.isAblated(l, c)) { // switched off: greyed and crossed
                QColor grey = palette.color(QPalette::Window);
                grey.setAlphaF(0.75f);
                p.fillRect(box, grey);
                p.setPen(QPen(palette.color(QPalette::WindowText), 2));
                p.drawLine(box.topLeft(), box.bottomRight());
                p.drawLine(box.topRight(), box.bottomLeft());
            }
            const bool selected = l == data.selectedLayer && c == data.selectedColumn;
            p.setBrush(Qt::NoBrush);
            p.setPen(selected ? QPen(palette.color(QPalette::Highlight), 3) : QPen(palette.color(QPalette::Mid), 1));
            p.drawRect(box.adjusted(-1, -1, 1, 1));
            if (hasScore) {
                const double v = data.headScores[size_t(l * data.heads + c)];
                const bool isBest = best == QPoint(l, c);
                QFont f = font;
                f.setBold(isBest);
                p.setFont(f);
                p.setPen(palette.color(QPalette::WindowText));
                const QString text = std::isfinite(v) ? QStringLiteral("%1 %2%3")
                                                            .arg(data.scoreName)
                                                            .arg(v, 0, 'f', 3)
                                                            .arg(isBest ? QStringLiteral(" ★") : QString())
                                                      : QStringLiteral("–");
                p.drawText(scoreBox, Qt::AlignHCenter | Qt::AlignVCenter, text);
                p.setFont(font);
            }
        }
    p.restore();
}

HeadGridView::HeadGridView(TraceModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    setMouseTracking(true);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    setToolTip(tr("Every layer's and head's attention as small multiples, with the mean and the max over each "
                  "layer's heads. Click one to show it in every view."));
    connect(model, &TraceModel::traceChanged, this, &HeadGridView::rebuild);
    connect(model, &TraceModel::cursorChanged, this, &HeadGridView::rebuild);
    connect(model, &TraceModel::selectionChanged, this, &HeadGridView::rebuild);
    rebuild();
}

HeadGridLayout HeadGridView::layout() const { return HeadGridLayout(m_data, font(), width()); }

void HeadGridView::setKind(AttentionKind kind)
{
    m_kind = kind;
    rebuild();
}

void HeadGridView::setWholeMatrices(bool whole)
{
    m_whole = whole;
    rebuild();
}

void HeadGridView::setMergeWords(bool merge)
{
    if (merge == m_mergeWords)
        return;
    m_mergeWords = merge;
    rebuild();
}

void HeadGridView::setHeadScores(std::vector<double> scores, const QString &name)
{
    m_scores = std::move(scores);
    m_scoreName = name;
    rebuild();
}

void HeadGridView::rebuild()
{
    m_data = HeadGridData::fromTrace(*m_model, m_kind, m_whole, m_mergeWords);
    // Scores belong to cross-attention heads of the model they were made for.
    if (m_kind == AttentionKind::Cross && m_scores.size() == size_t(m_data.layers * m_data.heads)) {
        m_data.headScores = m_scores;
        m_data.scoreName = m_scoreName;
    }
    updateGeometry();
    setMinimumHeight(heightForWidth(width()));
    update();
}

int HeadGridView::heightForWidth(int width) const
{
    return int(HeadGridLayout(m_data, font(), width).size().height()) + 4;
}

QSize HeadGridView::sizeHint() const
{
    const HeadGridLayout l(m_data, font(), 560);
    return QSize(int(l.size().width()), int(l.size().height()) + 4);
}

void HeadGridView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    if (m_data.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
                   m_model->isEmpty() ? tr("No decode yet.")
                   : m_kind == AttentionKind::Cross
                       ? tr("This model has a single attention: the heatmap shows all of it.")
                       : tr("This model has no %1.").arg(attentionKindName(m_kind).toLower()));
        return;
    }
    paintHeadGrid(p, m_data, layout(), font(), palette(), ColormapKind::Viridis);
}

void HeadGridView::mousePressEvent(QMouseEvent *event)
{
    const QPoint at = layout().cellAt(event->position());
    if (at.x() < 0)
        return;
    if ((event->modifiers() & Qt::ControlModifier) && m_kind == AttentionKind::Cross && at.x() < m_data.heads) {
        emit ablationRequested(at.y(), at.x(), !m_data.isAblated(at.y(), at.x()));
        return;
    }
    m_model->setSelection(m_data.selectionOf(at.y(), at.x()));
}

QMenu *HeadGridView::contextMenuAt(QPointF pos)
{
    const QPoint at = layout().cellAt(pos);
    if (at.x() < 0 || m_kind != AttentionKind::Cross || m_data.empty())
        return nullptr;
    const int layer = at.y(), head = at.x();
    auto *menu = new QMenu(this);
    if (head < m_data.heads) {
        QAction *off = menu->addAction(tr("Switch off layer %1, head %2 (Ctrl+click)").arg(layer + 1).arg(head + 1));
        off->setObjectName(QStringLiteral("ablateHead"));
        off->setCheckable(true);
        off->setChecked(m_data.isAblated(layer, head));
        connect(off, &QAction::toggled, this, [this, layer, head](bool on) { emit ablationRequested(layer, head, on); });
    }
    bool whole = true;
    for (int h = 0; h < m_data.heads; ++h)
        whole = whole && m_data.isAblated(layer, h);
    QAction *all = menu->addAction(tr("Switch off layer %1's cross-attention").arg(layer + 1));
    all->setObjectName(QStringLiteral("ablateLayer"));
    all->setCheckable(true);
    all->setChecked(whole);
    connect(all, &QAction::toggled, this, [this, layer](bool on) { emit ablationRequested(layer, -1, on); });
    return menu;
}

void HeadGridView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu *menu = contextMenuAt(event->pos());
    if (!menu)
        return;
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(event->globalPos());
}

QString HeadGridView::cellToolTip(int layer, int column) const
{
    if (m_data.empty() || layer < 0 || column < 0)
        return {};
    const Matrix &m = m_data.cell(layer, column);
    const HeadSelection s = m_data.selectionOf(layer, column);
    QString text = QStringLiteral("<b>%1</b>, layer %2, %3").arg(attentionKindName(m_kind)).arg(layer + 1)
                       .arg(m_data.columnTitle(column));
    const Eigen::Index row = m_data.wholeMatrices ? std::clamp<Eigen::Index>(m_data.currentRow, 0, m.rows() - 1) : 0;
    if (m.size() > 0 && (m_data.currentRow >= 0 || !m_data.wholeMatrices)) {
        Eigen::Index k = 0;
        const float top = m.row(row).maxCoeff(&k);
        if (k < m_data.keyLabels.size())
            text += tr("<br>largest weight on “%1” (%2)").arg(m_data.keyLabels[int(k)].toHtmlEscaped()).arg(top, 0, 'f', 3);
    }
    if (column < m_data.heads && !m_data.headScores.empty())
        text += tr("<br>%1 %2 on the en-fr test split").arg(m_data.scoreName).arg(m_data.headScores[size_t(layer * m_data.heads + column)], 0, 'f', 3);
    if (m_data.isAblated(layer, column))
        text += tr("<br><b>switched off</b> (its output zeroed): Ctrl+click to switch it on");
    else if (m_kind == AttentionKind::Cross && column < m_data.heads)
        text += tr("<br>Ctrl+click or right-click to switch it off");
    if (s == m_model->selection())
        text += tr("<br><i>shown in every view</i>");
    else
        text += tr("<br>click to show it in every view");
    return text;
}

bool HeadGridView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QPoint at = layout().cellAt(help->pos());
        const QString tip = cellToolTip(at.y(), at.x());
        if (!tip.isEmpty()) {
            QToolTip::showText(help->globalPos(), tip, this);
            return true;
        }
    }
    return QWidget::event(event);
}

HeadGridPanel::HeadGridPanel(TraceModel *model, DecodeController *controller, QWidget *parent)
    : QWidget(parent), m_model(model), m_controller(controller)
{
    m_view = new HeadGridView(model, this);
    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_kind = new QComboBox(bar);
    for (AttentionKind k : {AttentionKind::Cross, AttentionKind::DecoderSelf, AttentionKind::EncoderSelf})
        m_kind->addItem(attentionKindName(k));
    m_kind->setToolTip(tr("Attention between the sentences (cross), or within one: the decoder's over what it has "
                          "written, the encoder's over the source"));
    bar->addWidget(m_kind);
    m_extent = new QComboBox(bar);
    m_extent->addItems({tr("This step"), tr("Whole decode")});
    m_extent->setToolTip(tr("Each cell shows the current step's row, or the whole matrix with the step marked"));
    bar->addWidget(m_extent);
    bar->addSeparator();
    m_align = bar->addAction(tr("Which head aligns?"), this, &HeadGridPanel::scoreHeads);
    m_align->setToolTip(tr("Score each head's cross-attention against the gold word alignments of the en-fr test "
                           "split (AER, lower is better) and write it on the grid"));
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setContentsMargins(6, 2, 6, 2);
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this](int i) { m_view->setKind(AttentionKind(i)); });
    connect(m_extent, &QComboBox::currentIndexChanged, this, [this](int i) { m_view->setWholeMatrices(i == 1); });
    connect(controller, &DecodeController::modelChanged, this, &HeadGridPanel::modelChanged);

    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_view);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setBackgroundRole(QPalette::Base);
    // Heads that align (AER on the grid) beside heads that matter.
    m_importance = new HeadImportancePanel(controller, this);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(scroll);
    split->addWidget(m_importance);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_status);
    layout->addWidget(split, 1);
    m_status->hide();
    setToolTip(m_view->toolTip());
}

HeadGridPanel::~HeadGridPanel()
{
    if (m_running)
        m_running->store(false);
}

void HeadGridPanel::modelChanged()
{
    if (m_running) { // a result for the previous model is no longer wanted
        m_running->store(false);
        m_running.reset();
    }
    m_view->setHeadScores({}, {});
    m_status->hide();
    m_align->setEnabled(true);
}

void HeadGridPanel::scoreHeads()
{
    const ModelPtr model = m_controller->model();
    if (!model || m_running)
        return;
    m_running = std::make_shared<std::atomic<bool>>(true);
    m_align->setEnabled(false);
    m_status->setText(tr("Scoring every head on the en-fr test split…"));
    m_status->show();
    QPointer<HeadGridPanel> self(this);
    auto wanted = m_running;
    QThreadPool::globalInstance()->start([self, wanted, model] {
        Result<EvalMetrics> result = Error{ErrorKind::Internal, "no task"};
        auto task = prepareTask({});
        if (!task)
            result = task.error();
        else
            result = evaluate(*model, task->splits.test, {-1, true});
        QMetaObject::invokeMethod(QCoreApplication::instance(), [self, wanted, result = std::move(result)] {
            if (!self || !wanted->load())
                return;
            self->m_running.reset();
            self->m_align->setEnabled(true);
            if (!result) {
                self->m_status->setText(QString::fromStdString(result.error().message));
            } else if (result->headAer.empty()) {
                self->m_status->setText(tr("The en-fr test split has no gold links for this model."));
            } else if (result->exactMatch < 0.05 && result->bleu < 5.0) {
                self->m_status->setText(tr("This model does not translate the en-fr task (BLEU %1), so its heads' "
                                           "alignment error rates would mean nothing.")
                                            .arg(result->bleu, 0, 'f', 1));
            } else {
                const EvalMetrics &m = result.value();
                self->m_view->setHeadScores(m.headAer, tr("AER"));
                const auto lowest = std::min_element(m.headAer.begin(), m.headAer.end()) - m.headAer.begin();
                const QPoint best(int(lowest) / m.heads, int(lowest) % m.heads);
                self->m_status->setText(
                    tr("Alignment error rate of each head's argmax against the gold links of %1 en-fr test pairs "
                       "(lower is better; the mean over the last layer's heads: %2). Best: layer %3, head %4.")
                        .arg(m.sentences)
                        .arg(m.aer, 0, 'f', 3)
                        .arg(best.x() + 1)
                        .arg(best.y() + 1));
            }
            emit self->headsScored();
        });
    });
}

} // namespace alignscope::ui
