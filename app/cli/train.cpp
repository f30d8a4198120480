// train and eval: the built-in tasks or a user's corpus.
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/modelargs.h"
#include "cli/tasks.h"

#include "alignscope/decode.h"
#include "alignscope/headimportance.h"
#include "alignscope/model.h"
#include "alignscope/train.h"

#ifdef ALIGNSCOPE_WITH_EXPORT
#include "cli/exportimage.h"
#endif

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <unistd.h>

namespace alignscope::cli {

namespace {

const OptionSpec kTaskOptions = {
    {}, {"task", "format", "task-seed", "train-size", "dev-size", "test-size", "direction"}, {}};

OptionSpec trainSpec()
{
    OptionSpec s = kTaskOptions;
    s.values.insert({"epochs", "threads", "resume", "out", "batch", "lr", "seed", "teacher-forcing", "patience",
                     "eval-sentences", "watch", "snapshots", "snapshot-format", "label-smoothing", "schedule",
                     "warmup", "min-count", "max-vocab", "tokenizer", "vocab-size", "patch"});
    s.values.insert(std::begin(kModelValueOptions), std::end(kModelValueOptions));
    s.values.insert(std::begin(kTransformerValueOptions), std::end(kTransformerValueOptions));
    s.flags.insert({"gated-ffn", "shared-vocab"});
    return s;
}

Result<ModelConfig> trainConfig(const Args &a, const PreparedTask &task)
{
    return modelConfigFromArgs(a, false, RnnRecipe{}.forTask(task));
}

/// The options of a run; `defaults` are the family's (transformerTrainDefaults).
Result<TrainOptions> trainOptions(const Args &a, const TrainOptions &defaults)
{
    TrainOptions o = defaults;
    auto epochs = a.integer("epochs", 10, 1, 100000);
    auto threads = a.integer("threads", 0, 0, 1024);
    auto batch = a.integer("batch", o.batchSize, 1, 4096);
    auto seed = a.integer("seed", 1, 0, 2147483647);
    auto patience = a.integer("patience", 3, 1, 1000);
    auto evalSentences = a.integer("eval-sentences", 200, 0, 1000000);
    auto warmup = a.integer("warmup", o.warmupSteps, 0, 100000000);
    auto lr = a.number("lr", o.learningRate, 1e-7, 10.0);
    auto tf = a.number("teacher-forcing", 1.0, 0.0, 1.0);
    auto dropout = a.number("dropout", o.dropout, 0.0, 0.9);
    auto smoothing = a.number("label-smoothing", o.labelSmoothing, 0.0, 0.99);
    for (const Result<int> *r : {&epochs, &threads, &batch, &seed, &patience, &evalSentences, &warmup})
        if (!*r)
            return r->error();
    for (const Result<double> *r : {&lr, &tf, &dropout, &smoothing})
        if (!*r)
            return r->error();
    if (auto schedule = a.value("schedule")) {
        auto parsed = parseLrSchedule(*schedule);
        if (!parsed)
            return parsed.error();
        o.schedule = parsed.value();
    }
    o.warmupSteps = warmup.value();
    o.labelSmoothing = static_cast<float>(smoothing.value());
    o.epochs = epochs.value();
    o.threads = threads.value();
    o.batchSize = batch.value();
    o.seed = static_cast<unsigned>(seed.value());
    o.patience = patience.value();
    o.evalSentences = evalSentences.value();
    o.learningRate = static_cast<float>(lr.value());
    o.teacherForcingEnd = static_cast<float>(tf.value());
    o.dropout = static_cast<float>(dropout.value());
    return o;
}

std::string formatDuration(double seconds)
{
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return buf;
}

/// An estimate: tenths of a second under a minute (a small task's epoch), H:MM:SS above.
std::string formatEstimate(double seconds)
{
    if (seconds >= 59.95)
        return formatDuration(seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
    return buf;
}

std::string metricsLine(const EvalMetrics &m)
{
    char buf[200];
    std::snprintf(buf, sizeof buf, "dev loss %.4f  ppl %.3f  BLEU %.2f  exact %.1f%%  AER %s  entropy %.3f",
                  m.loss, m.perplexity, m.bleu, 100.0 * m.exactMatch,
                  m.aer < 0 ? "n/a" : std::to_string(m.aer).substr(0, 5).c_str(), m.entropy);
    return buf;
}

/// `eval --per-head --json`: each layer's and head's AER and entropy, as
/// layers × heads arrays (null AER without gold links), and the best head.
nlohmann::ordered_json perHeadJson(const EvalMetrics &m)
{
    nlohmann::ordered_json aer = nlohmann::ordered_json::array(), entropy = nlohmann::ordered_json::array();
    int best = -1;
    for (int l = 0; l < m.layers; ++l) {
        nlohmann::ordered_json aerRow = nlohmann::ordered_json::array(), entropyRow = nlohmann::ordered_json::array();
        for (int h = 0; h < m.heads; ++h) {
            const size_t i = size_t(l * m.heads + h);
            aerRow.push_back(m.headAer.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.headAer[i]));
            entropyRow.push_back(m.headEntropy[i]);
            if (!m.headAer.empty() && (best < 0 || m.headAer[i] < m.headAer[size_t(best)]))
                best = int(i);
        }
        aer.push_back(aerRow);
        entropy.push_back(entropyRow);
    }
    nlohmann::ordered_json j = {{"layers", m.layers}, {"heads", m.heads}, {"aer", aer}, {"entropy", entropy}};
    j["best"] = best < 0 ? nlohmann::ordered_json(nullptr)
                         : nlohmann::ordered_json{{"layer", best / m.heads + 1}, {"head", best % m.heads + 1},
                                                  {"aer", m.headAer[size_t(best)]}};
    return j;
}

/// `eval --head-importance`: the fall in log P of the model's own output
/// with each head (and each layer's cross-attention) off, layers × heads.
nlohmann::ordered_json headImportanceJson(const HeadImportance &h)
{
    nlohmann::ordered_json drop = nlohmann::ordered_json::array();
    for (int l = 0; l < h.layers; ++l) {
        nlohmann::ordered_json row = nlohmann::ordered_json::array();
        for (int k = 0; k < h.heads; ++k)
            row.push_back(h.drop(l, k));
        drop.push_back(row);
    }
    nlohmann::ordered_json layerDrop = nlohmann::ordered_json::array();
    for (int l = 0; l < h.layers; ++l)
        layerDrop.push_back(h.layerDrop[l]);
    Eigen::Index bl = 0, bh = 0;
    h.drop.maxCoeff(&bl, &bh);
    return {{"layers", h.layers}, {"heads", h.heads}, {"sentences", h.sentences}, {"tokens", h.tokens},
            {"log_prob", h.logProb}, {"drop", drop}, {"layer_drop", layerDrop},
            {"most_important", {{"layer", bl + 1}, {"head", bh + 1}, {"drop", h.drop(bl, bh)}}}};
}

void printHeadImportance(const HeadImportance &h)
{
    std::printf("head importance: mean fall in log P of the model's own output with the head off, nats "
                "(%d sentences; rows: layers, columns: heads; last: the whole layer)\n",
                h.sentences);
    for (int l = 0; l < h.layers; ++l) {
        std::printf("  layer %d:", l + 1);
        for (int k = 0; k < h.heads; ++k)
            std::printf(" %8.4f", h.drop(l, k));
        std::printf("  | %8.4f\n", h.layerDrop[l]);
    }
}

/// The same as a table: one row per layer, one column per head.
void printPerHead(const EvalMetrics &m)
{
    std::printf("per-head AER%s (rows: layers, columns: heads)\n", m.headAer.empty() ? " n/a; entropy" : "");
    for (int l = 0; l < m.layers; ++l) {
        std::printf("  layer %d:", l + 1);
        for (int h = 0; h < m.heads; ++h) {
            const size_t i = size_t(l * m.heads + h);
            std::printf("  %.3f", m.headAer.empty() ? m.headEntropy[i] : m.headAer[i]);
        }
        std::printf("\n");
    }
}

/// Seconds between plain progress lines when stderr is not a terminal:
/// ALIGNSCOPE_PROGRESS_SECONDS (for tests and busy logs), 30 by default.
Result<double> progressInterval()
{
    const char *v = std::getenv("ALIGNSCOPE_PROGRESS_SECONDS");
    if (!v)
        return 30.0;
    char *end = nullptr;
    const double seconds = std::strtod(v, &end);
    if (*v == '\0' || *end != '\0' || !(seconds > 0.0 && seconds <= 86400.0))
        return usageError(std::string("ALIGNSCOPE_PROGRESS_SECONDS must be a number of seconds above 0, got \"") + v +
                          "\"");
    return seconds;
}

/// On a terminal, a progress bar redrawn in place. Elsewhere (a log file,
/// CI, nohup) plain lines: one per epoch and one at least every `interval`
/// seconds between them, so a log shows a long epoch is alive.
class ProgressReport {
public:
    ProgressReport(bool terminal, double interval) : m_terminal(terminal), m_interval(interval) {}

