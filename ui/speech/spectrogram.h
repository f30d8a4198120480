#pragma once
// What the Speech view and the spectrogram figure (issue #20) both draw
// from a speech trace: the clip's time axis over the attention columns, its
// log-mel spectrogram as an image, where a token listens, and the axis
// ticks. Pure functions over the trace's data (QtGui only, so the CLI's
// figures use them too).

#include "alignscope/source.h"
#include "alignscope/tensor.h"

#include <QColor>
#include <QImage>
#include <QRectF>

class QPainter;

namespace alignscope::ui {

/// Seconds [start, end) in the clip.
struct TimeSpan {
    double start = 0.0;
    double end = 0.0;
    bool empty() const { return end <= start; }
};

/// The clip's time axis over the attention columns it shows: the columns
/// holding the clip (SourceAxis::audioColumns, not the window's padding).
struct ClipAxis {
    int columns = 0;       ///< 0: not a speech source with a spectrogram
    double hop = 0.0;      ///< seconds per column
    double first = 0.0;    ///< clip time of column 0
    double seconds = 0.0;  ///< columns × hop
    bool empty() const { return columns == 0; }
    /// Seconds at the middle of column j.
    double centre(int j) const { return first + (j + 0.5) * hop; }
};

/// A token listens to the columns whose weight is at least this share of its peak.
inline constexpr double kListenShare = 0.3;
/// The attention's colour on a spectrogram: cyan, apart from magma's purples and oranges.
inline const QColor kAttentionColour{64, 224, 255};

ClipAxis clipAxis(const SourceAxis &source);
/// The spectrogram of the clip's columns, magma, one pixel per frame
/// (width) and mel band (height, low frequencies at the bottom); null when
/// `axis` is empty.
QImage spectrogramImage(const SourceAxis &source, const ClipAxis &axis);
/// From the first to the last column whose weight is at least kListenShare
/// of `row`'s peak (`row`: the shown columns); empty for a row without weight.
TimeSpan listeningSpan(const Vector &row, const ClipAxis &axis);
/// x of clip time `seconds` on `plot`: the clip's start at its left edge, its end at its right.
double clipX(const ClipAxis &axis, const QRectF &plot, double seconds);
/// One step's attention on the spectrogram drawn in `plot`: the span it
/// listens to as a band, and `row` (the shown columns' weights) scaled to
/// its peak as a filled curve drawn with a pen `penWidth` wide. Nothing for
/// a row without weight.
void paintListening(QPainter &p, const Vector &row, const ClipAxis &axis, const QRectF &plot, double penWidth);
/// The time axis under `plot`: a tick every 1, 2 or 5 × 10^k seconds (as
/// many as the painter's font leaves room for) from `top`, labelled in
/// seconds, each label kept within [0, right].
void paintTimeTicks(QPainter &p, const ClipAxis &axis, const QRectF &plot, double top, double right);

} // namespace alignscope::ui
