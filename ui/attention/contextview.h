#pragma once
// Context vector view: c_t as a colour strip (diverging map, zero = white),
// and below it a stacked bar per dimension showing how the largest source
// positions' contributions α_tj·h_j add up to it (the rest in grey).

#include "decode/tracemodel.h"

#include <QFont>
#include <QPalette>
#include <QWidget>

class QPainter;

namespace alignscope::ui {

struct ContextOptions {
    int topPositions = 4; ///< source positions shown separately; the others are summed
};

void paintContext(QPainter &p, const QRectF &target, const TraceModel &model, const ContextOptions &options,
                  const QFont &font, const QPalette &palette);

/// One of the categorical colours used for the contributing positions.
QColor contributionColor(int rank);

class ContextView : public QWidget {
    Q_OBJECT
public:
    explicit ContextView(TraceModel *model, QWidget *parent = nullptr);
    QSize sizeHint() const override { return {420, 220}; }
    QSize minimumSizeHint() const override { return {220, 160}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    TraceModel *m_model;
    ContextOptions m_options;
};

} // namespace alignscope::ui