    void operator()(const TrainProgress &p)
    {
        const auto now = Clock::now();
        if (p.epochEnd) {
            std::fprintf(stderr, "%sepoch %d/%d  loss %.4f  %s  %.0f tok/s\n", m_terminal ? "\r\033[K" : "", p.epoch,
                         p.epochs, p.loss, metricsLine(p.dev).c_str(), p.tokensPerSecond);
            m_last = now;
            return;
        }
        const double frac = p.totalSteps ? double(p.step) / double(p.totalSteps) : 0.0;
        if (m_terminal) {
            const int width = 30, filled = static_cast<int>(frac * width);
            std::fprintf(stderr, "\r\033[K[%s%s] %5.1f%%  epoch %d/%d  loss %.4f  %.0f tok/s  ETA %s",
                         std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), 100.0 * frac,
                         p.epoch, p.epochs, p.loss, p.tokensPerSecond, formatDuration(p.etaSeconds).c_str());
            return;
        }
        if (std::chrono::duration<double>(now - m_last).count() < m_interval)
            return;
        std::fprintf(stderr, "progress %.1f%%  epoch %d/%d  step %lld/%lld  loss %.4f  %.0f tok/s  ETA %s\n",
                     100.0 * frac, p.epoch, p.epochs, p.step, p.totalSteps, p.loss, p.tokensPerSecond,
                     formatDuration(p.etaSeconds).c_str());
        m_last = now;
    }

private:
    using Clock = std::chrono::steady_clock;
    bool m_terminal;
    double m_interval;
    Clock::time_point m_last = Clock::now();
};

/// `--watch SENTENCE --snapshots DIR`: the watched sentence decoded with
/// the weights at the end of every epoch, as DIR/epoch-NNN.json and, with
/// --snapshot-format png|svg, a heatmap figure beside it.
class SnapshotWriter {
public:
    static Result<std::unique_ptr<SnapshotWriter>> open(const Args &a)
    {
        const auto watch = a.value("watch");
        const auto dir = a.value("snapshots");
        if (dir && !watch)
            return usageError("--snapshots needs --watch SENTENCE (the sentence whose attention is written)");
        if (watch && !dir)
            return usageError("--watch needs --snapshots DIR (where the per-epoch traces go)");
        const std::string format = a.value("snapshot-format").value_or("json");
        if (format != "json" && format != "png" && format != "svg")
            return usageError("--snapshot-format must be json, png or svg");
        if (!watch)
            return std::unique_ptr<SnapshotWriter>();
        auto w = std::unique_ptr<SnapshotWriter>(new SnapshotWriter(*watch, *dir, format));
        if (format != "json") {
#ifdef ALIGNSCOPE_WITH_EXPORT
            auto image = openImageExport(a, format);
            if (!image)
                return image.error();
            w->m_image = std::move(image).value();
#else
            return usageError("--snapshot-format " + format + " needs a build with the UI (figure export); "
                              "this one writes json only");
#endif
        }
        std::error_code ec;
        std::filesystem::create_directories(*dir, ec);
        if (ec || !std::filesystem::is_directory(*dir))
            return fileError(*dir + ": cannot create the snapshot folder (" + ec.message() + ")");
        return w;
    }

