#pragma once
// Attention kernels over a batch of memories, forward and backward side by
// side. Shapes: B = batch rows, S = padded source length, d = state size,
// k = key size, A = additive hidden size. A memory is (B*S, d): row b*S + j
// is h_j of sentence b. Row b of a query matrix Q (B, k) attends only to
// rows b*S .. b*S + S - 1.
//
// Parallelism: at inference B = 1 and S can be large (a 16k-token source);
// the kernels then split the source positions j across TBB workers. Each
// e_j is written by exactly one task and c_t is accumulated per column
// chunk in a fixed j order, so results do not depend on the thread count.

#include "attention/additive_avx512.h"
#include "common/ops.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <limits>
#include <type_traits>

namespace alignscope::ops {

/// Positions per TBB task; below 2 grains the kernels stay serial. Chosen by
/// measurement (BENCHMARKS.md): smaller grains lose to scheduling overhead
/// at d = 512, larger ones leave a core idle for n < 8k.
inline constexpr Eigen::Index kPositionGrain = 1024;

template <typename F>
void forPositions(Eigen::Index n, Eigen::Index workPerPosition, F &&body)
{
    if (n < 2 * kPositionGrain || workPerPosition < 32) {
        body(Eigen::Index(0), n);
        return;
    }
    tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, n, kPositionGrain),
                      [&](const tbb::blocked_range<Eigen::Index> &r) { body(r.begin(), r.end()); });
}

/// e[b, j] = Q[b] · K[b*S + j].  Q (B, k), K (B*S, k) -> (B, S).
template <typename T>
Id dotScores(G<T> &g, Id q, Id keys, Eigen::Index S)
{
    const Mat<T> &Q = g.value(q);
    const Mat<T> &K = g.value(keys);
    Mat<T> e(Q.rows(), S);
    for (Eigen::Index b = 0; b < Q.rows(); ++b) {
        forPositions(S, K.cols(), [&](Eigen::Index lo, Eigen::Index hi) {
            e.row(b).segment(lo, hi - lo).noalias() =
                (K.middleRows(b * S + lo, hi - lo) * Q.row(b).transpose()).transpose();
        });
    }
    return g.op(std::move(e), {q, keys}, [q, keys, S](G<T> &g) {
        const Mat<T> &de = g.grad(g.current());
        for (Eigen::Index b = 0; b < de.rows(); ++b) {
            if (g.needsGrad(q))
                g.grad(q).row(b).noalias() += de.row(b) * g.value(keys).middleRows(b * S, S);
            if (g.needsGrad(keys))
                g.grad(keys).middleRows(b * S, S).noalias() += de.row(b).transpose() * g.value(q).row(b);
        }
    });
}

/// e[b, j] = v · tanh(WQ[b] + UK[b*S + j]) + bv.  WQ (B, A), UK (B*S, A),
/// v (1, A), bv (1, 1) or -1 -> (B, S). Bahdanau's additive score, and
/// Luong's concat score (whose W [q; h] splits into W_q q + W_h h).
template <typename T>
Id additiveScores(G<T> &g, Id wq, Id uk, Id v, Id bv, Eigen::Index S)
{
    const Mat<T> &WQ = g.value(wq);
    const Mat<T> &UK = g.value(uk);
    const auto vr = g.value(v).row(0);
    const T bias = bv >= 0 ? g.value(bv)(0, 0) : T(0);
    const bool cache = g.recording();
    Mat<T> hidden = cache ? Mat<T>(UK.rows(), UK.cols()) : Mat<T>();
    Mat<T> e(WQ.rows(), S);
    for (Eigen::Index b = 0; b < WQ.rows(); ++b) {
        forPositions(S, UK.cols(), [&](Eigen::Index lo, Eigen::Index hi) {
            if constexpr (std::is_same_v<T, float>) {
                if (!cache && detail::haveAvx512()) { // inference on an AVX-512 CPU: additive_avx512.h
                    detail::additiveScoresAvx512(UK.row(b * S + lo).data(), UK.cols(), WQ.row(b).data(), vr.data(),
                                                 int(UK.cols()), bias, &e(b, lo), 1, hi - lo);
                    return;
                }
            }
            for (Eigen::Index j = lo; j < hi; ++j) {
                const auto t = (UK.row(b * S + j) + WQ.row(b)).array().tanh();
                e(b, j) = (t * vr.array()).sum() + bias;
                if (cache)
                    hidden.row(b * S + j) = t.matrix();
            }
        });
    }
    return g.op(std::move(e), {wq, uk, v, bv >= 0 ? bv : v},
                [wq, uk, v, bv, S, hidden = std::move(hidden)](G<T> &g) {
        const Mat<T> &de = g.grad(g.current());
        const auto vr = g.value(v).row(0).array();
        Mat<T> dv = Mat<T>::Zero(1, vr.size());
        for (Eigen::Index b = 0; b < de.rows(); ++b) {
            const auto tb = hidden.middleRows(b * S, S);
            dv.noalias() += de.row(b) * tb;
            // d pre-activation = de_j * v * (1 - t^2), row per position.
            Mat<T> dpre = ((T(1) - tb.array().square()).rowwise() * vr).matrix();
            dpre.array().colwise() *= de.row(b).transpose().array();
            if (g.needsGrad(wq)) g.grad(wq).row(b) += dpre.colwise().sum();
            if (g.needsGrad(uk)) g.grad(uk).middleRows(b * S, S) += dpre;
        }
        if (g.needsGrad(v)) g.grad(v) += dv;
        if (bv >= 0 && g.needsGrad(bv)) g.grad(bv)(0, 0) += de.sum();
    });
}

