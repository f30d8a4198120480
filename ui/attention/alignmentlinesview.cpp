#include "attention/alignmentlinesview.h"

#include <QFontMetricsF>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace alignscope::ui {
namespace {

constexpr double kPad = 8.0;
constexpr double kGap = 10.0; // between neighbouring token boxes

QString sourceToken(const TraceModel &m, int j)
{
    return QString::fromStdString(m.trace()->readable(m.trace()->source.labels[size_t(j)]));
}
QString targetToken(const TraceModel &m, int s) { return QString::fromStdString(m.trace()->readable(m.nodeAtStep(s)->token)); }

// Lays `count` boxes of the given widths centred on one row of `width`.
std::vector<QRectF> row(const std::vector<double> &widths, double width, double y, double h)
{
    double total = 0;
    for (double w : widths)
        total += w + kGap;
    const double spare = std::max(0.0, width - total);
    // Spread tokens across the width the way the paper's figure does,
    // rather than bunching them in the middle.
    const double extra = widths.empty() ? 0 : spare / widths.size();
    std::vector<QRectF> boxes;
    double x = kGap / 2 + extra / 2;
    for (double w : widths) {
        boxes.emplace_back(x, y, w, h);
        x += w + kGap + extra;
    }
    return boxes;
}

} // namespace

double AlignmentLinesLayout::minimumWidth(const TraceModel &model, const QFont &font)
{
    if (model.isEmpty())
        return 0;
    const QFontMetricsF fm(font);
    double s = 0, t = 0;
    for (int j = 0; j < model.sourceLength(); ++j)
        s += fm.horizontalAdvance(sourceToken(model, j)) + 2 * kPad + kGap;
    for (int i = 0; i < model.stepCount(); ++i)
        t += fm.horizontalAdvance(targetToken(model, i)) + 2 * kPad + kGap;
    return std::max(s, t);
}

AlignmentLinesLayout AlignmentLinesLayout::compute(const TraceModel &model, const QRectF &target, const QFont &font)
{
    AlignmentLinesLayout l;
    l.size = target.size();
    if (model.isEmpty())
        return l;
    QFont bold = font;
    bold.setBold(true);
    const QFontMetricsF fm(bold);
    const double h = fm.height() + kPad;
    std::vector<double> sw, tw;
    for (int j = 0; j < model.sourceLength(); ++j)
        sw.push_back(fm.horizontalAdvance(sourceToken(model, j)) + 2 * kPad);
    for (int i = 0; i < model.stepCount(); ++i)
        tw.push_back(fm.horizontalAdvance(targetToken(model, i)) + 2 * kPad);
    l.source = row(sw, target.width(), target.top() + kPad, h);
    l.target = row(tw, target.width(), target.bottom() - kPad - h, h);
    for (auto *boxes : {&l.source, &l.target})
        for (QRectF &b : *boxes)
            b.translate(target.left(), 0);
    return l;
}

void paintAlignmentLines(QPainter &p, const QRectF &target, const TraceModel &model,
                         const AlignmentLinesOptions &options, const QFont &font, const QPalette &palette)
{
    if (model.isEmpty())
        return;
    const AlignmentLinesLayout l = AlignmentLinesLayout::compute(model, target, font);
    p.save();
    p.setRenderHint(QPainter::Antialiasing, true);
    const QColor accent = palette.color(QPalette::Highlight);
    const QColor ink = palette.color(QPalette::WindowText);
    const int current = model.step();
    // Earlier steps first so the current step's lines lie on top.
    for (int s = options.allSteps ? 0 : current; s <= current; ++s) {
        const Vector weights = model.weightsAt(s); // (n) under the layer/head selection
        const bool now = options.highlightCurrent && s == current;
        QColor base = now ? accent : ink;
        const double fade = now || !options.highlightCurrent ? 1.0 : 0.35;
        const QPointF to(l.target[s].center().x(), l.target[s].top());
        for (int j = 0; j < model.sourceLength(); ++j) {
            const double a = j < weights.size() ? weights[j] : 0.0;
            if (a < options.minWeight)
                continue;
            base.setAlphaF(float(std::clamp(a, 0.08, 1.0) * fade));
            p.setPen(QPen(base, 0.6 + 6.0 * a, Qt::SolidLine, Qt::RoundCap));
            const QPointF from(l.source[j].center().x(), l.source[j].bottom());
            QPainterPath path(from);
            const double dy = (to.y() - from.y()) / 2;
            path.cubicTo(from + QPointF(0, dy), to - QPointF(0, dy), to);
            p.drawPath(path);
        }
    }
    QFont bold = font;
    bold.setBold(true);
    const int picked = options.highlightCurrent ? model.selectedSource() : -1;
    const int shown = options.highlightCurrent ? current : -1;
    auto drawToken = [&](const QRectF &box, const QString &text, bool highlight, bool strong, bool dim) {
        p.setPen(highlight ? Qt::NoPen : QPen(palette.color(QPalette::Mid), 1));
        p.setBrush(highlight ? accent : palette.color(QPalette::Base));
        p.drawRoundedRect(box, 5, 5);
        QColor text_ = highlight ? palette.color(QPalette::HighlightedText) : ink;
        if (dim)
            text_.setAlphaF(0.35f);
        p.setPen(text_);
        p.setFont(strong ? bold : font);
        p.drawText(box, Qt::AlignCenter, text);
    };
    for (int j = 0; j < model.sourceLength(); ++j)
        drawToken(l.source[j], sourceToken(model, j), false, j == picked, false);
    for (int s = 0; s < model.stepCount(); ++s)
        drawToken(l.target[s], targetToken(model, s), s == shown, s == shown, s > current);
    p.restore();
}

AlignmentLinesView::AlignmentLinesView(TraceModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    setToolTip(tr("Alignment lines: source above, target below; a line's opacity and width are α. "
                  "Click a target token to go to its step, a source token to explain it."));
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    connect(model, &TraceModel::traceChanged, this, [this] {
        updateGeometry();
        update();
    });
    connect(model, &TraceModel::cursorChanged, this, qOverload<>(&QWidget::update));
}

QSize AlignmentLinesView::sizeHint() const
{
    return {std::max(400, int(AlignmentLinesLayout::minimumWidth(*m_model, font()))), 180};
}

QSize AlignmentLinesView::minimumSizeHint() const
{
    return {int(AlignmentLinesLayout::minimumWidth(*m_model, font())), 110};
}

void AlignmentLinesView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    paintAlignmentLines(p, QRectF(rect()), *m_model, m_options, font(), palette());
}

void AlignmentLinesView::mousePressEvent(QMouseEvent *event)
{
    const AlignmentLinesLayout l = AlignmentLinesLayout::compute(*m_model, QRectF(rect()), font());
    for (int s = 0; s < int(l.target.size()); ++s)
        if (l.target[s].contains(event->position()))
            return m_model->setStep(s);
    for (int j = 0; j < int(l.source.size()); ++j)
        if (l.source[j].contains(event->position()))
            return m_model->selectCell(-1, j);
}

} // namespace alignscope::ui
