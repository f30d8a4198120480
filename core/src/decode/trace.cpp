// DecodeTrace queries: paths through the hypothesis tree and matrices along them.
#include "alignscope/trace.h"

#include <algorithm>

namespace alignscope {

std::vector<int> DecodeTrace::path(int node) const
{
    std::vector<int> out;
    for (int n = node; n >= 0; n = nodes[n].parent)
        out.push_back(n);
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<int> DecodeTrace::bestPath() const
{
    if (!hypotheses.empty())
        return path(hypotheses.front().node);
    const int last = stepCount() - 1;
    if (last < 0)
        return {};
    int best = -1;
    for (int n : nodesAtStep(last))
        if (best < 0 || nodes[n].cumulativeLogProb > nodes[best].cumulativeLogProb)
            best = n;
    return path(best);
}

std::vector<int> DecodeTrace::nodesAtStep(int step) const
{
    std::vector<int> out;
    for (int i = 0; i < static_cast<int>(nodes.size()); ++i)
        if (nodes[i].step == step)
            out.push_back(i);
    return out;
}

int DecodeTrace::stepCount() const
{
    return nodes.empty() ? 0 : nodes.back().step + 1;
}

std::vector<std::string> DecodeTrace::targetTokens(const std::vector<int> &p) const
{
    std::vector<std::string> out;
    for (int n : p)
        if (nodes[n].tokenId != eosId)
            out.push_back(nodes[n].token);
    return out;
}

std::string DecodeTrace::translation(const std::vector<int> &p) const { return textOf(targetTokens(p)); }

std::string DecodeTrace::textOf(const std::vector<std::string> &tokens) const
{
    if (detokenizer)
        return detokenizer(tokens);
    std::string out;
    for (const auto &t : tokens)
        out += (out.empty() ? "" : " ") + t;
    return out;
}

Vector DecodeTrace::weights(int node, const HeadSelection &selection) const
{
    return nodes[node].weights(selection);
}

Vector DecodeTrace::scores(int node, const HeadSelection &selection) const
{
    return nodes[node].scores(selection);
}

namespace {

/// (T, n): one selected row per node of the path; a row shorter than n (a
/// trace cut short) is padded with zeros.
Matrix stackRows(const DecodeTrace &t, const std::vector<int> &p, const HeadSelection &selection, bool weights)
{
    const Eigen::Index n = t.sourceLength();
    Matrix m = Matrix::Zero(static_cast<Eigen::Index>(p.size()), n);
    for (size_t i = 0; i < p.size(); ++i) {
        const AttentionStack &a = t.nodes[p[i]].cross;
        const Vector v = selectRow(weights ? a.weights : a.scores, a, selection);
        const Eigen::Index k = std::min<Eigen::Index>(n, v.size());
        m.row(static_cast<Eigen::Index>(i)).head(k) = v.head(k).transpose();
    }
    return m;
}

} // namespace

Matrix DecodeTrace::weightMatrix(const std::vector<int> &p, const HeadSelection &selection) const
{
    return stackRows(*this, p, selection, true);
}

Matrix DecodeTrace::scoreMatrix(const std::vector<int> &p, const HeadSelection &selection) const
{
    return stackRows(*this, p, selection, false);
}

namespace {

/// Decoder self-attention rows along a path, each padded to T columns.
Matrix selfRows(const DecodeTrace &trace, const std::vector<int> &path, const HeadSelection &selection, bool weights)
{
    const Eigen::Index T = Eigen::Index(path.size());
    Matrix m = Matrix::Zero(T, T);
    for (Eigen::Index t = 0; t < T; ++t) {
        const AttentionStack &self = trace.nodes[size_t(path[size_t(t)])].self;
        const Vector row = selectRow(weights ? self.weights : self.scores, self, selection);
        const Eigen::Index n = std::min<Eigen::Index>(row.size(), T);
        m.row(t).head(n) = row.head(n).transpose();
    }
    return m;
}

} // namespace

bool DecodeTrace::hasDecoderSelfAttention() const
{
    return !nodes.empty() && !nodes.front().self.empty();
}

Matrix DecodeTrace::decoderSelfWeights(const std::vector<int> &p, const HeadSelection &selection) const
{
    return hasDecoderSelfAttention() ? selfRows(*this, p, selection, true) : Matrix();
}

Matrix DecodeTrace::decoderSelfScores(const std::vector<int> &p, const HeadSelection &selection) const
{
    return hasDecoderSelfAttention() ? selfRows(*this, p, selection, false) : Matrix();
}

Matrix DecodeTrace::encoderSelfWeights(const HeadSelection &selection) const
{
    return selectMap(encoderSelf.weights, encoderSelf, selection);
}

Matrix DecodeTrace::encoderSelfScores(const HeadSelection &selection) const
{
    return selectMap(encoderSelf.scores, encoderSelf, selection);
}

} // namespace alignscope