    const std::string &sentence() const { return m_sentence; }

    /// Decodes the watched sentence with `model` and writes epoch `epoch`'s files.
    Result<void> write(const Seq2Seq &model, int epoch) const
    {
        auto trace = translate(model, m_sentence);
        if (!trace)
            return trace.error();
        char name[32];
        std::snprintf(name, sizeof name, "epoch-%03d", epoch);
        const std::filesystem::path base = std::filesystem::path(m_dir) / name;
        const std::string json = base.string() + ".json";
        std::ofstream out(json, std::ios::binary | std::ios::trunc);
        out << traceToJson(trace.value(), trace->bestPath()) << "\n";
        if (!out.flush())
            return Error{ErrorKind::Internal, json + ": cannot write the snapshot"};
#ifdef ALIGNSCOPE_WITH_EXPORT
        if (m_image) {
            auto shared = std::make_shared<const DecodeTrace>(std::move(trace).value());
            const std::string title = model.name() + " - epoch " + std::to_string(epoch);
            return m_image->write({shared}, {title}, base.string() + "." + m_format, {});
        }
#endif
        return {};
    }

private:
    SnapshotWriter(std::string sentence, std::string dir, std::string format)
        : m_sentence(std::move(sentence)), m_dir(std::move(dir)), m_format(std::move(format))
    {
    }

