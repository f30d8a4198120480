#include "vision/visionview.h"

#include "attention/heatmapview.h"
#include "widgets/fonts.h"
#include "widgets/headpicker.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QSlider>
#include <QToolBar>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace alignscope::ui {
namespace {

constexpr double kMargin = 8;
constexpr double kSideMin = 150, kSideMax = 280; // the column beside the picture

std::span<const float> spanOf(const Vector &v) { return {v.data(), size_t(v.size())}; }

} // namespace

VisionView::VisionView(TraceModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    setObjectName(QStringLiteral("visionView"));
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setToolTip(tr("The picture the model saw with the current token's cross-attention over its patches (the layer and "
                  "head the views show). Hover a patch for its weight; click it to explain it."));
    connect(model, &TraceModel::traceChanged, this, [this] {
        m_trace = m_model->tracePtr();
        m_hover = -1;
        invalidate();
    });
    connect(model, &TraceModel::cursorChanged, this, &VisionView::invalidate);
    m_trace = model->tracePtr();
}

void VisionView::invalidate()
{
    m_overlay.reset();
    update();
}

bool VisionView::hasImage() const
{
    return m_trace && hasPatchGrid(m_trace->source) && !m_model->isEmpty();
}

void VisionView::setOptions(const ImageOverlayOptions &options)
{
    m_options = options;
    invalidate();
    emit optionsChanged();
}

Vector VisionView::attentionRow() const
{
    if (!hasImage())
        return {};
    const Vector row = m_model->weightsAt(m_model->step());
    return row.size() >= m_trace->source.size() ? row : Vector();
}

const ImageOverlay *VisionView::overlay() const
{
    if (!hasImage())
        return nullptr;
    if (!m_overlay) {
        m_row = attentionRow();
        m_overlay = std::make_unique<ImageOverlay>(m_trace->source, spanOf(m_row), m_options);
    }
    return m_overlay.get();
}

const Vector &VisionView::shownRow() const
{
    static const Vector none;
    return overlay() ? m_row : none; // built once per step, selection or trace, not per paint
}

int VisionView::peakPatch() const
{
    const Vector &row = shownRow();
    return row.size() ? alignscope::ui::peakPatch(m_trace->source, spanOf(row)) : -1;
}

double VisionView::extraShare() const
{
    const ImageOverlay *o = overlay();
    return o ? o->extraShare() : 0.0;
}

QRectF VisionView::sideArea(QSizeF size) const
{
    const double w = std::clamp(size.width() * 0.3, kSideMin, kSideMax);
    return {size.width() - w - kMargin, kMargin, w, std::max(1.0, size.height() - 2 * kMargin)};
}

QRectF VisionView::pictureArea(QSizeF size) const
{
    const QRectF side = sideArea(size);
    return {kMargin, kMargin, std::max(1.0, side.left() - 2 * kMargin), std::max(1.0, size.height() - 2 * kMargin)};
}

QRectF VisionView::imageRect(QSizeF size) const
{
    const ImageOverlay *o = overlay();
    return o ? o->imageRect(pictureArea(size)) : QRectF();
}

QString VisionView::patchTip(int j) const
{
    const Vector &row = shownRow();
    if (row.size() == 0 || j < 0 || j >= row.size())
        return {};
    const auto [r, c] = m_trace->source.patchCell(j);
    const double total = row.sum();
    const QString where = r >= 0 ? tr("Patch row %1, column %2").arg(r + 1).arg(c + 1)
                                 : QString::fromStdString(m_trace->source.labels[size_t(j)]);
    return tr("%1 — α = %2 (%3 % of this step's weight)")
        .arg(where)
        .arg(row[j], 0, 'f', 4)
        .arg(total > 0 ? 100.0 * row[j] / total : 0.0, 0, 'f', 1);
}

QImage VisionView::render(QSize size)
{
    QImage out(size, QImage::Format_RGB32);
    QPainter p(&out);
    paintTo(p, QSizeF(size), false);
    return out;
}

void VisionView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    paintTo(p, QSizeF(size()), true);
}

