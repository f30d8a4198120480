// AttentionStack and HeadSelection: the one way from layers × heads to the
// (n) row a view shows.
#include "alignscope/heads.h"

#include <algorithm>

namespace alignscope {

AttentionStack AttentionStack::single(const Vector &scores, const Vector &weights)
{
    AttentionStack s;
    s.layers = 1;
    s.heads = 1;
    s.scores = scores.transpose();
    s.weights = weights.transpose();
    return s;
}

bool HeadSelection::fits(int layers, int heads) const
{
    const int l = layerIn(layers);
    return l >= 0 && l < layers && (reduce != Reduce::Head || (head >= 0 && head < heads));
}

std::string HeadSelection::label(int layers, int heads) const
{
    if (layers <= 1 && heads <= 1)
        return {};
    std::string out = "layer " + std::to_string(layerIn(layers) + 1);
    switch (reduce) {
    case Reduce::Head: return out + ", head " + std::to_string(head + 1);
    case Reduce::Mean: return out + ", mean of " + std::to_string(heads) + " heads";
    case Reduce::Max: return out + ", max of " + std::to_string(heads) + " heads";
    }
    return out;
}

std::string headName(const HeadSelection &selection)
{
    switch (selection.reduce) {
    case HeadSelection::Reduce::Mean: return "mean";
    case HeadSelection::Reduce::Max: return "max";
    case HeadSelection::Reduce::Head: break;
    }
    return std::to_string(selection.head + 1);
}

namespace {

Result<int> oneBased(const std::string &text, const char *what, int count)
{
    size_t used = 0;
    int value = 0;
    try {
        value = std::stoi(text, &used);
    } catch (...) {
        used = 0;
    }
    if (used == 0 || used != text.size())
        return usageError(std::string("--") + what + " \"" + text + "\" is not a number");
    if (value < 1 || value > count)
        return usageError(std::string("--") + what + " " + text + " is out of range: this model has " +
                          std::to_string(count) + " " + what + (count == 1 ? "" : "s") + " (1.." +
                          std::to_string(count) + ")");
    return value - 1;
}

} // namespace

Result<HeadSelection> parseHeadSelection(const std::string *layer, const std::string *head, int layers, int heads)
{
    HeadSelection s;
    if (layer) {
        auto l = oneBased(*layer, "layer", layers);
        if (!l)
            return l.error();
        s.layer = l.value();
    }
    if (head) {
        if (*head == "mean" || *head == "max") {
            s.reduce = *head == "mean" ? HeadSelection::Reduce::Mean : HeadSelection::Reduce::Max;
        } else {
            auto h = oneBased(*head, "head", heads);
            if (!h)
                return Error{ErrorKind::Usage, h.error().message + "; or use mean or max"};
            s.reduce = HeadSelection::Reduce::Head;
            s.head = h.value();
        }
    }
    return s;
}

Vector selectRow(const Matrix &rows, const AttentionStack &stack, const HeadSelection &selection)
{
    if (rows.rows() == 0)
        return {};
    if (rows.rows() == 1) // an RNN: every selection is its one row
        return rows.row(0).transpose();
    const int layer = std::clamp(selection.layerIn(stack.layers), 0, stack.layers - 1);
    const auto block = rows.middleRows(stack.rowOf(layer, 0), stack.heads); // (H, n)
    switch (selection.reduce) {
    case HeadSelection::Reduce::Head:
        return block.row(std::clamp(selection.head, 0, stack.heads - 1)).transpose();
    case HeadSelection::Reduce::Mean:
        return block.colwise().mean().transpose();
    case HeadSelection::Reduce::Max:
        return block.colwise().maxCoeff().transpose();
    }
    return {};
}

Matrix selectMap(const std::vector<Matrix> &matrices, const AttentionMaps &maps, const HeadSelection &selection)
{
    if (matrices.empty())
        return {};
    const int layer = std::clamp(selection.layerIn(maps.layers), 0, maps.layers - 1);
    auto at = [&](int head) -> const Matrix & { return matrices[size_t(maps.indexOf(layer, head))]; };
    if (selection.reduce == HeadSelection::Reduce::Head)
        return at(std::clamp(selection.head, 0, maps.heads - 1));
    Matrix out = at(0);
    for (int h = 1; h < maps.heads; ++h)
        out = selection.reduce == HeadSelection::Reduce::Mean ? Matrix(out + at(h)) : Matrix(out.cwiseMax(at(h)));
    if (selection.reduce == HeadSelection::Reduce::Mean)
        out /= float(maps.heads);
    return out;
}

} // namespace alignscope
