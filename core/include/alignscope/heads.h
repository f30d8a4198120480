#pragma once
// Attention of one decode step for every layer and head, and the one
// selection every view reads it through. Shapes: L = layers, H = heads per
// layer, n = columns (source positions for cross-attention, target
// positions 0..t for decoder self-attention).

#include "alignscope/result.h"
#include "alignscope/tensor.h"

#include <string>
#include <vector>

namespace alignscope {

/// Scores and weights of one step, one row per (layer, head), layer-major.
/// An RNN's attention is the 1 × 1 case.
struct AttentionStack {
    int layers = 0;
    int heads = 0;
    Matrix scores;  ///< (L*H, n) raw e; for a Transformer the scaled (and biased) dot products
    Matrix weights; ///< (L*H, n) α

    /// A single-row stack (an RNN's attention).
    static AttentionStack single(const Vector &scores, const Vector &weights);
    bool empty() const { return weights.rows() == 0; }
    int rowOf(int layer, int head) const { return layer * heads + head; }
    Eigen::Index length() const { return weights.cols(); }
};

/// Whole attention matrices per (layer, head), layer-major: a Transformer
/// encoder's self-attention, (n, n) each, computed once per source.
struct AttentionMaps {
    int layers = 0;
    int heads = 0;
    std::vector<Matrix> scores;  ///< L*H matrices of raw e
    std::vector<Matrix> weights; ///< L*H matrices of α

    bool empty() const { return weights.empty(); }
    int indexOf(int layer, int head) const { return layer * heads + head; }
};

/// Which layer and which head (or which reduction over a layer's heads) a
/// view shows. Layers and heads are 0-based here; the CLI and the window
/// show them 1-based.
struct HeadSelection {
    enum class Reduce { Head, Mean, Max };
    int layer = -1;                ///< -1: the last layer
    Reduce reduce = Reduce::Mean;  ///< one head, or the mean / element-wise max over the layer's heads
    int head = 0;                  ///< used when reduce == Head

    static HeadSelection lastLayerMean() { return {}; }
    static HeadSelection of(int layer, int head) { return {layer, Reduce::Head, head}; }
    /// The layer index this selection means for a stack of `layers` layers.
    int layerIn(int layers) const { return layer < 0 ? layers - 1 : layer; }
    /// Whether the selection names a layer and head that exist in a L × H model.
    bool fits(int layers, int heads) const;
    /// "layer 2, head 3", "layer 6, mean of 8 heads"; "" for a 1 × 1 model.
    std::string label(int layers, int heads) const;

    bool operator==(const HeadSelection &) const = default;
};

/// `--layer L --head H|mean|max` (1-based; either may be absent) for a
/// model with `layers` × `heads` attention; a usage error names what is out
/// of range.
Result<HeadSelection> parseHeadSelection(const std::string *layer, const std::string *head, int layers, int heads);
/// The head part of a selection as the CLI spells it: "mean", "max" or "3".
std::string headName(const HeadSelection &selection);

/// The selected row of `stack`'s weights, (n). The mean of weights is a
/// distribution again; the max is not (it shows where any head looks).
Vector selectRow(const Matrix &rows, const AttentionStack &stack, const HeadSelection &selection);
inline Vector selectWeights(const AttentionStack &stack, const HeadSelection &selection)
{
    return selectRow(stack.weights, stack, selection);
}
inline Vector selectScores(const AttentionStack &stack, const HeadSelection &selection)
{
    return selectRow(stack.scores, stack, selection);
}
/// The selected matrix of `maps` (weights or scores), reduced over a
/// layer's heads as selectRow does; empty when `maps` is.
Matrix selectMap(const std::vector<Matrix> &matrices, const AttentionMaps &maps, const HeadSelection &selection);

} // namespace alignscope
