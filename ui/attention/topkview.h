#pragma once
// Next-token distribution at the current step: the top-k candidates as
// bars. Clicking a candidate (or Enter on the focused one) asks to force it
// and decode again from there (the what-if).

#include "decode/tracemodel.h"

#include <QFont>
#include <QPalette>
#include <QWidget>

class QPainter;

namespace alignscope::ui {

/// Row rectangles of the candidates inside `target`.
std::vector<QRectF> topKRows(const DecodeNode &node, const QRectF &target, const QFont &font);
/// The candidates' tokens are drawn as `trace` reads them (DecodeTrace::readable).
void paintTopK(QPainter &p, const QRectF &target, const DecodeTrace &trace, const DecodeNode &node, int focused,
               const QFont &font, const QPalette &palette);

class TopKView : public QWidget {
    Q_OBJECT
public:
    explicit TopKView(TraceModel *model, QWidget *parent = nullptr);
    QSize sizeHint() const override { return {280, 260}; }
    /// Rectangle of candidate `index` in widget coordinates (tests, tooltips).
    QRectF candidateRect(int index) const;
    int candidateCount() const;

signals:
    /// Force `tokenId` at 0-based `step` of the selected hypothesis.
    void candidateActivated(int step, int tokenId);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void focusInEvent(QFocusEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;

private:
    void activate(int index);

    TraceModel *m_model;
    int m_focused = -1;
};

} // namespace alignscope::ui
