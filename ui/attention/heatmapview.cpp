#include "attention/heatmapview.h"

#include "decode/interventionedits.h"
#include "widgets/headpicker.h"

#include <QAction>
#include <QComboBox>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolBar>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>
#include <utility>

namespace alignscope::ui {
namespace {

constexpr double kNudge = 0.1; // Shift+Up/Down: a tenth of the row's weight

} // namespace

HeatmapView::HeatmapView(TraceModel *model, QWidget *parent) : QAbstractScrollArea(parent), m_model(model)
{
    setMouseTracking(true);
    viewport()->setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setFrameShape(QFrame::NoFrame);
    viewport()->setBackgroundRole(QPalette::Base);
    setToolTip(tr("Attention weights α: one row per generated target token, one column per source token. "
                  "Hover a cell for α and e, click it to explain it; Ctrl+wheel zooms. Intervene: Ctrl+click a "
                  "cell to put all of that step's attention on its source token, Shift+drag a cell up or down to "
                  "reshape its row (Shift+Up/Down on the picked cell), right-click a source token to remove it "
                  "from every step."));
    connect(model, &TraceModel::traceChanged, this, &HeatmapView::rebuild);
    connect(model, &TraceModel::cursorChanged, this, [this] {
        // A step moves the cursor over the same matrix; only another
        // hypothesis (a different path) changes the rows.
        if (m_model->path() == m_builtPath) {
            m_data.followCursor(*m_model);
            viewport()->update();
        } else {
            rebuild();
        }
        ensureCurrentRowVisible();
    });
    rebuild(); // the model may already hold a trace
}

void HeatmapView::setOptions(const HeatmapOptions &options)
{
    m_options = options;
    rebuild();
    emit optionsChanged();
}

void HeatmapView::setKind(AttentionKind kind)
{
    m_kind = kind;
    rebuild();
}

void HeatmapView::rebuild()
{
    m_drag = {}; // a new matrix ends any reshape of the old one
    m_data = HeatmapData::fromTrace(*m_model, m_options, m_kind);
    m_metrics = HeatmapLabelMetrics::measure(m_data, font());
    m_builtPath = m_model->path();
    updateGeometryFromData();
    viewport()->update();
}

HeatmapPainter HeatmapView::painter() const
{
    return HeatmapPainter(m_data, m_options, m_metrics, palette());
}

double HeatmapView::naturalFitCell() const
{
    return CellFit::fit(m_data, m_options, m_metrics, QSizeF(viewport()->size()), 0, m_minimumCell);
}

QSize HeatmapView::sizeForCell(double cell) const
{
    HeatmapOptions o = m_options;
    o.cellSize = cell;
    const QSizeF figure = HeatmapPainter(m_data, o, m_metrics, palette()).figureSize();
    return QSize(int(std::ceil(figure.width())), int(std::ceil(figure.height())));
}

void HeatmapView::setMinimumCell(double cell)
{
    m_minimumCell = cell;
    if (m_fit)
        rebuild();
}

void HeatmapView::changeEvent(QEvent *event)
{
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        rebuild();
}

void HeatmapView::setFitLimit(double limit)
{
    if (limit == m_fitLimit)
        return;
    m_fitLimit = limit;
    if (m_fit)
        rebuild();
}

void HeatmapView::updateGeometryFromData()
{
    if (m_fit && m_data.rows() > 0 && m_data.columns() > 0) {
        m_options.cellSize = CellFit::fit(m_data, m_options, m_metrics, QSizeF(viewport()->size()), m_fitLimit,
                                          m_minimumCell);
    }
    const HeatmapPainter p = painter();
    const QRectF cells = p.cellViewport(QRectF(QPointF(0, 0), QSizeF(viewport()->size())));
    const double c = m_options.cellSize;
    horizontalScrollBar()->setRange(0, std::max(0, int(std::ceil(m_data.columns() * c - cells.width()))));
    verticalScrollBar()->setRange(0, std::max(0, int(std::ceil(m_data.rows() * c - cells.height()))));
    horizontalScrollBar()->setPageStep(int(cells.width()));
    verticalScrollBar()->setPageStep(int(cells.height()));
    horizontalScrollBar()->setSingleStep(int(c));
    verticalScrollBar()->setSingleStep(int(c));
}

void HeatmapView::ensureCurrentRowVisible()
{
    if (m_data.currentRow < 0)
        return;
    const QRectF r = cellRect(m_data.currentRow, 0);
    const QRectF view = painter().cellViewport(QRectF(viewport()->rect()));
    if (r.top() < view.top())
        verticalScrollBar()->setValue(verticalScrollBar()->value() - int(view.top() - r.top()));
    else if (r.bottom() > view.bottom())
        verticalScrollBar()->setValue(verticalScrollBar()->value() + int(std::ceil(r.bottom() - view.bottom())));
}

QPointF HeatmapView::scrollOffset() const
{
    return QPointF(horizontalScrollBar()->value(), verticalScrollBar()->value());
}

QRectF HeatmapView::cellRect(int row, int column) const
{
    return painter().cellRect(row, column, QRectF(viewport()->rect()), scrollOffset());
}

QString HeatmapView::cellToolTip(int row, int column) const
{
    if (row < 0 || column < 0 || row >= m_data.visibleRows || column >= m_data.columns())
        return {};
    return tr("<b>%1</b> → <b>%2</b><br>α = %3<br>e = %4%5")
        .arg(m_data.columnLabels[column].toHtmlEscaped(), m_data.rowLabels[row].toHtmlEscaped())
        .arg(m_data.value(row, column), 0, 'f', 4)
        .arg(m_data.score(row, column), 0, 'f', 4)
        .arg(m_data.oovColumn[column] ? tr("<br><i>out of vocabulary: decoded as &lt;unk&gt;</i>") : QString())
        + (m_kind == AttentionKind::Cross
               ? tr("<br><i>Ctrl+click: all of this step's attention here; Shift+drag up or down: more or less "
                    "of it here</i>")
               : QString());
}

void HeatmapView::paintEvent(QPaintEvent *)
{
    QPainter p(viewport());
    p.setRenderHint(QPainter::Antialiasing, false); // crisp cell edges
    p.setRenderHint(QPainter::TextAntialiasing, true);
    if (m_data.rows() == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        // A decode without this kind of attention (a picture's encoder self-attention is not kept) says so.
        p.drawText(viewport()->rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
                   m_model->isEmpty() ? tr("Type a sentence to see its attention.")
                                      : tr("This decode has no %1 to show.").arg(attentionKindName(m_kind).toLower()));
        return;
    }
    painter().paint(p, QRectF(viewport()->rect()), scrollOffset());
}

void HeatmapView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateGeometryFromData();
}