void VisionView::paintTo(QPainter &p, QSizeF size, bool hover) const
{
    p.fillRect(QRectF(QPointF(0, 0), size), palette().color(QPalette::Base));
    const ImageOverlay *o = overlay();
    if (!o) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(QRectF(QPointF(0, 0), size).adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Open a vision model folder (ViT + GPT-2), then a picture (File ▸ Open image…, drop an image "
                      "file here or paste one) to see where each word of the caption looks."));
        return;
    }
    const QRectF picture = pictureArea(size);
    o->paint(p, picture);
    if (hover && m_hover >= 0) {
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QPen(Qt::white, 2.0));
        p.setBrush(Qt::NoBrush);
        p.drawRect(o->patchRect(m_hover, picture));
    }
    QRectF side = sideArea(size);
    const double used = paintExtras(p, side);
    side.setTop(side.top() + used + 12);
    paintCaption(p, side);
}

double VisionView::paintExtras(QPainter &p, const QRectF &area) const
{
    const SourceAxis &s = m_trace->source;
    const Vector &row = shownRow();
    const double total = row.size() ? double(row.sum()) : 0.0;
    const QFont bold = [this] {
        QFont f = font();
        f.setBold(true);
        return f;
    }();
    const QFontMetricsF fm(font());
    const double line = fm.height() + 6;
    double y = area.top();
    p.setFont(bold);
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(area.left(), y, area.width(), line), Qt::AlignVCenter,
               tr("Not patches: %1 %").arg(100.0 * extraShare(), 0, 'f', 1));
    y += line;
    p.setFont(font());
    const Colormap map(m_options.colormap);
    for (int j = 0; j < s.size() && row.size(); ++j) {
        if (s.patchCell(j).first >= 0)
            continue;
        const double share = total > 0 ? row[j] / total : 0.0;
        const QRectF bar(area.left(), y + 3, area.width(), line - 6);
        p.fillRect(bar, palette().color(QPalette::AlternateBase));
        p.fillRect(QRectF(bar.topLeft(), QSizeF(bar.width() * share, bar.height())), map.color(0.85));
        p.setPen(palette().color(QPalette::Text));
        p.drawText(bar.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft,
                   QString::fromStdString(s.labels[size_t(j)]));
        p.drawText(bar.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignRight,
                   QStringLiteral("%1 %").arg(100.0 * share, 0, 'f', 1));
        y += line;
    }
    return y - area.top();
}

void VisionView::paintCaption(QPainter &p, const QRectF &area) const
{
    const DecodeTrace &t = *m_trace;
    const int current = m_model->step();
    const QFont big = scaledFont(font(), 1.3);
    QFont bold = big;
    bold.setBold(true);
    p.setFont(font());
    p.setPen(palette().color(QPalette::PlaceholderText));
    const double head = QFontMetricsF(font()).height() + 4;
    p.drawText(QRectF(area.left(), area.top(), area.width(), head), Qt::AlignVCenter, tr("Caption so far"));
    // Tokens flow left to right and wrap; the current one is highlighted.
    const double h = QFontMetricsF(big).height() + 6;
    double x = area.left(), y = area.top() + head;
    for (int s = 0; s <= current && s < m_model->stepCount(); ++s) {
        const DecodeNode &node = *m_model->nodeAtStep(s);
        const bool isCurrent = s == current;
        const bool special = node.forced || node.tokenId == t.eosId;
        const QString text = QString::fromStdString(t.readable(node.token));
        const QFontMetricsF fm(isCurrent ? bold : big);
        const double w = std::min(area.width(), fm.horizontalAdvance(text) + 8);
        if (x + w > area.right() && x > area.left()) {
            x = area.left();
            y += h + 2;
        }
        if (y + h > area.bottom())
            break;
        const QRectF box(x, y, w, h);
        if (isCurrent) {
            p.setPen(Qt::NoPen);
            p.setBrush(palette().color(QPalette::Highlight));
            p.drawRoundedRect(box, 5, 5);
        }
        p.setFont(isCurrent ? bold : big);
        p.setPen(palette().color(isCurrent ? QPalette::HighlightedText
                                 : special ? QPalette::PlaceholderText
                                           : QPalette::Text));
        p.drawText(box, Qt::AlignCenter, fm.elidedText(text, Qt::ElideRight, w - 4));
        x += w;
    }
}

