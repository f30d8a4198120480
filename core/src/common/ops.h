#pragma once
// Differentiable ops over Graph<T>: forward and backward side by side.
// Weights follow PyTorch: W is (out, in), bias (1, out); X is (B, in).

#include "common/graph.h"
#include "common/partner.h"

#include <cmath>
#include <random>
#include <vector>

namespace alignscope::ops {

template <typename T> using G = Graph<T>;
template <typename T> using Mat = MatrixX<T>;
using Id = int;

/// X W^T + b. X (B, in), W (out, in), b (1, out) or -1 for none.
template <typename T>
Id linear(G<T> &g, Id x, Id w, Id b = -1)
{
    Mat<T> y;
    // Inference on one row with a large weight: the streaming kernel, shared
    // with the decode partner (same numbers on one core or two).
    if constexpr (std::is_same_v<T, float>) {
        const Mat<T> &W = g.value(w);
        const Eigen::Index rows = g.value(x).rows();
        if (!g.recording() && rows == 1 && W.size() >= kernels::kPartnerMinimum) {
            y.resize(1, W.rows());
            kernels::gemv(W, g.value(x).data(), y.data(), g.half(w));
        } else if (!g.recording() && rows > 1 && W.rows() >= 128 && W.size() >= kernels::kPartnerMinimum) {
            kernels::gemmHalves(W, g.value(x), y); // a sentence, a picture, a clip through the encoder: both cores
        }
    }
    if (y.size() == 0)
        y = g.value(x) * g.value(w).transpose();
    if (b >= 0)
        y.rowwise() += g.value(b).row(0);
    return g.op(std::move(y), {x, w, b >= 0 ? b : x}, [x, w, b](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        if (g.needsGrad(x))
            g.grad(x).noalias() += dy * g.value(w);
        if (g.needsGrad(w))
            g.grad(w).noalias() += dy.transpose() * g.value(x);
        if (b >= 0 && g.needsGrad(b))
            g.grad(b).row(0) += dy.colwise().sum();
    });
}

template <typename T>
Id add(G<T> &g, Id a, Id b)
{
    return g.op(g.value(a) + g.value(b), {a, b}, [a, b](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        if (g.needsGrad(a)) g.grad(a) += dy;
        if (g.needsGrad(b)) g.grad(b) += dy;
    });
}

/// Elementwise product.
template <typename T>
Id mul(G<T> &g, Id a, Id b)
{
    return g.op(g.value(a).cwiseProduct(g.value(b)), {a, b}, [a, b](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        if (g.needsGrad(a)) g.grad(a) += dy.cwiseProduct(g.value(b));
        if (g.needsGrad(b)) g.grad(b) += dy.cwiseProduct(g.value(a));
    });
}

template <typename T>
Id scale(G<T> &g, Id a, T s)
{
    return g.op(g.value(a) * s, {a}, [a, s](G<T> &g) {
        if (g.needsGrad(a)) g.grad(a) += g.grad(g.current()) * s;
    });
}

template <typename T>
Id tanh(G<T> &g, Id a)
{
    Id out = g.op(g.value(a).array().tanh().matrix(), {a}, [a](G<T> &g) {
        const Id self = g.current();
        const auto y = g.value(self).array();
        g.grad(a).array() += g.grad(self).array() * (T(1) - y * y);
    });
    return out;
}

template <typename T>
Mat<T> sigmoidOf(const Mat<T> &x)
{
    return (T(1) / (T(1) + (-x.array()).exp())).matrix();
}

template <typename T>
Id sigmoid(G<T> &g, Id a)
{
    return g.op(sigmoidOf<T>(g.value(a)), {a}, [a](G<T> &g) {
        const Id self = g.current();
        const auto y = g.value(self).array();
        g.grad(a).array() += g.grad(self).array() * y * (T(1) - y);
    });
}

template <typename T>
Id relu(G<T> &g, Id a)
{
    return g.op(g.value(a).cwiseMax(T(0)), {a}, [a](G<T> &g) {
        const Id self = g.current();
        g.grad(a).array() += (g.value(a).array() > T(0)).select(g.grad(self).array(), T(0));
    });
}

/// [a_1 | a_2 | ...] along columns; all inputs have the same rows.
template <typename T>
Id concatCols(G<T> &g, const std::vector<Id> &parts)
{
    Eigen::Index rows = g.value(parts[0]).rows(), cols = 0;
    for (Id p : parts)
        cols += g.value(p).cols();
    Mat<T> y(rows, cols);
    Eigen::Index at = 0;
    for (Id p : parts) {
        y.middleCols(at, g.value(p).cols()) = g.value(p);
        at += g.value(p).cols();
    }
    return g.op(std::move(y), parts, [parts](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        Eigen::Index at = 0;
        for (Id p : parts) {
            const Eigen::Index c = g.value(p).cols();
            if (g.needsGrad(p))
                g.grad(p) += dy.middleCols(at, c);
            at += c;
        }
    });
}

/// Columns [start, start + count).
template <typename T>
Id sliceCols(G<T> &g, Id a, Eigen::Index start, Eigen::Index count)
{
    return g.op(g.value(a).middleCols(start, count), {a}, [a, start, count](G<T> &g) {
        if (g.needsGrad(a)) g.grad(a).middleCols(start, count) += g.grad(g.current());
    });
}

/// Rows of an embedding table: (B, E) from W (V, E) and B ids.
template <typename T>
Id embedding(G<T> &g, Id table, const std::vector<int> &ids)
{
    const Mat<T> &w = g.value(table);
    Mat<T> y(static_cast<Eigen::Index>(ids.size()), w.cols());
    for (size_t i = 0; i < ids.size(); ++i)
        y.row(i) = w.row(ids[i]);
    return g.op(std::move(y), {table}, [table, ids](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        Mat<T> &dw = g.grad(table);
        for (size_t i = 0; i < ids.size(); ++i)
            dw.row(ids[i]) += dy.row(i);
    });
}

/// Inverted dropout with a fixed mask drawn from `rng`.
template <typename T>
Id dropout(G<T> &g, Id a, float p, std::mt19937 &rng)
{
    if (p <= 0.0f)
        return a;
    const Mat<T> &x = g.value(a);
    Mat<T> mask(x.rows(), x.cols());
    const T keep = T(1) / T(1 - p);
    for (Eigen::Index i = 0; i < mask.size(); ++i)
        mask.data()[i] = (rng() >> 8) * (1.0f / 16777216.0f) < p ? T(0) : keep;
    Mat<T> y = x.cwiseProduct(mask);
    return g.op(std::move(y), {a}, [a, mask = std::move(mask)](G<T> &g) {
        g.grad(a) += g.grad(g.current()).cwiseProduct(mask);
    });
}

/// Per row b: updated where mask[b] = 1, kept from `old` where 0 (padding).
template <typename T>
Id selectRows(G<T> &g, Id updated, Id old, const std::vector<char> &mask)
{
    Mat<T> y = g.value(old);
    for (Eigen::Index b = 0; b < y.rows(); ++b)
        if (mask[b])
            y.row(b) = g.value(updated).row(b);
    return g.op(std::move(y), {updated, old}, [updated, old, mask](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        for (Eigen::Index b = 0; b < dy.rows(); ++b) {
            Id to = mask[b] ? updated : old;
            if (g.needsGrad(to))
                g.grad(to).row(b) += dy.row(b);
        }
    });
}

/// Interleaves per-timestep rows into a memory: steps[t] is (B, d); the
/// result is (B*S, d) with row b*S + t.
template <typename T>
Id stackTimesteps(G<T> &g, const std::vector<Id> &steps)
{
    const Eigen::Index S = static_cast<Eigen::Index>(steps.size());
    const Eigen::Index B = g.value(steps[0]).rows(), d = g.value(steps[0]).cols();
    Mat<T> y(B * S, d);
    for (Eigen::Index t = 0; t < S; ++t)
        for (Eigen::Index b = 0; b < B; ++b)
            y.row(b * S + t) = g.value(steps[t]).row(b);
    return g.op(std::move(y), steps, [steps, B, S](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        for (Eigen::Index t = 0; t < S; ++t) {
            if (!g.needsGrad(steps[t]))
                continue;
            Mat<T> &dx = g.grad(steps[t]);
            for (Eigen::Index b = 0; b < B; ++b)
                dx.row(b) += dy.row(b * S + t);
        }
    });
}

/// Row-wise log-softmax (no backward: inference only).
template <typename T>
Mat<T> logSoftmaxRows(const Mat<T> &x)
{
    Mat<T> y(x.rows(), x.cols());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        const T m = x.row(r).maxCoeff();
        const T lse = m + std::log((x.row(r).array() - m).exp().sum());
        y.row(r) = x.row(r).array() - lse;
    }
    return y;
}