    std::string m_sentence;
    std::string m_dir;
    std::string m_format;
#ifdef ALIGNSCOPE_WITH_EXPORT
    std::unique_ptr<ImageExport> m_image;
#endif
};

} // namespace

namespace {

std::pair<TokenizerOptions, TokenizerOptions> tokenizersOf(const RnnModel &m)
{
    return {m.config().sourceTokenizer, m.config().targetTokenizer};
}

std::pair<TokenizerOptions, TokenizerOptions> tokenizersOf(const TransformerModel &m)
{
    const TransformerFileConfig c = m.fileConfig();
    return {c.sourceTokenizer, c.targetTokenizer};
}

/// --tokenizer word|char|bpe|unigram [--vocab-size N] [--shared-vocab]:
/// SentencePiece models are trained here, on the training split.
Result<void> applyTokenizer(const Args &a, PreparedTask &task)
{
    TokenizerRequest request;
    request.kind = a.value("tokenizer").value_or("");
    auto size = a.integer("vocab-size", request.vocabSize, 16, 1000000);
    if (!size)
        return size.error();
    request.vocabSize = size.value();
    request.shared = a.has("shared-vocab");
    const bool subword = request.kind == "bpe" || request.kind == "unigram";
    if (!subword && (a.value("vocab-size") || request.shared))
        return usageError("--vocab-size and --shared-vocab are for --tokenizer bpe or unigram");
    return alignscope::applyTokenizer(task, request);
}

/// The run's first line: what it trains on, how big, and how long an epoch
/// should take here (the Training tab's estimate, timed on a copy of the model).
template <typename Model>
void printPlan(const Model &model, const PreparedTask &task, const TrainOptions &options)
{
    const TrainingEstimate e = estimateTraining(model, task.splits.train, task.splits.dev, options);
    const auto [source, target] = tokenizersOf(model);
    std::fprintf(stderr,
                 "training %s on %zu pairs (%s), vocabularies %d/%d (%s/%s), %lld parameters; "
                 "estimated %s per epoch, %s for %d epochs\n",
                 model.description().summary.c_str(), task.splits.train.pairs.size(), task.name.c_str(),
                 model.sourceVocab().size(), model.targetVocab().size(), tokenizerName(source), tokenizerName(target),
                 parameterCount(model.parameters()), formatEstimate(e.epochSeconds()).c_str(),
                 formatEstimate(e.seconds).c_str(), e.epochs);
}

/// Trains `model` on the task with `options` and writes it to --out.
template <typename Model>
int runTraining(Model &model, const Args &args, const PreparedTask &task, const TrainOptions &options,
                const SnapshotWriter *snapshots, double interval)
{
    const std::string out = *args.value("out");
    Trainer trainer(model, task.splits.train, task.splits.dev, options);
    if (auto resume = args.value("resume")) {
        if (auto r = trainer.resume(*resume); !r)
            return fail(r.error());
    }
    printPlan(model, task, options);
    if (snapshots) { // a sentence that cannot be decoded fails now, not after the first epoch
        if (auto t = translate(model, snapshots->sentence()); !t)
            return fail(t.error());
    }
    ProgressReport report(isatty(STDERR_FILENO), interval);
    // A snapshot that cannot be written stops training at the next batch.
    std::atomic<bool> stop{false};
    std::optional<Error> snapshotError;
    auto summary = trainer.run(
        [&](const TrainProgress &p) {
            report(p);
            if (!p.epochEnd || !snapshots || snapshotError)
                return;
            if (auto w = snapshots->write(model, p.epoch); !w) {
                snapshotError = w.error();
                stop = true;
            }
        },
        &stop);
    if (snapshotError)
        return fail(*snapshotError);
    if (!summary)
        return fail(summary.error());
    if (auto saved = model.save(out); !saved)
        return fail(saved.error());
    std::fprintf(stderr, "done in %s (%d epochs%s), %.0f target tokens/s; wrote %s\n",
                 formatDuration(summary->seconds).c_str(), summary->epochsRun,
                 summary->stoppedEarly ? ", stopped early" : "", summary->tokensPerSecond, out.c_str());
    return 0;
}

} // namespace

