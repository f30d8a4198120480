#include "decode/interventionedits.h"

#include <algorithm>
#include <utility>

namespace alignscope::ui {

namespace {

/// The (layer, head) an edit of `selection` targets: one head, every head of
/// the selected layer for a mean / max, or (−1, −1) for a 1 × 1 model.
std::pair<int, int> editTarget(const HeadSelection &selection, int layers, int heads)
{
    if (layers <= 1 && heads <= 1)
        return {-1, -1};
    return {selection.layerIn(layers), selection.reduce == HeadSelection::Reduce::Head ? selection.head : -1};
}

/// Scales `v` to sum to `total`, or spreads `total` evenly when it sums to nothing.
void scaleTo(Eigen::Ref<Vector> v, double total)
{
    if (v.size() == 0)
        return;
    const double sum = v.sum();
    if (sum > 0)
        v *= float(total / sum);
    else
        v.setConstant(float(total / double(v.size())));
}

} // namespace

Intervention withOneHot(Intervention iv, int step, int source, const HeadSelection &selection, int layers, int heads)
{
    const auto [layer, head] = editTarget(selection, layers, heads);
    iv.edits.push_back(AttentionEdit::oneHot(step, source, layer, head));
    return iv;
}

Intervention withReshaped(Intervention iv, int step, const Vector &weights, const HeadSelection &selection,
                          int layers, int heads)
{
    const auto [layer, head] = editTarget(selection, layers, heads);
    std::erase_if(iv.edits, [&](const AttentionEdit &e) { return e.step == step && e.layer == layer && e.head == head; });
    AttentionEdit edit;
    edit.step = step;
    edit.layer = layer;
    edit.head = head;
    edit.weights = weights;
    iv.edits.push_back(std::move(edit));
    return iv;
}

Vector reshapedRow(const Vector &row, int first, int count, double share)
{
    const Eigen::Index n = row.size();
    first = std::clamp(first, 0, int(n));
    count = std::clamp(count, 0, int(n) - first);
    share = count == 0 ? 0.0 : std::clamp(share, 0.0, 1.0);
    if (count == int(n))
        share = 1.0; // nothing else to take the rest
    Vector out = row.cwiseMax(0.0f);
    scaleTo(out.segment(first, count), share);
    // The rest, before and after the segment, shares 1 − share as it did.
    Vector rest(n - count);
    rest << out.head(first), out.tail(n - first - count);
    scaleTo(rest, 1.0 - share);
    out.head(first) = rest.head(first);
    out.tail(n - first - count) = rest.tail(n - first - count);
    return out;
}

std::vector<int> reshapePeaks(const AttentionEdit &edit)
{
    if (edit.position >= 0)
        return {edit.position};
    std::vector<int> peaks;
    const float top = edit.weights.size() ? edit.weights.maxCoeff() : 0.0f;
    for (Eigen::Index j = 0; j < edit.weights.size(); ++j)
        if (top > 0 && edit.weights[j] >= 0.5f * top)
            peaks.push_back(int(j));
    return peaks;
}

Intervention withDropped(Intervention iv, int source)
{
    if (std::find(iv.droppedSource.begin(), iv.droppedSource.end(), source) == iv.droppedSource.end())
        iv.droppedSource.push_back(source);
    return iv;
}

Intervention withHeadSwitched(Intervention iv, int layer, int head, bool off, int heads)
{
    auto &refs = iv.ablatedHeads;
    const bool wasLayer = std::find(refs.begin(), refs.end(), HeadRef{layer, -1}) != refs.end();
    // Everything naming this layer (or this head) goes; what stays off is added back below.
    std::erase_if(refs, [&](const HeadRef &r) { return r.layer == layer && (head < 0 || r.head < 0 || r.head == head); });
    if (head < 0) {
        if (off)
            refs.push_back({layer, -1});
        return iv;
    }
    if (wasLayer) // the rest of the layer stays off, head by head
        for (int h = 0; h < heads; ++h)
            if (h != head)
                refs.push_back({layer, h});
    if (off)
        refs.push_back({layer, head});
    return iv;
}

} // namespace alignscope::ui
