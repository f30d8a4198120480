#pragma once
// The Transformer's reusable parts over Graph<T>, forward and backward side
// by side: matrix products, softmax, norms (LayerNorm, RMSNorm), the
// activations (GELU erf / tanh, SiLU), and multi-head attention (self,
// causal self, cross) with additive masks and per-head position biases, in
// the scaled form of "Attention Is All You Need" and T5's unscaled one.
// Plus the position encodings that are plain functions of the positions:
// sinusoidal tables and T5's relative-position buckets.
// Shapes: T = query positions, S = key positions, H = heads, dk / dv =
// per-head key and value sizes, d = model width. One sequence per call:
// queries (T, H*dk), keys (S, H*dk), values (S, H*dv).

#include "common/ops.h"

#include <unsupported/Eigen/SpecialFunctions>

#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>
#include <vector>

namespace alignscope::ops {

/// A B. A (m, k), B (k, n) -> (m, n).
template <typename T>
Id matmul(G<T> &g, Id a, Id b)
{
    Mat<T> y = g.value(a) * g.value(b);
    return g.op(std::move(y), {a, b}, [a, b](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        if (g.needsGrad(a))
            g.grad(a).noalias() += dy * g.value(b).transpose();
        if (g.needsGrad(b))
            g.grad(b).noalias() += g.value(a).transpose() * dy;
    });
}

/// Rows [start, start + count) of a: one sequence of a packed batch.
template <typename T>
Id sliceRows(G<T> &g, Id a, Eigen::Index start, Eigen::Index count)
{
    return g.op(g.value(a).middleRows(start, count), {a}, [a, start, count](G<T> &g) {
        if (g.needsGrad(a))
            g.grad(a).middleRows(start, count) += g.grad(g.current());
    });
}

/// [a_1; a_2; ...] along rows; all inputs have the same columns.
template <typename T>
Id concatRows(G<T> &g, const std::vector<Id> &parts)
{
    if (parts.size() == 1)
        return parts.front();
    Eigen::Index rows = 0;
    for (Id p : parts)
        rows += g.value(p).rows();
    Mat<T> y(rows, g.value(parts.front()).cols());
    Eigen::Index at = 0;
    for (Id p : parts) {
        y.middleRows(at, g.value(p).rows()) = g.value(p);
        at += g.value(p).rows();
    }
    return g.op(std::move(y), parts, [parts](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        Eigen::Index at = 0;
        for (Id p : parts) {
            const Eigen::Index r = g.value(p).rows();
            if (g.needsGrad(p))
                g.grad(p) += dy.middleRows(at, r);
            at += r;
        }
    });
}

/// a + c for a constant c of a's shape (an additive mask: 0 or −∞).
template <typename T>
Id addConstant(G<T> &g, Id a, const Mat<T> &c)
{
    return g.op(g.value(a) + c, {a}, [a](G<T> &g) { g.grad(a) += g.grad(g.current()); });
}

/// Row-wise softmax of x; a row of −∞ only (every key masked) gives zeros.
template <typename T>
Mat<T> softmaxRowsOf(const Mat<T> &x)
{
    Mat<T> y(x.rows(), x.cols());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        const T m = x.row(r).maxCoeff();
        if (!std::isfinite(m)) {
            y.row(r).setZero();
            continue;
        }
        y.row(r) = (x.row(r).array() - m).exp();
        y.row(r) /= y.row(r).sum();
    }
    return y;
}

/// Row-wise softmax; a row of −∞ only (every key masked) gives zeros.
template <typename T>
Id softmaxRows(G<T> &g, Id a)
{
    Mat<T> y = softmaxRowsOf<T>(g.value(a));
    Mat<T> cached = g.recording() ? y : Mat<T>(); // what backward reads
    return g.op(std::move(y), {a}, [a, s = std::move(cached)](G<T> &g) {
        // dx = s ⊙ (dy − Σ_j dy_j s_j), per row.
        const Mat<T> &dy = g.grad(g.current());
        const auto dot = (dy.cwiseProduct(s)).rowwise().sum();
        g.grad(a).array() += s.array() * (dy.colwise() - dot).array();
    });
}

