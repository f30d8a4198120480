#pragma once
// Intervention: what a decode changes in the model's own cross-attention,
// to ask whether the model uses it. An edit replaces the weights of chosen
// heads at one step; a dropped source position loses its weight at every
// step (the rest renormalised); an ablated head's output is zeroed before
// the output projection. The decoder then continues with its own choices.
// Shapes: n = source columns, L × H = cross-attention layers × heads
// (an RNN is 1 × 1: its "head output" is the context c_t).

#include "alignscope/result.h"
#include "alignscope/tensor.h"

#include <string>
#include <vector>

namespace alignscope {

/// A head of a layer; head −1 means every head of the layer. 0-based.
struct HeadRef {
    int layer = 0;
    int head = -1;
    bool covers(int l, int h) const { return layer == l && (head < 0 || head == h); }
    bool operator==(const HeadRef &) const = default;
};

/// Weights the decoder uses instead of its own at one step.
struct AttentionEdit {
    int step = 0;      ///< 0-based decode step
    int layer = -1;    ///< −1: every layer
    int head = -1;     ///< −1: every head of the layer(s)
    int position = -1; ///< ≥ 0: all the weight on this source position (then `weights` is unused)
    Vector weights;    ///< (n) otherwise: non-negative, sums to 1

    bool covers(int t, int l, int h) const { return step == t && (layer < 0 || layer == l) && (head < 0 || head == h); }
    /// All the weight on source position `position`.
    static AttentionEdit oneHot(int step, int position, int layer = -1, int head = -1);
    /// The (n) row this edit puts in place of the model's.
    Vector row(Eigen::Index n) const;
    bool operator==(const AttentionEdit &) const;
};

struct Intervention {
    std::vector<AttentionEdit> edits;   ///< later edits of the same head and step win
    std::vector<int> droppedSource;     ///< positions removed from every step and head
    std::vector<HeadRef> ablatedHeads;  ///< heads (or layers) whose output is zeroed before W_o

    bool empty() const { return edits.empty() && droppedSource.empty() && ablatedHeads.empty(); }
    /// Whether step `t`'s weights differ from the model's (an edit or a drop applies).
    bool reshapesStep(int t) const;
    /// Applies the edits and drops for (t, layer, head) to `weights` (n) in
    /// place; false when nothing applies. A drop keeps the row's total (1
    /// for a softmax over the source): the rest are scaled up to it, or share
    /// it evenly when they had no weight.
    bool reshape(Vector &weights, int t, int layer, int head) const;
    /// Whether head (layer, head)'s output is zeroed.
    bool silences(int layer, int head) const;
    /// A usage error naming what does not fit a source of n columns and an
    /// L × H model (positions, steps, layers and heads out of range, weights
    /// of the wrong length or not a distribution).
    Result<void> check(int n, int layers, int heads) const;
    /// "edit step 2 → 'cat'; drop 'the'; ablate 2:3" style one-liner for views.
    std::string summary() const;
    bool operator==(const Intervention &) const = default;
};

/// `--edit-attention STEP:POS` (1-based step, 0-based position; repeatable),
/// `--drop-source POS` and `--ablate-heads L:H,L:*` (1-based) as the CLI
/// spells them; usage errors say what is wrong.
Result<AttentionEdit> parseEditSpec(const std::string &spec);
Result<std::vector<HeadRef>> parseAblateSpec(const std::string &spec, int layers, int heads);
/// "2:3" / "2:*" (1-based), as parseAblateSpec reads it.
std::string headRefName(const HeadRef &ref);

} // namespace alignscope
