#pragma once
// A dismissible message strip at the top of the window: errors (bad model
// file, empty sentence) and notices show here instead of in modal boxes, so
// the user can keep typing.

#include <QFrame>

class QLabel;
class QToolButton;

namespace alignscope::ui {

class MessageBar : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Info, Warning, Error };
    explicit MessageBar(QWidget *parent = nullptr);

    void showMessage(const QString &text, Kind kind = Kind::Error);
    /// The message on show, empty once dismissed.
    QString text() const;
    Kind kind() const { return m_kind; }

public slots:
    void dismiss();

signals:
    void dismissed();

private:
    QLabel *m_icon;
    QLabel *m_text;
    QToolButton *m_close;
    Kind m_kind = Kind::Info;
    bool m_active = false; // the holder shows and hides the bar, not the bar itself
};

} // namespace alignscope::ui
