#include "speech/spectrogram.h"

#include "widgets/colormap.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace alignscope::ui {

ClipAxis clipAxis(const SourceAxis &source)
{
    ClipAxis a;
    const int n = source.size();
    if (source.kind != SourceKind::Audio || source.spectrogram.size() == 0 || n == 0)
        return a;
    a.columns = source.audioColumns > 0 ? std::min(source.audioColumns, n) : n;
    a.hop = source.hopSeconds;
    a.first = source.firstFrameSeconds;
    a.seconds = a.columns * a.hop;
    return a;
}

QImage spectrogramImage(const SourceAxis &source, const ClipAxis &axis)
{
    if (axis.empty())
        return {};
    // (mels, frames): the frames of the clip, as many per column as the encoder halves them by.
    const Matrix &spec = source.spectrogram;
    const int frames = std::max(1, int(std::lround(double(spec.cols()) * axis.columns / source.size())));
    const auto block = spec.leftCols(std::min<Eigen::Index>(frames, spec.cols()));
    const float lo = block.minCoeff(), hi = block.maxCoeff();
    const Colormap map(ColormapKind::Magma);
    QImage image(int(block.cols()), int(block.rows()), QImage::Format_RGB32);
    for (Eigen::Index m = 0; m < block.rows(); ++m) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(int(block.rows() - 1 - m))); // low bands at the bottom
        for (Eigen::Index f = 0; f < block.cols(); ++f)
            line[f] = map.rgb(hi > lo ? (block(m, f) - lo) / (hi - lo) : 0.0);
    }
    return image;
}

TimeSpan listeningSpan(const Vector &row, const ClipAxis &axis)
{
    if (row.size() == 0 || !(row.maxCoeff() > 0))
        return {};
    const float floor = float(kListenShare) * row.maxCoeff();
    int first = -1, last = -1;
    for (int j = 0; j < int(row.size()); ++j)
        if (row[j] >= floor) {
            first = first < 0 ? j : first;
            last = j;
        }
    return {axis.first + first * axis.hop, axis.first + (last + 1) * axis.hop};
}

namespace {

/// A step between axis ticks of about `target` seconds: 1, 2 or 5 × 10^k.
double tickStep(double target)
{
    const double base = std::pow(10.0, std::floor(std::log10(std::max(target, 1e-3))));
    for (double m : {1.0, 2.0, 5.0})
        if (base * m >= target)
            return base * m;
    return base * 10;
}

/// A tick's label at `step` spacing ("1.5 s", "2 s").
QString tickLabel(double seconds, double step)
{
    return step < 1 ? QStringLiteral("%1 s").arg(seconds, 0, 'f', step < 0.1 ? 2 : 1)
                    : QStringLiteral("%1 s").arg(seconds, 0, 'f', 0);
}

} // namespace

double clipX(const ClipAxis &axis, const QRectF &plot, double seconds)
{
    return plot.left() + (axis.seconds > 0 ? (seconds - axis.first) / axis.seconds : 0.0) * plot.width();
}

void paintListening(QPainter &p, const Vector &row, const ClipAxis &axis, const QRectF &plot, double penWidth)
{
    if (row.size() == 0 || !(row.maxCoeff() > 0))
        return;
    const TimeSpan span = listeningSpan(row, axis);
    QColor band = kAttentionColour;
    band.setAlphaF(0.18f);
    p.fillRect(QRectF(QPointF(clipX(axis, plot, span.start), plot.top()),
                      QPointF(clipX(axis, plot, span.end), plot.bottom())),
               band);
    // The row scaled to its peak, so a diffuse step's shape reads as well as a sharp one's.
    const double peak = row.maxCoeff();
    QPainterPath curve(QPointF(clipX(axis, plot, axis.first), plot.bottom()));
    for (int j = 0; j < int(row.size()); ++j)
        curve.lineTo(clipX(axis, plot, axis.centre(j)), plot.bottom() - row[j] / peak * plot.height() * 0.92);
    curve.lineTo(clipX(axis, plot, axis.first + axis.seconds), plot.bottom());
    QColor fill = kAttentionColour;
    fill.setAlphaF(0.22f); // the spectrogram shows through
    p.fillPath(curve, fill);
    p.setPen(QPen(kAttentionColour, penWidth));
    p.drawPath(curve);
}

void paintTimeTicks(QPainter &p, const ClipAxis &axis, const QRectF &plot, double top, double right)
{
    const QFontMetricsF fm(p.font());
    const double step = tickStep(axis.seconds * fm.horizontalAdvance(QStringLiteral("00.0 s")) * 1.8 / plot.width());
    for (double s = std::ceil(axis.first / step) * step; s <= axis.first + axis.seconds + 1e-9; s += step) {
        const double x = clipX(axis, plot, s);
        p.drawLine(QPointF(x, top), QPointF(x, top + 5));
        const QString label = tickLabel(s, step);
        const double w = fm.horizontalAdvance(label);
        p.drawText(QRectF(std::clamp(x - w / 2, 0.0, right - w), top + 6, w, fm.height()), label);
    }
}

} // namespace alignscope::ui
