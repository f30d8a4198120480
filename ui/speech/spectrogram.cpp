#include "speech/spectrogram.h"

#include "widgets/colormap.h"

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

double tickStep(double target)
{
    const double base = std::pow(10.0, std::floor(std::log10(std::max(target, 1e-3))));
    for (double m : {1.0, 2.0, 5.0})
        if (base * m >= target)
            return base * m;
    return base * 10;
}

QString tickLabel(double seconds, double step)
{
    return step < 1 ? QStringLiteral("%1 s").arg(seconds, 0, 'f', step < 0.1 ? 2 : 1)
                    : QStringLiteral("%1 s").arg(seconds, 0, 'f', 0);
}

} // namespace alignscope::ui