QString HeatmapView::labelToolTip(QPointF pos) const
{
    const QPoint label = painter().labelAt(pos, QRectF(viewport()->rect()), scrollOffset());
    if (label.x() >= 0)
        return m_data.columnLabels[label.x()].toHtmlEscaped()
            + (m_data.oovColumn[label.x()] ? tr("<br><i>out of vocabulary: decoded as &lt;unk&gt;</i>") : QString());
    if (label.y() >= 0)
        return m_data.rowLabels[label.y()].toHtmlEscaped();
    return {};
}

void HeatmapView::mouseMoveEvent(QMouseEvent *event)
{
    if (reshaping()) {
        dragReshape(event->position().y());
        const int column = m_data.columnOfSource(m_drag.first);
        QToolTip::showText(event->globalPosition().toPoint(),
                           tr("α = %1 — release to decode with this row, Esc to cancel")
                               .arg(column >= 0 ? m_data.value(m_drag.row, column) : 0.0f, 0, 'f', 3),
                           viewport());
        return;
    }
    const QPoint cell = painter().cellAt(event->position(), QRectF(viewport()->rect()), scrollOffset());
    QString tip = cellToolTip(cell.y(), cell.x());
    if (tip.isEmpty()) // a label: the whole token, however it was elided
        tip = labelToolTip(event->position());
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), tip, viewport());
}