/// Cross-entropy, summed over the rows with target >= 0 and times `weight`
/// (1 / token count), against a label-smoothed target: each row's target distribution is
/// (1 − ε) on the label plus ε spread evenly over all V classes (as
/// torch.nn.CrossEntropyLoss(label_smoothing=ε)); ε = 0 is plain
/// cross-entropy. logits (R, V) -> (1, 1); d/dlogits = softmax − target.
template <typename T>
Id crossEntropy(G<T> &g, Id logits, const std::vector<int> &targets, T weight, T smoothing = T(0))
{
    Mat<T> logp = logSoftmaxRows<T>(g.value(logits));
    const T V = T(logp.cols());
    T loss = 0;
    for (size_t r = 0; r < targets.size(); ++r)
        if (targets[r] >= 0)
            loss -= (T(1) - smoothing) * logp(Eigen::Index(r), targets[r]) + smoothing / V * logp.row(Eigen::Index(r)).sum();
    Mat<T> y(1, 1);
    y(0, 0) = loss * weight;
    return g.op(std::move(y), {logits}, [logits, targets, smoothing, weight, V, logp = std::move(logp)](G<T> &g) {
        const T dy = g.grad(g.current())(0, 0) * weight;
        Mat<T> &dx = g.grad(logits);
        for (size_t r = 0; r < targets.size(); ++r) {
            if (targets[r] < 0)
                continue;
            const Eigen::Index row = Eigen::Index(r);
            dx.row(row).array() += dy * (logp.row(row).array().exp() - smoothing / V);
            dx(row, targets[r]) -= dy * (T(1) - smoothing);
        }
    });
}

/// Sum of 1x1 nodes.
template <typename T>
Id sum(G<T> &g, const std::vector<Id> &parts)
{
    Mat<T> y = Mat<T>::Zero(1, 1);
    for (Id p : parts)
        y += g.value(p);
    return g.op(std::move(y), parts, [parts](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        for (Id p : parts)
            if (g.needsGrad(p))
                g.grad(p) += dy;
    });
}

} // namespace alignscope::ops
