#pragma once
// Training: minibatches with padding masks, teacher forcing with a scheduled
// ratio, dropout, Adam with clipping and learning-rate decay, early stopping
// on dev loss, TBB data parallelism that gives the same weights for any
// thread count, atomic per-epoch checkpoints and exact resume.

#include "alignscope/corpus.h"
#include "alignscope/rnnmodel.h"

#include <atomic>
#include <functional>
#include <string>

namespace alignscope {

struct TrainOptions {
    int epochs = 10;
    int batchSize = 32;
    int shardSize = 16;               ///< sentences per gradient shard (fixed, so threads don't change results)
    float learningRate = 2e-3f;
    float clipNorm = 5.0f;           ///< global gradient-norm clip
    float lrDecay = 0.5f;            ///< factor when dev loss stops improving
    int patience = 3;                ///< epochs without dev improvement before stopping
    float teacherForcingStart = 1.0f;
    float teacherForcingEnd = 1.0f;  ///< linear schedule over the epochs
    float dropout = 0.1f;
    int threads = 0;                 ///< 0 = all cores
    unsigned seed = 1;
    int evalSentences = 200;         ///< dev sentences decoded per epoch for BLEU/EM/AER (0 = none)
    std::string checkpoint;          ///< written atomically after every epoch when set
    bool keepBest = true;            ///< end with the weights of the best dev loss
};

/// Dev-set metrics.
struct EvalMetrics {
    double loss = 0.0;        ///< mean token cross-entropy (teacher forced)
    double perplexity = 0.0;
    double bleu = 0.0;        ///< corpus BLEU-4, 0..100
    double exactMatch = 0.0;  ///< 0..1
    double aer = -1.0;        ///< alignment error rate of attention argmax; -1 without gold links
    double entropy = 0.0;     ///< mean attention entropy (nats)
    int sentences = 0;
};

struct TrainProgress {
    int epoch = 0;             ///< 1-based
    int epochs = 0;
    long long step = 0;        ///< batches done in all
    long long totalSteps = 0;
    double loss = 0.0;         ///< running mean train loss of this epoch
    double tokensPerSecond = 0.0;
    double etaSeconds = 0.0;
    double learningRate = 0.0;
    bool epochEnd = false;     ///< dev metrics below are fresh
    EvalMetrics dev;
};

struct TrainSummary {
    int epochsRun = 0;
    bool stoppedEarly = false;
    double bestDevLoss = 0.0;
    double seconds = 0.0;
    double tokensPerSecond = 0.0;
    EvalMetrics dev;
};

/// Target ids of a sentence pair for training (tokens as in the corpus, then <eos>).
struct Example {
    std::vector<int> source;
    std::vector<int> target;
};

class Trainer {
public:
    /// `model` is trained in place.
    Trainer(RnnModel &model, const Corpus &train, const Corpus &dev, TrainOptions options);
    ~Trainer();

    /// Continues from a checkpoint written by an earlier run with the same data and options.
    Result<void> resume(const std::string &checkpoint);
    /// Trains until done, cancelled (stops within one batch; the last
    /// checkpoint stays) or early-stopped. Time spent inside `progress`
    /// (a paused run waits there) is left out of the rate, the ETA and the
    /// summary's seconds.
    Result<TrainSummary> run(const std::function<void(const TrainProgress &)> &progress = {},
                             const std::atomic<bool> *cancel = nullptr);
    /// Mean loss of one batch (forward + backward), exposed for benchmarks.
    double trainBatch(const std::vector<Example> &batch);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Examples of a corpus for a model's vocabularies.
std::vector<Example> makeExamples(const RnnModel &model, const Corpus &corpus);

/// Loss on a corpus (teacher forced) and, over the first `decodeLimit`
/// pairs, greedy BLEU, exact match, AER against gold links and entropy.
EvalMetrics evaluate(const RnnModel &model, const Corpus &corpus, int decodeLimit = -1);

/// A model shaped for a corpus: vocabularies built from it.
struct ModelSpec {
    ModelConfig config;
    int minCount = 1;
    int maxVocab = 0;
};
RnnModel makeModelForCorpus(const ModelSpec &spec, const Corpus &train, unsigned seed);

} // namespace alignscope
