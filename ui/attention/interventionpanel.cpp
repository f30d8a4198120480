#include "attention/interventionpanel.h"

#include "attention/heatmappainter.h"
#include "decode/tracemodel.h"

#include <QAction>
#include <QGridLayout>
#include <QLabel>
#include <QToolBar>

#include <algorithm>
#include <tuple>
#include <utility>

namespace alignscope::ui {
namespace {

struct Output {
    std::vector<std::string> tokens;
    QString text;
    double logProb = 0;
};

Output outputOf(const DecodeTrace &trace)
{
    const std::vector<int> path = trace.bestPath();
    Output o;
    for (const std::string &t : trace.targetTokens(path))
        o.tokens.push_back(trace.readable(t));
    o.text = QString::fromStdString(trace.translation(path));
    o.logProb = path.empty() ? 0.0 : trace.nodes[size_t(path.back())].cumulativeLogProb;
    return o;
}

/// Positions of `a`'s and `b`'s tokens outside a longest common
/// subsequence: "le chat … tapis" against "le tapis …" marks what changed,
/// not everything after the first change. Outputs are short: O(|a|·|b|).
std::pair<std::vector<int>, std::vector<int>> differences(const std::vector<std::string> &a,
                                                          const std::vector<std::string> &b)
{
    const size_t n = a.size(), m = b.size();
    std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0)); // suffix lengths
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::pair<std::vector<int>, std::vector<int>> out;
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            ++i, ++j;
        } else if (j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
            out.first.push_back(int(i++));
        } else {
            out.second.push_back(int(j++));
        }
    }
    return out;
}

/// Tokens as rich text, those at `differences` highlighted.
QString marked(const std::vector<std::string> &tokens, const std::vector<int> &differences, const QColor &colour)
{
    QStringList parts;
    for (int i = 0; i < int(tokens.size()); ++i) {
        const QString t = QString::fromStdString(tokens[size_t(i)]).toHtmlEscaped();
        const bool differs = std::find(differences.begin(), differences.end(), i) != differences.end();
        parts << (differs ? QStringLiteral("<span style=\"background:%1; color:black\"><b>%2</b></span>")
                                .arg(colour.name(), t)
                          : t);
    }
    return parts.join(QLatin1Char(' '));
}

} // namespace

InterventionPanel::InterventionPanel(TraceModel *model, DecodeController *controller, QWidget *parent)
    : QWidget(parent), m_model(model), m_controller(controller)
{
    setObjectName(QStringLiteral("interventionPanel"));
    setToolTip(tr("Intervene: the decode with your edits beside the model's own. Ctrl+click a heatmap cell to put "
                  "all of a step's attention on one source token, Shift+drag a cell to reshape its row, right-click a "
                  "source token to remove it, "
                  "right-click a head in the head grid to switch it off."));
    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_undo = bar->addAction(tr("&Undo edit"), this,
                            [this] { m_controller->undoIntervention(std::max(0, m_model->step())); });
    m_undo->setObjectName(QStringLiteral("undoIntervention"));
    m_undo->setShortcut(QKeySequence::Undo);
    m_undo->setToolTip(tr("Remove the last attention edit, drop or switched-off head (Ctrl+Z)"));
    m_clear = bar->addAction(tr("&Clear edits"), this, [this] { m_controller->clearIntervention(std::max(0, m_model->step())); });
    m_clear->setObjectName(QStringLiteral("clearIntervention"));
    m_clear->setToolTip(tr("Back to the model's own attention"));
    bar->addSeparator();
    m_reshape = bar->addAction(tr("&Reshape"));
    m_reshape->setObjectName(QStringLiteral("reshapeAttention"));
    m_reshape->setCheckable(true);
    m_reshape->setToolTip(tr("Drag a heatmap cell up or down to give its source token more or less of that step's "
                             "attention; the rest of the row is rescaled to sum to 1 and the decode runs again on "
                             "release (Shift+drag does this without the mode; Shift+Up/Down on the picked cell)"));
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_original = new QLabel(this);
    m_edited = new QLabel(this);
    for (QLabel *l : {m_original, m_edited}) {
        l->setWordWrap(true);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(6, 0, 6, 6);
    grid->addWidget(bar, 0, 0, 1, 2);
    grid->addWidget(m_summary, 1, 0, 1, 2);
    grid->addWidget(new QLabel(tr("<b>Original</b>"), this), 2, 0, Qt::AlignTop);
    grid->addWidget(m_original, 2, 1);
    grid->addWidget(new QLabel(tr("<b>Edited</b>"), this), 3, 0, Qt::AlignTop);
    grid->addWidget(m_edited, 3, 1);
    grid->setColumnStretch(1, 1);
    grid->setRowStretch(4, 1);
    connect(controller, &DecodeController::traceReady, this, &InterventionPanel::refresh);
    connect(controller, &DecodeController::interventionChanged, this, &InterventionPanel::refresh);
    refresh();
}

void InterventionPanel::refresh()
{
    const Intervention &iv = m_controller->intervention();
    m_undo->setEnabled(m_controller->canUndoIntervention());
    m_clear->setEnabled(!iv.empty() || m_controller->canUndoIntervention());
    const TracePtr edited = m_controller->trace();
    const TracePtr original = m_controller->originalTrace();
    m_originalDifferences.clear();
    m_editedDifferences.clear();
    if (iv.empty() || !edited || !original || edited->intervention != iv) {
        m_summary->setText(iv.empty() ? tr("No edits. Ctrl+click a heatmap cell to put all of that step's attention "
                                           "on its source token; Shift+drag a cell up or down (or turn on Reshape) "
                                           "to give it more or less; right-click a source token to remove it from "
                                           "every step; right-click a head in the head grid to switch it off.")
                                      : tr("Decoding with: %1…").arg(QString::fromStdString(iv.summary())));
        m_original->clear();
        m_edited->clear();
        m_originalText = m_editedText = QString();
        return;
    }
    const Output a = outputOf(*original), b = outputOf(*edited);
    std::tie(m_originalDifferences, m_editedDifferences) = differences(a.tokens, b.tokens);
    m_originalText = a.text;
    m_editedText = b.text;
    m_originalLogProb = a.logProb;
    m_editedLogProb = b.logProb;
    const QColor colour = interventionColor().lighter(150);
    m_summary->setText(tr("%1 · %2")
                           .arg(QString::fromStdString(iv.summary()).toHtmlEscaped(),
                                m_editedDifferences.empty() && m_originalDifferences.empty()
                                    ? tr("the output did not change")
                                    : tr("%n token(s) changed", nullptr,
                                         int(std::max(m_originalDifferences.size(), m_editedDifferences.size())))));
    m_original->setText(tr("%1<br><small>log P = %2</small>")
                            .arg(marked(a.tokens, m_originalDifferences, colour))
                            .arg(a.logProb, 0, 'f', 3));
    m_edited->setText(tr("%1<br><small>log P = %2 (%3%4 against the original)</small>")
                          .arg(marked(b.tokens, m_editedDifferences, colour))
                          .arg(b.logProb, 0, 'f', 3)
                          .arg(b.logProb >= a.logProb ? QStringLiteral("+") : QStringLiteral("−"))
                          .arg(std::abs(b.logProb - a.logProb), 0, 'f', 3));
}

} // namespace alignscope::ui