bool HeatmapView::viewportEvent(QEvent *event)
{
    // Cell tooltips come from mouseMoveEvent; the widget tooltip only shows
    // outside the cells.
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        if (painter().cellAt(help->pos(), QRectF(viewport()->rect()), scrollOffset()).x() >= 0
            || !labelToolTip(help->pos()).isEmpty())
            return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void HeatmapView::mousePressEvent(QMouseEvent *event)
{
    const QPoint cell = painter().cellAt(event->position(), QRectF(viewport()->rect()), scrollOffset());
    if (cell.x() < 0 || cell.y() >= m_data.visibleRows)
        return;
    if (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ControlModifier)
        && m_kind == AttentionKind::Cross) {
        emit editRequested(m_data.rowSteps[cell.y()], m_data.columnSources[cell.x()]);
        return;
    }
    if (event->button() != Qt::LeftButton)
        return;
    if (((event->modifiers() & Qt::ShiftModifier) || m_reshapeMode) && beginReshape(cell, event->position().y()))
        return;
    // A decoder self-attention column is a target position, not a source one: the row's step alone.
    m_model->selectCell(m_data.rowSteps[cell.y()], m_kind == AttentionKind::DecoderSelf ? -1 : m_data.columnSources[cell.x()]);
}

void HeatmapView::mouseReleaseEvent(QMouseEvent *event)
{
    if (reshaping() && event->button() == Qt::LeftButton)
        endReshape(true);
    QAbstractScrollArea::mouseReleaseEvent(event);
}

void HeatmapView::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Escape && reshaping()) {
        endReshape(false);
        return;
    }
    const bool shift = event->modifiers() == Qt::ShiftModifier;
    if (shift && m_kind == AttentionKind::Cross && m_data.rows() > 0) {
        switch (event->key()) {
        case Qt::Key_Up: nudgePickedCell(kNudge); return;
        case Qt::Key_Down: nudgePickedCell(-kNudge); return;
        case Qt::Key_Left:
        case Qt::Key_Right: {
            // Pick the next shown source column of the current step.
            const int c = m_data.columnOfSource(m_model->selectedSource()) + (event->key() == Qt::Key_Left ? -1 : 1);
            if (c >= 0 && c < m_data.columns())
                m_model->selectCell(m_model->step(), m_data.columnSources[size_t(c)]);
            return;
        }
        default: break;
        }
    }
    QAbstractScrollArea::keyPressEvent(event);
}

void HeatmapView::setReshapeMode(bool on)
{
    if (on == m_reshapeMode)
        return;
    m_reshapeMode = on;
    if (on)
        viewport()->setCursor(Qt::SizeVerCursor);
    else
        viewport()->unsetCursor();
    emit reshapeModeChanged(on);
}

double HeatmapView::reshapePixels() const { return std::max(120.0, 6 * m_options.cellSize); }

bool HeatmapView::beginReshape(QPoint cell, double y)
{
    if (m_kind != AttentionKind::Cross || cell.x() < 0 || cell.y() < 0 || cell.y() >= m_data.visibleRows
        || m_data.rowSpan(cell.y()) != 1) // a merged target word spans several steps: no one row to reshape
        return false;
    Drag d;
    d.row = cell.y();
    d.step = m_data.rowSteps[size_t(cell.y())];
    d.first = m_data.columnSources[size_t(cell.x())];
    d.count = m_data.columnSpan(cell.x());
    d.base = m_model->weightsAt(d.step);
    const double sum = d.base.sum();
    if (d.base.size() == 0 || !(sum > 0))
        return false;
    d.base /= float(sum); // a max over heads is no distribution until scaled to one
    d.startY = y;
    d.startShare = d.base.segment(d.first, std::min<Eigen::Index>(d.count, d.base.size() - d.first)).sum();
    d.current = d.base;
    m_drag = std::move(d);
    return true;
}

