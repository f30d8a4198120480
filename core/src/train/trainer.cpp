// The trainer: length-bucketed minibatches, TBB data parallelism over
// fixed-size shards, Adam with clipping, a learning-rate schedule and early
// stopping, checkpoints with optimizer state for exact resume. It sees the
// model through a TrainingAdapter, so one loop trains every family.
#include "alignscope/train.h"

#include "common/random.h"
#include "train/adam.h"
#include "train/trainer_p.h"

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

namespace alignscope {

namespace {

using Clock = std::chrono::steady_clock;

/// A seed that depends on every coordinate, so dropout masks depend on
/// (seed, step, shard) and never on which thread ran the shard.
std::uint32_t mixSeed(std::uint64_t a, std::uint64_t b, std::uint64_t c)
{
    std::uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                      (c + 0x85EBCA77C2B2AE63ull) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    return static_cast<std::uint32_t>(x ^ (x >> 32));
}

constexpr double kPi = 3.14159265358979323846;

int tokenCount(const std::vector<Example> &batch)
{
    int n = 0;
    for (const Example &e : batch)
        n += static_cast<int>(e.target.size());
    return n;
}

} // namespace

const char *toString(LrSchedule s)
{
    switch (s) {
    case LrSchedule::Plateau: return "plateau";
    case LrSchedule::InverseSqrt: return "inverse-sqrt";
    case LrSchedule::Cosine: return "cosine";
    }
    return "plateau";
}

Result<LrSchedule> parseLrSchedule(const std::string &name)
{
    for (LrSchedule s : {LrSchedule::Plateau, LrSchedule::InverseSqrt, LrSchedule::Cosine})
        if (name == toString(s))
            return s;
    return Error{ErrorKind::Usage, "unknown learning-rate schedule \"" + name + "\"; use plateau, inverse-sqrt or cosine"};
}

TrainOptions transformerTrainDefaults()
{
    TrainOptions o;
    o.learningRate = 1e-3f;
    o.schedule = LrSchedule::InverseSqrt;
    o.warmupSteps = 500;
    o.labelSmoothing = 0.1f;
    o.dropout = 0.1f;
    return o;
}

struct Trainer::Impl {
    std::unique_ptr<TrainingAdapter> adapter;
    TrainOptions options;
    std::vector<Example> train;
    std::vector<Example> dev;
    Corpus devCorpus;
    Adam adam;
    int epochsDone = 0;
    long long stepsDone = 0;
    float learningRate;
    double bestDevLoss = std::numeric_limits<double>::infinity();
    int badEpochs = 0;
    ParameterSet<float> best;
    std::vector<ParameterSet<float>> shardGrads;

    Impl(std::unique_ptr<TrainingAdapter> a, const Corpus &t, const Corpus &d, TrainOptions o)
        : adapter(std::move(a)), options(std::move(o)), train(adapter->examples(t)), dev(adapter->examples(d)),
          devCorpus(d), adam(adapter->parameters()), learningRate(options.learningRate)
    {
    }

    ParameterSet<float> &parameters() { return adapter->mutableParameters(); }

    /// The rate of update `step` (0-based): the base rate (decayed on
    /// plateaus) times the warm-up ramp and the schedule's factor.
    float rateAt(long long step, long long totalSteps) const
    {
        const double s = double(step + 1), w = double(options.warmupSteps);
        double f = 1.0;
        if (w > 0 && s < w)
            f = s / w;
        else if (options.schedule == LrSchedule::InverseSqrt)
            f = std::sqrt(std::max(w, 1.0) / s);
        else if (options.schedule == LrSchedule::Cosine)
            f = 0.5 * (1.0 + std::cos(kPi * std::min(1.0, (s - w) / std::max(1.0, double(totalSteps) - w))));
        return static_cast<float>(learningRate * f);
    }