int trainCommand(const Argv &argv)
{
    auto args = Args::parse(argv, trainSpec());
    if (!args)
        return fail(args.error());
    if (!args->value("out"))
        return fail(usageError("train needs --out FILE (where the trained model is written)"));
    auto snapshots = SnapshotWriter::open(args.value());
    if (!snapshots)
        return fail(snapshots.error());
    auto interval = progressInterval();
    if (!interval)
        return fail(interval.error());
    auto task = loadTask(args.value());
    if (!task)
        return fail(task.error());
    if (auto tokenizer = applyTokenizer(args.value(), task.value()); !tokenizer)
        return fail(tokenizer.error());
    // An image task (scenes) is read by a ViT-style encoder before a Transformer
    // decoder, a speech corpus by a Whisper-style audio encoder.
    const bool media = task->image || task->audio;
    if (media && args->value("encoder").value_or("transformer") != "transformer")
        return fail(usageError("--task " + task->name + " trains a Transformer with an " +
                               (task->image ? "image" : "audio") + " encoder; leave out --encoder or give --encoder transformer"));
    if (!task->image && args->value("patch"))
        return fail(usageError("--patch is for image tasks (--task scenes)"));
    const bool transformer = media || args->value("encoder") == "transformer";
    if (auto mixed = checkFamilyOptions(args.value(), transformer); !mixed)
        return fail(mixed.error());
    auto options = trainOptions(args.value(), transformer ? transformerTrainDefaults() : TrainOptions{});
    if (!options)
        return fail(options.error());
    options->checkpoint = *args->value("out") + ".ckpt";
    // Word vocabularies bounded as NMT toolkits do: rare words and those past
    // the size limit read as <unk> (the window marks them OOV).
    auto minCount = args->integer("min-count", 1, 1, 1000000000);
    auto maxVocab = args->integer("max-vocab", 0, 8, 100000000);
    for (const Result<int> *r : {&minCount, &maxVocab})
        if (!*r)
            return fail(r->error());
    if (transformer) {
        auto spec = transformerSpecFromArgs(args.value());
        auto patch = args->integer("patch", 4, 1, 1024);
        if (!patch)
            return fail(patch.error());
        if (spec && task->image)
            spec = imageEncoderSpec(spec.value(), *task->image, patch.value());
        else if (spec && task->audio)
            spec = audioEncoderSpec(spec.value(), *task->audio);
        if (!spec)
            return fail(spec.error());
        TransformerModel model =
            makeTransformerForCorpus(spec.value(), task->splits.train, options->seed, minCount.value(),
                                     maxVocab.value(), task->sourceTokenizer, task->targetTokenizer);
        if (task->image)
            model.setImageProcessor(*task->image);
        if (task->audio)
            model.setAudioFrontEnd(*task->audio);
        return runTraining(model, args.value(), task.value(), options.value(), snapshots->get(), interval.value());
    }
    auto config = trainConfig(args.value(), task.value());
    if (!config)
        return fail(config.error());
    RnnModel model = makeModelForCorpus({config.value(), minCount.value(), maxVocab.value()}, task->splits.train,
                                        options->seed);
    model.setName(toString(config->attention.scorer));
    return runTraining(model, args.value(), task.value(), options.value(), snapshots->get(), interval.value());
}

