// Task presets and RNN configs: one place for the CLI and the window.
#include "alignscope/recipes.h"

#include "alignscope/scenes.h"
#include "alignscope/subword.h"

#include "common/random.h"

#include <algorithm>

namespace alignscope {

namespace {

Result<PreparedTask> fileTask(const TaskRequest &r)
{
    if (r.format != "tsv" && r.format != "eng-fra" && r.format != "audio-tsv")
        return usageError("--format must be tsv, eng-fra or audio-tsv");
    const bool speech = r.format == "audio-tsv";
    auto corpus = r.format == "tsv" ? readTsvCorpus(r.name)
                  : speech          ? readAudioTsvCorpus(r.name)
                                    : readEngFraCorpus(r.name, r.direction);
    if (!corpus)
        return corpus.error();
    if (corpus->pairs.size() < 3)
        return fileError(r.name + ": " + corpus->summary() + "; training needs at least 3 valid pairs");
    std::vector<SentencePair> pairs = std::move(corpus->pairs);
    Rng rng(r.seed);
    for (size_t i = pairs.size(); i > 1; --i)
        std::swap(pairs[i - 1], pairs[rng.below(static_cast<std::uint32_t>(i))]);
    const size_t held = std::max<size_t>(1, pairs.size() / 20);
    PreparedTask t;
    t.name = r.name;
    t.splits.test.pairs.assign(pairs.end() - held, pairs.end());
    t.splits.dev.pairs.assign(pairs.end() - 2 * held, pairs.end() - held);
    size_t train = pairs.size() - 2 * held;
    if (r.trainSize > 0)
        train = std::min(train, static_cast<size_t>(r.trainSize));
    t.splits.train.pairs.assign(pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(train));
    size_t longest = 0;
    for (const auto &p : t.splits.train.pairs)
        longest = std::max(longest, p.sourceTokens.size());
    t.maxSourceLength = static_cast<int>(longest) + 16;
    if (speech)
        t.audio = speechFeatureConfig();
    return t;
}

} // namespace

Result<PreparedTask> prepareTask(const TaskRequest &r)
{
    if (r.name != "en-fr" && r.name != "dates" && r.name != "scenes")
        return fileTask(r);
    TaskOptions o;
    o.seed = r.seed;
    o.devSize = r.devSize;
    o.testSize = r.testSize;
    PreparedTask t;
    t.name = r.name;
    if (r.name == "en-fr") {
        o.trainSize = r.trainSize > 0 ? r.trainSize : 30000;
        t.splits = makeEnFrTask(o);
        t.maxSourceLength = 32;
    } else if (r.name == "scenes") {
        o.trainSize = r.trainSize > 0 ? r.trainSize : 20000;
        t.splits = makeScenesTask(o);
        t.image = scenesImageProcessor();
    } else {
        o.trainSize = r.trainSize > 0 ? r.trainSize : 20000;
        t.splits = makeDatesTask(o);
        t.sourceTokenizer.mode = TokenizerMode::Character;
        t.targetTokenizer.mode = TokenizerMode::Character;
        t.maxSourceLength = 48;
    }
    return t;
}

namespace {

std::vector<std::string> normalisedSentences(const Corpus &corpus, bool source, bool lowercase)
{
    std::vector<std::string> out;
    out.reserve(corpus.pairs.size());
    for (const SentencePair &p : corpus.pairs)
        if (auto text = normaliseForSubwords(source ? p.source : p.target, lowercase))
            out.push_back(std::move(text).value());
    return out;
}

Result<std::shared_ptr<const SubwordModel>> trainSubwords(const std::vector<std::string> &sentences, TokenizerMode mode,
                                                          int vocabSize)
{
    return SubwordModel::train(sentences, mode == TokenizerMode::Bpe ? SubwordModel::Kind::Bpe
                                                                     : SubwordModel::Kind::Unigram, vocabSize);
}

} // namespace

void retokenise(Corpus &corpus, const TokenizerOptions &source, const TokenizerOptions &target)
{
    const bool subword = isSubword(source.mode) || isSubword(target.mode);
    for (SentencePair &p : corpus.pairs) {
        auto s = tokenize(p.source, source);
        auto t = tokenize(p.target, target);
        p.sourceTokens = s ? std::move(s).value() : std::vector<std::string>{};
        p.targetTokens = t ? std::move(t).value() : std::vector<std::string>{};
        if (subword) {
            p.alignment.clear();
            p.hasAlignment = false;
        }
    }
}

Result<void> applyTokenizer(PreparedTask &task, const TokenizerRequest &request)
{
    if (request.kind.empty())
        return {};
    static const std::pair<const char *, TokenizerMode> kinds[] = {{"word", TokenizerMode::Word},
                                                                   {"char", TokenizerMode::Character},
                                                                   {"bpe", TokenizerMode::Bpe},
                                                                   {"unigram", TokenizerMode::Unigram}};
    const auto *kind = std::find_if(std::begin(kinds), std::end(kinds),
                                    [&](const auto &k) { return request.kind == k.first; });
    if (kind == std::end(kinds))
        return usageError("--tokenizer must be word, char, bpe or unigram, not \"" + request.kind + "\"");
    if (isSubword(kind->second) && (request.vocabSize < 16 || request.vocabSize > 1000000))
        return usageError("--vocab-size must be between 16 and 1000000");
    TokenizerOptions &source = task.sourceTokenizer, &target = task.targetTokenizer;
    if (source.mode == kind->second && target.mode == kind->second && !isSubword(kind->second))
        return {}; // the task's own tokens (a built-in task's keep their gold links)
    source.mode = target.mode = kind->second;
    source.subword = target.subword = nullptr;
    if (isSubword(kind->second)) {
        const Corpus &train = task.splits.train;
        std::vector<std::string> sourceText = normalisedSentences(train, true, source.lowercase);
        std::vector<std::string> targetText = normalisedSentences(train, false, target.lowercase);
        if (request.shared) {
            sourceText.insert(sourceText.end(), targetText.begin(), targetText.end());
            auto model = trainSubwords(sourceText, kind->second, request.vocabSize);
            if (!model)
                return model.error();
            source.subword = target.subword = model.value();
        } else {
            auto s = trainSubwords(sourceText, kind->second, request.vocabSize);
            if (!s)
                return s.error();
            auto t = trainSubwords(targetText, kind->second, request.vocabSize);
            if (!t)
                return t.error();
            source.subword = s.value();
            target.subword = t.value();
        }
    }
    for (Corpus *c : {&task.splits.train, &task.splits.dev, &task.splits.test})
        retokenise(*c, source, target);
    size_t longest = 0;
    for (const auto &p : task.splits.train.pairs)
        longest = std::max(longest, p.sourceTokens.size());
    task.maxSourceLength = std::max(task.maxSourceLength, static_cast<int>(longest) + 16);
    return {};
}

const char *tokenizerName(const TokenizerOptions &t)
{
    switch (t.mode) {
    case TokenizerMode::Word:
        return "word";
    case TokenizerMode::Character:
        return "char";
    case TokenizerMode::Bpe:
        return "bpe";
    case TokenizerMode::Unigram:
        return "unigram";
    default:
        return "pytorch-tutorial";
    }
}

RnnRecipe &RnnRecipe::forTask(const PreparedTask &task)
{
    sourceTokenizer = task.sourceTokenizer;
    targetTokenizer = task.targetTokenizer;
    maxSourceLength = task.maxSourceLength;
    return *this;
}

Result<ModelConfig> buildRnnConfig(const RnnRecipe &r)
{
    auto encoder = parseEncoderKind(r.encoder);
    if (!encoder)
        return encoder.error();
    auto decoder = parseDecoder(r.decoder);
    if (!decoder)
        return decoder.error();
    if (decoder.value() == DecoderKind::TutorialLegacy)
        return usageError("--decoder tutorial-legacy is only for models imported with "
                          "import --arch pytorch-tutorial-legacy; use bahdanau or luong");
    auto scorer = parseScorer(r.scorer);
    if (!scorer)
        return scorer.error();
    ModelConfig c;
    c.encoder = encoder.value();
    c.encoder.embedding = r.embedding;
    c.encoder.hidden = r.hidden;
    c.encoder.layers = r.layers;
    c.decoder.kind = decoder.value();
    c.decoder.cell = c.encoder.cell;
    c.decoder.embedding = r.embedding;
    c.decoder.layers = r.layers;
    // Dot scores compare the query with h_j directly, so they need equal sizes.
    const bool dot = scorer.value() == ScorerKind::Dot || scorer.value() == ScorerKind::ScaledDot;
    c.decoder.hidden = dot ? c.encoder.stateSize() : r.hidden;
    c.attention.scorer = scorer.value();
    c.attention.dimension = r.attentionDim > 0 ? r.attentionDim : r.hidden;
    c.attention.window = r.window;
    c.attention.maxSourceLength = r.maxSourceLength;
    if (!r.local.empty()) {
        auto mode = parseLocalMode(r.local);
        if (!mode || mode.value() == LocalMode::None)
            return usageError("--local must be m or p");
        c.attention.local = mode.value();
    }
    c.dropout = r.dropout;
    c.sourceTokenizer = r.sourceTokenizer;
    c.targetTokenizer = r.targetTokenizer;
    if (auto v = validateConfig(c); !v)
        return v.error();
    return c;
}

Result<TransformerSpec> buildTransformerSpec(const TransformerRecipe &r)
{
    TransformerSpec s;
    s.encoderLayers = s.decoderLayers = r.layers;
    s.heads = r.heads;
    s.dModel = r.dModel;
    s.ffn = r.ffn > 0 ? r.ffn : 4 * r.dModel;
    if (r.norm != "pre" && r.norm != "post")
        return usageError("--norm must be pre or post");
    s.preNorm = r.norm == "pre";
    if (r.normKind != "layer" && r.normKind != "rms")
        return usageError("--norm-kind must be layer or rms");
    s.norm = r.normKind == "rms" ? TransformerSpec::Norm::Rms : TransformerSpec::Norm::Layer;
    const std::pair<const char *, TransformerSpec::Positions> positions[] = {
        {"sinusoidal", TransformerSpec::Positions::Sinusoidal}, {"learned", TransformerSpec::Positions::Learned},
        {"relative", TransformerSpec::Positions::Relative}};
    const std::pair<const char *, TransformerSpec::Activation> activations[] = {
        {"relu", TransformerSpec::Activation::Relu}, {"gelu", TransformerSpec::Activation::GeluErf},
        {"gelu-tanh", TransformerSpec::Activation::GeluTanh}, {"silu", TransformerSpec::Activation::Silu}};
    auto pick = [](const auto &table, const std::string &name, auto &out) {
        for (const auto &[n, v] : table)
            if (name == n) {
                out = v;
                return true;
            }
        return false;
    };
    if (!pick(positions, r.positions, s.positions))
        return usageError("--positions must be sinusoidal, learned or relative");
    if (!pick(activations, r.activation, s.activation))
        return usageError("--activation must be relu, gelu, gelu-tanh or silu");
    s.gatedFeedForward = r.gatedFeedForward;
    if (auto v = validateSpec(s); !v)
        return v.error();
    return s;
}

WhisperFeatureConfig speechFeatureConfig()
{
    WhisperFeatureConfig c;
    c.featureSize = 40;
    c.chunkLength = 10;
    c.padToChunk = false;
    return c;
}

Result<TransformerSpec> audioEncoderSpec(TransformerSpec spec, const WhisperFeatureConfig &features)
{
    spec.melBins = features.featureSize;
    spec.positions = TransformerSpec::Positions::Learned;
    spec.sourcePositions = int((features.nbMaxFrames() + 1) / 2); // after the second convolution's stride 2
    spec.maxPositions = 64; // the decoder's table: transcripts of one window are far shorter
    if (auto valid = validateSpec(spec); !valid)
        return valid.error();
    return spec;
}

Result<TransformerSpec> imageEncoderSpec(TransformerSpec spec, const ImageProcessorConfig &image, int patchSize)
{
    if (patchSize < 1 || image.height % patchSize || image.width % patchSize)
        return usageError("--patch must divide the task's " + std::to_string(image.width) + " x " +
                          std::to_string(image.height) + " pictures (e.g. 4 or 8), not " + std::to_string(patchSize));
    spec.patchSize = patchSize;
    spec.imageHeight = image.height;
    spec.imageWidth = image.width;
    spec.positions = TransformerSpec::Positions::Learned;
    spec.sourcePositions = 1 + spec.patches();
    spec.maxPositions = 64; // the decoder's table: captions are far shorter
    if (auto valid = validateSpec(spec); !valid)
        return valid.error();
    return spec;
}

} // namespace alignscope