    /// Batches of similar length (less padding), in a per-epoch order.
    std::vector<std::vector<int>> batches(int epoch) const
    {
        std::vector<int> order(train.size());
        std::iota(order.begin(), order.end(), 0);
        Rng rng(mixSeed(options.seed, static_cast<std::uint64_t>(epoch), 1));
        for (size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[rng.below(static_cast<std::uint32_t>(i))]);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            return train[a].sourceLength() < train[b].sourceLength();
        });
        std::vector<std::vector<int>> out;
        for (size_t i = 0; i < order.size(); i += options.batchSize)
            out.emplace_back(order.begin() + i, order.begin() + std::min(order.size(), i + options.batchSize));
        for (size_t i = out.size(); i > 1; --i)
            std::swap(out[i - 1], out[rng.below(static_cast<std::uint32_t>(i))]);
        return out;
    }

    float teacherForcing(int epoch) const
    {
        if (options.epochs <= 1)
            return options.teacherForcingStart;
        const float f = static_cast<float>(epoch) / static_cast<float>(options.epochs - 1);
        return options.teacherForcingStart + f * (options.teacherForcingEnd - options.teacherForcingStart);
    }

    /// Forward + backward over shards in parallel, gradients summed in shard
    /// order; returns the batch's mean token loss.
    double gradients(const std::vector<Example> &batch, float forcing, long long step)
    {
        const int shards = static_cast<int>((batch.size() + options.shardSize - 1) / options.shardSize);
        while (static_cast<int>(shardGrads.size()) < shards)
            shardGrads.push_back(zerosLike(adapter->parameters()));
        std::vector<double> losses(shards, 0.0);
        const int tokens = tokenCount(batch);
        // Shards are independent (own graph, own gradient buffers); the
        // parameters are only read until the update below.
        tbb::parallel_for(0, shards, [&](int s) {
            for (auto &[name, g] : shardGrads[s])
                g.setZero();
            const size_t first = size_t(s) * options.shardSize;
            const std::span<const Example> shard(batch.data() + first, std::min(batch.size(), first + options.shardSize) - first);
            std::mt19937 rng(mixSeed(options.seed, static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(s) + 7));
            Graph<float> g(true);
            ParamBinder<float> p(g, adapter->parameters(), &shardGrads[s]);
            const int loss = adapter->loss(p, shard, {forcing, options.dropout, &rng, options.labelSmoothing}, tokens);
            g.backward(loss);
            losses[s] = g.value(loss)(0, 0);
        });
        for (int s = 1; s < shards; ++s)
            for (auto &[name, g] : shardGrads[0])
                g += shardGrads[s].at(name);
        return std::accumulate(losses.begin(), losses.end(), 0.0);
    }

    double trainBatch(const std::vector<Example> &batch, float forcing, long long totalSteps)
    {
        const double loss = gradients(batch, forcing, stepsDone);
        adam.step(parameters(), shardGrads[0], rateAt(stepsDone, totalSteps), options.clipNorm);
        ++stepsDone;
        return loss;
    }

    long long stepsPerEpoch() const { return static_cast<long long>((train.size() + options.batchSize - 1) / options.batchSize); }

    TrainerState state()
    {
        return {&adam, &epochsDone, &stepsDone, &learningRate, &bestDevLoss, &badEpochs, &best};
    }
    Result<void> saveCheckpoint() { return state().save(options.checkpoint, *adapter); }
    Result<void> resume(const std::string &path) { return state().load(path, *adapter); }
    Result<TrainSummary> run(const std::function<void(const TrainProgress &)> &progress,
                             const std::atomic<bool> *cancel);
    bool endEpoch(TrainProgress &p);
};

bool Trainer::Impl::endEpoch(TrainProgress &p)
{
    p.dev = evaluateWith(*adapter, devCorpus, {options.evalSentences, false});
    p.epochEnd = true;
    ++epochsDone;
    if (p.dev.loss < bestDevLoss - 1e-6) {
        bestDevLoss = p.dev.loss;
        badEpochs = 0;
        if (options.keepBest)
            best = parameters();
        return false;
    }
    ++badEpochs;
    if (options.schedule == LrSchedule::Plateau)
        learningRate *= options.lrDecay;
    return badEpochs >= options.patience;
}

