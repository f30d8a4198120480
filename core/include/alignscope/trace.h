#pragma once
// DecodeTrace: everything a view shows about one decode. The UI reads it and
// never recomputes attention. Shapes: n = source length (including <eos>
// when the encoder sees it), d = encoder state size, q = query size.

#include "alignscope/config.h"
#include "alignscope/tensor.h"

#include <functional>
#include <string>
#include <vector>

namespace alignscope {

/// One candidate of the next-token distribution.
struct TopToken {
    int id = 0;
    std::string token;
    float prob = 0.0f;
};

/// One hypothesis at one decode step: the snapshot of attention that
/// produced its token. Nodes form a tree through `parent`.
struct DecodeNode {
    int step = 0;               ///< 0-based target position
    int parent = -1;            ///< index into DecodeTrace::nodes, -1 at step 0
    int tokenId = 0;            ///< token chosen (or forced) at this step
    std::string token;
    bool forced = false;        ///< fixed by a prefix, not chosen by the model
    float logProb = 0.0f;       ///< log p(token | history)
    double cumulativeLogProb = 0.0;
    Vector query;               ///< (q) decoder state the scorer saw
    Vector scores;              ///< (n) raw e_tj
    Vector weights;             ///< (n) α_tj
    Vector context;             ///< (d) c_t = Σ_j α_tj h_j
    std::vector<TopToken> topk; ///< best next tokens, most probable first
    bool finished = false;      ///< token is <eos> or the length guard hit
};

/// A finished hypothesis: a leaf of the tree with its final score.
struct Hypothesis {
    int node = -1;              ///< last node of the path
    double logProb = 0.0;       ///< sum of token log-probabilities
    double score = 0.0;         ///< length-normalised score used for ranking
};

struct DecodeTrace {
    std::string model;                      ///< display name of the model
    std::string scorer;                     ///< scorer name, e.g. "additive"
    std::string input;                      ///< the sentence as typed (set by translate(); part of the contract)
    std::vector<std::string> sourceTokens;  ///< as the encoder sees them
    std::vector<int> sourceIds;
    std::vector<int> oovPositions;          ///< indices into sourceTokens
    std::vector<char> sourceSpecial;        ///< 1 where a source token is a special token (<eos>, ...)
    ScorerKind scorerKind = ScorerKind::Additive;
    LocalMode localMode = LocalMode::None;
    DecoderKind decoderKind = DecoderKind::Bahdanau; ///< Bahdanau: query s_{t-1}; Luong: query h_t
    Matrix encoderStates;                   ///< (n, d) H
    std::vector<DecodeNode> nodes;          ///< every hypothesis at every step
    std::vector<Hypothesis> hypotheses;     ///< finished, best first
    bool complete = false;                  ///< decoding has ended
    int eosId = 2;                          ///< the target vocabulary's <eos> id

    /// Nodes from step 0 to `node`, in order.
    std::vector<int> path(int node) const;
    /// Path of the best finished hypothesis (or the best live one so far).
    std::vector<int> bestPath() const;
    /// Nodes created at `step`.
    std::vector<int> nodesAtStep(int step) const;
    /// Number of steps decoded so far.
    int stepCount() const;
    /// Target tokens along a path, <eos> excluded.
    std::vector<std::string> targetTokens(const std::vector<int> &path) const;
    /// Detokenised target text along a path (set by the decoder from the model).
    std::string translation(const std::vector<int> &path) const;
    /// Joins target tokens back into text; set by the decoder.
    std::function<std::string(const std::vector<std::string> &)> detokenizer;
    /// (T, n) weights along a path; rows in step order.
    Matrix weightMatrix(const std::vector<int> &path) const;
    /// (T, n) raw scores along a path.
    Matrix scoreMatrix(const std::vector<int> &path) const;
};

} // namespace alignscope
