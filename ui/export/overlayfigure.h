#pragma once
// The image overlay as a figure (issue #21): the picture a vision model saw
// with one step's cross-attention over it (ImageOverlay), or a strip of
// small overlaid pictures, one per generated word, each captioned with the
// word and the share of attention on tokens that are not patches (CLS). One
// figure for a paper or a slide, written as PNG, SVG or PDF by the figure
// exporter's renderFigure. Words are the target's pieces grouped as the
// heatmap's "Merge word pieces" groups them (wordmerge.h); a word's weights
// are the mean of its pieces' rows, and the <eos> step is not a word.
// Several models on one picture (compare): for a step, their pictures side
// by side, each headed by the model's name; for the strip, one strip per
// model under its name.

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
    /// Every panel's model (with its caption: the model's name) on its own
    /// picture; a model without a patch grid adds nothing. The models must
    /// outlive the figure.
    OverlayFigure(const std::vector<FigurePanel> &models, const FigureOptions &figure,
                  const OverlayFigureOptions &options);

    /// The pictures the figure shows: 1 for a step, the words for a strip (per model).
    int panelCount() const { return int(m_panels.size()); }
    /// Panel k's picture rectangle and caption (the word) in figure coordinates.
    QRectF imageRect(int k) const;
    QString caption(int k) const;
    /// The model panel k belongs to (its FigurePanel caption; empty for one model).
    QString modelName(int k) const;
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
        QString model;            ///< the model's name (several models)
        const SourceAxis *source = nullptr; ///< the picture as its model saw it
        std::vector<float> row;   ///< (n) the weights painted over the picture
        QRectF image;
    };
    /// Panels laid out together: one model's strip (under its name), or every model's step.
    struct Group {
        QString title;            ///< a strip's model name; empty: none drawn
        int first = 0;
        int count = 0;
        int columns = 1;
        QRectF titleRect;
    };
    /// `model`'s panels: its step, or its words; their group when a strip.
    void addModel(const TraceModel &model, const QString &name, bool titled);
    void layOut(double side);

    FigureOptions m_figure;
    OverlayFigureOptions m_options;
    std::vector<Panel> m_panels;
    std::vector<Group> m_groups;
    double m_titleHeight = 0.0;
    double m_headingHeight = 0.0; ///< above each picture: its model's name (a step of several models)
    double m_captionHeight = 0.0;
    QSizeF m_size;
};

} // namespace alignscope::ui
