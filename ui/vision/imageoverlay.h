#pragma once
// The image overlay (issue #21): the picture a vision model saw and, over it,
// one step's cross-attention on its patch grid, upsampled smoothly to the
// picture's size and blended in a colour map. Pure painting on any QPainter
// (the Vision view, PNG/SVG/PDF export): no widgets, nothing recomputed, the
// weights are one row of the trace over the source's n columns.
// Shapes: n = source columns, R × C = the patch grid, H × W = the picture.

#include "widgets/colormap.h"

#include "alignscope/source.h"

#include <QImage>
#include <QRectF>

#include <span>
#include <vector>

class QPainter;

namespace alignscope::ui {

struct ImageOverlayOptions {
    ColormapKind colormap = ColormapKind::Viridis;
    double opacity = 0.6;    ///< of the colour layer over the picture, in [0, 1]
    bool normalise = true;   ///< the largest patch weight takes the map's full colour; off: α itself
    bool gridLines = false;  ///< thin lines between the patches
};

/// The picture as a QImage (RGB888), a deep copy; null for an empty picture.
QImage toQImage(const RgbImage &image);
/// Any QImage as core's 8-bit RGB: alpha dropped, the colour channels kept
/// as stored (as Pillow's convert("RGB") and the CLI's reader do); empty for
/// a null image.
RgbImage toRgbImage(const QImage &image);

/// Whether `source` is an image with a patch grid and the picture to draw.
bool hasPatchGrid(const SourceAxis &source);
/// (R·C) the weights of the grid's patches, row-major, from `row` (n) over
/// `source`'s columns; empty when the source has no grid or the row is short.
std::vector<double> patchWeights(const SourceAxis &source, std::span<const float> row);
/// The share of the row's weight on the columns that are not patches (CLS,
/// distillation tokens), in [0, 1]; 0 when the row sums to 0.
double extraShare(const SourceAxis &source, std::span<const float> row);
/// The source column of the patch with the largest weight, -1 without a grid.
int peakPatch(const SourceAxis &source, std::span<const float> row);

/// The patch weights (R × C, row-major) upsampled bilinearly to width ×
/// height, sampling between patch centres (edges clamped) as
/// torch.nn.functional.interpolate(align_corners=False) does: (H, W) row-major.
std::vector<double> upsampleGrid(const std::vector<double> &grid, int rows, int columns, int width, int height);

/// Paints `source`'s picture with `row` over it; `source` must outlive it.
class ImageOverlay {
public:
    ImageOverlay(const SourceAxis &source, std::span<const float> row, const ImageOverlayOptions &options = {});

    /// The picture fitted into `target` keeping its aspect ratio, centred.
    QRectF imageRect(const QRectF &target) const;
    /// The source column of the patch under `pos` when painted into `target`, -1 elsewhere.
    int patchAt(QPointF pos, const QRectF &target) const;
    /// The rectangle patch column j covers when painted into `target` (empty for extra tokens).
    QRectF patchRect(int j, const QRectF &target) const;
    /// The picture with the colour layer blended in, at the picture's size
    /// (what paint() scales into its rectangle).
    const QImage &blended() const { return m_blended; }
    /// The colour coordinate in [0, 1] a patch weight is drawn with.
    double unit(double weight) const;
    double extraShare() const { return m_extraShare; }
    /// Largest patch weight of the row.
    double peakWeight() const { return m_peak; }

    /// Draws the picture, the overlay and (when asked) the grid lines into `target`.
    void paint(QPainter &p, const QRectF &target) const;

private:
    void blend(const std::vector<double> &grid);

    const SourceAxis &m_source;
    ImageOverlayOptions m_options;
    QImage m_blended;
    double m_peak = 0.0;
    double m_extraShare = 0.0;
};

} // namespace alignscope::ui
