#pragma once
// Explain panel: the seed's equations with the current numbers in them, for
// the selected cell (step t, source position j): the score e_tj from its
// scorer's formula, α_tj as a softmax over j, and c_t = Σ_j α_tj h_j, so a
// learner can follow one number end to end.

#include "decode/tracemodel.h"

#include <QTextBrowser>

namespace alignscope::ui {

/// The explanation as HTML (also used by tests and export).
QString explainHtml(const TraceModel &model);

class ExplainPanel : public QTextBrowser {
    Q_OBJECT
public:
    explicit ExplainPanel(TraceModel *model, QWidget *parent = nullptr);

private:
    void refresh();

    TraceModel *m_model;
};

} // namespace alignscope::ui
