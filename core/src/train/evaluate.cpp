// Corpus evaluation: teacher-forced loss, greedy BLEU / exact match, and
// attention AER and entropy on the forced reference.
#include "alignscope/decode.h"
#include "alignscope/metrics.h"
#include "alignscope/train.h"

#include "model/network.h"

#include <tbb/parallel_for.h>

#include <cmath>

namespace alignscope {

namespace {

/// Summed token NLL of examples [begin, end), teacher forced, no dropout.
double summedLoss(const Network<float> &net, const RnnModel &model, const std::vector<Example> &ex, size_t begin,
                  size_t end)
{
    std::vector<std::vector<int>> src, tgt;
    for (size_t i = begin; i < end; ++i) {
        src.push_back(ex[i].source);
        tgt.push_back(ex[i].target);
    }
    Graph<float> g(false);
    ParamBinder<float> p(g, model.parameters());
    return g.value(net.loss(p, src, tgt, 1.0f, {}, 1))(0, 0);
}

struct SentenceResult {
    std::vector<std::string> hypothesis;
    Alignment predicted;
    double entropy = 0.0;
    int rows = 0;
};

SentenceResult decodeOne(const RnnModel &model, const SentencePair &pair)
{
    SentenceResult r;
    DecodeSession greedy(model, model.sourceFromTokens(pair.sourceTokens), {});
    (void)greedy.run();
    const DecodeTrace &t = greedy.trace();
    r.hypothesis = t.targetTokens(t.bestPath());

    DecodeOptions forced;
    forced.prefix = model.targetVocab().encode(pair.targetTokens);
    forced.prefix.push_back(model.config().targetSpecials.eos);
    forced.topK = 1;
    DecodeSession reference(model, model.sourceFromTokens(pair.sourceTokens), forced);
    (void)reference.run();
    const DecodeTrace &ft = reference.trace();
    Matrix w = ft.weightMatrix(ft.bestPath());
    // Rows of the target words only (not the final <eos>).
    w.conservativeResize(static_cast<Eigen::Index>(pair.targetTokens.size()), w.cols());
    r.predicted = argmaxAlignment(w, static_cast<int>(pair.sourceTokens.size()));
    r.rows = static_cast<int>(w.rows());
    r.entropy = meanEntropy(w) * r.rows;
    return r;
}

} // namespace

EvalMetrics evaluate(const RnnModel &model, const Corpus &corpus, int decodeLimit)
{
    EvalMetrics m;
    const std::vector<Example> ex = makeExamples(model, corpus);
    if (ex.empty())
        return m;
    const Network<float> net(model.config(), model.sourceVocab().size(), model.targetVocab().size());
    const size_t batch = static_cast<size_t>(model.evaluationBatch());
    const size_t batches = (ex.size() + batch - 1) / batch;
    std::vector<double> losses(batches);
    tbb::parallel_for(size_t(0), batches, [&](size_t b) {
        losses[b] = summedLoss(net, model, ex, b * batch, std::min(ex.size(), (b + 1) * batch));
    });
    long long tokens = 0;
    for (const Example &e : ex)
        tokens += static_cast<long long>(e.target.size());
    double total = 0.0;
    for (double l : losses)
        total += l;
    m.loss = total / static_cast<double>(tokens);
    m.perplexity = std::exp(m.loss);

    const size_t n = decodeLimit < 0 ? corpus.pairs.size() : std::min(corpus.pairs.size(), size_t(decodeLimit));
    m.sentences = static_cast<int>(n);
    if (n == 0)
        return m;
    std::vector<SentenceResult> results(n);
    tbb::parallel_for(size_t(0), n, [&](size_t i) { results[i] = decodeOne(model, corpus.pairs[i]); });
    TokenLists hyps, refs;
    std::vector<Alignment> predicted, gold;
    double entropy = 0.0;
    int rows = 0;
    for (size_t i = 0; i < n; ++i) {
        hyps.push_back(results[i].hypothesis);
        refs.push_back(corpus.pairs[i].targetTokens);
        entropy += results[i].entropy;
        rows += results[i].rows;
        if (corpus.pairs[i].hasAlignment) {
            predicted.push_back(results[i].predicted);
            gold.push_back(corpus.pairs[i].alignment);
        }
    }
    m.bleu = corpusBleu(hyps, refs);
    m.exactMatch = exactMatch(hyps, refs);
    m.entropy = rows ? entropy / rows : 0.0;
    if (!gold.empty())
        m.aer = alignmentErrorRate(predicted, gold, gold);
    return m;
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

} // namespace alignscope
