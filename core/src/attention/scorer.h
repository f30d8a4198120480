#pragma once
// One scorer interface for every alignment function e_tj = a(q_t, h_j),
// and the attention module that turns scores into weights and a context:
//   α_t = softmax(e_t) (masked, optionally windowed), c_t = Σ_j α_tj h_j.
// Shapes: q (B, Q) queries, memory H (B*S, D), keys K (B*S, Kd), e (B, S).

#include "alignscope/config.h"
#include "attention/kernels.h"
#include "common/binder.h"

#include <memory>
#include <string>
#include <vector>

namespace alignscope {

/// A batch of encoder memories with their keys.
struct Memory {
    int states = -1;               ///< (B*S, D) H
    int keys = -1;                 ///< (B*S, Kd) what the scorer compares q with
    Eigen::Index S = 0;            ///< padded source length
    std::vector<int> lengths;      ///< real length per row (<= S)
};

template <typename T>
class Scorer {
public:
    virtual ~Scorer() = default;
    /// Adds this scorer's parameter shapes under `prefix`.
    virtual void declare(ShapeMap &shapes, const std::string &prefix) const = 0;
    /// Keys from the memory, computed once per sentence (U·H for additive).
    virtual int keys(ParamBinder<T> &p, int states) const { (void)p; return states; }
    /// Raw scores e (B, S) of queries q (B, Q) against the memory.
    virtual int scores(ParamBinder<T> &p, int query, const Memory &m) const = 0;
    /// e_{tj} for a query written `query` (the decoder kind decides whether
    /// it is s_{t−1} or h_t), in the markup of AttentionDescription.
    virtual std::string formula(const std::string &query) const = 0;
};

/// Builds the scorer of a config. Q = query size, D = memory state size.
template <typename T>
std::unique_ptr<Scorer<T>> makeScorer(const AttentionConfig &c, int querySize, int stateSize);

/// Scorer + (local) softmax + context.
template <typename T>
class Attention {
public:
    Attention(const AttentionConfig &config, int querySize, int stateSize);

    void declare(ShapeMap &shapes) const;
    int keys(ParamBinder<T> &p, int states) const { return m_scorer->keys(p, states); }

    struct Output {
        int scores = -1;   ///< (B, S) e_t
        int weights = -1;  ///< (B, S) α_t
        int context = -1;  ///< (B, D) c_t
    };
    /// t = decoder step (local-m centres its window on p_t = t).
    Output attend(ParamBinder<T> &p, int query, const Memory &m, int t) const;

private:
    AttentionConfig m_config;
    std::unique_ptr<Scorer<T>> m_scorer;
    int m_querySize;
};

extern template class Attention<float>;
extern template class Attention<double>;
extern template std::unique_ptr<Scorer<float>> makeScorer<float>(const AttentionConfig &, int, int);
extern template std::unique_ptr<Scorer<double>> makeScorer<double>(const AttentionConfig &, int, int);

} // namespace alignscope
