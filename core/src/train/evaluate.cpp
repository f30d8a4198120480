// Corpus evaluation: teacher-forced loss, greedy BLEU / exact match, and
// attention AER and entropy on the forced reference.
#include "alignscope/decode.h"
#include "alignscope/metrics.h"
#include "alignscope/recipes.h"
#include "alignscope/train.h"

#include "train/trainable_p.h"

#include <tbb/parallel_for.h>

#include <cmath>

namespace alignscope {

namespace {

/// Summed token NLL of examples [begin, end), teacher forced, no dropout.
double summedLoss(const TrainingAdapter &adapter, const std::vector<Example> &ex, size_t begin, size_t end)
{
    Graph<float> g(false);
    ParamBinder<float> p(g, adapter.parameters());
    return g.value(adapter.loss(p, std::span<const Example>(ex).subspan(begin, end - begin), {}, 1))(0, 0);
}

/// One head's (or the default selection's) view of a forced decode.
struct AttentionScore {
    Alignment predicted;
    double entropy = 0.0; ///< summed over the rows
};

AttentionScore scoreAttention(const DecodeTrace &forced, const HeadSelection &selection, const SentencePair &pair)
{
    Matrix w = forced.weightMatrix(forced.bestPath(), selection);
    // Rows of the target words only (not the final <eos>).
    w.conservativeResize(static_cast<Eigen::Index>(pair.targetTokens.size()), w.cols());
    return {argmaxAlignment(w, static_cast<int>(pair.sourceTokens.size())), meanEntropy(w) * double(w.rows())};
}

struct SentenceResult {
    std::vector<std::string> hypothesis;
    AttentionScore attention;
    std::vector<AttentionScore> heads; ///< per layer and head, when asked
    int rows = 0;
};

SentenceResult decodeOne(const TrainingAdapter &adapter, const SentencePair &pair, bool perHead)
{
    const Seq2Seq &model = adapter.model();
    SentenceResult r;
    const EncodedSource source = adapter.source(pair); // once, for both decodes
    if (!pair.audio.empty() && source.features.size() == 0)
        return r; // a clip that can no longer be read counts as a wrong transcript
    DecodeSession greedy(model, source, {});
    (void)greedy.run();
    const DecodeTrace &t = greedy.trace();
    r.hypothesis = t.targetTokens(t.bestPath());

    DecodeOptions forced;
    forced.prefix = model.targetVocab().encode(pair.targetTokens);
    forced.prefix.push_back(model.targetSpecials().eos);
    forced.topK = 1;
    DecodeSession reference(model, source, forced);
    (void)reference.run();
    const DecodeTrace &ft = reference.trace();
    r.attention = scoreAttention(ft, {}, pair);
    r.rows = static_cast<int>(pair.targetTokens.size());
    if (perHead)
        for (int l = 0; l < ft.layers(); ++l)
            for (int h = 0; h < ft.heads(); ++h)
                r.heads.push_back(scoreAttention(ft, HeadSelection::of(l, h), pair));
    return r;
}

/// BLEU and exact match of a subword model on words: its pieces joined into
/// text, then text and reference split by the word tokenizer, so the scores
/// compare with a word-level model's.
std::vector<std::string> scoredWords(const std::string &text)
{
    auto words = tokenize(text);
    return words ? std::move(words).value() : std::vector<std::string>{};
}

} // namespace

EvalMetrics evaluateWith(const TrainingAdapter &adapter, const Corpus &given, const EvalOptions &options)
{
    // A task read with another tokenizer (`eval` on a subword model) is
    // tokenised again as the model reads it.
    const auto [sourceTokenizer, targetTokenizer] = adapter.tokenizers();
    const bool subword = isSubword(sourceTokenizer.mode) || isSubword(targetTokenizer.mode);
    Corpus retokenised;
    if (subword) {
        retokenised = given;
        retokenise(retokenised, sourceTokenizer, targetTokenizer);
    }
    const Corpus &corpus = subword ? retokenised : given;
    const bool wordScores = isSubword(targetTokenizer.mode);
    const auto detokenizer = adapter.model().detokenizer();
    EvalMetrics m;
    const std::vector<Example> ex = adapter.examples(corpus);
    if (ex.empty())
        return m;
    const size_t batch = static_cast<size_t>(adapter.evaluationBatch());
    const size_t batches = (ex.size() + batch - 1) / batch;
    std::vector<double> losses(batches);
    tbb::parallel_for(size_t(0), batches, [&](size_t b) {
        losses[b] = summedLoss(adapter, ex, b * batch, std::min(ex.size(), (b + 1) * batch));
    });
    long long tokens = 0;
    for (const Example &e : ex)
        tokens += static_cast<long long>(e.target.size());
    double total = 0.0;
    for (double l : losses)
        total += l;
    m.loss = total / static_cast<double>(tokens);
    m.perplexity = std::exp(m.loss);

    const int decodeLimit = options.decodeLimit;
    const size_t n = decodeLimit < 0 ? corpus.pairs.size() : std::min(corpus.pairs.size(), size_t(decodeLimit));
    m.sentences = static_cast<int>(n);
    if (n == 0)
        return m;
    std::vector<SentenceResult> results(n);
    tbb::parallel_for(size_t(0), n,
                      [&](size_t i) { results[i] = decodeOne(adapter, corpus.pairs[i], options.perHead); });
    TokenLists hyps, refs;
    std::vector<Alignment> predicted, gold;
    const size_t heads = results.front().heads.size();
    std::vector<std::vector<Alignment>> headPredicted(heads);
    std::vector<double> headEntropy(heads, 0.0);
    double entropy = 0.0;
    int rows = 0;
    for (size_t i = 0; i < n; ++i) {
        hyps.push_back(wordScores ? scoredWords(detokenizer(results[i].hypothesis)) : results[i].hypothesis);
        refs.push_back(wordScores ? scoredWords(corpus.pairs[i].target) : corpus.pairs[i].targetTokens);
        entropy += results[i].attention.entropy;
        rows += results[i].rows;
        for (size_t h = 0; h < heads; ++h)
            headEntropy[h] += results[i].heads[h].entropy;
        if (corpus.pairs[i].hasAlignment) {
            predicted.push_back(results[i].attention.predicted);
            gold.push_back(corpus.pairs[i].alignment);
            for (size_t h = 0; h < heads; ++h)
                headPredicted[h].push_back(results[i].heads[h].predicted);
        }
    }
    m.bleu = corpusBleu(hyps, refs);
    m.exactMatch = exactMatch(hyps, refs);
    m.entropy = rows ? entropy / rows : 0.0;
    if (!gold.empty())
        m.aer = alignmentErrorRate(predicted, gold, gold);
    if (options.perHead) {
        const ModelDescription &d = adapter.model().description();
        m.layers = d.layers;
        m.heads = d.heads;
        for (size_t h = 0; h < heads; ++h) {
            m.headEntropy.push_back(rows ? headEntropy[h] / rows : 0.0);
            if (!gold.empty())
                m.headAer.push_back(alignmentErrorRate(headPredicted[h], gold, gold));
        }
    }
    return m;
}

EvalMetrics evaluate(const RnnModel &model, const Corpus &corpus, int decodeLimit)
{
    return evaluateWith(*evaluationAdapter(model), corpus, {decodeLimit, false});
}

EvalMetrics evaluate(const TransformerModel &model, const Corpus &corpus, int decodeLimit)
{
    return evaluateWith(*evaluationAdapter(model), corpus, {decodeLimit, false});
}

Result<EvalMetrics> evaluate(const Seq2Seq &model, const Corpus &corpus, const EvalOptions &options)
{
    const bool pictures = !corpus.pairs.empty() && corpus.pairs.front().image;
    const bool clips = !corpus.pairs.empty() && !corpus.pairs.front().audio.empty();
    const SourceKind kind = model.description().sourceKind;
    if (pictures != (kind == SourceKind::Image))
        return Error{ErrorKind::BadInput, model.name() + (pictures ? " does not read images; an image task (scenes) needs "
                                                                     "an image captioner such as the bundled scenes"
                                                                   : " reads images; evaluate it on an image task (--task scenes)")};
    if (clips != (kind == SourceKind::Audio))
        return Error{ErrorKind::BadInput, model.name() + (clips ? " does not read audio; a speech corpus (--format audio-tsv) "
                                                                  "needs a speech model such as the bundled speech"
                                                                : " transcribes audio; evaluate it on a speech corpus "
                                                                  "(--format audio-tsv)")};
    const auto adapter = evaluationAdapter(model);
    if (!adapter)
        return Error{ErrorKind::BadInput, model.name() + ": this kind of model (" + model.description().architecture +
                                              ") cannot be evaluated on a task"};
    return evaluateWith(*adapter, corpus, options);
}

RnnModel makeModelForCorpus(const ModelSpec &spec, const Corpus &train, unsigned seed)
{
    std::vector<std::vector<std::string>> sources, targets;
    for (const SentencePair &p : train.pairs) {
        sources.push_back(p.sourceTokens);
        targets.push_back(p.targetTokens);
    }
    Vocabulary src = Vocabulary::build(sources, spec.minCount, spec.maxVocab);
    Vocabulary tgt = Vocabulary::build(targets, spec.minCount, spec.maxVocab);
    return RnnModel::initialise(spec.config, std::move(src), std::move(tgt), seed);
}

TransformerModel makeTransformerForCorpus(const TransformerSpec &spec, const Corpus &train, unsigned seed,
                                          int minCount, int maxVocab, const TokenizerOptions &sourceTokenizer,
                                          const TokenizerOptions &targetTokenizer)
{
    std::vector<std::vector<std::string>> sources, targets;
    for (const SentencePair &p : train.pairs) {
        sources.push_back(p.sourceTokens);
        targets.push_back(p.targetTokens);
    }
    return TransformerModel::initialise(spec, Vocabulary::build(sources, minCount, maxVocab),
                                        Vocabulary::build(targets, minCount, maxVocab), seed, sourceTokenizer,
                                        targetTokenizer);
}

} // namespace alignscope
