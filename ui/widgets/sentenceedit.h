#pragma once
// Sentence field with history. Out-of-vocabulary words are underlined with
// a wavy red line and their tooltip says they decode as <unk>. Typing emits
// sentenceEdited after a short pause; Enter emits sentenceSubmitted at once.

#include "alignscope/source.h"

#include <QComboBox>
#include <QList>
#include <QPair>

class QTimer;

namespace alignscope::ui {

/// Character ranges (start, length) in the source's typed text of the
/// tokens flagged OOV, from the spans the tokenizer recorded.
QList<QPair<int, int>> oovCharacterRanges(const SourceAxis &source);

class SentenceEdit : public QComboBox {
    Q_OBJECT
public:
    explicit SentenceEdit(QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &text);
    /// Underlines these character ranges; replaces any earlier marking.
    void setOovRanges(const QList<QPair<int, int>> &ranges, const QStringList &words);
    const QList<QPair<int, int>> &oovRanges() const { return m_oov; }
    /// Puts `text` on top of the history (no duplicates, bounded).
    void remember(const QString &text);
    QStringList history() const;
    void setHistory(const QStringList &history);

signals:
    void sentenceEdited(const QString &text);
    void sentenceSubmitted(const QString &text);

private:
    void applyFormats();

    QTimer *m_debounce;
    QList<QPair<int, int>> m_oov;
};

} // namespace alignscope::ui
