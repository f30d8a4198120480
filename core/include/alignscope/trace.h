#pragma once
// DecodeTrace: everything a view shows about one decode. The UI reads it and
// never recomputes attention. Shapes: n = source length (including <eos>
// when the encoder sees it), d = encoder state size, q = query size,
// L × H = the model's cross-attention layers × heads, T = steps on a path.

#include "alignscope/heads.h"
#include "alignscope/seq2seq.h"
#include "alignscope/source.h"
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
    Vector query;               ///< (q) decoder state the scorer saw (RNN)
    AttentionStack cross;       ///< (L*H, n) cross-attention scores e and weights α of every layer and head
    AttentionStack self;        ///< (L*H, step+1) decoder self-attention; empty when the model has none
    Vector context;             ///< (d) c_t = Σ_j α_tj h_j
    Matrix crossQueries;        ///< (L*H, dk) Transformers: each head's query q_t; empty for RNNs
    Matrix crossOutputs;        ///< (L*H, dv) Transformers: each head's Σ_j α_tj v_j before W_o
    std::vector<TopToken> topk; ///< best next tokens, most probable first
    bool finished = false;      ///< token is <eos> or the length guard hit
    /// The decoder used weights other than its own at this step (an
    /// attention edit or a dropped source position); `cross` holds the ones it used.
    bool edited = false;

    /// (n) cross-attention weights / raw scores for a layer/head selection.
    Vector weights(const HeadSelection &selection = {}) const { return selectWeights(cross, selection); }
    Vector scores(const HeadSelection &selection = {}) const { return selectScores(cross, selection); }
};

/// A finished hypothesis: a leaf of the tree with its final score.
struct Hypothesis {
    int node = -1;              ///< last node of the path
    double logProb = 0.0;       ///< sum of token log-probabilities
    double score = 0.0;         ///< length-normalised score used for ranking
};

/// Seconds between two of Whisper's timestamp tokens (<|0.00|>, <|0.02|>, ...).
inline constexpr double kTimestampSeconds = 0.02;

struct DecodeTrace {
    std::string model;                      ///< display name of the model
    std::string scorer;                     ///< scorer name, e.g. "additive"
    ModelDescription description;           ///< architecture, layers × heads, the equations
    SourceAxis source;                      ///< the n columns; `source.text` is the sentence as typed
    Matrix encoderStates;                   ///< (n, d) H
    AttentionMaps encoderSelf;              ///< the encoder's self-attention, (n, n) per layer and head; empty for RNNs
    std::vector<Matrix> crossKeys;          ///< Transformers: (n, d) keys per decoder layer, head h in columns h·dk..
    std::vector<Matrix> crossValues;        ///< Transformers: (n, d) values per decoder layer
    std::vector<DecodeNode> nodes;          ///< every hypothesis at every step
    std::vector<Hypothesis> hypotheses;     ///< finished, best first
    bool complete = false;                  ///< decoding has ended
    int eosId = 2;                          ///< the target vocabulary's <eos> id
    /// Whisper's first timestamp token (<|0.00|>); ids from it on are times in
    /// steps of kTimestampSeconds. −1: the model has no timestamp tokens.
    int timestampBegin = -1;
    Intervention intervention;              ///< what the decode changed in the model's attention; empty: nothing

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
    /// Target tokens joined as translation() joins a path's: the detokenizer,
    /// else with spaces (a long clip's windows read on as one transcript).
    std::string textOf(const std::vector<std::string> &tokens) const;
    /// Joins target tokens back into text; set by the decoder.
    std::function<std::string(const std::vector<std::string> &)> detokenizer;
    /// Readable form of a source label or target token (Seq2Seq::tokenDisplay); unset: as it is.
    std::function<std::string(const std::string &)> displayToken;
    /// What views draw for a token or source label.
    std::string readable(const std::string &token) const { return displayToken ? displayToken(token) : token; }
    int layers() const { return description.layers; }
    int heads() const { return description.heads; }
    int sourceLength() const { return source.size(); }
    /// (n) cross-attention weights of one node for a selection.
    Vector weights(int node, const HeadSelection &selection = {}) const;
    /// (n) raw cross-attention scores of one node for a selection.
    Vector scores(int node, const HeadSelection &selection = {}) const;
    /// (T, n) weights along a path for a selection; rows in step order.
    /// Every reader of attention (views, metrics, exporters) goes through
    /// this and scoreMatrix, so a layer/head choice reaches all of them.
    Matrix weightMatrix(const std::vector<int> &path, const HeadSelection &selection = {}) const;
    /// (T, n) raw scores along a path for a selection.
    Matrix scoreMatrix(const std::vector<int> &path, const HeadSelection &selection = {}) const;

    /// Whether the decoder attends over its own past (a Transformer).
    bool hasDecoderSelfAttention() const;
    /// (T, T) decoder self-attention along a path: row t over the decoder's
    /// inputs 0..t (<sos>, then the tokens before step t); 0 right of t.
    Matrix decoderSelfWeights(const std::vector<int> &path, const HeadSelection &selection = {}) const;
    Matrix decoderSelfScores(const std::vector<int> &path, const HeadSelection &selection = {}) const;
    /// (n, n) encoder self-attention for a selection; empty without one.
    Matrix encoderSelfWeights(const HeadSelection &selection = {}) const;
    Matrix encoderSelfScores(const HeadSelection &selection = {}) const;
};

} // namespace alignscope
