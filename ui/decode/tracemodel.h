#pragma once
// TraceModel: the one place that knows which trace, which hypothesis, which
// step, which source position and which layer and head the user is looking
// at. Every view reads attention through it, so they stay in step without
// talking to each other and a layer/head choice reaches all of them.

#include "decode/decodecontroller.h"

#include <QObject>

#include <vector>

namespace alignscope::ui {

class TraceModel : public QObject {
    Q_OBJECT
public:
    explicit TraceModel(QObject *parent = nullptr);

    /// Shows `trace` on its best hypothesis at `step` (0-based, clamped).
    void setTrace(TracePtr trace, int step = 0);
    const DecodeTrace *trace() const { return m_trace.get(); }
    TracePtr tracePtr() const { return m_trace; }
    bool isEmpty() const { return !m_trace || m_path.empty(); }

    /// Nodes of the selected hypothesis, step 0 first.
    const std::vector<int> &path() const { return m_path; }
    int stepCount() const { return int(m_path.size()); }
    /// 0-based index into path(); the UI shows step() + 1.
    int step() const { return m_step; }
    const DecodeNode *currentNode() const;
    const DecodeNode *nodeAtStep(int step) const;
    int sourceLength() const;

    /// The layer and head (or mean / max over heads) every view shows.
    const HeadSelection &selection() const { return m_selection; }
    /// Whether the trace has more than one row of attention to choose from.
    bool hasHeads() const { return m_trace && (m_trace->layers() > 1 || m_trace->heads() > 1); }
    /// (n) selected weights / raw scores at a 0-based step; empty when there is none.
    Vector weightsAt(int step) const;
    Vector scoresAt(int step) const;
    /// (T, n) selected weights along the path.
    Matrix weightMatrix() const;

    /// Source position the explain panel follows: the user's pick, or the
    /// current row's argmax when there is none.
    int selectedSource() const;
    bool hasSourcePick() const { return m_source >= 0; }

public slots:
    void setStep(int step);
    void first() { setStep(0); }
    void previous() { setStep(m_step - 1); }
    void next() { setStep(m_step + 1); }
    void last() { setStep(stepCount() - 1); }
    /// Selects the hypothesis that passes through `node` (the best finished
    /// one if any does) and moves to that node's step.
    void selectNode(int node);
    /// Picks a cell: step (row) and source position (column); -1 keeps.
    void selectCell(int step, int source);
    /// Shows another layer / head; views rebuild (traceChanged).
    void setSelection(const alignscope::HeadSelection &selection);

signals:
    /// A new trace or another hypothesis: views rebuild cached data.
    void traceChanged();
    /// Step or picked source changed: views repaint.
    void cursorChanged();
    /// The layer / head selection changed (after traceChanged).
    void selectionChanged();

private:
    TracePtr m_trace;
    std::vector<int> m_path;
    int m_step = 0;
    int m_source = -1;
    HeadSelection m_selection;
};

} // namespace alignscope::ui
