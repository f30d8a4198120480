#pragma once
// The vision view (issue #21): the picture a vision model captioned with the
// current step's cross-attention over its patches (ImageOverlay: the grid
// upsampled smoothly, blended in a colour map), the tokens that are not
// patches (CLS) beside it with their share of the step's weight, and the
// caption so far with the current token marked. Weights come from the trace
// through the TraceModel's layer/head selection; nothing is recomputed.
// VisionPanel adds the layer/head picker, colour map, opacity and grid.

#include "decode/tracemodel.h"
#include "vision/imageoverlay.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace alignscope::ui {

class HeadPicker;

class VisionView : public QWidget {
    Q_OBJECT
public:
    explicit VisionView(TraceModel *model, QWidget *parent = nullptr);

    /// Whether the trace is an image decode with a patch grid and its picture.
    bool hasImage() const;
    const ImageOverlayOptions &options() const { return m_options; }
    void setOptions(const ImageOverlayOptions &options);
    /// The current step's selected weights over the source's n columns (empty without an image).
    Vector attentionRow() const;
    /// The picture's rectangle in the view, or in a view of `size` (render).
    QRectF imageRect() const { return imageRect(QSizeF(size())); }
    QRectF imageRect(QSizeF size) const;
    /// The source column of the patch with the current step's largest weight, -1 without one.
    int peakPatch() const;
    /// The share of the current step's weight on the columns that are not
    /// patches, as the view shows it beside the picture.
    double extraShare() const;
    /// The patch under the mouse (a source column), -1 when none.
    int hoveredPatch() const { return m_hover; }
    /// What hovering patch column j shows: its place and weight.
    QString patchTip(int j) const;
    /// The view as painted now at `size`, for tests and figures (without the hovered patch's outline).
    QImage render(QSize size);

    QSize sizeHint() const override { return {720, 420}; }
    QSize minimumSizeHint() const override { return {240, 160}; }

signals:
    void optionsChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    /// The picture's area and the side column (extra tokens, caption) for a view of `size`.
    QRectF pictureArea(QSizeF size) const;
    QRectF sideArea(QSizeF size) const;
    const ImageOverlay *overlay() const;
    /// The row the overlay was built from (attentionRow() at the last change), empty without an image.
    const Vector &shownRow() const;
    void paintTo(QPainter &p, QSizeF size, bool hover) const;
    /// Returns the height used.
    double paintExtras(QPainter &p, const QRectF &area) const;
    void paintCaption(QPainter &p, const QRectF &area) const;
    void invalidate();

    TraceModel *m_model;
    TracePtr m_trace; // keeps the source the overlay reads alive
    ImageOverlayOptions m_options;
    mutable std::unique_ptr<ImageOverlay> m_overlay; // built on first paint after a change
    mutable Vector m_row;                            // the row m_overlay reads
    int m_hover = -1;
};

/// The vision view with its controls: layer/head, colour map, opacity,
/// normalise to the step's peak, patch grid lines.
class VisionPanel : public QWidget {
    Q_OBJECT
public:
    VisionPanel(TraceModel *model, QWidget *parent = nullptr);

    VisionView *view() const { return m_view; }
    HeadPicker *headPicker() const { return m_heads; }
    QComboBox *colormapCombo() const { return m_colormap; }
    QSlider *opacitySlider() const { return m_opacity; }
    QCheckBox *normaliseBox() const { return m_normalise; }
    QCheckBox *gridBox() const { return m_grid; }
    /// The one-line summary under the controls: step, peak patch, CLS share.
    QLabel *statusLabel() const { return m_status; }

private:
    void updateStatus();

    VisionView *m_view;
    HeadPicker *m_heads;
    QComboBox *m_colormap;
    QSlider *m_opacity;
    QCheckBox *m_normalise;
    QCheckBox *m_grid;
    QLabel *m_status;
};

} // namespace alignscope::ui
