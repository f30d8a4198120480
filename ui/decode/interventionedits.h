#pragma once
// How the window's gestures change an Intervention: a Ctrl+click on a
// heatmap cell, "remove this position", a head switched off or on. Pure
// functions over core's Intervention, so the rules are tested without widgets.

#include "alignscope/heads.h"
#include "alignscope/intervention.h"

namespace alignscope::ui {

/// `iv` plus all of step `step`'s weight on source position `source`, for
/// the heads `selection` shows in an L × H model: one head, or every head
/// of the selected layer for a mean / max (an RNN's 1 × 1: its one attention).
Intervention withOneHot(Intervention iv, int step, int source, const HeadSelection &selection, int layers,
                        int heads);
/// `iv` plus step `step`'s weights replaced by `weights` (n) for the heads
/// `selection` shows (as withOneHot); an earlier edit of the same step and
/// heads is replaced rather than stacked, so undo steps back one reshape.
Intervention withReshaped(Intervention iv, int step, const Vector &weights, const HeadSelection &selection,
                          int layers, int heads);
/// `row` (n, non-negative) as a distribution whose positions [first, first
/// + count) together hold `share` (clamped to 0..1; split among them as they
/// were, evenly when they held nothing) and the others share the rest the
/// same way: what dragging one heatmap cell up or down does to its row.
Vector reshapedRow(const Vector &row, int first, int count, double share);
/// The cells a weights edit marks in the heatmap: the positions holding at
/// least half its largest weight (a one-hot's own position).
std::vector<int> reshapePeaks(const AttentionEdit &edit);

/// `iv` with `source` removed from every step (unchanged when it already is).
Intervention withDropped(Intervention iv, int source);
/// `iv` with head `head` of `layer` (−1: the whole layer) switched off or
/// back on in a model of `heads` heads per layer. Switching one head of a
/// switched-off layer back on leaves the layer's other heads off.
Intervention withHeadSwitched(Intervention iv, int layer, int head, bool off, int heads);

} // namespace alignscope::ui
