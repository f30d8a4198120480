#include "attention/explainpanel.h"

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

// The description's plain-text markup as HTML: x_{ab} and x_a become
// subscripts, x^{ab} and x^a superscripts.
QString markup(const std::string &text)
{
    const QString in = QString::fromStdString(text).toHtmlEscaped();
    QString out;
    for (int i = 0; i < in.size(); ++i) {
        const QChar c = in[i];
        if ((c != QLatin1Char('_') && c != QLatin1Char('^')) || i + 1 >= in.size()) {
            out += c;
            continue;
        }
        const QString tag = c == QLatin1Char('_') ? QStringLiteral("sub") : QStringLiteral("sup");
        QString inner;
        if (in[i + 1] == QLatin1Char('{')) {
            const int close = in.indexOf(QLatin1Char('}'), i + 2);
            const int end = close < 0 ? in.size() : close;
            inner = in.mid(i + 2, end - i - 2);
            i = end;
        } else {
            inner = in[++i];
        }
        out += QStringLiteral("<%1>%2</%1>").arg(tag, inner);
    }
    return out;
}

/// "e<sub>3,2</sub>": a symbol with the 1-based step and position.
QString indexed(const QString &symbol, const DecodeNode &node, int j)
{
    return QStringLiteral("%1<sub>%2,%3</sub>").arg(symbol).arg(node.step + 1).arg(j + 1);
}

/// What the selection is, when there is more than one row to choose from.
QString selectionNote(const TraceModel &m)
{
    if (!m.hasHeads())
        return {};
    const DecodeTrace &tr = *m.trace();
    return QStringLiteral("<p><i>%1</i></p>")
        .arg(QString::fromStdString(m.selection().label(tr.layers(), tr.heads())).toHtmlEscaped());
}

/// The focused head of a Transformer: its row in the node's stacks and the
/// columns of its slice in the layer's keys and values; none for a mean or
/// max over heads, or a model without per-head vectors (RNNs).
struct FocusedHead {
    int layer = -1;
    int head = -1;
    int row = -1;
    Eigen::Index size = 0; ///< dk

    bool valid() const { return row >= 0; }
    static FocusedHead of(const TraceModel &m, const DecodeNode &node)
    {
        const DecodeTrace &tr = *m.trace();
        const HeadSelection &s = m.selection();
        if (node.crossQueries.rows() == 0 || s.reduce != HeadSelection::Reduce::Head || tr.crossKeys.empty())
            return {};
        FocusedHead f;
        f.layer = std::clamp(s.layerIn(node.cross.layers), 0, node.cross.layers - 1);
        f.head = std::clamp(s.head, 0, node.cross.heads - 1);
        f.row = node.cross.rowOf(f.layer, f.head);
        f.size = node.crossQueries.cols();
        return f;
    }
    Vector key(const DecodeTrace &tr, int j) const { return tr.crossKeys[size_t(layer)].row(j).segment(head * size, size).transpose(); }
    Vector value(const DecodeTrace &tr, int j) const { return tr.crossValues[size_t(layer)].row(j).segment(head * size, size).transpose(); }
};

