// Scorer implementations and the attention module.
#include "attention/scorer.h"

#include <algorithm>
#include <cmath>

namespace alignscope {

using ops::Id;

namespace {

/// Bahdanau: e_tj = vᵀ tanh(W q_t + b_W + U h_j + b_U) + b_v; U·H once per sentence.
template <typename T>
class AdditiveScorer final : public Scorer<T> {
public:
    AdditiveScorer(int a, int q, int d, std::string prefix) : m_a(a), m_q(q), m_d(d), m_p(std::move(prefix)) {}
    void declare(ShapeMap &s, const std::string &) const override
    {
        s[m_p + "W.weight"] = {m_a, m_q};
        s[m_p + "W.bias"] = {1, m_a};
        s[m_p + "U.weight"] = {m_a, m_d};
        s[m_p + "U.bias"] = {1, m_a};
        s[m_p + "v.weight"] = {1, m_a};
        s[m_p + "v.bias"] = {1, 1};
    }
    int keys(ParamBinder<T> &p, int states) const override
    {
        return ops::linear(p.graph(), states, p(m_p + "U.weight"), p(m_p + "U.bias"));
    }
    int scores(ParamBinder<T> &p, int query, const Memory &m) const override
    {
        auto &g = p.graph();
        const Id wq = ops::linear(g, query, p(m_p + "W.weight"), p(m_p + "W.bias"));
        return ops::additiveScores(g, wq, m.keys, p(m_p + "v.weight"), p(m_p + "v.bias"), m.S);
    }
    std::string formula(const std::string &q) const override { return "e_{tj} = v_a^⊤ tanh(W_a " + q + " + U_a h_j)"; }

private:
    int m_a, m_q, m_d;
    std::string m_p;
};

/// Luong dot: e_tj = q_tᵀ h_j, optionally scaled by 1/√d.
template <typename T>
class DotScorer final : public Scorer<T> {
public:
    DotScorer(int d, bool scaled) : m_d(d), m_scaled(scaled) {}
    void declare(ShapeMap &, const std::string &) const override {}
    int scores(ParamBinder<T> &p, int query, const Memory &m) const override
    {
        const Id e = ops::dotScores(p.graph(), query, m.keys, m.S);
        return m_scaled ? ops::scale(p.graph(), e, T(1) / std::sqrt(T(m_d))) : e;
    }
    std::string formula(const std::string &q) const override
    {
        return "e_{tj} = " + q + "^⊤ h_j" + (m_scaled ? " / √d" : "");
    }

private:
    int m_d;
    bool m_scaled;
};

/// Luong general: e_tj = q_tᵀ (W h_j + b); the keys W H + b are per sentence.
template <typename T>
class GeneralScorer final : public Scorer<T> {
public:
    GeneralScorer(int q, int d, std::string prefix) : m_q(q), m_d(d), m_p(std::move(prefix)) {}
    void declare(ShapeMap &s, const std::string &) const override
    {
        s[m_p + "W.weight"] = {m_q, m_d};
        s[m_p + "W.bias"] = {1, m_q};
    }
    int keys(ParamBinder<T> &p, int states) const override
    {
        return ops::linear(p.graph(), states, p(m_p + "W.weight"), p(m_p + "W.bias"));
    }
    int scores(ParamBinder<T> &p, int query, const Memory &m) const override
    {
        return ops::dotScores(p.graph(), query, m.keys, m.S);
    }
    std::string formula(const std::string &q) const override { return "e_{tj} = " + q + "^⊤ W_a h_j"; }

private:
    int m_q, m_d;
    std::string m_p;
};

/// Luong concat: e_tj = vᵀ tanh(W [q_t; h_j] + b) = vᵀ tanh(W_q q_t + W_h h_j + b).
template <typename T>
class ConcatScorer final : public Scorer<T> {
public:
    ConcatScorer(int a, int q, int d, std::string prefix) : m_a(a), m_q(q), m_d(d), m_p(std::move(prefix)) {}
    void declare(ShapeMap &s, const std::string &) const override
    {
        s[m_p + "W.weight"] = {m_a, m_q + m_d};
        s[m_p + "W.bias"] = {1, m_a};
        s[m_p + "v.weight"] = {1, m_a};
    }
    int keys(ParamBinder<T> &p, int states) const override
    {
        auto &g = p.graph();
        const Id wh = ops::sliceCols(g, p(m_p + "W.weight"), m_q, m_d);
        return ops::linear(g, states, wh, p(m_p + "W.bias"));
    }
    int scores(ParamBinder<T> &p, int query, const Memory &m) const override
    {
        auto &g = p.graph();
        const Id wq = ops::linear(g, query, ops::sliceCols(g, p(m_p + "W.weight"), 0, m_q));
        return ops::additiveScores(g, wq, m.keys, p(m_p + "v.weight"), -1, m.S);
    }
    std::string formula(const std::string &q) const override { return "e_{tj} = v_a^⊤ tanh(W_a [" + q + " ; h_j])"; }

private:
    int m_a, m_q, m_d;
    std::string m_p;
};

/// Luong location: e_t = W_a q_t + b over a fixed maximum length; no content.
template <typename T>
class LocationScorer final : public Scorer<T> {
public:
    LocationScorer(int maxLength, int q, std::string prefix) : m_l(maxLength), m_q(q), m_p(std::move(prefix)) {}
    void declare(ShapeMap &s, const std::string &) const override
    {
        s[m_p + "location.weight"] = {m_l, m_q};
        s[m_p + "location.bias"] = {1, m_l};
    }
    int scores(ParamBinder<T> &p, int query, const Memory &m) const override
    {
        auto &g = p.graph();
        const Id all = ops::linear(g, query, p(m_p + "location.weight"), p(m_p + "location.bias"));
        if (m.S <= m_l)
            return ops::sliceCols(g, all, 0, m.S);
        // Positions past the fixed length get no weight (the window stops at L).
        const Id pad = g.constant(MatrixX<T>::Zero(g.value(query).rows(), m.S - m_l));
        return ops::concatCols(g, {all, pad});
    }
    std::string formula(const std::string &q) const override { return "e_{tj} = (W_a " + q + ")_j"; }

private:
    int m_l, m_q;
    std::string m_p;
};

} // namespace

template <typename T>
std::unique_ptr<Scorer<T>> makeScorer(const AttentionConfig &c, int q, int d)
{
    const std::string prefix = "decoder.attention.";
    switch (c.scorer) {
    case ScorerKind::Additive: return std::make_unique<AdditiveScorer<T>>(c.dimension, q, d, prefix);
    case ScorerKind::Dot: return std::make_unique<DotScorer<T>>(d, false);
    case ScorerKind::ScaledDot: return std::make_unique<DotScorer<T>>(d, true);
    case ScorerKind::General: return std::make_unique<GeneralScorer<T>>(q, d, prefix);
    case ScorerKind::Concat: return std::make_unique<ConcatScorer<T>>(c.dimension, q, d, prefix);
    case ScorerKind::Location: return std::make_unique<LocationScorer<T>>(c.maxSourceLength, q, prefix);
    }
    return nullptr;
}

template <typename T>
Attention<T>::Attention(const AttentionConfig &config, int querySize, int stateSize)
    : m_config(config), m_scorer(makeScorer<T>(config, querySize, stateSize)), m_querySize(querySize)
{
}

template <typename T>
void Attention<T>::declare(ShapeMap &shapes) const
{
    m_scorer->declare(shapes, "decoder.attention.");
    if (m_config.local == LocalMode::Predictive) {
        shapes["decoder.attention.predict.W.weight"] = {m_config.dimension, m_querySize};
        shapes["decoder.attention.predict.v.weight"] = {1, m_config.dimension};
    }
}

template <typename T>
typename Attention<T>::Output Attention<T>::attend(ParamBinder<T> &p, int query, const Memory &m, int t) const
{
    auto &g = p.graph();
    Output out;
    out.scores = m_scorer->scores(p, query, m);
    const Eigen::Index B = g.value(query).rows();
    std::vector<ops::Window> windows(B);
    for (Eigen::Index b = 0; b < B; ++b) {
        int len = m.lengths[b];
        if (m_config.scorer == ScorerKind::Location)
            len = std::min(len, m_config.maxSourceLength);
        windows[b] = {0, len};
    }
    if (m_config.local == LocalMode::None) {
        out.weights = ops::maskedSoftmax(g, out.scores, windows);
    } else {
        // Luong local attention: p_t = t (local-m) or S · σ(v_pᵀ tanh(W_p h_t))
        // (local-p); softmax inside [p_t − D, p_t + D], times a Gaussian σ = D/2.
        Id centre;
        if (m_config.local == LocalMode::Monotonic) {
            MatrixX<T> pm(B, 1);
            for (Eigen::Index b = 0; b < B; ++b)
                pm(b, 0) = T(std::min(t, std::max(0, windows[b].hi - 1)));
            centre = g.constant(std::move(pm));
        } else {
            const Id hidden = ops::tanh(g, ops::linear(g, query, p("decoder.attention.predict.W.weight")));
            const Id gate = ops::sigmoid(g, ops::linear(g, hidden, p("decoder.attention.predict.v.weight")));
            std::vector<T> lengths(B);
            for (Eigen::Index b = 0; b < B; ++b)
                lengths[b] = T(windows[b].hi);
            centre = ops::scaleRows(g, gate, std::move(lengths));
        }
        const int D = m_config.window;
        for (Eigen::Index b = 0; b < B; ++b) {
            const int pt = static_cast<int>(std::lround(g.value(centre)(b, 0)));
            const int lo = std::max(windows[b].lo, pt - D), hi = std::min(windows[b].hi, pt + D + 1);
            // A window that falls past the end still covers the last position.
            windows[b] = lo < hi ? ops::Window{lo, hi} : ops::Window{std::max(0, windows[b].hi - 1), windows[b].hi};
        }
        const Id soft = ops::maskedSoftmax(g, out.scores, windows);
        out.weights = ops::gaussianWindow(g, soft, centre, T(D) / T(2));
    }
    out.context = ops::context(g, out.weights, m.states, m.S);
    return out;
}

template class Attention<float>;
template class Attention<double>;
template std::unique_ptr<Scorer<float>> makeScorer<float>(const AttentionConfig &, int, int);
template std::unique_ptr<Scorer<double>> makeScorer<double>(const AttentionConfig &, int, int);

} // namespace alignscope
