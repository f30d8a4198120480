#pragma once
// InterventionPanel: the edited decode beside the original. While an
// intervention (attention edits, dropped source positions, heads switched
// off) is active it shows both translations, the tokens where they differ
// and log P of each, with Undo and Clear edits; otherwise how to start one.
// Both traces come from DecodeController: nothing is decoded here.

#include "decode/decodecontroller.h"

#include <QWidget>

class QAction;
class QLabel;

namespace alignscope::ui {

class TraceModel;

class InterventionPanel : public QWidget {
    Q_OBJECT
public:
    InterventionPanel(TraceModel *model, DecodeController *controller, QWidget *parent = nullptr);

    /// Undo the last edit (Ctrl+Z) and Clear edits; the window puts them in its menus.
    QAction *undoAction() const { return m_undo; }
    QAction *clearAction() const { return m_clear; }
    /// "Reshape" (checkable): a plain drag on a heatmap cell reshapes its row,
    /// as Shift+drag always does; the window ties it to the heatmap.
    QAction *reshapeAction() const { return m_reshape; }
    /// What the panel shows, for tests: the two translations (plain text),
    /// their log P, and the 0-based positions of each one's tokens that the
    /// other lacks (outside a longest common subsequence of the two).
    QString originalText() const { return m_originalText; }
    QString editedText() const { return m_editedText; }
    double originalLogProb() const { return m_originalLogProb; }
    double editedLogProb() const { return m_editedLogProb; }
    const std::vector<int> &originalDifferences() const { return m_originalDifferences; }
    const std::vector<int> &editedDifferences() const { return m_editedDifferences; }

private:
    void refresh();

    TraceModel *m_model;
    DecodeController *m_controller;
    QLabel *m_summary;
    QLabel *m_original;
    QLabel *m_edited;
    QAction *m_undo;
    QAction *m_clear;
    QAction *m_reshape;
    QString m_originalText;
    QString m_editedText;
    double m_originalLogProb = 0;
    double m_editedLogProb = 0;
    std::vector<int> m_originalDifferences;
    std::vector<int> m_editedDifferences;
};

} // namespace alignscope::ui