/// LayerNorm over each row: (x − mean) / √(var + eps) · γ + β. x (R, d), γ and β (1, d).
template <typename T>
Id layerNorm(G<T> &g, Id x, Id gamma, Id beta, T eps)
{
    const Mat<T> &v = g.value(x);
    const Eigen::Index d = v.cols();
    Mat<T> xhat(v.rows(), d);
    std::vector<T> inv(size_t(v.rows()));
    for (Eigen::Index r = 0; r < v.rows(); ++r) {
        const T mean = v.row(r).mean();
        const T var = (v.row(r).array() - mean).square().mean();
        inv[size_t(r)] = T(1) / std::sqrt(var + eps);
        xhat.row(r) = (v.row(r).array() - mean) * inv[size_t(r)];
    }
    Mat<T> y = xhat.array().rowwise() * g.value(gamma).row(0).array();
    y.rowwise() += g.value(beta).row(0);
    return g.op(std::move(y), {x, gamma, beta}, [x, gamma, beta, xhat = std::move(xhat), inv = std::move(inv)](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        if (g.needsGrad(gamma))
            g.grad(gamma).row(0) += dy.cwiseProduct(xhat).colwise().sum();
        if (g.needsGrad(beta))
            g.grad(beta).row(0) += dy.colwise().sum();
        if (!g.needsGrad(x))
            return;
        // dx = inv/d · (d·dx̂ − Σ dx̂ − x̂ Σ dx̂⊙x̂), dx̂ = dy ⊙ γ.
        const Mat<T> dxhat = dy.array().rowwise() * g.value(gamma).row(0).array();
        const T d = T(dxhat.cols());
        for (Eigen::Index r = 0; r < dxhat.rows(); ++r) {
            const T sum = dxhat.row(r).sum(), dot = dxhat.row(r).dot(xhat.row(r));
            g.grad(x).row(r).array() += inv[size_t(r)] / d * (d * dxhat.row(r).array() - sum - xhat.row(r).array() * dot);
        }
    });
}

/// RMSNorm (T5's LayerNorm): x / √(mean(x²) + eps) · γ, no centring, no bias.
template <typename T>
Id rmsNorm(G<T> &g, Id x, Id gamma, T eps)
{
    const Mat<T> &v = g.value(x);
    std::vector<T> inv(size_t(v.rows()));
    Mat<T> y(v.rows(), v.cols());
    for (Eigen::Index r = 0; r < v.rows(); ++r) {
        inv[size_t(r)] = T(1) / std::sqrt(v.row(r).squaredNorm() / T(v.cols()) + eps);
        y.row(r) = v.row(r).array() * inv[size_t(r)] * g.value(gamma).row(0).array();
    }
    return g.op(std::move(y), {x, gamma}, [x, gamma, inv = std::move(inv)](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        const Mat<T> &v = g.value(x);
        const auto gam = g.value(gamma).row(0).array();
        for (Eigen::Index r = 0; r < v.rows(); ++r) {
            const T s = inv[size_t(r)];
            if (g.needsGrad(gamma))
                g.grad(gamma).row(0).array() += dy.row(r).array() * v.row(r).array() * s;
            if (g.needsGrad(x)) {
                // d/dx (x s) with s = (mean x² + eps)^−½: s·u − s³/d · x (x·u), u = dy ⊙ γ.
                const auto u = (dy.row(r).array() * gam).matrix();
                const T xu = v.row(r).dot(u);
                g.grad(x).row(r).array() += s * u.array() - s * s * s / T(v.cols()) * xu * v.row(r).array();
            }
        }
    });
}

enum class GeluForm { Erf, Tanh }; ///< exact, and the tanh approximation ("gelu_new", T5 v1.1)

/// GELU, element-wise, with Eigen's vectorised erf and tanh (within a few
/// ulp of std::erf / std::tanh, ten times faster: an image encoder takes
/// erf of 7 M values). Inference computes no derivative and shares large
/// inputs with the decode partner (element by element: the same bits).
template <typename T>
Id gelu(G<T> &g, Id a, GeluForm form)
{
    const Mat<T> &x = g.value(a);
    const bool derivative = g.recording();
    Mat<T> y(x.rows(), x.cols()), dydx(derivative ? x.rows() : 0, derivative ? x.cols() : 0);
    const T pi = T(3.14159265358979323846), c = std::sqrt(T(2) / pi), k = T(0.044715);
    using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
    auto elements = [&](Eigen::Index from, Eigen::Index to) {
        const Eigen::Map<const Array> v(x.data() + from, to - from);
        Eigen::Map<Array> out(y.data() + from, to - from);
        if (form == GeluForm::Erf) {
            const Array cdf = T(0.5) * (T(1) + (v / std::sqrt(T(2))).erf());
            out = v * cdf;
            if (derivative)
                Eigen::Map<Array>(dydx.data() + from, to - from) = cdf + v * (-v * v / T(2)).exp() / std::sqrt(T(2) * pi);
        } else {
            const Array t = (c * (v + k * v * v * v)).tanh();
            out = T(0.5) * v * (T(1) + t);
            if (derivative)
                Eigen::Map<Array>(dydx.data() + from, to - from) =
                    T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * c * (T(1) + T(3) * k * v * v);
        }
    };
    if (std::is_same_v<T, float> && !derivative && x.size() >= kernels::kPartnerMinimumElements) {
        // Split at a multiple of 64 elements: each element then takes the same
        // (vector or scalar) path whoever computes it.
        constexpr Eigen::Index block = 64;
        kernels::halves((x.size() + block - 1) / block, [&](Eigen::Index b0, Eigen::Index b1) {
            elements(b0 * block, std::min(b1 * block, x.size()));
        });
    } else {
        elements(0, x.size());
    }
    return g.op(std::move(y), {a}, [a, dydx = std::move(dydx)](G<T> &g) {
        g.grad(a) += g.grad(g.current()).cwiseProduct(dydx);
    });
}