Result<TrainSummary> Trainer::Impl::run(const std::function<void(const TrainProgress &)> &progress,
                                        const std::atomic<bool> *cancel)
{
    if (auto able = adapter->trainable(); !able)
        return able.error();
    const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
    TrainSummary summary;
    const auto start = Clock::now();
    // Time spent in the progress callback is not training time: a paused
    // run waits in there (the window's Pause), and rate and ETA leave it out.
    Clock::duration outside{};
    auto report = [&](const TrainProgress &p) {
        if (!progress)
            return;
        const auto before = Clock::now();
        progress(p);
        outside += Clock::now() - before;
    };
    auto trainingSeconds = [&] { return std::chrono::duration<double>(Clock::now() - start - outside).count(); };
    long long tokensSeen = 0;
    long long stepsThisRun = 0;
    const long long total = stepsPerEpoch() * options.epochs;
    for (int epoch = epochsDone; epoch < options.epochs; ++epoch) {
        TrainProgress p;
        p.epoch = epoch + 1;
        p.epochs = options.epochs;
        p.totalSteps = total;
        double lossSum = 0.0;
        int batchesRun = 0;
        for (const auto &indices : batches(epoch)) {
            if (cancel && cancel->load())
                return Error{ErrorKind::Cancelled, "training cancelled after " + std::to_string(epochsDone) +
                                                       " epochs; the last checkpoint is kept"};
            std::vector<Example> batch;
            for (int i : indices)
                batch.push_back(train[i]);
            const float rate = rateAt(stepsDone, total);
            lossSum += trainBatch(batch, teacherForcing(epoch), total);
            tokensSeen += tokenCount(batch);
            ++batchesRun;
            const double secs = trainingSeconds();
            p.step = stepsDone;
            p.loss = lossSum / batchesRun;
            p.learningRate = rate;
            p.tokensPerSecond = tokensSeen / std::max(secs, 1e-9);
            ++stepsThisRun;
            p.etaSeconds = static_cast<double>(total - stepsDone) * secs / static_cast<double>(stepsThisRun);
            report(p);
        }
        const bool stop = endEpoch(p);
        p.loss = lossSum / std::max(1, batchesRun);
        report(p);
        summary.dev = p.dev;
        if (!options.checkpoint.empty()) {
            auto saved = saveCheckpoint();
            if (!saved)
                return saved.error();
        }
        if (stop) {
            summary.stoppedEarly = true;
            break;
        }
    }
    if (options.keepBest && !best.empty())
        parameters() = best;
    summary.epochsRun = epochsDone;
    summary.bestDevLoss = bestDevLoss;
    summary.seconds = trainingSeconds();
    summary.tokensPerSecond = tokensSeen / std::max(summary.seconds, 1e-9);
    return summary;
}

Trainer::Trainer(RnnModel &model, const Corpus &train, const Corpus &dev, TrainOptions options)
    : m_impl(std::make_unique<Impl>(trainingAdapter(model), train, dev, std::move(options)))
{
}

Trainer::Trainer(TransformerModel &model, const Corpus &train, const Corpus &dev, TrainOptions options)
    : m_impl(std::make_unique<Impl>(trainingAdapter(model), train, dev, std::move(options)))
{
}

Trainer::~Trainer() = default;

Result<void> Trainer::resume(const std::string &checkpoint) { return m_impl->resume(checkpoint); }

Result<TrainSummary> Trainer::run(const std::function<void(const TrainProgress &)> &progress,
                                  const std::atomic<bool> *cancel)
{
    return m_impl->run(progress, cancel);
}

double Trainer::trainBatch(const std::vector<Example> &batch)
{
    return m_impl->trainBatch(batch, m_impl->options.teacherForcingStart,
                              m_impl->stepsPerEpoch() * m_impl->options.epochs);
}

} // namespace alignscope
