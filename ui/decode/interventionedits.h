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
/// `iv` with `source` removed from every step (unchanged when it already is).
Intervention withDropped(Intervention iv, int source);
/// `iv` with head `head` of `layer` (−1: the whole layer) switched off or
/// back on in a model of `heads` heads per layer. Switching one head of a
/// switched-off layer back on leaves the layer's other heads off.
Intervention withHeadSwitched(Intervention iv, int layer, int head, bool off, int heads);

} // namespace alignscope::ui
