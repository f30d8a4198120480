#include "widgets/elidedlabel.h"

#include <QPainter>

namespace alignscope::ui {

ElidedLabel::ElidedLabel(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void ElidedLabel::setText(const QString &text)
{
    m_text = text;
    updateGeometry();
    update();
}

QSize ElidedLabel::sizeHint() const
{
    return {std::min(fontMetrics().horizontalAdvance(m_text) + 8, 900), fontMetrics().height() + 4};
}

QSize ElidedLabel::minimumSizeHint() const
{
    return {80, fontMetrics().height() + 4};
}

void ElidedLabel::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setPen(palette().color(QPalette::WindowText));
    const QRect r = contentsRect();
    p.drawText(r, Qt::AlignLeft | Qt::AlignVCenter, fontMetrics().elidedText(m_text, Qt::ElideRight, r.width()));
}

} // namespace alignscope::ui