/// Per-row window of allowed positions [lo, hi) (hi <= row length).
struct Window {
    int lo = 0;
    int hi = 0;
};

/// Numerically stable softmax over the allowed positions of each row;
/// disallowed positions get weight 0, a row with none allowed is all zeros.
template <typename T>
Id maskedSoftmax(G<T> &g, Id scores, const std::vector<Window> &windows)
{
    const Mat<T> &e = g.value(scores);
    Mat<T> a = Mat<T>::Zero(e.rows(), e.cols());
    for (Eigen::Index b = 0; b < e.rows(); ++b) {
        const Window w = windows[b];
        if (w.hi <= w.lo)
            continue;
        auto seg = e.row(b).segment(w.lo, w.hi - w.lo);
        const T m = seg.maxCoeff();
        auto out = a.row(b).segment(w.lo, w.hi - w.lo);
        out = (seg.array() - m).exp().matrix();
        // Eigen's vectorised exp clamps its argument (e^-709 in double)
        // instead of underflowing to 0; flush what lies below the smallest
        // normal number so a far-off position gets exactly 0 (one-hot rows).
        const T floor = std::log(std::numeric_limits<T>::min());
        out = ((seg.array() - m) < floor).select(T(0), out.array()).matrix();
        out /= out.sum();
    }
    return g.op(std::move(a), {scores}, [scores](G<T> &g) {
        const Id self = g.current();
        const Mat<T> &a = g.value(self);
        const Mat<T> &da = g.grad(self);
        // de = a * (da - Σ_j a_j da_j); zero outside the window since a = 0.
        const Mat<T> dot = (a.cwiseProduct(da)).rowwise().sum();
        g.grad(scores).array() += a.array() * (da.colwise() - dot.col(0)).array();
    });
}

/// c[b] = Σ_j α[b, j] H[b*S + j].  α (B, S), H (B*S, d) -> (B, d).
template <typename T>
Id context(G<T> &g, Id alpha, Id memory, Eigen::Index S)
{
    const Mat<T> &a = g.value(alpha);
    const Mat<T> &H = g.value(memory);
    Mat<T> c(a.rows(), H.cols());
    for (Eigen::Index b = 0; b < a.rows(); ++b) {
        // Split the d columns, not j, so each c_k sums j in the same order.
        const Eigen::Index d = H.cols();
        if (S * d < 2 * kPositionGrain * 64) {
            c.row(b).noalias() = a.row(b) * H.middleRows(b * S, S);
            continue;
        }
        tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, d, 64), [&](const tbb::blocked_range<Eigen::Index> &r) {
            c.row(b).segment(r.begin(), r.size()).noalias() =
                a.row(b) * H.block(b * S, r.begin(), S, r.size());
        });
    }
    return g.op(std::move(c), {alpha, memory}, [alpha, memory, S](G<T> &g) {
        const Mat<T> &dc = g.grad(g.current());
        for (Eigen::Index b = 0; b < dc.rows(); ++b) {
            const auto Hb = g.value(memory).middleRows(b * S, S);
            if (g.needsGrad(alpha))
                g.grad(alpha).row(b).noalias() += dc.row(b) * Hb.transpose();
            if (g.needsGrad(memory))
                g.grad(memory).middleRows(b * S, S).noalias() += g.value(alpha).row(b).transpose() * dc.row(b);
        }
    });
}

/// Luong's local weighting: α'[b, j] = α[b, j] exp(-(j - p_b)^2 / (2σ^2)).
/// p (B, 1) is a node (local-p, differentiable) or a constant (local-m).
template <typename T>
Id gaussianWindow(G<T> &g, Id alpha, Id p, T sigma)
{
    const Mat<T> &a = g.value(alpha);
    const Mat<T> &pv = g.value(p);
    Mat<T> gauss(a.rows(), a.cols());
    for (Eigen::Index b = 0; b < a.rows(); ++b)
        for (Eigen::Index j = 0; j < a.cols(); ++j) {
            const T dj = T(j) - pv(b, 0);
            gauss(b, j) = std::exp(-dj * dj / (T(2) * sigma * sigma));
        }
    Mat<T> out = a.cwiseProduct(gauss);
    return g.op(std::move(out), {alpha, p}, [alpha, p, sigma, gauss = std::move(gauss)](G<T> &g) {
        const Id self = g.current();
        const Mat<T> &dy = g.grad(self);
        if (g.needsGrad(alpha))
            g.grad(alpha) += dy.cwiseProduct(gauss);
        if (g.needsGrad(p)) {
            const Mat<T> &y = g.value(self);
            for (Eigen::Index b = 0; b < y.rows(); ++b)
                for (Eigen::Index j = 0; j < y.cols(); ++j)
                    g.grad(p)(b, 0) += dy(b, j) * y(b, j) * (T(j) - g.value(p)(b, 0)) / (sigma * sigma);
        }
    });
}

/// Row-wise multiply by per-row constants: y[b, :] = x[b, :] * s[b].
template <typename T>
Id scaleRows(G<T> &g, Id x, std::vector<T> s)
{
    Mat<T> y = g.value(x);
    for (Eigen::Index b = 0; b < y.rows(); ++b)
        y.row(b) *= s[b];
    return g.op(std::move(y), {x}, [x, s = std::move(s)](G<T> &g) {
        Mat<T> d = g.grad(g.current());
        for (Eigen::Index b = 0; b < d.rows(); ++b)
            d.row(b) *= s[b];
        g.grad(x) += d;
    });
}

} // namespace alignscope::ops
