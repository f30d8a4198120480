#pragma once
// A decode trace built by hand with L layers × H heads of cross-attention,
// for tests that drive multi-head attention through every reader before a
// Transformer exists: head h of layer l at step t puts most of its weight on
// source column (t + l + h) mod n, so every head, mean and max differ.

#include "alignscope/trace.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace alignscope::testing {

/// A text source "w0 w1 … <eos>" (the last column special, w1 OOV).
inline SourceAxis syntheticTextSource(int n)
{
    std::vector<std::string> labels;
    std::vector<int> ids;
    std::string text;
    std::vector<TextSpan> spans;
    for (int j = 0; j + 1 < n; ++j) {
        const std::string w = std::string("w").append(std::to_string(j));
        if (!text.empty())
            text += ' ';
        spans.push_back({int(text.size()), int(text.size() + w.size())});
        text += w;
        labels.push_back(w);
        ids.push_back(10 + j);
    }
    labels.push_back("<eos>");
    ids.push_back(2);
    spans.push_back({});
    SourceAxis a = SourceAxis::textSource(text, labels, ids, spans);
    a.flags.back() = SourceAxis::Special;
    if (n > 2)
        a.flags[1] = SourceAxis::Oov;
    return a;
}

/// An image source: one CLS token, then a rows × columns patch grid of 16 px patches.
inline SourceAxis syntheticPatchSource(int rows, int columns)
{
    SourceAxis a;
    a.kind = SourceKind::Image;
    a.gridRows = rows;
    a.gridColumns = columns;
    a.extraBefore = 1;
    a.labels.push_back("[CLS]");
    a.flags.push_back(SourceAxis::Extra);
    a.boxes.push_back({});
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < columns; ++c) {
            a.labels.push_back("patch " + std::to_string(r + 1) + "," + std::to_string(c + 1));
            a.flags.push_back(0);
            a.boxes.push_back({c * 16, r * 16, 16, 16});
        }
    a.image.width = columns * 16;
    a.image.height = rows * 16;
    a.image.pixels.assign(size_t(a.image.width * a.image.height * 3), 128);
    return a;
}

/// Column (t + l + h) mod n of head (l, h) at step t.
inline int syntheticPeak(int t, int l, int h, int n) { return (t + l + h) % n; }

/// T steps (the last emits <eos>) over `source`, L × H heads per step.
inline std::shared_ptr<const DecodeTrace> syntheticTrace(SourceAxis source, int layers, int heads, int steps)
{
    DecodeTrace tr;
    tr.model = "synthetic";
    tr.scorer = "scaled dot product";
    tr.description.architecture = "transformer";
    tr.description.summary = "synthetic " + std::to_string(layers) + " x " + std::to_string(heads);
    tr.description.layers = layers;
    tr.description.heads = heads;
    tr.description.scorer = "scaled-dot";
    tr.description.attention.title = "scaled dot product";
    tr.description.attention.query = "q_t";
    tr.description.attention.key = "k_j";
    tr.description.attention.score = "e_{tj} = q_t^⊤ k_j / √d_k";
    tr.source = std::move(source);
    const int n = tr.source.size();
    tr.encoderStates = Matrix::Ones(n, 4);
    tr.eosId = 2;
    for (int t = 0; t < steps; ++t) {
        DecodeNode node;
        node.step = t;
        node.parent = t - 1;
        node.tokenId = t + 1 == steps ? 2 : 20 + t;
        node.token = t + 1 == steps ? "<eos>" : std::string("y").append(std::to_string(t));
        node.cross.layers = layers;
        node.cross.heads = heads;
        node.cross.scores = Matrix::Zero(layers * heads, n);
        for (int l = 0; l < layers; ++l)
            for (int h = 0; h < heads; ++h)
                node.cross.scores(node.cross.rowOf(l, h), syntheticPeak(t, l, h, n)) = 3.0f;
        node.cross.weights = node.cross.scores;
        for (Eigen::Index r = 0; r < node.cross.weights.rows(); ++r) {
            auto row = node.cross.weights.row(r);
            row = row.array().exp();
            row /= row.sum();
        }
        node.context = Vector::Ones(4);
        node.logProb = -0.25f;
        node.cumulativeLogProb = -0.25 * (t + 1);
        node.topk.push_back({node.tokenId, node.token, 0.78f});
        node.finished = t + 1 == steps;
        tr.nodes.push_back(std::move(node));
    }
    tr.hypotheses.push_back({steps - 1, -0.25 * steps, -0.25});
    tr.complete = true;
    return std::make_shared<const DecodeTrace>(std::move(tr));
}

} // namespace alignscope::testing
