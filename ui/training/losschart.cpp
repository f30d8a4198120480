#include "training/losschart.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <utility>

namespace alignscope::ui {
namespace {

const QColor kDevColor(230, 120, 20);

/// A round step for about `ticks` grid lines over [0, max].
double niceStep(double max, int ticks)
{
    const double raw = max / std::max(1, ticks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (raw <= f * magnitude)
            return f * magnitude;
    return 10.0 * magnitude;
}

} // namespace

LossChart::LossChart(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("lossChart"));
    setToolTip(tr("Loss per target token: the train curve is a moving average of the recent batches' loss, "
                  "the dev points the teacher-forced loss on the dev set after each epoch"));
}

void LossChart::clear(long long totalSteps)
{
    m_train.clear();
    m_dev.clear();
    m_totalSteps = totalSteps;
    update();
}

void LossChart::setTotalSteps(long long totalSteps)
{
    m_totalSteps = totalSteps;
    update();
}

void LossChart::addTrainLoss(long long step, double loss)
{
    if (!std::isfinite(loss))
        return;
    m_train.push_back({double(step), loss});
    update();
}

void LossChart::addDevLoss(long long step, double loss)
{
    if (!std::isfinite(loss))
        return;
    m_dev.push_back({double(step), loss});
    update();
}

double LossChart::maxLoss() const
{
    double m = 0.0;
    for (const Point &p : m_train)
        m = std::max(m, p.loss);
    for (const Point &p : m_dev)
        m = std::max(m, p.loss);
    return m > 0.0 ? m * 1.05 : 1.0;
}

void LossChart::paint(QPainter &p, const QRectF &target) const
{
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    const QFontMetricsF fm(p.font());
    const QRectF plot = target.adjusted(fm.horizontalAdvance(QStringLiteral("00.00")) + 8, fm.height() + 4, -8,
                                        -fm.height() - 6);
    const double yMax = maxLoss();
    double xMax = double(m_totalSteps);
    for (const Point &pt : m_train)
        xMax = std::max(xMax, pt.step);
    xMax = std::max(xMax, 1.0);
    auto at = [&](const Point &pt) {
        return QPointF(plot.left() + plot.width() * pt.step / xMax, plot.bottom() - plot.height() * pt.loss / yMax);
    };

    // Grid and axis labels.
    const QColor grid = palette().color(QPalette::Mid);
    p.setPen(QPen(grid, 0.5));
    const double yStep = niceStep(yMax, 4);
    for (double y = 0.0; y <= yMax + 1e-9; y += yStep) {
        const double py = plot.bottom() - plot.height() * y / yMax;
        p.drawLine(QPointF(plot.left(), py), QPointF(plot.right(), py));
        p.setPen(palette().color(QPalette::Text));
        p.drawText(QRectF(target.left(), py - fm.height() / 2, plot.left() - target.left() - 4, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(y, 'g', 3));
        p.setPen(QPen(grid, 0.5));
    }
    p.drawRect(plot);
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), fm.height() + 4), Qt::AlignRight | Qt::AlignTop,
               tr("step %1").arg(qRound64(xMax)));
    p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), fm.height() + 4), Qt::AlignLeft | Qt::AlignTop,
               QStringLiteral("0"));

    // Train curve, thinned to about two points per pixel.
    if (!m_train.empty()) {
        const size_t stride = std::max<size_t>(1, m_train.size() / std::max(1.0, 2.0 * plot.width()));
        QPainterPath path(at(m_train.front()));
        for (size_t i = stride; i < m_train.size(); i += stride)
            path.lineTo(at(m_train[i]));
        path.lineTo(at(m_train.back()));
        p.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
        p.drawPath(path);
    }
    // Dev points, joined.
    if (!m_dev.empty()) {
        p.setPen(QPen(kDevColor, 1.5));
        for (size_t i = 1; i < m_dev.size(); ++i)
            p.drawLine(at(m_dev[i - 1]), at(m_dev[i]));
        p.setBrush(kDevColor);
        for (const Point &pt : m_dev)
            p.drawEllipse(at(pt), 3.0, 3.0);
    }

    // Legend above the plot.
    const double y = target.top() + fm.height() / 2 + 1;
    double x = plot.right();
    for (const auto &[label, color] : {std::pair{tr("dev loss"), kDevColor},
                                       std::pair{tr("train loss"), palette().color(QPalette::Highlight)}}) {
        x -= fm.horizontalAdvance(label) + 4;
        p.setPen(palette().color(QPalette::Text));
        p.drawText(QPointF(x, y + fm.ascent() / 2 - 1), label);
        x -= 18;
        p.setPen(QPen(color, 2.0));
        p.drawLine(QPointF(x, y), QPointF(x + 14, y));
        x -= 12;
    }
    if (m_train.empty() && m_dev.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(plot, Qt::AlignCenter | Qt::TextWordWrap, tr("Loss curves appear here while a model trains"));
    }
    p.restore();
}

void LossChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    paint(p, QRectF(rect()).adjusted(2, 2, -2, -2));
}

} // namespace alignscope::ui
