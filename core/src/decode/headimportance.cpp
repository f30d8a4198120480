// Head importance by ablation: one forced decode per (sentence, head).
#include "alignscope/headimportance.h"

#include <tbb/parallel_for.h>

#include <mutex>

namespace alignscope {

namespace {

double pathLogProb(const DecodeTrace &t)
{
    double sum = 0.0;
    for (int node : t.bestPath())
        sum += t.nodes[size_t(node)].logProb;
    return sum;
}

/// The ablations scored: every head alone (row-major), then every layer.
std::vector<HeadRef> ablations(int layers, int heads)
{
    std::vector<HeadRef> out;
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h)
            out.push_back({l, h});
    for (int l = 0; l < layers; ++l)
        out.push_back({l, -1});
    return out;
}

} // namespace

Result<HeadImportance> headImportance(const Seq2Seq &model, const std::vector<std::string> &sentences,
                                      const HeadImportanceOptions &options)
{
    const ModelDescription &d = model.description();
    const std::vector<HeadRef> refs = ablations(d.layers, d.heads);
    const size_t S = sentences.size(), A = refs.size();
    std::vector<std::vector<int>> outputs(S);
    std::vector<double> base(S, 0.0);
    Matrix drops = Matrix::Zero(Eigen::Index(S), Eigen::Index(A)); // (S, A)
    std::vector<std::optional<Error>> errors(S);
    std::mutex progressLock;
    std::atomic<size_t> done{0};
    const size_t total = S * (A + 1);
    auto tick = [&] {
        const size_t now = ++done;
        if (options.progress) {
            std::lock_guard lock(progressLock);
            options.progress(double(now) / double(total));
        }
    };
    auto cancelled = [&] { return options.cancel && options.cancel->load(std::memory_order_relaxed); };
    // Stage 1, over sentences: each decode is independent and read-only on the model.
    tbb::parallel_for(size_t(0), S, [&](size_t s) {
        if (cancelled())
            return;
        DecodeOptions greedy;
        greedy.beamWidth = 1;
        greedy.topK = 1;
        auto trace = translate(model, sentences[s], greedy, options.cancel);
        if (!trace) {
            errors[s] = trace.error();
            return;
        }
        for (int node : trace->bestPath())
            outputs[s].push_back(trace->nodes[size_t(node)].tokenId);
        auto forced = forceDecodeIds(model, sentences[s], outputs[s], {}, options.cancel);
        if (!forced) {
            errors[s] = forced.error();
            return;
        }
        base[s] = pathLogProb(forced.value());
        tick();
    });
    for (size_t s = 0; s < S; ++s)
        if (errors[s])
            return errors[s]->kind == ErrorKind::Cancelled
                       ? *errors[s]
                       : Error{errors[s]->kind, "sentence " + std::to_string(s + 1) + ": " + errors[s]->message};
    if (cancelled())
        return Error{ErrorKind::Cancelled, "head importance cancelled"};
    // Stage 2, over (sentence, ablation) pairs: each writes its own cell of `drops`.
    tbb::parallel_for(size_t(0), S * A, [&](size_t k) {
        const size_t s = k / A, a = k % A;
        if (cancelled())
            return;
        Intervention off;
        off.ablatedHeads = {refs[a]};
        auto forced = forceDecodeIds(model, sentences[s], outputs[s], off, options.cancel);
        if (!forced)
            return; // only cancellation can fail here: the same input decoded above
        drops(Eigen::Index(s), Eigen::Index(a)) = float(base[s] - pathLogProb(forced.value()));
        tick();
    });
    if (cancelled())
        return Error{ErrorKind::Cancelled, "head importance cancelled"};
    HeadImportance out;
    out.layers = d.layers;
    out.heads = d.heads;
    out.sentences = int(S);
    out.drop = Matrix::Zero(d.layers, d.heads);
    out.layerDrop = Vector::Zero(d.layers);
    if (S == 0)
        return out;
    const Vector mean = drops.colwise().mean().transpose(); // (A)
    for (size_t a = 0; a < A; ++a) {
        const HeadRef &r = refs[a];
        (r.head < 0 ? out.layerDrop[r.layer] : out.drop(r.layer, r.head)) = mean[Eigen::Index(a)];
    }
    for (size_t s = 0; s < S; ++s) {
        out.tokens += (long long)outputs[s].size();
        out.logProb += base[s] / double(S);
    }
    return out;
}

} // namespace alignscope