/// e_tj of one Transformer head: q_t^(h) · k_j^(h), scaled by 1/√dk where the model does.
QString headScoreSection(const TraceModel &m, const DecodeNode &node, int j, const Vector &scores, const FocusedHead &f)
{
    const DecodeTrace &tr = *m.trace();
    const AttentionDescription &a = tr.description.attention;
    const Vector q = node.crossQueries.row(f.row).transpose(), k = f.key(tr, j);
    const double dot = double(q.dot(k));
    const bool scaled = tr.description.scorer == "scaled-dot";
    QString html = QStringLiteral("<h4>1 · Score (%1)</h4>").arg(QString::fromStdString(a.title).toHtmlEscaped());
    html += QStringLiteral("<p>e<sub>tj</sub> = q<sub>t</sub><sup>⊤</sup> k<sub>j</sub>%1 &nbsp;— cross-attention "
                           "has no position term</p><table cellspacing=2>")
                .arg(scaled ? QStringLiteral(" / √d<sub>k</sub>") : QString());
    html += QStringLiteral("<tr><td>q<sub>%1</sub> = W<sub>q</sub><sup>(%2)</sup> x<sub>%1</sub> =</td><td>%3</td></tr>")
                .arg(node.step + 1).arg(f.head + 1).arg(summary(q));
    html += QStringLiteral("<tr><td>k<sub>%1</sub> = W<sub>k</sub><sup>(%2)</sup> h<sub>%1</sub> =</td><td>%3</td></tr>")
                .arg(j + 1).arg(f.head + 1).arg(summary(k));
    html += QStringLiteral("</table><p>q·k = %1").arg(num(dot, 4));
    if (scaled)
        html += QStringLiteral(", / √%1 = / %2").arg(f.size).arg(num(std::sqrt(double(f.size)), 3));
    return html + QStringLiteral("</p><p><b>%1 = %2</b> (the trace: %3)</p>")
                      .arg(indexed(QStringLiteral("e"), node, j), num(scaled ? dot / std::sqrt(double(f.size)) : dot, 4),
                           num(scores[j], 4));
}

/// One head's output Σ_j α_tj v_j^(h), and what happens to it next.
QString headOutputSection(const TraceModel &m, const DecodeNode &node, int j, const Vector &weights, const FocusedHead &f)
{
    const DecodeTrace &tr = *m.trace();
    std::vector<int> order(size_t(weights.size()));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return weights[a] > weights[b]; });
    QStringList terms;
    for (size_t r = 0; r < std::min<size_t>(3, order.size()); ++r)
        terms << QStringLiteral("%1·v<sub>%2</sub>%3").arg(num(weights[order[r]])).arg(order[r] + 1)
                     .arg(tok(tr.readable(tr.source.labels[size_t(order[r])])));
    if (order.size() > 3)
        terms << QStringLiteral("…");
    QString html = QStringLiteral("<h4>3 · Output of head %1</h4><p>o<sub>t</sub><sup>(%1)</sup> = Σ<sub>j</sub> "
                                  "α<sub>tj</sub> v<sub>j</sub> = %2</p>")
                       .arg(f.head + 1).arg(terms.join(QStringLiteral(" + ")));
    html += QStringLiteral("<p>v<sub>%1</sub> = W<sub>v</sub><sup>(%2)</sup> h<sub>%1</sub> = %3<br>α<sub>tj</sub> "
                           "v<sub>j</sub> = %4</p>")
                .arg(j + 1).arg(f.head + 1).arg(summary(f.value(tr, j))).arg(summary(weights[j] * f.value(tr, j)));
    html += QStringLiteral("<p>o<sub>%1</sub><sup>(%2)</sup> = %3</p>").arg(node.step + 1).arg(f.head + 1)
                .arg(summary(node.crossOutputs.row(f.row).transpose()));
    return html + QStringLiteral("<p>%1: the %2 heads' outputs side by side (size %3), projected by W<sub>o</sub>, "
                                 "join the decoder's residual stream of layer %4.</p>")
                      .arg(markup(tr.description.attention.context))
                      .arg(node.cross.heads)
                      .arg(node.cross.heads * f.size)
                      .arg(f.layer + 1);
}

