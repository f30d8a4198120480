#include "widgets/sentenceedit.h"

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

QList<QPair<int, int>> oovCharacterRanges(const SourceAxis &source)
{
    // Spans count UTF-8 bytes; the field counts UTF-16 code units.
    auto units = [&](int from, int to) {
        return int(QString::fromUtf8(source.text.data() + from, to - from).size());
    };
    QList<QPair<int, int>> ranges;
    const int textBytes = int(source.text.size());
    for (int j : source.oovPositions()) {
        if (size_t(j) >= source.spans.size())
            continue;
        const TextSpan span = source.spans[size_t(j)];
        if (span.typed() && span.end <= textBytes)
            ranges.append({units(0, span.begin), units(span.begin, span.end)});
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
