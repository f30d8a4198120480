#include "explainpanel.h"

#include <QScrollBar>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace alignscope::ui {
namespace {

QString num(double v, int digits = 3)
{
    if (!std::isfinite(v))
        return v < 0 ? QStringLiteral("−∞") : QStringLiteral("∞");
    return QString::number(v, 'f', digits).replace(QLatin1Char('-'), QChar(0x2212));
}

QString tok(const std::string &t)
{
    return QStringLiteral("“%1”").arg(QString::fromStdString(t).toHtmlEscaped());
}

// "[0.12, −0.40, 0.05, 0.31, …]  (size 128, ‖·‖ = 3.20)"
QString summary(const Vector &v)
{
    QStringList parts;
    for (Eigen::Index i = 0; i < std::min<Eigen::Index>(4, v.size()); ++i)
        parts << num(v[i], 2);
    if (v.size() > 4)
        parts << QStringLiteral("…");
    return QStringLiteral("[%1] &nbsp;<span style='color:gray'>(size %2, ‖·‖ = %3)</span>")
        .arg(parts.join(QStringLiteral(", ")))
        .arg(v.size())
        .arg(num(v.norm(), 2));
}

QString scorerFormula(const QString &scorer, const QString &q)
{
    const QString h = QStringLiteral("h<sub>j</sub>");
    if (scorer.startsWith(QLatin1String("additive")))
        return QStringLiteral("v<sub>a</sub><sup>⊤</sup> tanh(W<sub>a</sub> %1 + U<sub>a</sub> %2)").arg(q, h);
    if (scorer.startsWith(QLatin1String("scaled")))
        return QStringLiteral("%1<sup>⊤</sup> %2 / √d").arg(q, h);
    if (scorer.startsWith(QLatin1String("dot")))
        return QStringLiteral("%1<sup>⊤</sup> %2").arg(q, h);
    if (scorer.startsWith(QLatin1String("general")))
        return QStringLiteral("%1<sup>⊤</sup> W<sub>a</sub> %2").arg(q, h);
    if (scorer.startsWith(QLatin1String("concat")))
        return QStringLiteral("v<sub>a</sub><sup>⊤</sup> tanh(W<sub>a</sub> [%1 ; %2])").arg(q, h);
    if (scorer.startsWith(QLatin1String("location")))
        return QStringLiteral("(W<sub>a</sub> %1)<sub>j</sub> &nbsp;— the position j, not h<sub>j</sub>").arg(q);
    return QStringLiteral("score(%1, %2)").arg(q, h);
}

// The pre-2023 PyTorch tutorial's decoder: one score per MAX_LENGTH slot from
// [emb(y_{t-1}); s_{t-1}] (its attn Linear), never reading h_j.
QString legacyScoreSection(const DecodeNode &node, int j)
{
    const QString q = QStringLiteral("[emb(y<sub>t−1</sub>) ; s<sub>t−1</sub>]");
    QString html = QStringLiteral("<h4>1 · Score (attn over MAX_LENGTH slots, pre-2023 PyTorch tutorial)</h4>");
    html += QStringLiteral("<p>e<sub>tj</sub> = (W<sub>a</sub> %1 + b<sub>a</sub>)<sub>j</sub> &nbsp;— one row of "
                           "W<sub>a</sub> per slot j = 1…MAX_LENGTH; h<sub>j</sub> does not enter the score</p>")
                .arg(q);
    html += QStringLiteral("<table cellspacing=2><tr><td>%1 =</td><td>%2</td></tr></table>").arg(q, summary(node.query));
    html += QStringLiteral("<p><b>e<sub>%1,%2</sub> = %3</b></p>").arg(node.step + 1).arg(j + 1).arg(num(node.scores[j]));
    return html;
}

// Its softmax runs over all MAX_LENGTH slots and the weights on the source
// are kept as they are, so the denominator is read back from the trace.
QString legacyWeightSection(const DecodeNode &node, int j)
{
    const double alpha = node.weights[j];
    const double onSource = node.weights.sum();
    QString html = QStringLiteral("<h4>2 · Weight: softmax over all MAX_LENGTH slots</h4>");
    html += QStringLiteral("<p>α<sub>tj</sub> = exp(e<sub>tj</sub>) / Σ<sub>k=1…MAX_LENGTH</sub> exp(e<sub>tk</sub>)"
                           " &nbsp;— not renormalised over the n = %1 source positions</p>")
                .arg(node.weights.size());
    html += QStringLiteral("<p><b>α<sub>%1,%2</sub> = %3</b>; Σ<sub>j≤n</sub> α<sub>tj</sub> = %4 "
                           "(the remaining %5 fell on empty slots)</p>")
                .arg(node.step + 1).arg(j + 1).arg(num(alpha, 4), num(onSource, 4), num(std::max(0.0, 1 - onSource), 4));
    return html;
}

QString scoreSection(const TraceModel &m, const DecodeNode &node, int j)
{
    const DecodeTrace &tr = *m.trace();
    if (tr.decoderKind == DecoderKind::TutorialLegacy)
        return legacyScoreSection(node, j);
    const QString scorer = QString::fromStdString(tr.scorer);
    // Bahdanau's additive scorer reads the previous decoder state, Luong's the current one.
    const QString q = scorer.startsWith(QLatin1String("additive")) ? QStringLiteral("s<sub>t−1</sub>")
                                                                    : QStringLiteral("s<sub>t</sub>");
    QString html = QStringLiteral("<h4>1 · Score (%1)</h4>").arg(scorer.toHtmlEscaped());
    html += QStringLiteral("<p>e<sub>tj</sub> = %1</p><table cellspacing=2>").arg(scorerFormula(scorer, q));
    html += QStringLiteral("<tr><td>%1 =</td><td>%2</td></tr>").arg(q, summary(node.query));
    if (j < tr.encoderStates.rows())
        html += QStringLiteral("<tr><td>h<sub>%1</sub> =</td><td>%2</td></tr>")
                    .arg(j + 1).arg(summary(tr.encoderStates.row(j).transpose()));
    html += QStringLiteral("</table><p><b>e<sub>%1,%2</sub> = %3</b></p>").arg(node.step + 1).arg(j + 1)
                .arg(num(node.scores[j]));
    return html;
}

QString weightSection(const DecodeNode &node, int j)
{
    // Shown with the max subtracted, the way it is computed without overflow.
    const double top = node.scores.maxCoeff();
    double sum = 0;
    for (Eigen::Index k = 0; k < node.scores.size(); ++k)
        sum += std::exp(double(node.scores[k]) - top);
    const double mine = std::exp(double(node.scores[j]) - top);
    QString html = QStringLiteral("<h4>2 · Weight: softmax over j</h4>");
    html += QStringLiteral("<p>α<sub>tj</sub> = exp(e<sub>tj</sub>) / Σ<sub>k</sub> exp(e<sub>tk</sub>)<br>"
                           "&nbsp;&nbsp;= exp(%1 − %2) / Σ<sub>k</sub> exp(e<sub>tk</sub> − %2)<br>"
                           "&nbsp;&nbsp;= %3 / %4 = %5</p>")
                .arg(num(node.scores[j]), num(top), num(mine, 4), num(sum, 4), num(mine / sum, 4));
    html += QStringLiteral("<p><b>α<sub>%1,%2</sub> = %3</b> (from the trace").arg(node.step + 1).arg(j + 1)
                .arg(num(node.weights[j], 4));
    if (std::abs(mine / sum - node.weights[j]) > 1e-3)
        html += QStringLiteral("; it differs because this model masks or windows its attention");
    return html + QStringLiteral(")</p>");
}

QString contextSection(const TraceModel &m, const DecodeNode &node, int j)
{
    const DecodeTrace &tr = *m.trace();
    std::vector<int> order(size_t(node.weights.size()));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return node.weights[a] > node.weights[b]; });
    QStringList terms;
    for (size_t r = 0; r < std::min<size_t>(3, order.size()); ++r)
        terms << QStringLiteral("%1·h<sub>%2</sub>%3").arg(num(node.weights[order[r]])).arg(order[r] + 1)
                     .arg(tok(tr.sourceTokens[size_t(order[r])]));
    if (order.size() > 3)
        terms << QStringLiteral("…");
    QString html = QStringLiteral("<h4>3 · Context</h4><p>c<sub>t</sub> = Σ<sub>j</sub> α<sub>tj</sub> h<sub>j</sub> = %1</p>")
                       .arg(terms.join(QStringLiteral(" + ")));
    if (j < tr.encoderStates.rows()) {
        const Vector part = node.weights[j] * tr.encoderStates.row(j).transpose();
        html += QStringLiteral("<p>α<sub>tj</sub> h<sub>j</sub> = %1</p>").arg(summary(part));
    }
    html += QStringLiteral("<p>c<sub>%1</sub> = %2</p>").arg(node.step + 1).arg(summary(node.context));
    return html;
}