QString scoreSection(const TraceModel &m, const DecodeNode &node, int j, const Vector &scores)
{
    const DecodeTrace &tr = *m.trace();
    if (const FocusedHead f = FocusedHead::of(m, node); f.valid())
        return headScoreSection(m, node, j, scores, f);
    const AttentionDescription &a = tr.description.attention;
    QString html = QStringLiteral("<h4>1 · Score (%1)</h4>").arg(QString::fromStdString(a.title).toHtmlEscaped());
    html += QStringLiteral("<p>%1").arg(markup(a.score));
    if (!a.note.empty())
        html += QStringLiteral(" &nbsp;— %1").arg(markup(a.note));
    html += QStringLiteral("</p><table cellspacing=2>");
    if (node.query.size() > 0)
        html += QStringLiteral("<tr><td>%1 =</td><td>%2</td></tr>").arg(markup(a.query), summary(node.query));
    if (a.scoreReadsKey && j < tr.encoderStates.rows())
        html += QStringLiteral("<tr><td>h<sub>%1</sub> =</td><td>%2</td></tr>")
                    .arg(j + 1).arg(summary(tr.encoderStates.row(j).transpose()));
    return html + QStringLiteral("</table><p><b>%1 = %2</b></p>").arg(indexed(QStringLiteral("e"), node, j), num(scores[j]));
}

// The pre-2023 tutorial's softmax runs over all MAX_LENGTH slots and the
// weights on the source are kept as they are, so the denominator is read
// back from the trace.
QString slotWeightSection(const AttentionDescription &a, const DecodeNode &node, int j, const Vector &weights)
{
    const double onSource = weights.sum();
    QString html = QStringLiteral("<h4>2 · Weight: softmax over all MAX_LENGTH slots</h4>");
    html += QStringLiteral("<p>%1 &nbsp;— not renormalised over the n = %2 source positions</p>")
                .arg(markup(a.weight)).arg(weights.size());
    html += QStringLiteral("<p><b>%1 = %2</b>; Σ<sub>j≤n</sub> α<sub>tj</sub> = %3 "
                           "(the remaining %4 fell on empty slots)</p>")
                .arg(indexed(QStringLiteral("α"), node, j), num(weights[j], 4), num(onSource, 4),
                     num(std::max(0.0, 1 - onSource), 4));
    return html;
}

// A mean or max over heads is not one softmax: each head normalises its own scores.
QString reducedWeightSection(const TraceModel &m, const DecodeNode &node, int j, const Vector &weights)
{
    const DecodeTrace &tr = *m.trace();
    const bool mean = m.selection().reduce == HeadSelection::Reduce::Mean;
    QString html = QStringLiteral("<h4>2 · Weight: %1 over %2 heads</h4>")
                       .arg(mean ? QObject::tr("mean") : QObject::tr("maximum")).arg(tr.heads());
    html += QStringLiteral("<p>each head h has its own %1; the row shown is their %2</p>")
                .arg(markup(tr.description.attention.weight), mean ? QObject::tr("mean") : QObject::tr("element-wise maximum"));
    return html + QStringLiteral("<p><b>%1 = %2</b></p>").arg(indexed(QStringLiteral("α"), node, j), num(weights[j], 4));
}

QString weightSection(const TraceModel &m, const DecodeNode &node, int j, const Vector &scores, const Vector &weights)
{
    const AttentionDescription &a = m.trace()->description.attention;
    if (!a.softmaxOverSource)
        return slotWeightSection(a, node, j, weights);
    if (m.hasHeads() && m.selection().reduce != HeadSelection::Reduce::Head)
        return reducedWeightSection(m, node, j, weights);
    // Shown with the max subtracted, the way it is computed without overflow.
    const double top = scores.maxCoeff();
    double sum = 0;
    for (Eigen::Index k = 0; k < scores.size(); ++k)
        sum += std::exp(double(scores[k]) - top);
    const double mine = std::exp(double(scores[j]) - top);
    QString html = QStringLiteral("<h4>2 · Weight: softmax over j</h4>");
    html += QStringLiteral("<p>%1<br>"
                           "&nbsp;&nbsp;= exp(%2 − %3) / Σ<sub>k</sub> exp(e<sub>tk</sub> − %3)<br>"
                           "&nbsp;&nbsp;= %4 / %5 = %6</p>")
                .arg(markup(a.weight), num(scores[j]), num(top), num(mine, 4), num(sum, 4), num(mine / sum, 4));
    html += QStringLiteral("<p><b>%1 = %2</b> (from the trace").arg(indexed(QStringLiteral("α"), node, j), num(weights[j], 4));
    if (std::abs(mine / sum - weights[j]) > 1e-3)
        html += QStringLiteral("; it differs because this model masks or windows its attention");
    return html + QStringLiteral(")</p>");
}

