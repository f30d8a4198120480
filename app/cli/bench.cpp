// bench: the numbers of DESIGN.md, measured as medians and ratios in one run.
#include "cli/args.h"
#include "cli/benchutil.h"
#ifdef ALIGNSCOPE_WITH_EXPORT
#include "cli/benchui.h"
#endif
#include "cli/commands.h"

#include "alignscope/allocator.h"
#include "alignscope/attentionkernel.h"
#include "alignscope/decode.h"
#include "alignscope/ggml.h"
#include "alignscope/huggingface.h"
#include "alignscope/partner.h"
#include "alignscope/safetensors.h"
#include "alignscope/tasks.h"
#include "alignscope/train.h"
#include "alignscope/transformermodel.h"

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>
#include <tbb/parallel_reduce.h>
#include <tbb/blocked_range.h>

#include <cmath>
#include <cstdint>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numbers>
#include <random>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace alignscope::cli {

namespace {

using json = nlohmann::ordered_json;

/// Read bandwidth (GB/s) of both cores summing a 256 MiB buffer of 4 KB
/// pages, and with `largePages` one of 2 MB pages where the system allows
/// (the pages the weights are moved to: backStreamedWeightsWithLargePages).
/// Each reading is one sum, so readings can be interleaved with what they
/// are compared to: the host's bandwidth changes from minute to minute.
class BandwidthProbe {
public:
    explicit BandwidthProbe(bool largePages)
    {
        m_small.assign(kFloats, 1.0f);
#if defined(__linux__)
        if (largePages)
            m_mapped = mmap(nullptr, kMappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m_mapped && m_mapped != MAP_FAILED) {
            m_large = reinterpret_cast<float *>((reinterpret_cast<std::uintptr_t>(m_mapped) + kLargePage - 1) &
                                                ~std::uintptr_t(kLargePage - 1));
            madvise(m_large, kFloats * sizeof(float), MADV_HUGEPAGE); // before the pages are first touched
            std::fill(m_large, m_large + kFloats, 1.0f);
        }
#endif
    }
    ~BandwidthProbe()
    {
#if defined(__linux__)
        if (m_large)
            munmap(m_mapped, kMappedBytes);
#endif
    }
    BandwidthProbe(const BandwidthProbe &) = delete;
    BandwidthProbe &operator=(const BandwidthProbe &) = delete;

