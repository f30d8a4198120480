#include "decode/interventionedits.h"

#include <algorithm>

namespace alignscope::ui {

Intervention withOneHot(Intervention iv, int step, int source, const HeadSelection &selection, int layers, int heads)
{
    int layer = -1, head = -1; // a 1 × 1 model: its one attention
    if (layers > 1 || heads > 1) {
        layer = selection.layerIn(layers);
        if (selection.reduce == HeadSelection::Reduce::Head)
            head = selection.head;
    }
    iv.edits.push_back(AttentionEdit::oneHot(step, source, layer, head));
    return iv;
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