void VisionView::mouseMoveEvent(QMouseEvent *event)
{
    const ImageOverlay *o = overlay();
    const int j = o ? o->patchAt(event->position(), pictureArea(size())) : -1;
    if (j != m_hover) {
        m_hover = j;
        update();
    }
    if (j < 0) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(event->globalPosition().toPoint(), patchTip(j), this);
}

void VisionView::mousePressEvent(QMouseEvent *event)
{
    const ImageOverlay *o = overlay();
    const int j = o && event->button() == Qt::LeftButton ? o->patchAt(event->position(), pictureArea(size())) : -1;
    if (j < 0) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_model->selectCell(-1, j); // the explain panel follows the picked patch
}

void VisionView::leaveEvent(QEvent *event)
{
    if (m_hover >= 0) {
        m_hover = -1;
        update();
    }
    QWidget::leaveEvent(event);
}

void VisionView::resizeEvent(QResizeEvent *event)
{
    m_hover = -1;
    QWidget::resizeEvent(event);
}

VisionPanel::VisionPanel(TraceModel *model, QWidget *parent) : QWidget(parent), m_view(new VisionView(model, this))
{
    setObjectName(QStringLiteral("visionPanel"));
    auto *bar = new QToolBar(this);
    m_heads = new HeadPicker(bar);
    QAction *headsAction = bar->addWidget(m_heads);
    QAction *gap = bar->addSeparator();
    bindHeadPicker(m_heads, model, {headsAction, gap});

    m_colormap = new QComboBox(bar);
    m_colormap->setObjectName(QStringLiteral("overlayColormap"));
    m_colormap->addItems(Colormap::sequentialNames());
    m_colormap->setToolTip(tr("Colour map of the attention over the picture"));
    bar->addWidget(new QLabel(tr("Colours "), bar));
    bar->addWidget(m_colormap);
    m_opacity = new QSlider(Qt::Horizontal, bar);
    m_opacity->setObjectName(QStringLiteral("overlayOpacity"));
    m_opacity->setRange(0, 100);
    m_opacity->setMaximumWidth(140);
    m_opacity->setToolTip(tr("Opacity of the attention over the picture (0: the picture alone)"));
    bar->addWidget(new QLabel(tr(" Opacity "), bar));
    bar->addWidget(m_opacity);
    m_normalise = new QCheckBox(tr("Peak = full colour"), bar);
    m_normalise->setObjectName(QStringLiteral("overlayNormalise"));
    m_normalise->setToolTip(tr("Scale each step's patch weights to its largest one; off: colour by α itself"));
    bar->addWidget(m_normalise);
    m_grid = new QCheckBox(tr("Grid"), bar);
    m_grid->setObjectName(QStringLiteral("overlayGrid"));
    m_grid->setToolTip(tr("Draw the patch grid over the picture"));
    bar->addWidget(m_grid);

    const ImageOverlayOptions &o = m_view->options();
    m_colormap->setCurrentIndex(int(o.colormap));
    m_opacity->setValue(int(std::lround(o.opacity * 100)));
    m_normalise->setChecked(o.normalise);
    m_grid->setChecked(o.gridLines);
    auto apply = [this] {
        ImageOverlayOptions options = m_view->options();
        options.colormap = ColormapKind(m_colormap->currentIndex());
        options.opacity = m_opacity->value() / 100.0;
        options.normalise = m_normalise->isChecked();
        options.gridLines = m_grid->isChecked();
        m_view->setOptions(options);
    };
    connect(m_colormap, &QComboBox::currentIndexChanged, this, apply);
    connect(m_opacity, &QSlider::valueChanged, this, apply);
    connect(m_normalise, &QCheckBox::toggled, this, apply);
    connect(m_grid, &QCheckBox::toggled, this, apply);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("visionStatus"));
    m_status->setContentsMargins(8, 2, 8, 2);
    connect(model, &TraceModel::traceChanged, this, &VisionPanel::updateStatus);
    connect(model, &TraceModel::cursorChanged, this, &VisionPanel::updateStatus);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);
    updateStatus();
}

void VisionPanel::updateStatus()
{
    const int peak = m_view->peakPatch();
    if (peak < 0) {
        m_status->clear();
        return;
    }
    m_status->setText(tr("Largest weight: %1 · not patches (CLS): %2 %")
                          .arg(m_view->patchTip(peak))
                          .arg(100.0 * m_view->extraShare(), 0, 'f', 1));
}

} // namespace alignscope::ui