    /// One reading, GB/s; `largePages` falls back to 4 KB pages where they are unavailable (or not made).
    double once(bool largePages) const
    {
        const float *data = largePages && m_large ? m_large : m_small.data();
        const auto start = std::chrono::steady_clock::now();
        volatile float sink = tbb::parallel_reduce(
            tbb::blocked_range<size_t>(0, kFloats, 1 << 16), 0.0f,
            [&](const tbb::blocked_range<size_t> &r, float acc) {
                return acc + Eigen::Map<const Vector>(data + r.begin(), r.size()).sum();
            },
            std::plus<float>());
        (void)sink;
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        return kFloats * sizeof(float) / (ms * 1e6);
    }
    /// The median of `repeat` readings (after one warm-up).
    double median(int repeat, bool largePages) const
    {
        (void)once(largePages);
        std::vector<double> readings;
        for (int i = 0; i < repeat; ++i)
            readings.push_back(once(largePages));
        std::sort(readings.begin(), readings.end());
        return readings[readings.size() / 2];
    }

private:
    static constexpr size_t kFloats = 64u << 20;
    static constexpr size_t kLargePage = 2u << 20;
    static constexpr size_t kMappedBytes = kFloats * sizeof(float) + kLargePage;
    std::vector<float> m_small;
    void *m_mapped = nullptr;
    float *m_large = nullptr;
};

/// Read bandwidth (GB/s), the median of `repeat` readings of 4 KB pages.
double readBandwidth(int repeat) { return BandwidthProbe(false).median(repeat, false); }

/// Single-precision GEMM rate (GFLOP/s) of Eigen on 512 × 512 matrices, one thread:
/// the compute ceiling the scoring figures are read against.
double gemmPeak(int repeat)
{
    const int n = 512;
    const Matrix a = Matrix::Random(n, n), b = Matrix::Random(n, n);
    Matrix c(n, n);
    const double ms = medianMs(repeat, [&] { c.noalias() = a * b; });
    return 2.0 * n * n * n / (ms * 1e6);
}

/// One decode step's attention (scores, softmax, context) for every scorer at
/// n ∈ {64, 1024, 16384} source positions, d = 512. Bytes = the keys and the
/// encoder states read once; flops = 4·n·d (scores and context at their least).
json scoringBench(int repeat)
{
    const int d = 512;
    const std::vector<int> sizes = {64, 1024, 16384};
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    Matrix H(sizes.back(), d), q(1, d);
    for (Eigen::Index i = 0; i < H.size(); ++i)
        H.data()[i] = uniform(rng);
    for (Eigen::Index i = 0; i < q.size(); ++i)
        q.data()[i] = uniform(rng);
    const double bandwidth = readBandwidth(repeat);
    json out = {{"d", d}, {"read_bandwidth_gb_s", bandwidth}, {"gemm_gflop_s_1_thread", gemmPeak(repeat)}};
    for (ScorerKind kind : {ScorerKind::Dot, ScorerKind::Additive, ScorerKind::General, ScorerKind::ScaledDot,
                            ScorerKind::Concat, ScorerKind::Location}) {
        json rows;
        for (int n : sizes) {
            const AttentionStepKernel kernel(kind, H.topRows(n), q);
            const double ms = medianMs(repeat, [&] { kernel.run(); });
            const double bytes = kernel.bytesRead();
            const double gbs = bytes / (ms * 1e6);
            rows[std::string("n").append(std::to_string(n))] = {{"ms", ms},
                                              {"gb_s", gbs},
                                              {"gflop_s", 4.0 * n * d / (ms * 1e6)},
                                              {"fraction_of_bandwidth", gbs / bandwidth}};
        }
        out[toString(kind)] = rows;
    }
    return out;
}

/// "section.key value" lines for people; --json prints the tree for scripts.
void printText(const json &j, const std::string &prefix)
{
    for (const auto &[key, value] : j.items()) {
        const std::string name = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object())
            printText(value, name);
        else if (value.is_number_float())
            std::printf("%-52s %12.3f\n", name.c_str(), value.get<double>());
        else
            std::printf("%-52s %12s\n", name.c_str(), value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
    }
}

/// A sentence of `n` in-vocabulary source words of either family.
std::string sentenceOfModel(const Seq2Seq &model, int n)
{
    if (const auto *t = dynamic_cast<const TransformerModel *>(&model))
        return sentenceOf(*t, n);
    return sentenceOf(static_cast<const RnnModel &>(model), n);
}

json decodeBench(const Seq2Seq &model, int repeat, const std::string &sentence)
{
    json out;
    out["sentence"] = sentence;
    out["greedy_sentence_ms"] = medianMs(repeat, [&] { (void)translate(model, sentence); });
    // With the decode partner (the CLI's and the window's decodes), and
    // whether it agrees with the one-core decode to the last bit.
    DecodeOptions both;
    both.partner = true;
    out["greedy_sentence_ms_partner"] = medianMs(repeat, [&] { (void)translate(model, sentence, both); });
    const auto alone = translate(model, sentence);
    const std::uint64_t sharedBefore = DecodePartner::sharedProducts();
    const auto partnered = translate(model, sentence, both);
    out["partner_shared_products"] = DecodePartner::sharedProducts() - sharedBefore;
    bool identical = alone && partnered && alone->nodes.size() == partnered->nodes.size();
    for (size_t i = 0; identical && i < alone->nodes.size(); ++i)
        identical = alone->nodes[i].cross.weights == partnered->nodes[i].cross.weights &&
                    alone->nodes[i].logProb == partnered->nodes[i].logProb && alone->nodes[i].tokenId == partnered->nodes[i].tokenId;
    out["partner_bit_identical"] = identical;
    DecodeOptions beam;
    beam.beamWidth = 5;
    out["beam5_sentence_ms"] = medianMs(repeat, [&] { (void)translate(model, sentence, beam); });
    const std::string fifty = sentenceOfModel(model, 50);
    auto source = model.prepareSource(fifty);
    out["redecode_50_tokens_ms"] = medianMs(repeat, [&] {
        DecodeOptions o;
        o.maxLength = 50;
        (void)translate(model, fifty, o);
    });
    out["step_50_tokens_ms"] = medianMs(repeat * 5, [&] {
        DecodeSession s(model, source.value(), {});
        s.step();
    });
    return out;
}

/// The training pairs as space-joined tokens, for the PyTorch baseline to read.
Result<void> dumpPairs(const Corpus &c, const std::string &path)
{
    std::string text;
    for (const SentencePair &p : c.pairs) {
        for (size_t i = 0; i < p.sourceTokens.size(); ++i)
            text += (i ? " " : "") + p.sourceTokens[i];
        text += '\t';
        for (size_t i = 0; i < p.targetTokens.size(); ++i)
            text += (i ? " " : "") + p.targetTokens[i];
        text += '\n';
    }
    return writeFileAtomically(path, text);
}

/// A fresh model of `model`'s shape and vocabularies (what the trainer starts from).
RnnModel freshLike(const RnnModel &model) { return RnnModel::initialise(model.config(), model.sourceVocab(), model.targetVocab(), 1); }
TransformerModel freshLike(const TransformerModel &model)
{
    return TransformerModel::initialise(model.spec(), model.sourceVocab(), model.targetVocab(), 1);
}

template <typename Model>
json trainBench(const Model &model, int pairs, const std::string &dump)
{
    TaskOptions o;
    o.trainSize = pairs;
    o.devSize = 10;
    o.testSize = 10;
    const TaskSplits task = makeEnFrTask(o);
    json out;
    if (!dump.empty())
        if (auto r = dumpPairs(task.train, dump); !r)
            out["dump_error"] = r.error().message;
    for (int threads : {1, 2}) {
        Model m = freshLike(model);
        TrainOptions t = std::is_same_v<Model, TransformerModel> ? transformerTrainDefaults() : TrainOptions{};
        t.epochs = 1;
        t.threads = threads;
        t.evalSentences = 0;
        Trainer trainer(m, task.train, task.dev, t);
        auto summary = trainer.run();
        out["tokens_per_s_" + std::to_string(threads) + "_threads"] = summary ? summary->tokensPerSecond : 0.0;
    }
    return out;
}

/// The value of `key` (in kB) in a /proc file of this process, in bytes; 0 when absent.
double procBytes(const char *file, const std::string &key)
{
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key, 0) == 0)
            return std::stod(line.substr(key.size())) * 1024.0;
    return 0.0;
}

