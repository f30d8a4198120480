// compareModels: concurrent decodes and their summary rows.
#include "alignscope/compare.h"

#include "alignscope/metrics.h"
#include "alignscope/tasks.h"

#include <tbb/task_group.h>

#include <chrono>

namespace alignscope {

CompareRow summarise(const DecodeTrace &trace, const std::optional<SentencePair> &gold, double milliseconds,
                     const HeadSelection &selection)
{
    CompareRow row;
    row.model = trace.model;
    row.scorer = trace.scorer;
    const std::vector<int> path = trace.bestPath();
    row.translation = trace.translation(path);
    const Matrix w = trace.weightMatrix(path, selection); // (T, n)
    for (size_t t = 0; t < path.size(); ++t) {
        row.logProb += trace.nodes[path[t]].logProb;
        row.maxWeights.push_back(w.cols() ? w.row(Eigen::Index(t)).maxCoeff() : 0.0f);
    }
    row.entropy = w.rows() ? meanEntropy(w) : 0.0;
    if (gold && trace.targetTokens(path) == gold->targetTokens) {
        // Rows of the target words (not the final <eos>), columns of the
        // source words (not an appended <eos>).
        const auto words = static_cast<Eigen::Index>(gold->targetTokens.size());
        const int sourceWords = static_cast<int>(gold->sourceTokens.size());
        row.aer = alignmentErrorRate({argmaxAlignment(w.topRows(std::min(words, w.rows())), sourceWords)},
                                     {gold->alignment}, {gold->alignment});
    }
    row.milliseconds = milliseconds;
    return row;
}

std::vector<CompareEntry> compareModels(const std::vector<const Result<ModelPtr> *> &models,
                                        const CompareRequest &request)
{
    std::vector<CompareEntry> out(models.size());
    tbb::task_group group;
    // One task per model: models are read-only and each entry is written by one task.
    for (size_t i = 0; i < models.size(); ++i) {
        group.run([&, i] {
            CompareEntry &e = out[i];
            if (!models[i]->ok()) {
                e.trace = models[i]->error();
                e.row.error = models[i]->error().message;
                return;
            }
            const Seq2Seq &m = *models[i]->value();
            const auto start = std::chrono::steady_clock::now();
            if (!request.audio.empty() || request.image) {
                auto source = request.image ? m.prepareImage(*request.image) : m.prepareAudio(request.audio);
                e.trace = !source          ? Result<DecodeTrace>(source.error())
                          : request.target ? forceDecodeSource(m, std::move(source).value(), *request.target, request.cancel)
                                           : translateSource(m, std::move(source).value(), request.options, request.cancel);
            } else {
                e.trace = request.target ? forceDecode(m, request.sentence, *request.target, request.cancel)
                                         : translate(m, request.sentence, request.options, request.cancel);
            }
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            if (e.trace.ok()) {
                e.row = summarise(e.trace.value(), request.gold, ms, request.selection);
            } else {
                e.row.model = m.name();
                e.row.scorer = m.description().scorer;
                e.row.error = e.trace.error().message;
            }
        });
    }
    group.wait();
    return out;
}

Matrix weightDifference(const DecodeTrace &a, const DecodeTrace &b, const HeadSelection &selection)
{
    return weightDifference(a, selection, b, selection);
}

Matrix weightDifference(const DecodeTrace &a, const HeadSelection &selectionA, const DecodeTrace &b,
                        const HeadSelection &selectionB)
{
    const Matrix wa = a.weightMatrix(a.bestPath(), selectionA), wb = b.weightMatrix(b.bestPath(), selectionB);
    if (wa.rows() != wb.rows() || wa.cols() != wb.cols())
        return Matrix();
    return wa - wb;
}

std::optional<SentencePair> goldPairFor(const std::string &sentence)
{
    const auto tokens = tokenize(sentence);
    if (!tokens || tokens->empty())
        return std::nullopt;
    const SentencePair seed = enFrSeedPair();
    if (tokens.value() == seed.sourceTokens)
        return seed;
    static const TaskSplits task = makeEnFrTask();
    for (const SentencePair &p : task.test.pairs)
        if (p.sourceTokens == tokens.value())
            return p;
    return std::nullopt;
}

} // namespace alignscope
