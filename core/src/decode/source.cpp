// SourceAxis helpers.
#include "alignscope/source.h"

#include <cstdio>

namespace alignscope {

std::string toString(SourceKind kind)
{
    switch (kind) {
    case SourceKind::Text: return "text";
    case SourceKind::Audio: return "audio";
    case SourceKind::Image: return "image";
    }
    return "text";
}

std::vector<int> SourceAxis::oovPositions() const
{
    std::vector<int> out;
    for (int j = 0; j < size(); ++j)
        if (isOov(j))
            out.push_back(j);
    return out;
}

std::pair<int, int> SourceAxis::patchCell(int j) const
{
    const int k = j - extraBefore;
    if (kind != SourceKind::Image || gridColumns <= 0 || k < 0 || k >= gridRows * gridColumns)
        return {-1, -1};
    return {k / gridColumns, k % gridColumns};
}

void SourceAxis::startAudioAt(double seconds)
{
    firstFrameSeconds = seconds;
    for (int j = 0; j < size(); ++j) {
        char label[32];
        std::snprintf(label, sizeof label, "%.2f s", frameStart(j));
        labels[size_t(j)] = label;
    }
}

SourceAxis SourceAxis::textSource(std::string text, std::vector<std::string> tokens, std::vector<int> ids,
                                  std::vector<TextSpan> spans)
{
    SourceAxis a;
    a.kind = SourceKind::Text;
    a.text = std::move(text);
    a.labels = std::move(tokens);
    a.ids = std::move(ids);
    a.spans = std::move(spans);
    a.flags.assign(a.labels.size(), 0);
    return a;
}

} // namespace alignscope