/// Resident memory of this process, bytes.
double residentBytes() { return procBytes("/proc/self/status", "VmRSS:"); }

/// Anonymous memory in 2 MB pages, bytes.
double largePageBytes() { return procBytes("/proc/self/smaps_rollup", "AnonHugePages:"); }

/// A Hugging Face folder at work: opening it, encoding a 20-token source (a
/// picture for a vision folder, a 30 s clip for Whisper), and one decoder step
/// per token with every head's attention captured, against the
/// weight-streaming floor (the decoder's weights that one step must read,
/// over the read bandwidth measured here).
json folderBench(const std::string &folder, int repeat, int steps)
{
    json out = {{"folder", folder}};
    const double before = residentBytes();
    // A whisper.cpp file opens as the folder it was converted from would.
    const bool ggml = isGgmlFile(folder);
    auto openFolder = [&] { return ggml ? openGgmlWhisperModel(folder) : openHuggingFaceModel(folder); };
    auto opened = openFolder();
    if (!opened)
        return {{"error", opened.error().message}};
    const TransformerModel &model = *opened.value();
    double weightBytes = 0, stepBytes = 0;
    for (const auto &[name, m] : model.parameters()) {
        weightBytes += double(m.size()) * sizeof(float);
        // Per step; a weight kept in 16 bits (a float16 file's) is read in half the bytes.
        if (model.spec().readEveryStep(name))
            stepBytes += double(m.size()) * (model.keepsHalf(name) ? 2.0 : double(sizeof(float)));
    }
    out["parameters"] = model.description().parameters;
    out["rss_after_open_over_weights"] = (residentBytes() - before) / weightBytes;
    out["half_weight_bytes"] = double(model.halfBytes());
    opened = {Error{}};
    out["open_ms"] = medianMs(repeat, [&] { (void)openFolder(); });
    auto again = openFolder();
    const TransformerModel &m = *again.value();
    // The weights a step streams move to 2 MB pages in the background
    // (backStreamedWeightsWithLargePages): time the steps after.
    const auto waitStart = std::chrono::steady_clock::now();
    waitForLargePages();
    out["large_pages_wait_ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - waitStart).count();
    out["large_page_bytes"] = largePageBytes();

    // A 20-token source (a text model) or a picture (a vision model: a 640 × 480
    // gradient, resized by the folder's image processor), and `steps` target
    // tokens from the folder's own tokenizer.
    std::string text;
    for (int i = 0; i < 40; ++i)
        text += "the lighthouse keeper lit the lamp at dusk ";
    const bool image = m.description().sourceKind == SourceKind::Image;
    const bool audio = m.description().sourceKind == SourceKind::Audio;
    std::vector<int> target;
    EncodedSource source;
    std::string encodeKey = "encode_20_tokens_ms";
    if (audio) {
        // A 30 s clip (Whisper's window): a rising tone over a little deterministic noise.
        std::vector<float> clip(16000 * 30);
        for (size_t i = 0; i < clip.size(); ++i) {
            const double t = double(i) / 16000.0;
            const double noise = double((i * 7919) % 2001) / 1000.0 - 1.0;
            clip[i] = float(0.1 * std::sin(2 * std::numbers::pi * (200.0 + 10.0 * t) * t) + 0.01 * noise);
        }
        out["prepare_audio_ms"] = medianMs(repeat, [&] { (void)m.prepareAudio(clip); });
        auto prepared = m.prepareAudio(clip);
        if (!prepared)
            return {{"error", prepared.error().message}};
        source = std::move(prepared).value();
        target = m.prepareForcedTarget(text); // after the prompt: language, task, no timestamps
        encodeKey = "encode_30s_ms";
    } else if (image) {
        RgbImage picture;
        picture.width = 640;
        picture.height = 480;
        picture.pixels.resize(size_t(picture.width) * size_t(picture.height) * 3);
        for (size_t i = 0; i < picture.pixels.size(); ++i)
            picture.pixels[i] = std::uint8_t((i * 7 / 3) % 251);
        out["prepare_image_ms"] = medianMs(repeat, [&] { (void)m.prepareImage(picture); });
        auto prepared = m.prepareImage(picture);
        if (!prepared)
            return {{"error", prepared.error().message}};
        source = std::move(prepared).value();
        target = m.prepareTarget(text);
        encodeKey = "encode_image_ms";
    } else {
        auto long_ = m.prepareSource(text);
        if (!long_)
            return {{"error", long_.error().message}};
        source = long_.value();
        target = source.axis.ids;
        std::vector<int> ids(source.axis.ids.begin(), source.axis.ids.begin() + std::min<size_t>(20, source.axis.ids.size()));
        source.axis = SourceAxis::textSource("", std::vector<std::string>(ids.size(), "x"), ids);
    }
    source.keepSelfAttention = source.axis.kind == SourceKind::Text; // DecodeOptions::encoderSelfAttention's default
    out[encodeKey + "_1_thread"] = medianMs(repeat, [&] { (void)m.encode(source); });
    {
        DecodePartner::Session both; // as a decode with the machine to itself encodes
        out[encodeKey] = medianMs(repeat, [&] { (void)m.encode(source); });
    }
    DecodeOptions forced;
    forced.prefix.assign(target.begin(), target.begin() + std::min<size_t>(steps, target.size()));
    forced.maxLength = int(forced.prefix.size());
    const double n = double(forced.prefix.size());
    out["steps"] = n;
    DecodeSession first(m, source, forced);
    if (auto once = first.run(); !once) // timed below only when it decodes
        return {{"error", once.error().message}};
    const DecodeTrace &decoded = first.trace();
    // Besides the weights, a step reads the cached keys and values: every
    // layer's cross keys and values of the n source positions, and its own
    // self-attention cache of t + 1 positions (here the mean over the steps).
    double cacheBytes = 0;
    for (size_t l = 0; l < decoded.crossKeys.size(); ++l)
        cacheBytes += double(decoded.crossKeys[l].size() + decoded.crossValues[l].size()) * sizeof(float);
    if (!decoded.crossKeys.empty())
        cacheBytes += double(decoded.crossKeys.size()) * 2.0 * double(decoded.crossKeys.front().cols()) * sizeof(float) *
                      (n + 1.0) / 2.0;
    // The steps alone: the session encodes the source when it is made, which is timed above.
    auto decoding = [&] { return DecodeSession(m, source, forced); };
    auto runSteps = [](DecodeSession &session) { (void)session.run(); };
    out["per_token_ms_1_thread"] = medianMs(repeat, decoding, runSteps) / n;
    forced.partner = true;
    if (m.halfBytes() > 0) {
        // The same steps reading the float32 weights (a copy without the 16-bit ones): the same bits, twice the bytes.
        TransformerModel wide(m);
        wide.parameters();
        wide.adviseLargePages();
        waitForLargePages();
        out["per_token_ms_float32_weights"] =
            medianMs(repeat, [&] { return DecodeSession(wide, source, forced); }, runSteps) / n;
    }
    // Both cores, each run's steps right after a reading of the read bandwidth
    // (the better of 4 KB and 2 MB pages): its floor is that run's, so a change
    // of the host's bandwidth between them does not skew the ratio.
    const BandwidthProbe probe(true);
    std::vector<double> perToken, ratios, withCache, bandwidths, small, large;
    for (int i = 0; i <= repeat; ++i) { // the first is the warm-up
        const double b4k = probe.once(false), b2m = probe.once(true), bandwidth = std::max(b4k, b2m);
        DecodeSession session = decoding();
        const auto start = std::chrono::steady_clock::now();
        runSteps(session);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / n;
        if (i == 0)
            continue;
        perToken.push_back(ms);
        ratios.push_back(ms / (stepBytes / (bandwidth * 1e6)));
        withCache.push_back(ms / ((stepBytes + cacheBytes) / (bandwidth * 1e6)));
        bandwidths.push_back(bandwidth);
        small.push_back(b4k);
        large.push_back(b2m);
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    out["per_token_ms"] = median(perToken);
    out["read_bandwidth_gb_s_4k_pages"] = median(small);
    out["read_bandwidth_gb_s_2m_pages"] = median(large);
    out["read_bandwidth_gb_s"] = median(bandwidths);
    out["step_weight_bytes"] = stepBytes;
    out["floor_ms_per_token"] = stepBytes / (median(bandwidths) * 1e6);
    out["per_token_over_floor"] = median(ratios); // each run against its own floor
    out["per_token_over_floor_runs"] = ratios;
    out["step_cache_bytes"] = cacheBytes;
    out["per_token_over_floor_with_cache"] = median(withCache); // the weights and the cache read, each run against its own floor
    return out;
}

json compareBench(int repeat)
{
    std::vector<ModelPtr> models;
    std::vector<std::string> names;
    for (const auto &name : bundledModelNames(SourceKind::Text))
        if (auto m = openModel(name)) {
            models.push_back(std::move(m.value()));
            names.push_back(name);
        }
    if (models.empty())
        return {{"skipped", "no bundled models"}};
    std::vector<const Seq2Seq *> ptrs;
    for (const ModelPtr &m : models)
        ptrs.push_back(m.get());
    const std::string sentence = sentenceOfModel(*models.front(), 20);
    json out = {{"models", models.size()}};
    // Greedy latency of the seed sentence for every bundled model, one thread.
    json greedy;
    for (size_t i = 0; i < models.size(); ++i)
        greedy[names[i]] = medianMs(repeat, [&] { (void)translate(*models[i], "The cat sat on the mat"); });
    out["seed_greedy_ms"] = greedy;
    double ms[3] = {};
    for (int threads : {1, 2}) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        ms[threads] = medianMs(repeat, [&] { (void)translateAll(ptrs, sentence); });
        out["ms_" + std::to_string(threads) + "_threads"] = ms[threads];
    }
    out["speedup_2_over_1"] = ms[1] / ms[2];
    return out;
}

} // namespace

