#pragma once
// Gradient checks shared by the core tests of differentiable ops: an op's
// backward against central finite differences in double precision.
// loss = Σ f(inputs) ⊙ R for a fixed random R (shaped like f's output); every
// input element is moved by ±kStep and the slopes compared with the gradients
// backward gives. A failure names the input, the element and both values.

#include "transformer/blocks.h" // matmul, for the weighted sum

// oneTBB before QtTest: Qt's `emit` macro breaks tbb/profiling.h if it comes first.
#include <tbb/parallel_for.h>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

namespace alignscope::testing {

using GradMat = MatrixX<double>;
/// Builds the op under test from the input nodes; returns its output node.
using GradOp = std::function<int(Graph<double> &, const std::vector<int> &)>;

inline constexpr double kGradStep = 1e-6;

inline GradMat randomMatrix(std::mt19937 &rng, Eigen::Index r, Eigen::Index c)
{
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    GradMat m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = u(rng);
    return m;
}

/// Σ f(inputs) ⊙ weights, and the inputs' gradients when `grads`.
inline double weightedSum(const GradOp &f, std::vector<GradMat> &inputs, const GradMat &weights,
                          std::vector<GradMat> *grads)
{
    Graph<double> g(grads != nullptr);
    std::vector<int> ids;
    for (size_t i = 0; i < inputs.size(); ++i)
        ids.push_back(g.external(inputs[i], grads ? &(*grads)[i] : nullptr));
    const int prod = ops::mul(g, f(g, ids), g.constant(weights));
    // Σ (y ⊙ R) as a 1 x 1 node: ones(1, rows) (y ⊙ R) ones(cols, 1).
    const int rowSum = ops::matmul(g, g.constant(GradMat::Ones(1, weights.rows())), prod);
    const int loss = ops::matmul(g, rowSum, g.constant(GradMat::Ones(weights.cols(), 1)));
    if (grads)
        g.backward(loss);
    return g.value(loss)(0, 0);
}

/// Every element of every input: |analytic − numeric| / max(1, |numeric|) < 1e-6.
inline void checkGradients(const GradOp &f, std::vector<GradMat> inputs, unsigned seed)
{
    std::mt19937 rng(seed);
    Graph<double> probe(false);
    std::vector<int> ids;
    for (const GradMat &m : inputs)
        ids.push_back(probe.constant(m));
    const GradMat &out = probe.value(f(probe, ids));
    const GradMat weights = randomMatrix(rng, out.rows(), out.cols());
    std::vector<GradMat> grads;
    for (const GradMat &m : inputs)
        grads.push_back(GradMat::Zero(m.rows(), m.cols()));
    weightedSum(f, inputs, weights, &grads);
    for (size_t k = 0; k < inputs.size(); ++k)
        for (Eigen::Index i = 0; i < inputs[k].size(); ++i) {
            const double saved = inputs[k].data()[i];
            inputs[k].data()[i] = saved + kGradStep;
            const double up = weightedSum(f, inputs, weights, nullptr);
            inputs[k].data()[i] = saved - kGradStep;
            const double down = weightedSum(f, inputs, weights, nullptr);
            inputs[k].data()[i] = saved;
            const double numeric = (up - down) / (2 * kGradStep), analytic = grads[k].data()[i];
            const double error = std::abs(analytic - numeric) / std::max(1.0, std::abs(numeric));
            QVERIFY2(error < 1e-6, qPrintable(QStringLiteral("input %1[%2]: analytic %3, numeric %4")
                                                  .arg(k).arg(i).arg(analytic, 0, 'g', 12).arg(numeric, 0, 'g', 12)));
        }
}

} // namespace alignscope::testing
