#pragma once
// Beam tree: every hypothesis the decoder kept, as a tree from left (step 1)
// to right, each node with its token and cumulative log-probability.
// Clicking a node selects the hypothesis through it for every view.

#include "decode/tracemodel.h"

#include <QFont>
#include <QPalette>
#include <QWidget>

class QPainter;

namespace alignscope::ui {

/// Node boxes of the whole tree (index = node index), from the top-left.
struct BeamTreeLayout {
    std::vector<QRectF> boxes;
    QSizeF size;
    static BeamTreeLayout compute(const DecodeTrace &trace, const QFont &font);
};

void paintBeamTree(QPainter &p, const QPointF &origin, const TraceModel &model, const QFont &font,
                   const QPalette &palette);

class BeamTreeView : public QWidget {
    Q_OBJECT
public:
    explicit BeamTreeView(TraceModel *model, QWidget *parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return sizeHint(); }
    /// Box of `node` in widget coordinates.
    QRectF nodeRect(int node) const;

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void relayout();

    TraceModel *m_model;
    BeamTreeLayout m_layout;
};

} // namespace alignscope::ui
