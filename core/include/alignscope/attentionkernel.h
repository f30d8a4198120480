#pragma once
// One decode step's attention (scores, softmax, context) of an RNN scorer
// in isolation, for `alignscope-cli bench`: the CLI times run() without
// reaching into core's private graph and kernel headers.
// Shapes: n = source positions, d = state size.

#include "alignscope/config.h"
#include "alignscope/tensor.h"

#include <memory>

namespace alignscope {

class AttentionStepKernel {
public:
    /// `states` (n, d) H, `query` (1, d); the scorer's parameters are a
    /// constant 0.01 and its keys are computed here, once.
    AttentionStepKernel(ScorerKind kind, const Matrix &states, const Matrix &query);
    ~AttentionStepKernel();
    AttentionStepKernel(const AttentionStepKernel &) = delete;
    AttentionStepKernel &operator=(const AttentionStepKernel &) = delete;

    /// Scores, weights and context of one step.
    void run() const;
    /// Bytes one step must read at least: the keys and the states.
    double bytesRead() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace alignscope
