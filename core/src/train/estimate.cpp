// How long a training run will take, measured on this machine: what the
// window's Training tab and `alignscope-cli train` show before training.
#include "alignscope/train.h"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <algorithm>
#include <chrono>

namespace alignscope {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Times a few batches on a copy of the model and one dev evaluation on a
/// sample, and scales both to the run. Each sampled batch runs once untimed
/// first: the first batch of a new length is several times slower than the
/// next ones (buffers grow), which made an untimed-free estimate 2x too long.
template <typename Model>
TrainingEstimate measureWarmup(const Model &model, const Corpus &train, const Corpus &dev, const TrainOptions &o)
{
    constexpr int kBatches = 4;
    constexpr size_t kEvalSample = 20;
    TrainingEstimate e;
    e.epochs = o.epochs;
    e.threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
    e.warmupBatches = kBatches;
    const size_t n = train.pairs.size();
    e.batchesPerEpoch = static_cast<long long>((n + o.batchSize - 1) / o.batchSize);

    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(e.threads));
    Model copy = model;
    TrainOptions options = o;
    options.checkpoint.clear(); // the warm-up writes nothing
    Trainer trainer(copy, Corpus{}, Corpus{}, options);
    // The trainer batches sentences of similar length, so the warm-up takes
    // runs of the length-sorted examples at the middle of each quarter.
    // Clips are decoded to be timed: an evenly spaced sample stands for a speech corpus.
    constexpr size_t kClipSample = 512;
    Corpus clips;
    const bool speech = n > kClipSample && !train.pairs.front().audio.empty();
    for (size_t i = 0; speech && i < kClipSample; ++i)
        clips.pairs.push_back(train.pairs[i * n / kClipSample]);
    std::vector<Example> examples = makeExamples(copy, speech ? clips : train);
    if (examples.empty())
        return e;
    std::stable_sort(examples.begin(), examples.end(),
                     [](const Example &a, const Example &b) { return a.sourceLength() < b.sourceLength(); });
    const size_t b = std::min(examples.size(), static_cast<size_t>(o.batchSize));
    std::vector<std::vector<Example>> batches;
    for (int i = 0; i < kBatches; ++i) {
        const size_t start = (examples.size() - b) * static_cast<size_t>(2 * i + 1) / (2 * kBatches);
        batches.emplace_back(examples.begin() + start, examples.begin() + start + b);
    }
    for (const auto &batch : batches)
        trainer.trainBatch(batch);
    const auto t0 = Clock::now();
    for (const auto &batch : batches)
        trainer.trainBatch(batch);
    e.batchSeconds = secondsSince(t0) / kBatches;

    // Loss over the dev set (teacher forced) and greedy decodes of
    // evalSentences of it, timed apart because they scale differently.
    Corpus sample;
    sample.pairs.assign(dev.pairs.begin(), dev.pairs.begin() + std::min(dev.pairs.size(), kEvalSample));
    const auto t1 = Clock::now();
    evaluate(copy, sample, 0);
    const double lossSeconds = secondsSince(t1);
    const auto t2 = Clock::now();
    evaluate(copy, sample, -1);
    const double decodeSeconds = std::max(0.0, secondsSince(t2) - lossSeconds);
    const double m = std::max<size_t>(1, sample.pairs.size());
    const double decoded = std::min<double>(o.evalSentences, dev.pairs.size());
    e.evalSeconds = lossSeconds * dev.pairs.size() / m + decodeSeconds * decoded / m;
    e.seconds = e.epochs * e.epochSeconds();
    return e;
}

} // namespace

TrainingEstimate estimateTraining(const RnnModel &model, const Corpus &train, const Corpus &dev,
                                  const TrainOptions &options)
{
    return measureWarmup(model, train, dev, options);
}

TrainingEstimate estimateTraining(const TransformerModel &model, const Corpus &train, const Corpus &dev,
                                  const TrainOptions &options)
{
    return measureWarmup(model, train, dev, options);
}

} // namespace alignscope