/// SiLU (swish): x · σ(x), element-wise.
template <typename T>
Id silu(G<T> &g, Id a)
{
    const Mat<T> s = sigmoidOf<T>(g.value(a));
    Mat<T> y = g.value(a).cwiseProduct(s);
    return g.op(std::move(y), {a}, [a, s](G<T> &g) {
        const Mat<T> &x = g.value(a);
        g.grad(a).array() += g.grad(g.current()).array() * (s.array() * (T(1) + x.array() * (T(1) - s.array())));
    });
}

/// Additive masks (0 where allowed, −∞ where not), (T, S).
template <typename T>
Mat<T> causalMask(Eigen::Index n)
{
    Mat<T> m = Mat<T>::Zero(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        m.row(i).tail(n - i - 1).setConstant(-std::numeric_limits<T>::infinity());
    return m;
}
template <typename T>
Mat<T> paddingMask(Eigen::Index queries, Eigen::Index keys, Eigen::Index validKeys)
{
    Mat<T> m = Mat<T>::Zero(queries, keys);
    m.rightCols(keys - validKeys).setConstant(-std::numeric_limits<T>::infinity());
    return m;
}

/// What one multi-head attention computed: the output for the next layer
/// and, per head, the raw scores and the weights a view shows.
struct MultiHeadOutput {
    Id output = -1;               ///< (T, H*dv) the heads side by side, before W_o
    std::vector<Id> scores;       ///< H × (T, S) e (scaled, biased, before the mask)
    std::vector<Id> weights;      ///< H × (T, S) α
};

struct MultiHeadOptions {
    int heads = 1;
    bool scaled = true;           ///< divide by √dk (T5 folds it into its weights: false)
};

/// Inference-only changes to one attention (an intervention): head h's
/// weights (T, S) are replaced when `reshape` changes them, and its output
/// is zeroed when `silenced` says so. Both enter the graph as constants.
template <typename T>
struct HeadHooks {
    std::function<bool(int head, Mat<T> &weights)> reshape;
    std::function<bool(int head)> silenced;
};

/// An inference attention's per-head scores and weights and its joined
/// output, moved into the graph as constants.
template <typename T>
MultiHeadOutput asConstants(G<T> &g, std::vector<Mat<T>> &scores, std::vector<Mat<T>> &weights, Mat<T> joined)
{
    MultiHeadOutput out;
    for (size_t h = 0; h < scores.size(); ++h) {
        out.scores.push_back(g.constant(std::move(scores[h])));
        out.weights.push_back(g.constant(std::move(weights[h])));
    }
    out.output = g.constant(std::move(joined));
    return out;
}

/// The keys and values one query attends over, laid out head after head:
/// head h's `rows` keys are rows h·stride .. h·stride + rows of `keys`
/// (H·stride, dk), its values the same rows of `values` (H·stride, dv).
/// The encoder's cached cross keys (stride = rows = n, Graph::byHead) and a
/// decoder step's growing self-attention cache (stride = its capacity).
template <typename T>
struct HeadMajor {
    const Mat<T> *keys = nullptr;
    const Mat<T> *values = nullptr;
    Eigen::Index stride = 0;
    Eigen::Index rows = 0;
};

/// Head h's scores e (raw products in, scaled and biased out) to its weights
/// α = softmax(e + mask), reshaped by an intervention's hook; false when the
/// intervention silences the head (its output is then zero).
template <typename T>
bool headWeights(G<T> &g, Eigen::Index h, Eigen::Index dk, const MultiHeadOptions &o, const std::vector<Id> &bias,
                 const Mat<T> &mask, const HeadHooks<T> *hooks, Mat<T> &e, Mat<T> &a)
{
    if (o.scaled)
        e = e * (T(1) / std::sqrt(T(dk)));
    if (!bias.empty())
        e = e + g.value(bias[size_t(h)]);
    a = softmaxRowsOf<T>(mask.size() ? Mat<T>(e + mask) : e);
    if (hooks && hooks->reshape)
        hooks->reshape(int(h), a);
    return !(hooks && hooks->silenced && hooks->silenced(int(h)));
}

/// One query's attention over head-major keys and values (inference): per
/// head, e = q_h k_hᵀ (/ √dk) (+ bias_h), α = softmax(e), output Σ α_j v_j,
/// each head's keys and values read as one contiguous block; the heads
/// shared with the decode partner whenever a session holds it. q (1, H·dk);
/// the results enter the graph as constants.
template <typename T>
MultiHeadOutput oneQueryAttention(G<T> &g, Id q, const HeadMajor<T> &kv, const MultiHeadOptions &o,
                                  const std::vector<Id> &bias, const HeadHooks<T> *hooks = nullptr)
{
    const Mat<T> &Q = g.value(q);
    const Eigen::Index dk = kv.keys->cols(), dv = kv.values->cols(), S = kv.rows;
    eigen_assert(Q.rows() == 1 && Q.cols() == o.heads * dk && kv.keys->rows() >= o.heads * kv.stride);
    std::vector<Mat<T>> scores(size_t(o.heads)), weights(size_t(o.heads));
    Mat<T> joined(1, o.heads * dv);
    auto heads = [&](Eigen::Index from, Eigen::Index to) {
        for (Eigen::Index h = from; h < to; ++h) {
            Mat<T> &e = scores[size_t(h)];
            e.resize(1, S);
            e.row(0).noalias() = Q.row(0).segment(h * dk, dk) * kv.keys->middleRows(h * kv.stride, S).transpose();
            Mat<T> &a = weights[size_t(h)];
            if (!headWeights(g, h, dk, o, bias, Mat<T>(), hooks, e, a))
                joined.middleCols(h * dv, dv).setZero();
            else
                joined.row(0).segment(h * dv, dv).noalias() = a.row(0) * kv.values->middleRows(h * kv.stride, S); // (dv)
        }
    };
    // Always shared when a partner is held: it would wait for the next product otherwise.
    if (std::is_same_v<T, float> && !hooks && o.heads > 1)
        kernels::halves(o.heads, heads);
    else
        heads(0, o.heads);
    return asConstants(g, scores, weights, std::move(joined));
}

/// multiHeadAttention when the graph does not record (inference): each head
/// read in place from q, k and v rather than copied out, the same products
/// and softmax as the recorded form, and the heads shared with the decode
/// partner when there is enough work; the results enter the graph as constants.
template <typename T>
MultiHeadOutput multiHeadInference(G<T> &g, Id q, Id k, Id v, const MultiHeadOptions &o, const Mat<T> &mask,
                                   const std::vector<Id> &bias, const HeadHooks<T> *hooks)
{
    const Mat<T> &Q = g.value(q), &K = g.value(k), &V = g.value(v);
    const Eigen::Index dk = Q.cols() / o.heads, dv = V.cols() / o.heads, S = K.rows();
    // A decode step's cross-attention reads each head's keys and values as one
    // contiguous block when the encoder laid them out head after head (Graph::byHead):
    // the same products on the same values, 1.7× faster than striding through the rows.
    if (Q.rows() == 1 && mask.size() == 0 && g.byHead(k) && g.byHead(v))
        return oneQueryAttention(g, q, HeadMajor<T>{g.byHead(k), g.byHead(v), S, S}, o, bias, hooks);
    std::vector<Mat<T>> scores(size_t(o.heads)), weights(size_t(o.heads));
    Mat<T> joined(Q.rows(), V.cols()); // (T, H*dv)
    auto heads = [&](Eigen::Index from, Eigen::Index to) {
        for (Eigen::Index h = from; h < to; ++h) {
            Mat<T> &e = scores[size_t(h)];
            if (Q.rows() == 1) { // a decode step: one query, a matrix–vector product (no packing of K)
                e.resize(1, K.rows());
                e.row(0).noalias() = Q.row(0).segment(h * dk, dk) * K.middleCols(h * dk, dk).transpose();
            } else {
                e = Q.middleCols(h * dk, dk) * K.middleCols(h * dk, dk).transpose(); // (T, S)
            }
            Mat<T> &a = weights[size_t(h)];
            if (!headWeights(g, h, dk, o, bias, mask, hooks, e, a))
                joined.middleCols(h * dv, dv).setZero();
            else if (Q.rows() == 1)
                joined.row(0).segment(h * dv, dv).noalias() = a.row(0) * V.middleCols(h * dv, dv); // (dv)
            else
                joined.middleCols(h * dv, dv) = a * V.middleCols(h * dv, dv); // (T, dv)
        }
    };
    // A sequence's heads, or one query's over many keys.
    if (std::is_same_v<T, float> && !hooks && o.heads > 1 &&
        (Q.rows() * K.rows() * o.heads >= kernels::kPartnerMinimumElements || K.size() >= kernels::kPartnerMinimum))
        kernels::halves(o.heads, heads);
    else
        heads(0, o.heads);
    return asConstants(g, scores, weights, std::move(joined));
}

/// softmax(q_h k_hᵀ / √dk + bias_h + mask) v_h for every head h.
/// `mask` (T, S) is constant (or empty: none); `bias` holds one (T, S) node
/// per head (T5's relative position bias, differentiable) or is empty.
template <typename T>
MultiHeadOutput multiHeadAttention(G<T> &g, Id q, Id k, Id v, const MultiHeadOptions &o, const Mat<T> &mask = {},
                                   const std::vector<Id> &bias = {}, const HeadHooks<T> *hooks = nullptr)
{
    if (!g.recording())
        return multiHeadInference(g, q, k, v, o, mask, bias, hooks);
    const Eigen::Index dk = g.value(q).cols() / o.heads, dv = g.value(v).cols() / o.heads;
    MultiHeadOutput out;
    std::vector<Id> heads;
    for (int h = 0; h < o.heads; ++h) {
        const Id qh = sliceCols(g, q, h * dk, dk), kh = sliceCols(g, k, h * dk, dk), vh = sliceCols(g, v, h * dv, dv);
        Id e = linear(g, qh, kh); // (T, S) q_h k_hᵀ
        if (o.scaled)
            e = scale(g, e, T(1) / std::sqrt(T(dk)));
        if (!bias.empty())
            e = add(g, e, bias[size_t(h)]);
        out.scores.push_back(e);
        Id a = softmaxRows(g, mask.size() ? addConstant(g, e, mask) : e);
        if (hooks && hooks->reshape) {
            Mat<T> w = g.value(a);
            if (hooks->reshape(h, w))
                a = g.constant(std::move(w));
        }
        out.weights.push_back(a);
        const bool silenced = hooks && hooks->silenced && hooks->silenced(h);
        heads.push_back(silenced ? g.constant(Mat<T>::Zero(g.value(a).rows(), dv)) : matmul(g, a, vh)); // (T, dv)
    }
    out.output = heads.size() == 1 ? heads.front() : concatCols(g, heads);
    return out;
}

/// The sinusoidal position table of "Attention Is All You Need": row p,
/// frequency i: sin(p / 10000^(2i/d)) and cos(...), in columns 2i and 2i+1
/// (interleaved), or in columns i and ⌈d/2⌉ + i (halves: Marian's layout). (n, d).
template <typename T>
Mat<T> sinusoidalPositions(Eigen::Index n, Eigen::Index d, bool halves = false)
{
    Mat<T> table(n, d);
    const Eigen::Index sines = (d + 1) / 2;
    for (Eigen::Index p = 0; p < n; ++p)
        for (Eigen::Index i = 0; i < d; i += 2) {
            const double angle = double(p) / std::pow(10000.0, double(i) / double(d));
            const Eigen::Index s = halves ? i / 2 : i, c = halves ? sines + i / 2 : i + 1;
            table(p, s) = T(std::sin(angle));
            if (c < d)
                table(p, c) = T(std::cos(angle));
        }
    return table;
}

/// T5's bucket of a relative position (key − query): exact buckets for small
/// distances, logarithmic ones up to `maxDistance`; bidirectional (the
/// encoder) splits the buckets between the two signs, causal (the decoder)
/// keeps only the past.
inline int relativePositionBucket(int relative, bool bidirectional, int buckets, int maxDistance)
{
    int bucket = 0;
    if (bidirectional) {
        buckets /= 2;
        if (relative > 0)
            bucket += buckets;
        relative = std::abs(relative);
    } else {
        relative = -std::min(relative, 0);
    }
    const int exact = buckets / 2;
    if (relative < exact)
        return bucket + relative;
    const int large = exact + int(std::log(double(relative) / exact) / std::log(double(maxDistance) / exact)
                                  * (buckets - exact));
    return bucket + std::min(large, buckets - 1);
}

} // namespace alignscope::ops