QString contextSection(const TraceModel &m, const DecodeNode &node, int j, const Vector &weights)
{
    const DecodeTrace &tr = *m.trace();
    if (const FocusedHead f = FocusedHead::of(m, node); f.valid())
        return headOutputSection(m, node, j, weights, f);
    if (!tr.description.attention.contextOfStates) // a mean or max over heads: the equation, and how to see numbers
        return QStringLiteral("<h4>3 · Output of the heads</h4><p>%1</p><p><i>Pick one head (the Head menu or the "
                              "head grid) to follow its query, keys, values and output.</i></p>")
            .arg(markup(tr.description.attention.context));
    std::vector<int> order(size_t(weights.size()));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return weights[a] > weights[b]; });
    QStringList terms;
    for (size_t r = 0; r < std::min<size_t>(3, order.size()); ++r)
        terms << QStringLiteral("%1·h<sub>%2</sub>%3").arg(num(weights[order[r]])).arg(order[r] + 1)
                     .arg(tok(tr.readable(tr.source.labels[size_t(order[r])])));
    if (order.size() > 3)
        terms << QStringLiteral("…");
    QString html = QStringLiteral("<h4>3 · Context</h4><p>%1 = %2</p>")
                       .arg(markup(tr.description.attention.context), terms.join(QStringLiteral(" + ")));
    if (j < tr.encoderStates.rows()) {
        const Vector part = weights[j] * tr.encoderStates.row(j).transpose();
        html += QStringLiteral("<p>α<sub>tj</sub> h<sub>j</sub> = %1</p>").arg(summary(part));
    }
    if (node.context.size() > 0)
        html += QStringLiteral("<p>c<sub>%1</sub> = %2</p>").arg(node.step + 1).arg(summary(node.context));
    return html;
}

QString outputSection(const DecodeTrace &tr, const DecodeNode &node)
{
    QString html = QStringLiteral("<h4>4 · Output</h4><p>");
    for (const TopToken &t : node.topk)
        if (t.id == node.tokenId)
            html += QStringLiteral("p(%1) = %2, ").arg(tok(tr.readable(t.token)), num(t.prob, 3));
    return html + (node.forced ? QStringLiteral("forced by you (what-if).</p>")
                               : QStringLiteral("chosen by the decoder.</p>"));
}

} // namespace

QString explainHtml(const TraceModel &model)
{
    const DecodeNode *node = model.currentNode();
    const int j = model.selectedSource();
    const Vector scores = model.scoresAt(model.step());   // (n) under the layer/head selection
    const Vector weights = model.weightsAt(model.step()); // (n)
    if (!node || j < 0 || j >= scores.size())
        return QObject::tr("<p>Decode a sentence, then pick a cell of the heatmap to follow its numbers.</p>");
    const DecodeTrace &tr = *model.trace();
    QString html = QStringLiteral("<p>Step <b>t = %1</b> generating %2; source position <b>j = %3</b> %4%5.</p>")
                       .arg(node->step + 1).arg(tok(tr.readable(node->token))).arg(j + 1).arg(tok(tr.readable(tr.source.labels[size_t(j)])))
                       .arg(model.hasSourcePick() ? QString() : QObject::tr(" (the largest α; click a cell to pick another)"));
    return html + selectionNote(model) + scoreSection(model, *node, j, scores)
        + weightSection(model, *node, j, scores, weights) + contextSection(model, *node, j, weights)
        + outputSection(tr, *node);
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
