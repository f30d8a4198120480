#pragma once
// Alignment lines in the figure style of Bahdanau et al.: source tokens
// above, target tokens below, one line per (target, source) pair whose
// opacity and width are α. The current step's lines use the accent colour.

#include "decode/tracemodel.h"

#include <QFont>
#include <QPalette>
#include <QWidget>

class QPainter;

namespace alignscope::ui {

struct AlignmentLinesOptions {
    double minWeight = 0.01;  ///< lines below this α are not drawn
    bool allSteps = true;     ///< earlier steps too, faded; else the current one only
    bool highlightCurrent = true; ///< false (figures): every step alike, nothing picked
};

/// Geometry shared by painting and hit testing.
struct AlignmentLinesLayout {
    std::vector<QRectF> source; ///< token boxes, one per source position
    std::vector<QRectF> target; ///< token boxes, one per step of the path
    QSizeF size;
    static AlignmentLinesLayout compute(const TraceModel &model, const QRectF &target, const QFont &font);
    /// Width a figure needs so no token overlaps its neighbour.
    static double minimumWidth(const TraceModel &model, const QFont &font);
};

void paintAlignmentLines(QPainter &p, const QRectF &target, const TraceModel &model,
                         const AlignmentLinesOptions &options, const QFont &font, const QPalette &palette);

class AlignmentLinesView : public QWidget {
    Q_OBJECT
public:
    explicit AlignmentLinesView(TraceModel *model, QWidget *parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    TraceModel *m_model;
    AlignmentLinesOptions m_options;
};

} // namespace alignscope::ui
