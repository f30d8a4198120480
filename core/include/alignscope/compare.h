#pragma once
// Comparing models (scoring functions) on one sentence: each model's own
// decode, or all teacher-forced on one target so every attention matrix has
// the same shape; a summary row per model.

#include "alignscope/corpus.h"
#include "alignscope/decode.h"
#include "alignscope/model.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace alignscope {

struct CompareRow {
    std::string model;
    std::string scorer;
    std::string translation;
    double logProb = 0.0;            ///< sum of the path's token log-probabilities
    double entropy = 0.0;            ///< mean attention entropy over the path (nats)
    std::vector<float> maxWeights;   ///< largest α per step
    double aer = -1.0;               ///< against gold links; -1 when none are known
    double milliseconds = 0.0;       ///< decode time
    std::string error;               ///< set when the model failed to load or decode
};

struct CompareEntry {
    Result<DecodeTrace> trace = Error{ErrorKind::Internal, "not decoded"};
    CompareRow row;
};

struct CompareRequest {
    std::string sentence;
    /// A clip (mono, kAudioRate) each model transcribes instead of `sentence`
    /// (its first window: alignscope/transcribe.h decodes the rest); empty: none.
    std::vector<float> audio;
    /// A picture each image model captions instead of `sentence` (shared by
    /// the models' jobs, never copied); null: not an image.
    std::shared_ptr<const RgbImage> image;
    std::optional<std::string> target;   ///< teacher-force every model on this text
    std::optional<SentencePair> gold;    ///< reference with gold links: AER where a path matches its target
    DecodeOptions options;
    /// Which layer and head the summary rows (entropy, max α, AER) read.
    HeadSelection selection;
    /// When it becomes true, decodes still running stop with a Cancelled error.
    const std::atomic<bool> *cancel = nullptr;
};

/// Decodes with every model concurrently (one TBB task each). A model given
/// as an Error (failed to load) keeps its error in its row; the others run.
std::vector<CompareEntry> compareModels(const std::vector<const Result<ModelPtr> *> &models,
                                        const CompareRequest &request);

/// Summary row of one trace along its best path. AER is computed when the
/// path's target tokens equal the gold pair's.
CompareRow summarise(const DecodeTrace &trace, const std::optional<SentencePair> &gold, double milliseconds,
                     const HeadSelection &selection = {});

/// α_A − α_B along the best paths; empty when the shapes differ.
Matrix weightDifference(const DecodeTrace &a, const DecodeTrace &b, const HeadSelection &selection = {});
/// The same with each trace read through its own layer/head selection (a
/// Transformer's head against an RNN's single attention).
Matrix weightDifference(const DecodeTrace &a, const HeadSelection &selectionA, const DecodeTrace &b,
                        const HeadSelection &selectionB);

/// The built-in EN->FR pair (with gold links) whose source is `sentence`:
/// the held-out seed pair, or a pair of the default test split.
std::optional<SentencePair> goldPairFor(const std::string &sentence);

} // namespace alignscope