QString outputSection(const DecodeNode &node)
{
    QString html = QStringLiteral("<h4>4 · Output</h4><p>");
    for (const TopToken &t : node.topk)
        if (t.id == node.tokenId)
            html += QStringLiteral("p(%1) = %2, ").arg(tok(t.token), num(t.prob, 3));
    return html + (node.forced ? QStringLiteral("forced by you (what-if).</p>")
                               : QStringLiteral("chosen by the decoder.</p>"));
}

} // namespace

QString explainHtml(const TraceModel &model)
{
    const DecodeNode *node = model.currentNode();
    const int j = model.selectedSource();
    if (!node || j < 0 || j >= node->scores.size())
        return QObject::tr("<p>Decode a sentence, then pick a cell of the heatmap to follow its numbers.</p>");
    const DecodeTrace &tr = *model.trace();
    QString html = QStringLiteral("<p>Step <b>t = %1</b> generating %2; source position <b>j = %3</b> %4%5.</p>")
                       .arg(node->step + 1).arg(tok(node->token)).arg(j + 1).arg(tok(tr.sourceTokens[size_t(j)]))
                       .arg(model.hasSourcePick() ? QString() : QObject::tr(" (the largest α; click a cell to pick another)"));
    const bool legacy = tr.decoderKind == DecoderKind::TutorialLegacy;
    return html + scoreSection(model, *node, j) + (legacy ? legacyWeightSection(*node, j) : weightSection(*node, j))
        + contextSection(model, *node, j)
        + outputSection(*node);
}

ExplainPanel::ExplainPanel(TraceModel *model, QWidget *parent) : QTextBrowser(parent), m_model(model)
{
    setToolTip(tr("The attention equations with this cell's numbers: score, softmax weight, context, output."));
    setOpenLinks(false);
    connect(model, &TraceModel::cursorChanged, this, &ExplainPanel::refresh);
    connect(model, &TraceModel::traceChanged, this, &ExplainPanel::refresh);
    refresh();
}

void ExplainPanel::refresh()
{
    const int scroll = verticalScrollBar()->value(); // keep the reader's place while stepping
    setHtml(explainHtml(*m_model));
    verticalScrollBar()->setValue(scroll);
}

} // namespace alignscope::ui