void HeatmapView::dragReshape(double y)
{
    const double share = m_drag.startShare + (m_drag.startY - y) / reshapePixels(); // up raises
    m_drag.current = reshapedRow(m_drag.base, m_drag.first, m_drag.count, share);
    m_data.previewRow(m_drag.row, m_drag.current, m_options);
    viewport()->update();
}

void HeatmapView::endReshape(bool apply)
{
    const Drag d = std::exchange(m_drag, {});
    rebuild(); // the model's row again until the edited decode arrives
    QToolTip::hideText();
    if (apply && d.current.size() == d.base.size() && (d.current - d.base).cwiseAbs().maxCoeff() > 1e-4f)
        emit reshapeRequested(d.step, d.current);
}

void HeatmapView::nudgePickedCell(double delta)
{
    const int row = m_data.rowOfStep(m_model->step());
    const int column = m_data.columnOfSource(m_model->selectedSource());
    if (row < 0 || !beginReshape(QPoint(column, row), 0))
        return;
    m_drag.current = reshapedRow(m_drag.base, m_drag.first, m_drag.count, m_drag.startShare + delta);
    endReshape(true);
}

QMenu *HeatmapView::contextMenuAt(QPointF pos)
{
    if (m_kind != AttentionKind::Cross || m_data.rows() == 0)
        return nullptr;
    const QRectF area(viewport()->rect());
    QPoint cell = painter().cellAt(pos, area, scrollOffset());
    if (cell.y() >= m_data.visibleRows)
        cell = QPoint(-1, -1);
    const int column = cell.x() >= 0 ? cell.x() : painter().labelAt(pos, area, scrollOffset()).x();
    if (column < 0)
        return nullptr;
    const int source = m_data.columnSources[size_t(column)];
    const QString token = m_data.columnLabels[column];
    auto *menu = new QMenu(this);
    if (cell.x() >= 0) {
        const int step = m_data.rowSteps[size_t(cell.y())];
        QAction *edit = menu->addAction(tr("All attention of step %1 on “%2” (Ctrl+click)").arg(step + 1).arg(token),
                                        this, [this, step, source] { emit editRequested(step, source); });
        edit->setObjectName(QStringLiteral("editAttention"));
    }
    QAction *drop = menu->addAction(tr("Remove “%1” from every step").arg(token), this,
                                    [this, source] { emit dropRequested(source); });
    drop->setObjectName(QStringLiteral("dropSource"));
    drop->setToolTip(tr("Its weight set to zero at every step and the rest renormalised; the decode runs again"));
    return menu;
}

void HeatmapView::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu *menu = contextMenuAt(event->pos()); // viewport coordinates, as for mouse events
    if (!menu)
        return;
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(event->globalPos());
}

void HeatmapView::wheelEvent(QWheelEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        event->angleDelta().y() > 0 ? zoomIn() : zoomOut();
        event->accept();
        return;
    }
    QAbstractScrollArea::wheelEvent(event);
}

void HeatmapView::zoomIn()
{
    m_fit = false;
    m_options.cellSize = std::min(CellFit::kMaxZoom, std::round(m_options.cellSize * 1.25));
    rebuild();
}

void HeatmapView::zoomOut()
{
    m_fit = false;
    m_options.cellSize = std::max(CellFit::kMin, std::round(m_options.cellSize / 1.25));
    rebuild();
}

void HeatmapView::setFitToView(bool fit)
{
    m_fit = fit;
    rebuild();
}

