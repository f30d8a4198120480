#pragma once
// Training, for the RNN and Transformer families alike: minibatches with
// padding masks (RNNs) or packed sequences (Transformers), teacher forcing
// with a scheduled ratio, dropout, label smoothing, Adam with clipping, a
// learning-rate schedule (decay on plateau, or warm-up then inverse square
// root or cosine decay), early stopping on dev loss, TBB data parallelism
// that gives the same weights for any thread count, atomic per-epoch
// checkpoints and exact resume.

#include "alignscope/corpus.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/transformermodel.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace alignscope {

/// How the learning rate moves over the steps (after any warm-up).
enum class LrSchedule {
    Plateau,      ///< constant; times lrDecay whenever dev loss stops improving
    InverseSqrt,  ///< lr · √(warmup / step) after the warm-up ("Attention Is All You Need")
    Cosine,       ///< lr · ½(1 + cos(π · progress)) down to 0 at the last step
};
const char *toString(LrSchedule s);
Result<LrSchedule> parseLrSchedule(const std::string &name);

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
    float labelSmoothing = 0.0f;     ///< ε: the target puts 1 − ε on the label, ε spread over the vocabulary
    LrSchedule schedule = LrSchedule::Plateau;
    int warmupSteps = 0;             ///< linear warm-up from 0 to learningRate over these steps
    int threads = 0;                 ///< 0 = all cores
    unsigned seed = 1;
    int evalSentences = 200;         ///< dev sentences decoded per epoch for BLEU/EM/AER (0 = none)
    std::string checkpoint;          ///< written atomically after every epoch when set
    bool keepBest = true;            ///< end with the weights of the best dev loss
};

/// A Transformer's usual recipe: Adam at a peak rate of 10⁻³ after a
/// linear warm-up, inverse-square-root decay, label smoothing 0.1.
TrainOptions transformerTrainDefaults();

/// Dev-set metrics.
struct EvalMetrics {
    double loss = 0.0;        ///< mean token cross-entropy (teacher forced)
    double perplexity = 0.0;
    double bleu = 0.0;        ///< corpus BLEU-4, 0..100
    double exactMatch = 0.0;  ///< 0..1
    double aer = -1.0;        ///< alignment error rate of attention argmax; -1 without gold links
    double entropy = 0.0;     ///< mean attention entropy (nats)
    int sentences = 0;
    /// Per head, when asked (EvalOptions::perHead): layers × heads values,
    /// row-major (layer l, head h at l · heads + h), of each head's own
    /// argmax alignment and entropy. AER is empty without gold links.
    int layers = 0;
    int heads = 0;
    std::vector<double> headAer;
    std::vector<double> headEntropy;
};

struct EvalOptions {
    int decodeLimit = -1;     ///< pairs decoded for BLEU/EM/AER (-1: all, 0: loss only)
    bool perHead = false;     ///< also score every layer's and head's cross-attention
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
    std::shared_ptr<const RgbImage> image;  ///< image tasks: the picture (source is then empty)
    std::shared_ptr<const Matrix> frames;   ///< speech tasks: the clip's log-mel features (frames, mels)
    /// What batches are sorted by: source ids, or a clip's frames.
    std::size_t sourceLength() const { return frames ? std::size_t(frames->rows()) : source.size(); }
};

class Trainer {
public:
    /// `model` is trained in place.
    Trainer(RnnModel &model, const Corpus &train, const Corpus &dev, TrainOptions options);
    Trainer(TransformerModel &model, const Corpus &train, const Corpus &dev, TrainOptions options);
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

/// How long a run will take on this machine: a few batches timed on a copy
/// of the model (each run once untimed first) and a dev evaluation on a
/// sample, scaled to the run. The Training tab and `train` show it.
struct TrainingEstimate {
    double seconds = 0.0;          ///< the whole run
    double batchSeconds = 0.0;     ///< mean of the measured batches
    double evalSeconds = 0.0;      ///< dev evaluation, per epoch
    long long batchesPerEpoch = 0;
    int epochs = 0;
    int warmupBatches = 0;
    int threads = 0;

    double epochSeconds() const { return batchesPerEpoch * batchSeconds + evalSeconds; }
};

/// Measures a TrainingEstimate for training `model` on `train` with `options`
/// (dev evaluation on `dev`); `model` itself is left as it is.
TrainingEstimate estimateTraining(const RnnModel &model, const Corpus &train, const Corpus &dev,
                                  const TrainOptions &options);
TrainingEstimate estimateTraining(const TransformerModel &model, const Corpus &train, const Corpus &dev,
                                  const TrainOptions &options);

/// Examples of a corpus for a model's vocabularies.
std::vector<Example> makeExamples(const RnnModel &model, const Corpus &corpus);
std::vector<Example> makeExamples(const TransformerModel &model, const Corpus &corpus);

/// Loss on a corpus (teacher forced) and, over the first `decodeLimit`
/// pairs, greedy BLEU, exact match, AER against gold links and entropy.
EvalMetrics evaluate(const RnnModel &model, const Corpus &corpus, int decodeLimit = -1);
EvalMetrics evaluate(const TransformerModel &model, const Corpus &corpus, int decodeLimit = -1);
/// Any model the engine can evaluate (an opened model file); an error
/// naming the model for a family it cannot.
Result<EvalMetrics> evaluate(const Seq2Seq &model, const Corpus &corpus, const EvalOptions &options);

/// A model shaped for a corpus: vocabularies built from it.
struct ModelSpec {
    ModelConfig config;
    int minCount = 1;  ///< a word seen fewer times reads as <unk>
    int maxVocab = 0;  ///< entries at most, the specials included (0: no limit); the rest read as <unk>
};
RnnModel makeModelForCorpus(const ModelSpec &spec, const Corpus &train, unsigned seed);
/// A Transformer shaped for a corpus: word vocabularies built from it
/// (tokens seen fewer than `minCount` times, and past `maxVocab` entries
/// with the specials, read as <unk>; 0: no limit), reading text with the
/// given tokenizers (a task's: PreparedTask::sourceTokenizer, ...).
TransformerModel makeTransformerForCorpus(const TransformerSpec &spec, const Corpus &train, unsigned seed,
                                          int minCount = 1, int maxVocab = 0,
                                          const TokenizerOptions &sourceTokenizer = {},
                                          const TokenizerOptions &targetTokenizer = {});

} // namespace alignscope
