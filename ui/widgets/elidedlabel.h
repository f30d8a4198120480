#pragma once
// A one-line label that elides with "…" instead of demanding its full
// width, so a long translation can sit in a tool bar without pushing the
// controls into the overflow menu. The full text is in the tooltip.

#include <QWidget>

namespace alignscope::ui {

class ElidedLabel : public QWidget {
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget *parent = nullptr);
    void setText(const QString &text);
    QString text() const { return m_text; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_text;
};

} // namespace alignscope::ui