HeatmapPanel::HeatmapPanel(TraceModel *model, QWidget *parent) : QWidget(parent)
{
    m_view = new HeatmapView(model, this);
    auto *bar = new QToolBar(this);
    bar->setIconSize(QSize(16, 16));
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);

    m_colormap = new QComboBox(bar);
    m_colormap->addItems(Colormap::sequentialNames());
    m_colormap->setToolTip(tr("Colormap of the heatmap (perceptually uniform maps keep equal steps in α equal)"));
    bar->addWidget(new QLabel(tr("Colours "), bar));
    bar->addWidget(m_colormap);
    connect(m_colormap, &QComboBox::currentIndexChanged, this, [this](int i) {
        HeatmapOptions o = m_view->options();
        o.colormap = ColormapKind(i);
        m_view->setOptions(o);
    });

    auto addToggle = [&](const QString &text, const QString &tip, bool HeatmapOptions::*field) {
        QAction *a = bar->addAction(text);
        a->setCheckable(true);
        a->setToolTip(tip);
        connect(a, &QAction::toggled, this, [this, field](bool on) {
            HeatmapOptions o = m_view->options();
            o.*field = on;
            m_view->setOptions(o);
        });
        connect(m_view, &HeatmapView::optionsChanged, a, [this, a, field] { a->setChecked(m_view->options().*field); });
        return a;
    };
    bar->addSeparator();
    addToggle(tr("Hide special"), tr("Hide <eos> and other special tokens"), &HeatmapOptions::hideSpecial);
    addToggle(tr("Renormalise"), tr("Rescale each row to sum to 1 over the shown columns"),
              &HeatmapOptions::renormalise);
    addToggle(tr("Log scale"), tr("Colour by log10 α, from 0.0001 to 1, to see small weights"),
              &HeatmapOptions::logScale);
    m_mergeWords = addToggle(tr("Merge word pieces"),
                             tr("One column per source word (α summed over its pieces) and one row per target word "
                                "(rows averaged over its pieces), for models that split words into pieces"),
                             &HeatmapOptions::mergeWords);
    m_mergeWords->setObjectName(QStringLiteral("mergeWordPieces"));
    m_mergeWords->setStatusTip(m_mergeWords->toolTip());
    bar->addSeparator();
    QAction *in = bar->addAction(tr("+"), m_view, &HeatmapView::zoomIn);
    in->setToolTip(tr("Zoom in (Ctrl++)"));
    in->setShortcut(QKeySequence::ZoomIn);
    in->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QAction *out = bar->addAction(tr("−"), m_view, &HeatmapView::zoomOut);
    out->setToolTip(tr("Zoom out (Ctrl+-)"));
    out->setShortcut(QKeySequence::ZoomOut);
    out->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QAction *fit = bar->addAction(tr("Fit"), m_view, [this] { m_view->setFitToView(true); });
    fit->setToolTip(tr("Fit the whole matrix into the view (Ctrl+0)"));
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    fit->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_view, &HeatmapView::optionsChanged, this, [this] {
        QSignalBlocker block(m_colormap);
        m_colormap->setCurrentIndex(int(m_view->options().colormap));
    });

    // Layer and head: only for models with more than one row of attention.
    m_heads = new HeadPicker(bar);
    QAction *first = bar->actions().value(0);
    QAction *headsAction = bar->insertWidget(first, m_heads);
    QAction *gap = bar->insertSeparator(first);
    bindHeadPicker(m_heads, model, {headsAction, gap});
    // Only a subword model's trace has words to merge; the choice stays for the next one.
    auto syncMerge = [this, model] {
        const DecodeTrace *t = model->trace();
        m_mergeWords->setEnabled(t && !t->source.words.empty());
    };
    connect(model, &TraceModel::traceChanged, this, syncMerge);
    syncMerge();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_view, 1);
}

void bindHeadPicker(HeadPicker *picker, TraceModel *model, QList<QAction *> shown)
{
    auto sync = [picker, model, shown] {
        const DecodeTrace *t = model->trace();
        picker->setShape(t ? t->layers() : 1, t ? t->heads() : 1);
        picker->setSelection(model->selection());
        for (QAction *a : shown)
            a->setVisible(picker->hasChoice());
    };
    QObject::connect(model, &TraceModel::traceChanged, picker, sync);
    QObject::connect(picker, &HeadPicker::selectionChanged, model, &TraceModel::setSelection);
    sync();
}

} // namespace alignscope::ui
