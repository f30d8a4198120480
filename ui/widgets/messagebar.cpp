#include "widgets/messagebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

namespace alignscope::ui {

MessageBar::MessageBar(QWidget *parent)
    : QFrame(parent), m_icon(new QLabel(this)), m_text(new QLabel(this)), m_close(new QToolButton(this))
{
    setObjectName(QStringLiteral("messageBar"));
    m_text->setWordWrap(false); // tool bars do not do height-for-width; the tooltip has it all
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_close->setAutoRaise(true);
    m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    m_close->setToolTip(tr("Dismiss this message (Esc)"));
    m_close->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(m_close, &QToolButton::clicked, this, &MessageBar::dismiss);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    layout->addWidget(m_icon);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_close);
}

void MessageBar::showMessage(const QString &text, Kind kind)
{
    m_kind = kind;
    const QStyle::StandardPixmap icon = kind == Kind::Error ? QStyle::SP_MessageBoxCritical
        : kind == Kind::Warning                             ? QStyle::SP_MessageBoxWarning
                                                            : QStyle::SP_MessageBoxInformation;
    m_icon->setPixmap(style()->standardIcon(icon).pixmap(18, 18));
    // Tinted from the palette so light and dark themes both read well.
    const QColor tint = kind == Kind::Error ? QColor(0xd0, 0x30, 0x30)
        : kind == Kind::Warning             ? QColor(0xe0, 0x9a, 0x20)
                                            : palette().color(QPalette::Highlight);
    setStyleSheet(QStringLiteral("#messageBar { background: rgba(%1,%2,%3,40); border: 1px solid rgba(%1,%2,%3,140);"
                                 " border-radius: 4px; }")
                      .arg(tint.red()).arg(tint.green()).arg(tint.blue()));
    m_text->setText(text);
    setToolTip(text);
    m_active = true;
}

QString MessageBar::text() const
{
    return m_active ? m_text->text() : QString();
}

void MessageBar::dismiss()
{
    m_active = false;
    m_text->clear();
    emit dismissed();
}

} // namespace alignscope::ui
