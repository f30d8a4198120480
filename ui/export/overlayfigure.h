#pragma once
// The image overlay as a figure (issue #21): the picture a vision model saw
// with one step's cross-attention over it (ImageOverlay), or a strip of
// small overlaid pictures, one per generated word, each captioned with the
// word and the share of attention on tokens that are not patches (CLS). One
// figure for a paper or a slide, written as PNG, SVG or PDF by the figure
// exporter's renderFigure. Words are the target's pieces grouped as the
// heatmap's "Merge word pieces" groups them (wordmerge.h); a word's weights
// are the mean of its pieces' rows, and the <eos> step is not a word.

#include "export/exporter.h"

#include <QRectF>
#include <QSizeF>
#include <QString>

#include <vector>

class QPainter;

namespace alignscope::ui {

struct OverlayFigureOptions {
    /// The path step (0-based) the figure shows; -1: the strip, every word.
    int step = -1;
    double opacity = 0.6;   ///< of the colour layer over the picture, in [0, 1]
    int columns = 0;        ///< strip pictures per row; 0: up to 6
};

/// Lays out and paints one overlay figure of `model`'s trace (an image
/// source) with its selection's layer and head; `model` must outlive it.
class OverlayFigure {
public:
    OverlayFigure(const TraceModel &model, const FigureOptions &figure, const OverlayFigureOptions &options);

    /// The pictures the figure shows: 1 for a step, the words for a strip.
    int panelCount() const { return int(m_panels.size()); }
    /// Panel k's picture rectangle and caption (the word) in figure coordinates.
    QRectF imageRect(int k) const;
    QString caption(int k) const;
    /// Logical size of the whole figure (title included), whole pixels.
    QSizeF figureSize() const { return m_size; }

    /// Paints the figure with its top-left at (0, 0) in logical pixels.
    void paint(QPainter &p) const;
    /// The bytes of the figure's format; written atomically to `file`.
    QByteArray render() const;
    Result<void> write(const QString &file) const;

private:
    struct Panel {
        QString caption;
        QString share;            ///< "[CLS] 12%": the weight the grid does not show
        std::vector<float> row;   ///< (n) the weights painted over the picture
        QRectF image;
    };
    void layOut(double side, int columns);

    const TraceModel &m_model;
    FigureOptions m_figure;
    OverlayFigureOptions m_options;
    std::vector<Panel> m_panels;
    double m_titleHeight = 0.0;
    double m_captionHeight = 0.0;
    QSizeF m_size;
};

} // namespace alignscope::ui
