#pragma once
// A PNG encoder for figures painted band by band.
//
// A 50 × 50 heatmap at 2× is about 18 million pixels. Painting it into one
// QImage and handing that to Qt's PNG writer costs page faults for a 72 MB
// buffer, libpng's adaptive filtering and one zlib stream on one core. Here
// the figure is painted in horizontal bands of a few hundred rows, in
// parallel; each band is filtered ("Up": rows inside a cell become zeros)
// and deflated on its own, and the streams are joined the way pigz joins
// them (each ends on a byte boundary after a sync flush; one final empty
// block closes the whole; the Adler-32 checksums are combined).

#include <QByteArray>
#include <QImage>
#include <QSize>
#include <QString>

#include <functional>

namespace alignscope::ui {

struct PngInfo {
    bool alpha = false;     ///< RGBA (transparent figures) instead of RGB
    double dotsPerInch = 0; ///< written as pHYs when > 0
    QString title;          ///< tEXt "Title" when not empty
};

/// Paints rows [top, top + band.height()) of the image into `band`, which
/// arrives filled with white (opaque) or transparent and has the image's
/// width. Called from several threads at once, each with its own band.
using PngBandPainter = std::function<void(QImage &band, int top)>;

/// The PNG file of a size.width() × size.height() image painted by `paint`.
/// Empty on an empty size.
QByteArray encodePng(QSize size, const PngInfo &info, const PngBandPainter &paint);

} // namespace alignscope::ui
