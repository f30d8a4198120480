#pragma once
// "Which heads matter": each cross-attention head switched off alone, and
// how much the log-probability of the model's own output falls. Beside
// the per-head AER grid ("heads that align"), this is the grid of "heads
// that matter". Shapes: L × H = cross-attention layers × heads.

#include "alignscope/decode.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace alignscope {

struct HeadImportance {
    int layers = 0;
    int heads = 0;
    int sentences = 0;
    long long tokens = 0;  ///< output tokens scored (with <eos>)
    /// (L, H) mean over sentences of log P(y | x) − log P(y | x, head off),
    /// where y is the model's own greedy output: nats; larger matters more.
    Matrix drop;
    /// (L) the same with every head of a layer off.
    Vector layerDrop;
    double logProb = 0.0;  ///< mean log P(y | x) of the untouched model
};

struct HeadImportanceOptions {
    /// Called with the fraction done (0..1), one call at a time, from
    /// whichever thread finished a piece of work.
    std::function<void(double)> progress;
    const std::atomic<bool> *cancel = nullptr;
};

/// Decodes each sentence greedily, then teacher-forces its output with each
/// head (and each layer) ablated; sentences and heads run in parallel.
/// BadInput for a sentence the model cannot read (naming it), Cancelled
/// when `cancel` became true.
Result<HeadImportance> headImportance(const Seq2Seq &model, const std::vector<std::string> &sentences,
                                      const HeadImportanceOptions &options = {});

} // namespace alignscope