int taskCommand(const Argv &argv)
{
    OptionSpec spec = kTaskOptions;
    spec.values.insert("split");
    auto args = Args::parse(argv, spec);
    if (!args)
        return fail(args.error());
    const std::string split = args->value("split").value_or("train");
    if (split != "train" && split != "dev" && split != "test")
        return fail(usageError("--split must be train, dev or test"));
    auto task = loadTask(args.value());
    if (!task)
        return fail(task.error());
    const Corpus &corpus = split == "train" ? task->splits.train : split == "dev" ? task->splits.dev : task->splits.test;
    if (task->image)
        return fail(usageError("--task " + task->name + "'s sources are pictures; `task` prints text pairs only"));
    // One pair per line as a TSV corpus reads it back (a speech corpus: clip, transcript).
    for (const SentencePair &p : corpus.pairs)
        std::cout << (p.audio.empty() ? p.source : p.audio) << '\t' << p.target << '\n';
    std::cout.flush();
    return std::cout ? 0 : fail(fileError("task: cannot write standard output"));
}

int evalCommand(const Argv &argv)
{
    OptionSpec spec = kTaskOptions;
    spec.values.insert({"model", "split", "limit"});
    spec.flags.insert({"json", "per-head", "head-importance"});
    auto args = Args::parse(argv, spec);
    if (!args)
        return fail(args.error());
    if (!args->value("model"))
        return fail(usageError("eval needs --model FILE or a bundled model name"));
    auto model = openModel(*args->value("model"));
    if (!model)
        return fail(model.error());
    auto task = loadTask(args.value());
    if (!task)
        return fail(task.error());
    const std::string split = args->value("split").value_or("test");
    if (split != "dev" && split != "test")
        return fail(usageError("--split must be dev or test"));
    auto limit = args->integer("limit", -1, 1, 100000000);
    if (!limit)
        return fail(limit.error());
    const Corpus &corpus = split == "dev" ? task->splits.dev : task->splits.test;
    const Seq2Seq &seq2seq = *model.value();
    auto evaluated = evaluate(seq2seq, corpus, {limit.value(), args->has("per-head")});
    if (!evaluated)
        return fail(evaluated.error());
    const EvalMetrics &m = evaluated.value();
    std::optional<HeadImportance> importance;
    if (args->has("head-importance")) {
        // (L·H + L + 1) decodes a sentence: the first 100 unless --limit says otherwise.
        const size_t count = std::min(corpus.pairs.size(), size_t(limit.value() > 0 ? limit.value() : 100));
        std::vector<std::string> sentences;
        for (size_t i = 0; i < count; ++i)
            sentences.push_back(corpus.pairs[i].source);
        auto grid = headImportance(seq2seq, sentences);
        if (!grid)
            return fail(grid.error());
        importance = std::move(grid.value());
    }
    if (args->has("json")) {
        nlohmann::ordered_json j = {{"model", seq2seq.name()}, {"task", task->name}, {"split", split},
                                    {"sentences", m.sentences}, {"loss", m.loss}, {"perplexity", m.perplexity},
                                    {"bleu", m.bleu}, {"exact_match", m.exactMatch},
                                    {"aer", m.aer < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.aer)},
                                    {"entropy", m.entropy}};
        if (args->has("per-head"))
            j["per_head"] = perHeadJson(m);
        if (importance)
            j["head_importance"] = headImportanceJson(*importance);
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("%s on %s/%s (%d sentences)\nBLEU %.2f  exact match %.2f%%  AER %s  entropy %.4f  loss %.4f  "
                    "perplexity %.4f\n",
                    seq2seq.name().c_str(), task->name.c_str(), split.c_str(), m.sentences, m.bleu,
                    100.0 * m.exactMatch, m.aer < 0 ? "n/a" : std::to_string(m.aer).c_str(), m.entropy, m.loss,
                    m.perplexity);
        if (args->has("per-head"))
            printPerHead(m);
        if (importance)
            printHeadImportance(*importance);
    }
    return 0;
}

} // namespace alignscope::cli
