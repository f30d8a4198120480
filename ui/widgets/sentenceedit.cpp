#include "sentenceedit.h"

#include <QCoreApplication>
#include <QInputMethodEvent>
#include <QLineEdit>
#include <QTextCharFormat>
#include <QTimer>

namespace alignscope::ui {
namespace {
constexpr int kHistorySize = 20;
constexpr int kDebounceMs = 350;
} // namespace

QList<QPair<int, int>> oovCharacterRanges(const QString &text, const QStringList &tokens,
                                          const QList<int> &oovPositions)
{
    QList<QPair<int, int>> ranges;
    int from = 0;
    for (int i = 0; i < tokens.size(); ++i) {
        const int at = text.indexOf(tokens[i], from, Qt::CaseInsensitive);
        if (at < 0)
            continue; // normalised differently (e.g. <eos>); skip rather than guess
        if (oovPositions.contains(i))
            ranges.append({at, int(tokens[i].size())});
        from = at + int(tokens[i].size());
    }
    return ranges;
}

SentenceEdit::SentenceEdit(QWidget *parent) : QComboBox(parent), m_debounce(new QTimer(this))
{
    setEditable(true);
    setInsertPolicy(QComboBox::NoInsert);
    setMaxCount(kHistorySize);
    setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    setMinimumContentsLength(36);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    lineEdit()->setPlaceholderText(tr("Type a source sentence…"));
    lineEdit()->setClearButtonEnabled(true);
    setToolTip(tr("Source sentence (Ctrl+L). Decodes as you type; Enter decodes now; the arrow opens the history."));
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, [this] { emit sentenceEdited(text()); });
    connect(lineEdit(), &QLineEdit::textEdited, this, [this] {
        m_oov.clear(); // stale until the new trace arrives
        applyFormats();
        m_debounce->start();
    });
    connect(lineEdit(), &QLineEdit::returnPressed, this, [this] {
        m_debounce->stop();
        remember(text());
        emit sentenceSubmitted(text());
    });
    connect(this, &QComboBox::activated, this, [this](int index) {
        m_debounce->stop();
        emit sentenceSubmitted(itemText(index));
    });
}

QString SentenceEdit::text() const
{
    return lineEdit()->text();
}

void SentenceEdit::setText(const QString &text)
{
    lineEdit()->setText(text);
}

void SentenceEdit::setOovRanges(const QList<QPair<int, int>> &ranges, const QStringList &words)
{
    m_oov = ranges;
    applyFormats();
    QString tip = tr("Source sentence (Ctrl+L). Decodes as you type; Enter decodes now; the arrow opens the history.");
    if (!words.isEmpty())
        tip += tr("<br><span style='color:#d03030'>Not in the model's vocabulary, decoded as &lt;unk&gt;: %1</span>")
                   .arg(words.join(QStringLiteral(", ")).toHtmlEscaped());
    lineEdit()->setToolTip(tip);
    setToolTip(tip);
}

void SentenceEdit::applyFormats()
{
    // QLineEdit has no rich text; formatting attributes sent as an input
    // method event are the supported way to underline ranges of it. Their
    // start is relative to the cursor.
    QList<QInputMethodEvent::Attribute> attributes;
    const int cursor = lineEdit()->cursorPosition();
    for (const auto &[start, length] : m_oov) {
        QTextCharFormat f;
        f.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        f.setUnderlineColor(QColor(0xd0, 0x30, 0x30));
        attributes.append(QInputMethodEvent::Attribute(QInputMethodEvent::TextFormat, start - cursor, length, f));
    }
    QInputMethodEvent event(QString(), attributes);
    QCoreApplication::sendEvent(lineEdit(), &event);
}

void SentenceEdit::remember(const QString &text)
{
    if (text.trimmed().isEmpty())
        return;
    const QString current = lineEdit()->text();
    const int existing = findText(text);
    if (existing >= 0)
        removeItem(existing);
    insertItem(0, text);
    while (count() > kHistorySize)
        removeItem(count() - 1);
    setCurrentIndex(-1);
    lineEdit()->setText(current); // changing items must not change what is typed
}

QStringList SentenceEdit::history() const
{
    QStringList items;
    for (int i = 0; i < count(); ++i)
        items << itemText(i);
    return items;
}

void SentenceEdit::setHistory(const QStringList &history)
{
    const QString current = text();
    clear();
    addItems(history.mid(0, kHistorySize));
    setCurrentIndex(-1);
    lineEdit()->setText(current);
}

} // namespace alignscope::ui
