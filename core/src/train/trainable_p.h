#pragma once
// What the trainer, its checkpoints and evaluation need of a model family,
// behind one interface: its weights, corpus pairs as ids, the batch loss
// over its own network, and its model file. One adapter per family; the
// trainer itself never asks which family it trains.

#include "alignscope/rnnmodel.h"
#include "alignscope/train.h"
#include "alignscope/transformermodel.h"
#include "common/binder.h"

#include <memory>
#include <random>
#include <span>

namespace alignscope {

/// Training-time regularisation and schedule inputs of one loss.
struct LossNoise {
    float teacherForcing = 1.0f;  ///< RNNs: probability of feeding the gold token
    float dropout = 0.0f;
    std::mt19937 *rng = nullptr;  ///< dropout (and scheduled sampling) only when set
    float labelSmoothing = 0.0f;
};

class TrainingAdapter {
public:
    virtual ~TrainingAdapter() = default;

    virtual const Seq2Seq &model() const = 0;
    virtual const ParameterSet<float> &parameters() const = 0;
    /// The weights the trainer updates; only adapters made over a mutable model have them.
    virtual ParameterSet<float> &mutableParameters() = 0;
    /// Whether this model can be trained, and why not.
    virtual Result<void> trainable() const { return {}; }
    /// Sentences per teacher-forced evaluation batch.
    virtual int evaluationBatch() const { return 32; }
    /// The model's source and target tokenizers (evaluation re-tokenises a
    /// corpus for subword ones).
    virtual std::pair<TokenizerOptions, TokenizerOptions> tokenizers() const = 0;
    /// A corpus pair's source (its tokens, or its picture) as the model's encoder input.
    virtual EncodedSource source(const SentencePair &pair) const = 0;
    /// The batch's summed token loss divided by `normaliser` (0: its own
    /// token count), a (1, 1) node of `p`'s graph.
    virtual int loss(ParamBinder<float> &p, std::span<const Example> batch, const LossNoise &noise,
                     int normaliser) const = 0;
    /// Writes the model with extra tensors and metadata (a checkpoint).
    virtual Result<void> save(const std::string &path, const std::map<std::string, FloatTensor> &tensors,
                              const std::map<std::string, std::string> &meta) const = 0;
    /// The weights of the model file at `path`, when its model is this one
    /// (same configuration and vocabularies); a one-line error otherwise.
    virtual Result<ParameterSet<float>> weightsOf(const std::string &path) const = 0;

    /// Examples of a corpus: source ids, target ids then <eos>.
    std::vector<Example> examples(const Corpus &corpus) const;
};

/// Adapters over a model the trainer updates, or one only evaluated.
std::unique_ptr<TrainingAdapter> trainingAdapter(RnnModel &model);
std::unique_ptr<TrainingAdapter> trainingAdapter(TransformerModel &model);
/// Null for a family the engine cannot train or evaluate.
std::unique_ptr<const TrainingAdapter> evaluationAdapter(const Seq2Seq &model);

/// Evaluation through an adapter (what every public evaluate() runs).
EvalMetrics evaluateWith(const TrainingAdapter &adapter, const Corpus &corpus, const EvalOptions &options);

} // namespace alignscope
