#include "attention/topkview.h"

#include <QFontMetricsF>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace alignscope::ui {
namespace {
constexpr double kPad = 8.0;
} // namespace

std::vector<QRectF> topKRows(const DecodeNode &node, const QRectF &target, const QFont &font)
{
    const double h = QFontMetricsF(font).height() + 10;
    std::vector<QRectF> rows;
    for (size_t i = 0; i < node.topk.size(); ++i)
        rows.emplace_back(target.left() + kPad, target.top() + kPad + i * (h + 3), target.width() - 2 * kPad, h);
    return rows;
}

void paintTopK(QPainter &p, const QRectF &target, const DecodeTrace &trace, const DecodeNode &node, int focused,
               const QFont &font, const QPalette &palette)
{
    const auto rows = topKRows(node, target, font);
    const QFontMetricsF fm(font);
    double labelWidth = 0;
    for (const TopToken &t : node.topk)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(QString::fromStdString(trace.readable(t.token))));
    labelWidth += 2 * kPad;
    const double numberWidth = fm.horizontalAdvance(QStringLiteral("100.0%")) + kPad;
    p.save();
    p.setFont(font);
    QFont bold = font;
    bold.setBold(true);
    for (size_t i = 0; i < rows.size(); ++i) {
        const TopToken &t = node.topk[i];
        const QRectF row = rows[i];
        const bool chosen = t.id == node.tokenId;
        const QColor accent = palette.color(QPalette::Highlight);
        if (int(i) == focused) {
            p.setPen(QPen(accent, 1.5, Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawRect(row.adjusted(-3, -1, 3, 1));
        }
        const QRectF track(row.left() + labelWidth, row.top() + 3, row.width() - labelWidth - numberWidth,
                           row.height() - 6);
        QColor trackColor = palette.color(QPalette::WindowText);
        trackColor.setAlphaF(0.08f);
        p.fillRect(track, trackColor);
        QColor bar = chosen ? accent : palette.color(QPalette::WindowText);
        if (!chosen)
            bar.setAlphaF(0.45f);
        p.fillRect(QRectF(track.topLeft(), QSizeF(track.width() * std::clamp(double(t.prob), 0.0, 1.0), track.height())),
                   bar);
        p.setFont(chosen ? bold : font);
        p.setPen(palette.color(QPalette::WindowText));
        p.drawText(QRectF(row.left(), row.top(), labelWidth - kPad, row.height()), Qt::AlignRight | Qt::AlignVCenter,
                   QString::fromStdString(trace.readable(t.token)));
        p.drawText(QRectF(track.right(), row.top(), numberWidth, row.height()), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("%1%").arg(100.0 * t.prob, 0, 'f', 1));
    }
    p.restore();
}

TopKView::TopKView(TraceModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    setToolTip(tr("Next-token distribution at this step. Click a candidate (or focus it with ↑/↓ and press Enter) "
                  "to force it and decode the rest from there."));
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    connect(model, &TraceModel::cursorChanged, this, [this] {
        m_focused = hasFocus() ? 0 : -1;
        update();
    });
}

int TopKView::candidateCount() const
{
    const DecodeNode *node = m_model->currentNode();
    return node ? int(node->topk.size()) : 0;
}

QRectF TopKView::candidateRect(int index) const
{
    const DecodeNode *node = m_model->currentNode();
    if (!node || index < 0 || index >= int(node->topk.size()))
        return {};
    return topKRows(*node, QRectF(rect()), font())[size_t(index)];
}

void TopKView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, true);
    if (const DecodeNode *node = m_model->currentNode())
        paintTopK(p, QRectF(rect()), *m_model->trace(), *node, m_focused, font(), palette());
}

void TopKView::mousePressEvent(QMouseEvent *event)
{
    for (int i = 0; i < candidateCount(); ++i)
        if (candidateRect(i).contains(event->position()))
            return activate(i);
}

void TopKView::mouseMoveEvent(QMouseEvent *event)
{
    const DecodeNode *node = m_model->currentNode();
    for (int i = 0; i < candidateCount(); ++i) {
        if (candidateRect(i).contains(event->position())) {
            setCursor(Qt::PointingHandCursor);
            const TopToken &t = node->topk[size_t(i)];
            QToolTip::showText(event->globalPosition().toPoint(),
                               tr("p(%1) = %2 — click to force it here and decode the rest")
                                   .arg(QString::fromStdString(m_model->trace()->readable(t.token)))
                                   .arg(t.prob, 0, 'f', 4),
                               this);
            return;
        }
    }
    unsetCursor();
}

void TopKView::keyPressEvent(QKeyEvent *event)
{
    const int n = candidateCount();
    switch (event->key()) {
    case Qt::Key_Up: m_focused = std::max(0, m_focused - 1); break;
    case Qt::Key_Down: m_focused = std::min(n - 1, m_focused + 1); break;
    case Qt::Key_Return:
    case Qt::Key_Enter: activate(m_focused); return;
    default: QWidget::keyPressEvent(event); return;
    }
    update();
}

void TopKView::focusInEvent(QFocusEvent *event)
{
    m_focused = std::max(m_focused, 0);
    update();
    QWidget::focusInEvent(event);
}

void TopKView::focusOutEvent(QFocusEvent *event)
{
    m_focused = -1;
    update();
    QWidget::focusOutEvent(event);
}

void TopKView::activate(int index)
{
    const DecodeNode *node = m_model->currentNode();
    if (!node || index < 0 || index >= int(node->topk.size()))
        return;
    emit candidateActivated(m_model->step(), node->topk[size_t(index)].id);
}

} // namespace alignscope::ui
