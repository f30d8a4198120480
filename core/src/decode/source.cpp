// SourceAxis helpers.
#include "alignscope/source.h"

#include <algorithm>
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

Matrix SourceAxis::patchGrid(const Vector &row) const
{
    if (kind != SourceKind::Image || gridRows <= 0 || gridColumns <= 0 || row.size() < size())
        return {};
    Matrix grid = Matrix::Zero(gridRows, gridColumns);
    for (int j = 0; j < size(); ++j)
        if (const auto [r, c] = patchCell(j); r >= 0)
            grid(r, c) = row[j];
    return grid;
}

double SourceAxis::extraWeight(const Vector &row) const
{
    double sum = 0.0;
    for (int j = 0; j < std::min<int>(size(), int(row.size())); ++j)
        if (kind == SourceKind::Image && patchCell(j).first < 0)
            sum += row[j];
    return sum;
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