int benchCommand(const Argv &argv)
{
    auto args = Args::parse(argv, {{"quick", "json"}, {"model", "section", "repeat", "train-pairs", "sentence", "dump-tsv", "steps"}, {}});
    if (!args)
        return fail(args.error());
    // --quick: fewer repeats and a small training set, under a minute in all.
    const bool quick = args->has("quick");
    auto repeat = args->integer("repeat", quick ? 3 : 9, 1, 1000);
    auto pairs = args->integer("train-pairs", quick ? 300 : 2000, 10, 1000000);
    if (!repeat)
        return fail(repeat.error());
    if (!pairs)
        return fail(pairs.error());
    const std::string section = args->value("section").value_or("all");
    const std::vector<std::string> sections = {"all", "scoring", "decode", "train", "compare", "ui", "folder"};
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
        return fail(usageError("--section must be all, scoring, decode, train, compare, ui or folder"));
    if (section == "folder") {
        // Not part of "all": it needs a Hugging Face folder.
        auto steps = args->integer("steps", 32, 1, 10000);
        if (!steps)
            return fail(steps.error());
        if (!args->value("model") || (!isHuggingFaceFolder(*args->value("model")) && !isGgmlFile(*args->value("model"))))
            return fail(usageError("--section folder needs --model FOLDER, a Hugging Face model folder "
                                   "(or a whisper.cpp ggml file)"));
        const json out = {{"folder", folderBench(*args->value("model"), repeat.value(), steps.value())}};
        if (args->has("json"))
            std::cout << out.dump(2) << "\n";
        else
            printText(out, "");
        return 0;
    }
#ifndef ALIGNSCOPE_WITH_EXPORT
    if (section == "ui")
        return fail(usageError("--section ui needs a build with the window (ALIGNSCOPE_BUILD_UI=ON)"));
#endif
    json out;
    auto model = openModel(args->value("model").value_or("additive"));
    if ((section == "all" || section == "decode" || section == "train") && !model)
        return fail(model.error());
    if (section == "all" || section == "scoring")
        out["scoring"] = scoringBench(repeat.value());
    if (section == "all" || section == "decode")
        out["decode"] = decodeBench(*model.value(), repeat.value(), args->value("sentence").value_or("The cat sat on the mat"));
    if (section == "all" || section == "train") {
        const std::string dump = args->value("dump-tsv").value_or("");
        if (const auto *t = dynamic_cast<const TransformerModel *>(model.value().get()))
            out["train"] = trainBench(*t, pairs.value(), dump);
        else if (const auto *r = dynamic_cast<const RnnModel *>(model.value().get()))
            out["train"] = trainBench(*r, pairs.value(), dump);
    }
    if (section == "all" || section == "compare")
        out["compare"] = compareBench(repeat.value());
#ifdef ALIGNSCOPE_WITH_EXPORT
    if (section == "all" || section == "ui")
        out["ui"] = uiBench(repeat.value());
#endif
    if (args->has("json"))
        std::cout << out.dump(2) << "\n";
    else
        printText(out, "");
    return 0;
}

} // namespace alignscope::cli
