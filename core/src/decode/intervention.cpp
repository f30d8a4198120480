// Intervention: reshaping a step's cross-attention weights, silencing
// heads, and the CLI's spelling of both.
#include "alignscope/intervention.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace alignscope {

AttentionEdit AttentionEdit::oneHot(int step, int position, int layer, int head)
{
    AttentionEdit e;
    e.step = step;
    e.layer = layer;
    e.head = head;
    e.position = position;
    return e;
}

Vector AttentionEdit::row(Eigen::Index n) const
{
    if (position < 0)
        return weights;
    Vector w = Vector::Zero(n);
    if (position < n)
        w[position] = 1.0f;
    return w;
}

bool AttentionEdit::operator==(const AttentionEdit &o) const
{
    return step == o.step && layer == o.layer && head == o.head && position == o.position &&
           weights.size() == o.weights.size() && weights == o.weights;
}

bool Intervention::reshapesStep(int t) const
{
    return !droppedSource.empty() ||
           std::any_of(edits.begin(), edits.end(), [t](const AttentionEdit &e) { return e.step == t; });
}

bool Intervention::reshape(Vector &weights, int t, int layer, int head) const
{
    bool changed = false;
    const float total = weights.sum(); // 1 for a softmax over the source; less for the tutorial's fixed slots
    for (const AttentionEdit &e : edits)
        if (e.covers(t, layer, head) && (e.position >= 0 || e.weights.size() == weights.size())) {
            weights = e.row(weights.size()) * total;
            changed = true;
        }
    if (droppedSource.empty())
        return changed;
    const Eigen::Index n = weights.size();
    std::vector<char> kept(size_t(n), 1);
    for (int j : droppedSource)
        if (j >= 0 && j < n)
            kept[size_t(j)] = 0;
    const Eigen::Index keptCount = std::count(kept.begin(), kept.end(), 1);
    float rest = 0.0f;
    for (Eigen::Index j = 0; j < n; ++j)
        rest += kept[size_t(j)] ? weights[j] : 0.0f;
    for (Eigen::Index j = 0; j < n; ++j) {
        if (!kept[size_t(j)])
            weights[j] = 0.0f;
        else if (rest > 0.0f)
            weights[j] *= total / rest;
        else
            weights[j] = total / float(keptCount);
    }
    return true;
}

bool Intervention::silences(int layer, int head) const
{
    return std::any_of(ablatedHeads.begin(), ablatedHeads.end(),
                       [&](const HeadRef &r) { return r.covers(layer, head); });
}

Result<void> Intervention::check(int n, int layers, int heads) const
{
    auto position = [n](int j) {
        return "source position " + std::to_string(j) + " is out of range: the source has " + std::to_string(n) +
               " positions (0.." + std::to_string(n - 1) + ")";
    };
    for (const AttentionEdit &e : edits) {
        if (e.step < 0)
            return usageError("an attention edit's step must be 1 or more");
        if (e.layer >= layers || e.head >= heads)
            return usageError("an attention edit names layer " + std::to_string(e.layer + 1) + ", head " +
                              std::to_string(e.head + 1) + "; the model has " + std::to_string(layers) +
                              " layer(s) x " + std::to_string(heads) + " head(s)");
        if (e.position >= n)
            return usageError("attention edit at step " + std::to_string(e.step + 1) + ": " + position(e.position));
        if (e.position >= 0)
            continue;
        if (e.weights.size() != n)
            return usageError("an attention edit has " + std::to_string(e.weights.size()) +
                              " weights; the source has " + std::to_string(n) + " positions");
        if (!e.weights.allFinite() || e.weights.minCoeff() < 0.0f || std::abs(e.weights.sum() - 1.0f) > 1e-4f)
            return usageError("an attention edit's weights must be non-negative and sum to 1");
    }
    for (int j : droppedSource)
        if (j < 0 || j >= n)
            return usageError(position(j));
    if (!droppedSource.empty() && int(droppedSource.size()) >= n) {
        std::vector<int> unique = droppedSource;
        std::sort(unique.begin(), unique.end());
        if (std::unique(unique.begin(), unique.end()) - unique.begin() >= n)
            return usageError("every source position is dropped; keep at least one");
    }
    for (const HeadRef &r : ablatedHeads)
        if (r.layer < 0 || r.layer >= layers || r.head >= heads)
            return usageError("head " + headRefName(r) + " does not exist; the model has " + std::to_string(layers) +
                              " layer(s) x " + std::to_string(heads) + " head(s)");
    return {};
}

std::string Intervention::summary() const
{
    std::ostringstream out;
    const char *sep = "";
    for (const AttentionEdit &e : edits) {
        out << sep << "step " << e.step + 1 << ": ";
        if (e.position >= 0)
            out << "all weight on position " << e.position;
        else
            out << "weights edited";
        if (e.layer >= 0)
            out << " (" << headRefName({e.layer, e.head}) << ")";
        sep = "; ";
    }
    for (int j : droppedSource) {
        out << sep << "position " << j << " dropped";
        sep = "; ";
    }
    if (!ablatedHeads.empty()) {
        out << sep << "ablated";
        for (const HeadRef &r : ablatedHeads)
            out << ' ' << headRefName(r);
    }
    return out.str();
}

std::string headRefName(const HeadRef &ref)
{
    return std::to_string(ref.layer + 1) + ":" + (ref.head < 0 ? std::string("*") : std::to_string(ref.head + 1));
}

namespace {

/// A whole non-negative decimal number, or -1.
int wholeNumber(const std::string &text)
{
    if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), ::isdigit))
        return -1;
    return std::stoi(text);
}

} // namespace

Result<AttentionEdit> parseEditSpec(const std::string &spec)
{
    const auto colon = spec.find(':');
    const int step = colon == std::string::npos ? -1 : wholeNumber(spec.substr(0, colon));
    const int position = colon == std::string::npos ? -1 : wholeNumber(spec.substr(colon + 1));
    if (step < 1 || position < 0)
        return usageError("--edit-attention \"" + spec +
                          "\" must be STEP:POS (a 1-based step, a 0-based source position), e.g. 2:1");
    return AttentionEdit::oneHot(step - 1, position);
}

Result<std::vector<HeadRef>> parseAblateSpec(const std::string &spec, int layers, int heads)
{
    std::vector<HeadRef> out;
    std::istringstream items(spec);
    std::string item;
    const std::string shape = "; write L:H or L:* (1-based), comma-separated, e.g. 1:2,3:*";
    while (std::getline(items, item, ',')) {
        const auto colon = item.find(':');
        if (colon == std::string::npos)
            return usageError("--ablate-heads \"" + item + "\" has no colon" + shape);
        const int layer = wholeNumber(item.substr(0, colon));
        const std::string headText = item.substr(colon + 1);
        const int head = headText == "*" ? 0 : wholeNumber(headText);
        if (layer < 1 || head < 0 || (headText != "*" && head < 1))
            return usageError("--ablate-heads \"" + item + "\" is not a head" + shape);
        HeadRef r{layer - 1, headText == "*" ? -1 : head - 1};
        if (r.layer >= layers || r.head >= heads)
            return usageError("--ablate-heads " + item + ": the model has " + std::to_string(layers) +
                              " layer(s) x " + std::to_string(heads) + " head(s)");
        if (std::find(out.begin(), out.end(), r) == out.end())
            out.push_back(r);
    }
    if (out.empty())
        return usageError("--ablate-heads needs at least one head" + shape);
    return out;
}

} // namespace alignscope
