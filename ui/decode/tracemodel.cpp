#include "decode/tracemodel.h"

#include <algorithm>

namespace alignscope::ui {

TraceModel::TraceModel(QObject *parent) : QObject(parent) {}

void TraceModel::setTrace(TracePtr trace, int step)
{
    m_trace = std::move(trace);
    m_path = m_trace ? m_trace->bestPath() : std::vector<int>{};
    if (m_trace && !m_selection.fits(m_trace->layers(), m_trace->heads()))
        m_selection = HeadSelection{}; // a model with fewer layers or heads than the last one
    m_source = -1;
    m_step = std::clamp(step, 0, std::max(0, stepCount() - 1));
    emit traceChanged();
    emit cursorChanged();
}

const DecodeNode *TraceModel::nodeAtStep(int step) const
{
    if (isEmpty() || step < 0 || step >= stepCount())
        return nullptr;
    return &m_trace->nodes[m_path[step]];
}

const DecodeNode *TraceModel::currentNode() const
{
    return nodeAtStep(m_step);
}

int TraceModel::sourceLength() const
{
    return m_trace ? m_trace->sourceLength() : 0;
}

int TraceModel::selectedSource() const
{
    if (m_source >= 0 && m_source < sourceLength())
        return m_source;
    const Vector w = weightsAt(m_step);
    if (w.size() == 0)
        return -1;
    // A speech source's padding (the rest of Whisper's 30 s window) is never the default pick.
    const int audio = trace()->source.audioColumns;
    const Eigen::Index n = audio > 0 ? std::min<Eigen::Index>(audio, w.size()) : w.size();
    Eigen::Index j = 0;
    w.head(n).maxCoeff(&j);
    return int(j);
}

Vector TraceModel::weightsAt(int step) const
{
    if (isEmpty() || step < 0 || step >= stepCount())
        return {};
    return m_trace->weights(m_path[size_t(step)], m_selection);
}

Vector TraceModel::scoresAt(int step) const
{
    if (isEmpty() || step < 0 || step >= stepCount())
        return {};
    return m_trace->scores(m_path[size_t(step)], m_selection);
}

Matrix TraceModel::weightMatrix() const
{
    return m_trace ? m_trace->weightMatrix(m_path, m_selection) : Matrix();
}

void TraceModel::setSelection(const HeadSelection &selection)
{
    if (selection == m_selection)
        return;
    m_selection = selection;
    emit traceChanged();
    emit cursorChanged();
    emit selectionChanged();
}

void TraceModel::setStep(int step)
{
    step = std::clamp(step, 0, std::max(0, stepCount() - 1));
    if (step == m_step)
        return;
    m_step = step;
    m_source = -1; // a pick belongs to its row; the next row shows its own argmax
    emit cursorChanged();
}

void TraceModel::selectNode(int node)
{
    if (!m_trace || node < 0 || node >= int(m_trace->nodes.size()))
        return;
    std::vector<int> chosen = m_trace->path(node);
    // Hypotheses are best first, so the first one through `node` is the best.
    for (const Hypothesis &h : m_trace->hypotheses) {
        std::vector<int> p = m_trace->path(h.node);
        if (std::find(p.begin(), p.end(), node) != p.end()) {
            chosen = std::move(p);
            break;
        }
    }
    m_path = std::move(chosen);
    m_step = m_trace->nodes[node].step;
    m_source = -1;
    emit traceChanged();
    emit cursorChanged();
}

void TraceModel::selectCell(int step, int source)
{
    if (step >= 0 && step < stepCount())
        m_step = step;
    m_source = source;
    emit cursorChanged();
}

} // namespace alignscope::ui
