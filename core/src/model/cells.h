#pragma once
// GRU and LSTM cells in PyTorch's layout and gate order, forward and
// backward side by side. Shapes: x (B, in), h (B, H),
// weight_ih (G*H, in), weight_hh (G*H, H), biases (1, G*H); G = 3 for the
// GRU (r, z, n), 4 for the LSTM (i, f, g, o).

#include "common/ops.h"

namespace alignscope::ops {

struct CellWeights {
    Id wih, whh, bih, bhh;
};

/// h' = (1 - z) * n + z * h, with r, z = σ(.), n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
template <typename T>
Id gruCell(G<T> &g, Id x, Id h, const CellWeights &w)
{
    const Mat<T> &hv = g.value(h);
    const Eigen::Index H = hv.cols();
    Mat<T> gi = g.value(x) * g.value(w.wih).transpose();
    gi.rowwise() += g.value(w.bih).row(0);
    Mat<T> gh = hv * g.value(w.whh).transpose();
    gh.rowwise() += g.value(w.bhh).row(0);

    Mat<T> r = sigmoidOf<T>(gi.leftCols(H) + gh.leftCols(H));
    Mat<T> z = sigmoidOf<T>(gi.middleCols(H, H) + gh.middleCols(H, H));
    Mat<T> ghn = gh.rightCols(H);
    Mat<T> n = (gi.rightCols(H).array() + r.array() * ghn.array()).tanh().matrix();
    Mat<T> out = ((T(1) - z.array()) * n.array() + z.array() * hv.array()).matrix();

    const std::vector<Id> inputs{x, h, w.wih, w.whh, w.bih, w.bhh};
    if (!g.recording())
        return g.op(std::move(out), inputs, nullptr);
    return g.op(std::move(out), inputs,
                [x, h, w, H, r = std::move(r), z = std::move(z), n = std::move(n), ghn = std::move(ghn)](G<T> &g) {
        const auto dy = g.grad(g.current()).array();
        const auto ha = g.value(h).array();
        const Mat<T> dnPre = (dy * (T(1) - z.array()) * (T(1) - n.array().square())).matrix();
        const Mat<T> dz = (dy * (ha - n.array()) * z.array() * (T(1) - z.array())).matrix();
        const Mat<T> dr = (dnPre.array() * ghn.array() * r.array() * (T(1) - r.array())).matrix();
        Mat<T> dgi(dy.rows(), 3 * H), dgh(dy.rows(), 3 * H);
        dgi << dr, dz, dnPre;
        dgh << dr, dz, (dnPre.array() * r.array()).matrix();
        if (g.needsGrad(x)) g.grad(x).noalias() += dgi * g.value(w.wih);
        if (g.needsGrad(h)) {
            g.grad(h).array() += dy * z.array();
            g.grad(h).noalias() += dgh * g.value(w.whh);
        }
        if (g.needsGrad(w.wih)) g.grad(w.wih).noalias() += dgi.transpose() * g.value(x);
        if (g.needsGrad(w.whh)) g.grad(w.whh).noalias() += dgh.transpose() * g.value(h);
        if (g.needsGrad(w.bih)) g.grad(w.bih).row(0) += dgi.colwise().sum();
        if (g.needsGrad(w.bhh)) g.grad(w.bhh).row(0) += dgh.colwise().sum();
    });
}

/// LSTM state is one node [h | c] (B, 2H); returns [h' | c'].
/// c' = f * c + i * g, h' = o * tanh(c').
template <typename T>
Id lstmCell(G<T> &g, Id x, Id state, const CellWeights &w)
{
    const Mat<T> &sv = g.value(state);
    const Eigen::Index H = sv.cols() / 2;
    Mat<T> pre = g.value(x) * g.value(w.wih).transpose() + sv.leftCols(H) * g.value(w.whh).transpose();
    pre.rowwise() += g.value(w.bih).row(0) + g.value(w.bhh).row(0);

    Mat<T> gates(pre.rows(), 4 * H);
    gates.leftCols(2 * H) = sigmoidOf<T>(pre.leftCols(2 * H));
    gates.middleCols(2 * H, H) = pre.middleCols(2 * H, H).array().tanh().matrix();
    gates.rightCols(H) = sigmoidOf<T>(pre.rightCols(H));
    const auto i = gates.leftCols(H).array(), f = gates.middleCols(H, H).array();
    const auto gg = gates.middleCols(2 * H, H).array(), o = gates.rightCols(H).array();
    Mat<T> c = (f * sv.rightCols(H).array() + i * gg).matrix();
    Mat<T> tc = c.array().tanh().matrix();
    Mat<T> out(sv.rows(), 2 * H);
    out << (o * tc.array()).matrix(), c;

    const std::vector<Id> inputs{x, state, w.wih, w.whh, w.bih, w.bhh};
    if (!g.recording())
        return g.op(std::move(out), inputs, nullptr);
    return g.op(std::move(out), inputs,
                [x, state, w, H, gates = std::move(gates), tc = std::move(tc)](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current());
        const auto i = gates.leftCols(H).array(), f = gates.middleCols(H, H).array();
        const auto gg = gates.middleCols(2 * H, H).array(), o = gates.rightCols(H).array();
        const auto dh = dy.leftCols(H).array();
        const auto cPrev = g.value(state).rightCols(H).array();
        const Mat<T> dc = (dy.rightCols(H).array() + dh * o * (T(1) - tc.array().square())).matrix();
        Mat<T> dpre(dy.rows(), 4 * H);
        dpre << (dc.array() * gg * i * (T(1) - i)).matrix(),
                (dc.array() * cPrev * f * (T(1) - f)).matrix(),
                (dc.array() * i * (T(1) - gg.square())).matrix(),
                (dh * tc.array() * o * (T(1) - o)).matrix();
        if (g.needsGrad(x)) g.grad(x).noalias() += dpre * g.value(w.wih);
        if (g.needsGrad(state)) {
            Mat<T> &ds = g.grad(state);
            ds.leftCols(H).noalias() += dpre * g.value(w.whh);
            ds.rightCols(H).array() += dc.array() * f;
        }
        if (g.needsGrad(w.wih)) g.grad(w.wih).noalias() += dpre.transpose() * g.value(x);
        if (g.needsGrad(w.whh)) g.grad(w.whh).noalias() += dpre.transpose() * g.value(state).leftCols(H);
        const Mat<T> db = dpre.colwise().sum();
        if (g.needsGrad(w.bih)) g.grad(w.bih).row(0) += db.row(0);
        if (g.needsGrad(w.bhh)) g.grad(w.bhh).row(0) += db.row(0);
    });
}

} // namespace alignscope::ops
