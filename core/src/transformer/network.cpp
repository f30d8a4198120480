// The Transformer encoder–decoder of a TransformerSpec over Graph<T>.
#include "transformer/network.h"

#include "transformer/conv1d.h"

#include <cmath>

namespace alignscope {

namespace {

using Id = int;

std::string layerName(const char *stack, int i) { return std::string(stack) + ".layers." + std::to_string(i) + "."; }

/// Per-head position bias: out(r, c) = table(bucket(r, c), head); the
/// gradient adds back into the table's column. table (buckets, H).
template <typename T>
Id gatherBias(Graph<T> &g, Id table, const std::vector<std::vector<int>> &buckets, int head)
{
    const MatrixX<T> &w = g.value(table);
    const Eigen::Index rows = Eigen::Index(buckets.size()), cols = Eigen::Index(buckets.front().size());
    MatrixX<T> y(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r)
        for (Eigen::Index c = 0; c < cols; ++c)
            y(r, c) = w(buckets[size_t(r)][size_t(c)], head);
    return g.op(std::move(y), {table}, [table, buckets, head](Graph<T> &g) {
        const MatrixX<T> &dy = g.grad(g.current());
        MatrixX<T> &dw = g.grad(table);
        for (size_t r = 0; r < buckets.size(); ++r)
            for (size_t c = 0; c < buckets[r].size(); ++c)
                dw(buckets[r][c], head) += dy(Eigen::Index(r), Eigen::Index(c));
    });
}

} // namespace

template <typename T>
TransformerNetwork<T>::TransformerNetwork(const TransformerSpec &spec, int sourceVocab, int targetVocab)
    : m_spec(spec), m_sourceVocab(sourceVocab), m_targetVocab(targetVocab)
{
    const int d = spec.dModel, dEnc = spec.encoderWidth();
    if (spec.patchSize > 0) { // pixels in: a patch embedding and [CLS] instead of a source embedding
        m_shapes["target.embed"] = {targetVocab, d};
        m_shapes["encoder.patch.weight"] = {dEnc, 3 * spec.patchSize * spec.patchSize};
        m_shapes["encoder.patch.bias"] = m_shapes["encoder.cls"] = {1, dEnc};
        if (dEnc != d)
            declareLinear("encoder.to_decoder", d, dEnc);
    } else if (spec.melBins > 0) { // audio in: two convolutions (k 3) instead of a source embedding
        m_shapes["target.embed"] = {targetVocab, d};
        m_shapes["encoder.conv1.weight"] = {d, spec.melBins * 3};
        m_shapes["encoder.conv2.weight"] = {d, d * 3};
        m_shapes["encoder.conv1.bias"] = m_shapes["encoder.conv2.bias"] = {1, d};
    } else if (spec.sharedEmbedding) {
        m_shapes["shared.embed"] = {targetVocab, d};
    } else {
        m_shapes["source.embed"] = {sourceVocab, d};
        m_shapes["target.embed"] = {targetVocab, d};
    }
    if (spec.positions == TransformerSpec::Positions::Learned) {
        m_shapes["encoder.positions"] = {spec.encoderPositions() + spec.positionOffset, dEnc};
        m_shapes["decoder.positions"] = {spec.maxPositions + spec.positionOffset, d};
    } else if (spec.positions == TransformerSpec::Positions::Relative) {
        m_shapes["encoder.relative_bias"] = {spec.relativeBuckets, spec.heads};
        m_shapes["decoder.relative_bias"] = {spec.relativeBuckets, spec.heads};
    }
    for (int i = 0; i < spec.encoderLayers; ++i) {
        const std::string l = layerName("encoder", i);
        declareAttention(l + "self.");
        declareNorm(l + "self_norm", dEnc);
        declareFeedForward(l);
    }
    for (int i = 0; i < spec.decoderLayers; ++i) {
        const std::string l = layerName("decoder", i);
        declareAttention(l + "self.");
        declareAttention(l + "cross.");
        declareNorm(l + "self_norm", d);
        declareNorm(l + "cross_norm", d);
        declareFeedForward(l);
    }
    if (spec.embeddingNorm) {
        declareNorm("encoder.embed_norm", d);
        declareNorm("decoder.embed_norm", d);
    }
    if (spec.preNorm) {
        declareNorm("encoder.final_norm", dEnc);
        declareNorm("decoder.final_norm", d);
    }
    if (!spec.tiedOutput)
        m_shapes["output.weight"] = {targetVocab, d};
    if (spec.bias && spec.outputBias)
        m_shapes["output.bias"] = {1, targetVocab};
}

template <typename T>
void TransformerNetwork<T>::declareLinear(const std::string &name, int out, int in)
{
    m_shapes[name + ".weight"] = {out, in};
    if (hasBias(name))
        m_shapes[name + ".bias"] = {1, out};
}

template <typename T>
bool TransformerNetwork<T>::hasBias(const std::string &projection) const
{
    const bool key = projection.size() > 2 && projection.compare(projection.size() - 2, 2, ".k") == 0;
    return m_spec.bias && (m_spec.keyBias || !key);
}

template <typename T>
typename TransformerNetwork<T>::Stack TransformerNetwork<T>::stackOf(const std::string &name) const
{
    const TransformerSpec &s = m_spec;
    if (name.rfind("encoder.", 0) != 0)
        return {s.dModel, s.heads, s.ffn, s.activation, s.eps};
    return {s.encoderWidth(), s.encoderHeads > 0 ? s.encoderHeads : s.heads, s.encoderFfn > 0 ? s.encoderFfn : s.ffn,
            s.encoderActivation.value_or(s.activation), s.encoderEps > 0 ? s.encoderEps : s.eps};
}

template <typename T>
void TransformerNetwork<T>::declareAttention(const std::string &prefix)
{
    // q, k, v: (H·dk, d); o: (d, H·dk). H·dk = d unless the head size is set apart (T5's d_kv);
    // an encoder of its own width (ViT before GPT-2) has H·dk = its width.
    const bool own = prefix.rfind("encoder.", 0) == 0 && m_spec.encoderDModel > 0;
    const int d = stackOf(prefix).width, inner = own ? d : m_spec.attentionWidth();
    for (const char *m : {"q", "k", "v"})
        declareLinear(prefix + m, inner, d);
    declareLinear(prefix + "o", d, inner);
}

template <typename T>
void TransformerNetwork<T>::declareNorm(const std::string &name, int width)
{
    m_shapes[name + ".weight"] = {1, width};
    if (m_spec.norm == TransformerSpec::Norm::Layer && m_spec.bias)
        m_shapes[name + ".bias"] = {1, width};
}

template <typename T>
void TransformerNetwork<T>::declareFeedForward(const std::string &prefix)
{
    const Stack s = stackOf(prefix);
    declareLinear(prefix + "ffn.in", s.ffn, s.width);
    if (m_spec.gatedFeedForward)
        declareLinear(prefix + "ffn.gate", s.ffn, s.width);
    declareLinear(prefix + "ffn.out", s.width, s.ffn);
    declareNorm(prefix + "ffn_norm", s.width);
}

template <typename T>
int TransformerNetwork<T>::project(ParamBinder<T> &p, const std::string &name, int x) const
{
    return ops::linear(p.graph(), x, p(name + ".weight"), hasBias(name) ? p(name + ".bias") : -1);
}

template <typename T>
int TransformerNetwork<T>::norm(ParamBinder<T> &p, const std::string &name, int x) const
{
    Graph<T> &g = p.graph();
    const Stack s = stackOf(name);
    if (m_spec.norm == TransformerSpec::Norm::Rms)
        return ops::rmsNorm(g, x, p(name + ".weight"), T(s.eps));
    const int beta = m_spec.bias ? p(name + ".bias") : g.constant(MatrixX<T>::Zero(1, s.width));
    return ops::layerNorm(g, x, p(name + ".weight"), beta, T(s.eps));
}

template <typename T>
int TransformerNetwork<T>::feedForward(ParamBinder<T> &p, const std::string &prefix, int x, const Noise &noise) const
{
    Graph<T> &g = p.graph();
    int h = project(p, prefix + "ffn.in", x); // (rows, f)
    auto activate = [&](int a) {
        switch (stackOf(prefix).activation) {
        case TransformerSpec::Activation::Relu: return ops::relu(g, a);
        case TransformerSpec::Activation::GeluErf: return ops::gelu(g, a, ops::GeluForm::Erf);
        case TransformerSpec::Activation::GeluTanh: return ops::gelu(g, a, ops::GeluForm::Tanh);
        case TransformerSpec::Activation::Silu: return ops::silu(g, a);
        }
        return a;
    };
    // Gated (T5 v1.1): act(x W_gate) ⊙ (x W_in); plain: act(x W_in).
    h = m_spec.gatedFeedForward ? ops::mul(g, activate(project(p, prefix + "ffn.gate", x)), h) : activate(h);
    if (noise.rng)
        h = ops::dropout(g, h, noise.dropout, *noise.rng);
    return project(p, prefix + "ffn.out", h);
}

template <typename T>
template <typename F>
int TransformerNetwork<T>::residual(ParamBinder<T> &p, const std::string &normName, int x, const Noise &noise,
                                    F sublayer) const
{
    Graph<T> &g = p.graph();
    auto drop = [&](int y) { return noise.rng ? ops::dropout(g, y, noise.dropout, *noise.rng) : y; };
    if (m_spec.preNorm)
        return ops::add(g, x, drop(sublayer(norm(p, normName, x))));
    return norm(p, normName, ops::add(g, x, drop(sublayer(x))));
}

template <typename T>
int TransformerNetwork<T>::embed(ParamBinder<T> &p, const std::string &table,
                                 const std::vector<std::vector<int>> &sequences, int firstPosition,
                                 const std::string &positions, const Noise &noise) const
{
    Graph<T> &g = p.graph();
    std::vector<int> ids, at; // token ids and positions of every row
    int longest = 0;
    for (const std::vector<int> &s : sequences) {
        ids.insert(ids.end(), s.begin(), s.end());
        for (int i = 0; i < int(s.size()); ++i)
            at.push_back(firstPosition + i);
        longest = std::max(longest, int(s.size()));
    }
    int x = ops::embedding(g, p(m_spec.sharedEmbedding ? "shared.embed" : table), ids); // (rows, d)
    if (m_spec.scaleEmbedding)
        x = ops::scale(g, x, T(std::sqrt(double(m_spec.dModel))));
    if (m_spec.positions == TransformerSpec::Positions::Sinusoidal) {
        const MatrixX<T> all = ops::sinusoidalPositions<T>(firstPosition + longest, m_spec.dModel,
                                                           m_spec.sinusoidalLayout == TransformerSpec::SinusoidalLayout::Halves);
        MatrixX<T> rows(Eigen::Index(at.size()), m_spec.dModel);
        for (size_t r = 0; r < at.size(); ++r)
            rows.row(Eigen::Index(r)) = all.row(at[r]);
        x = ops::add(g, x, g.constant(std::move(rows)));
    } else if (m_spec.positions == TransformerSpec::Positions::Learned) {
        const int rows = positions == "encoder.positions" ? m_spec.encoderPositions() : m_spec.maxPositions;
        for (int &a : at)
            a = std::min(a, rows - 1) + m_spec.positionOffset;
        x = ops::add(g, x, ops::embedding(g, p(positions), at));
    }
    if (m_spec.embeddingNorm) // BART: "encoder.embed_norm" after "encoder.positions"
        x = norm(p, positions.substr(0, positions.find('.')) + ".embed_norm", x);
    return noise.rng ? ops::dropout(g, x, noise.dropout, *noise.rng) : x;
}

template <typename T>
std::vector<int> TransformerNetwork<T>::relativeBias(ParamBinder<T> &p, const std::string &table, int firstQuery,
                                                     int queries, int keys, bool bidirectional) const
{
    if (m_spec.positions != TransformerSpec::Positions::Relative)
        return {};
    std::vector<std::vector<int>> buckets(size_t(queries), std::vector<int>(size_t(keys), 0));
    for (int r = 0; r < queries; ++r)
        for (int c = 0; c < keys; ++c)
            buckets[size_t(r)][size_t(c)] = ops::relativePositionBucket(c - (firstQuery + r), bidirectional,
                                                                         m_spec.relativeBuckets, m_spec.relativeMaxDistance);
    std::vector<int> bias;
    for (int h = 0; h < m_spec.heads; ++h)
        bias.push_back(gatherBias(p.graph(), p(table), buckets, h));
    return bias;
}

template <typename T>
typename TransformerNetwork<T>::BiasFor TransformerNetwork<T>::biasFor(ParamBinder<T> &p, const std::string &table,
                                                                       int firstQuery, bool bidirectional,
                                                                       BiasCache &cache) const
{
    if (m_spec.positions != TransformerSpec::Positions::Relative)
        return {};
    return [this, &p, table, firstQuery, bidirectional, &cache](int queries, int keys) {
        auto [it, fresh] = cache.try_emplace({queries, keys});
        if (fresh)
            it->second = relativeBias(p, table, firstQuery, queries, keys, bidirectional);
        return it->second;
    };
}

template <typename T>
int TransformerNetwork<T>::attend(ParamBinder<T> &p, int q, int k, int v, const std::vector<Span> &querySpans,
                                  const std::vector<Span> &keySpans, bool causal, const BiasFor &bias,
                                  std::vector<AttentionRecord> *records, const ops::HeadHooks<T> *hooks,
                                  int heads) const
{
    Graph<T> &g = p.graph();
    const ops::MultiHeadOptions mha{heads > 0 ? heads : m_spec.heads, m_spec.scaledAttention};
    const bool whole = querySpans.size() == 1; // one sequence: the nodes are its rows already
    std::vector<int> outputs;
    for (size_t s = 0; s < querySpans.size(); ++s) {
        const Span qs = querySpans[s], ks = keySpans[s];
        auto rows = [&](int node, Span span) { return whole ? node : ops::sliceRows(g, node, span.start, span.length); };
        const auto a = ops::multiHeadAttention(g, rows(q, qs), rows(k, ks), rows(v, ks), mha,
                                               causal ? ops::causalMask<T>(qs.length) : MatrixX<T>(),
                                               bias ? bias(qs.length, ks.length) : std::vector<int>(), hooks);
        if (records)
            records->push_back({a.scores, a.weights, rows(q, qs), a.output});
        outputs.push_back(a.output);
    }
    return ops::concatRows(g, outputs);
}

namespace {

template <typename Span>
std::vector<Span> spansOf(const std::vector<std::vector<int>> &sequences)
{
    std::vector<Span> spans;
    int at = 0;
    for (const std::vector<int> &s : sequences) {
        spans.push_back({at, int(s.size())});
        at += int(s.size());
    }
    return spans;
}

} // namespace

template <typename T>
typename TransformerNetwork<T>::Encoded TransformerNetwork<T>::encode(ParamBinder<T> &p,
                                                                      const std::vector<int> &ids) const
{
    return encodeBatch(p, {ids}, {});
}

template <typename T>
typename TransformerNetwork<T>::Encoded
TransformerNetwork<T>::encodeBatch(ParamBinder<T> &p, const std::vector<std::vector<int>> &sources,
                                   const Noise &noise) const
{
    Encoded out;
    out.spans = spansOf<Span>(sources);
    const int x = embed(p, "source.embed", sources, 0, "encoder.positions", noise); // (R, d)
    encodeLayers(p, x, noise, sources.size() == 1, out);
    return out;
}

template <typename T>
int TransformerNetwork<T>::audioFrontEnd(ParamBinder<T> &p, int x) const
{
    Graph<T> &g = p.graph();
    // Whisper's front end: conv1 (k 3, padding 1), GELU, conv2 (k 3, stride 2, padding 1), GELU.
    // x: (frames, mels)
    const ops::Conv1dShape first{3, 1, 1}, second{3, 2, 1};
    x = ops::gelu(g, ops::conv1d(g, x, p("encoder.conv1.weight"), p("encoder.conv1.bias"), first), ops::GeluForm::Erf);
    x = ops::gelu(g, ops::conv1d(g, x, p("encoder.conv2.weight"), p("encoder.conv2.bias"), second), ops::GeluForm::Erf);
    const int n = int(g.value(x).rows()); // (n, d)
    eigen_assert(n <= m_spec.encoderPositions());
    std::vector<int> at(static_cast<size_t>(n));
    for (int j = 0; j < n; ++j)
        at[size_t(j)] = j + m_spec.positionOffset;
    return ops::add(g, x, ops::embedding(g, p("encoder.positions"), at));
}

template <typename T>
typename TransformerNetwork<T>::Encoded TransformerNetwork<T>::encodeAudio(ParamBinder<T> &p,
                                                                           const MatrixX<T> &features,
                                                                           const ParameterSet<T> *scratch) const
{
    Graph<T> &g = p.graph();
    Encoded out;
    const int n = int((features.rows() + 1) / 2); // conv2's output frames
    out.spans = {{0, n}};
    // The encoder's own (n, n) maps are kept for a short clip (a speech model
    // trained here hears clips at their own length: 10 s is 1 MB per head),
    // not for a 30 s Whisper window (9 MB per head).
    const bool record = !g.recording() && n <= kRecordedAudioFrames;
    if (!scratch || g.recording() || record) {
        encodeLayers(p, audioFrontEnd(p, g.external(features)), {}, record, out);
        return out;
    }
    // Inference: the front end and each layer in a graph of its own, let go
    // before the next, so that one layer's attention maps are held at a time.
    MatrixX<T> h;
    {
        Graph<T> lg(false);
        ParamBinder<T> lp(lg, *scratch);
        h = lg.value(audioFrontEnd(lp, lg.external(features)));
    }
    out.spans = {{0, int(h.rows())}};
    for (int i = 0; i < m_spec.encoderLayers; ++i) {
        Graph<T> lg(false);
        ParamBinder<T> lp(lg, *scratch);
        h = lg.value(encoderLayer(lp, i, lg.constant(std::move(h)), out.spans, {}, {}, nullptr));
    }
    finishEncoder(p, g.constant(std::move(h)), out);
    return out;
}

template <typename T>
typename TransformerNetwork<T>::Encoded
TransformerNetwork<T>::encodeAudios(ParamBinder<T> &p, const std::vector<const MatrixX<T> *> &features, const Noise &noise) const
{
    Graph<T> &g = p.graph();
    Encoded out;
    std::vector<int> rows; // per clip (⌈frames / 2⌉, d), packed one after another
    int start = 0;
    for (const MatrixX<T> *clip : features) { // each clip convolved apart: no frame reads another clip's
        rows.push_back(audioFrontEnd(p, g.external(*clip)));
        const int n = int(g.value(rows.back()).rows());
        out.spans.push_back({start, n});
        start += n;
    }
    encodeLayers(p, rows.size() == 1 ? rows.front() : ops::concatRows(g, rows), noise, false, out);
    return out;
}

template <typename T>
int TransformerNetwork<T>::imageFrontEnd(ParamBinder<T> &p, int patches) const
{
    Graph<T> &g = p.graph();
    eigen_assert(g.value(patches).rows() == m_spec.patches());
    // A convolution of stride p over non-overlapping patches is one product per patch.
    const int x = ops::linear(g, patches, p("encoder.patch.weight"), p("encoder.patch.bias")); // (N, d_enc)
    const int tokens = ops::concatRows(g, std::vector<int>{p("encoder.cls"), x});            // (1 + N, d_enc)
    return ops::add(g, tokens, p("encoder.positions"));
}

template <typename T>
typename TransformerNetwork<T>::Encoded TransformerNetwork<T>::encodeImage(ParamBinder<T> &p,
                                                                           const MatrixX<T> &patches) const
{
    Encoded out;
    out.spans = {{0, 1 + int(patches.rows())}};
    encodeLayers(p, imageFrontEnd(p, p.graph().external(patches)), {}, true, out);
    return out;
}

template <typename T>
typename TransformerNetwork<T>::Encoded
TransformerNetwork<T>::encodeImages(ParamBinder<T> &p, const std::vector<MatrixX<T>> &patches, const Noise &noise) const
{
    Graph<T> &g = p.graph();
    Encoded out;
    std::vector<int> rows; // per picture (1 + N, d_enc), packed one after another
    for (const MatrixX<T> &picture : patches) {
        out.spans.push_back({int(rows.size()) * (1 + m_spec.patches()), 1 + m_spec.patches()});
        rows.push_back(imageFrontEnd(p, g.constant(picture)));
    }
    encodeLayers(p, rows.size() == 1 ? rows.front() : ops::concatRows(g, rows), noise, patches.size() == 1, out);
    return out;
}

template <typename T>
void TransformerNetwork<T>::encodeLayers(ParamBinder<T> &p, int x, const Noise &noise, bool record, Encoded &out) const
{
    // T5 shares one bias table across the layers of a stack.
    BiasCache biases;
    const BiasFor bias = biasFor(p, "encoder.relative_bias", 0, true, biases);
    Graph<T> &g = p.graph();
    for (int i = 0; i < m_spec.encoderLayers; ++i) {
        const int first = g.size();
        x = encoderLayer(p, i, x, out.spans, bias, noise, record ? &out.self : nullptr);
        if (g.recording())
            continue;
        // Inference: what later layers read is the output, the attention kept
        // for the views and the position biases the layers share.
        std::vector<int> keep{x};
        if (record)
            for (const AttentionRecord &r : out.self) {
                keep.insert(keep.end(), r.scores.begin(), r.scores.end());
                keep.insert(keep.end(), r.weights.begin(), r.weights.end());
                keep.push_back(r.query);
                keep.push_back(r.output);
            }
        for (const auto &[shape, nodes] : biases)
            keep.insert(keep.end(), nodes.begin(), nodes.end());
        g.release(first, keep);
    }
    finishEncoder(p, x, out);
}

template <typename T>
int TransformerNetwork<T>::encoderLayer(ParamBinder<T> &p, int i, int x, const std::vector<Span> &spans,
                                        const BiasFor &bias, const Noise &noise,
                                        std::vector<AttentionRecord> *records) const
{
    const std::string l = layerName("encoder", i);
    x = residual(p, l + "self_norm", x, noise, [&](int h) {
        const int a = attend(p, project(p, l + "self.q", h), project(p, l + "self.k", h), project(p, l + "self.v", h),
                             spans, spans, false, bias, records, nullptr, stackOf(l).heads);
        return project(p, l + "self.o", a);
    });
    return residual(p, l + "ffn_norm", x, noise, [&](int h) { return feedForward(p, l, h, noise); });
}

template <typename T>
void TransformerNetwork<T>::finishEncoder(ParamBinder<T> &p, int x, Encoded &out) const
{
    out.states = m_spec.preNorm ? norm(p, "encoder.final_norm", x) : x;
    // An encoder of its own width is projected to the decoder's (enc_to_dec_proj); the states a view shows are its own.
    const int memory = m_spec.encoderWidth() != m_spec.dModel ? project(p, "encoder.to_decoder", out.states) : out.states;
    for (int i = 0; i < m_spec.decoderLayers; ++i) {
        const std::string l = layerName("decoder", i);
        out.crossKeys.push_back(project(p, l + "cross.k", memory));
        out.crossValues.push_back(project(p, l + "cross.v", memory));
    }
}

template <typename T>
template <typename SelfAttention>
int TransformerNetwork<T>::decoderLayer(ParamBinder<T> &p, int i, int x, const Encoded &memory,
                                        const std::vector<Span> &spans, Decoded &out, const Noise &noise,
                                        SelfAttention selfAttention, const ops::HeadHooks<T> *crossHooks) const
{
    const std::string l = layerName("decoder", i);
    x = residual(p, l + "self_norm", x, noise, [&](int h) { return project(p, l + "self.o", selfAttention(h, l)); });
    x = residual(p, l + "cross_norm", x, noise, [&](int h) {
        const int a = attend(p, project(p, l + "cross.q", h), memory.crossKeys[size_t(i)],
                             memory.crossValues[size_t(i)], spans, memory.spans, false, {},
                             spans.size() == 1 ? &out.cross : nullptr, crossHooks);
        return project(p, l + "cross.o", a);
    });
    return residual(p, l + "ffn_norm", x, noise, [&](int h) { return feedForward(p, l, h, noise); });
}

template <typename T>
int TransformerNetwork<T>::logits(ParamBinder<T> &p, int x) const
{
    Graph<T> &g = p.graph();
    if (m_spec.preNorm)
        x = norm(p, "decoder.final_norm", x);
    // T5 with a tied output layer scales the decoder's output by d^−½ first.
    if (m_spec.tiedOutput && m_spec.rescaleTiedOutput)
        x = ops::scale(g, x, T(1) / T(std::sqrt(double(m_spec.dModel))));
    return ops::linear(g, x, p(m_spec.outputWeight()), m_spec.bias && m_spec.outputBias ? p("output.bias") : -1); // (rows, V)
}

template <typename T>
typename TransformerNetwork<T>::Decoded TransformerNetwork<T>::decodeAll(ParamBinder<T> &p, const Encoded &memory,
                                                                         const std::vector<int> &inputs) const
{
    return decodeBatch(p, memory, {inputs}, {});
}

template <typename T>
typename TransformerNetwork<T>::Decoded
TransformerNetwork<T>::decodeBatch(ParamBinder<T> &p, const Encoded &memory,
                                   const std::vector<std::vector<int>> &inputs, const Noise &noise) const
{
    const std::vector<Span> spans = spansOf<Span>(inputs);
    const bool record = inputs.size() == 1;
    BiasCache biases;
    const BiasFor bias = biasFor(p, "decoder.relative_bias", 0, false, biases);
    Decoded out;
    int x = embed(p, "target.embed", inputs, 0, "decoder.positions", noise); // (R, d)
    for (int i = 0; i < m_spec.decoderLayers; ++i)
        x = decoderLayer(p, i, x, memory, spans, out, noise, [&](int h, const std::string &l) {
            return attend(p, project(p, l + "self.q", h), project(p, l + "self.k", h), project(p, l + "self.v", h),
                          spans, spans, true, bias, record ? &out.self : nullptr);
        });
    out.logits = logits(p, x);
    return out;
}

template <typename T>
typename TransformerNetwork<T>::Decoded TransformerNetwork<T>::decodeStep(ParamBinder<T> &p, const Encoded &memory,
                                                                          const std::vector<LayerCache> &cache,
                                                                          int token, int t,
                                                                          const Intervention *intervention) const
{
    Graph<T> &g = p.graph();
    int layer = 0; // the decoder layer being built: the hooks below are asked about it
    ops::HeadHooks<T> hooks;
    if (intervention && !intervention->empty()) {
        hooks.reshape = [&](int h, MatrixX<T> &w) { // (1, n)
            Vector row = w.row(0).transpose().template cast<float>();
            if (!intervention->reshape(row, t, layer, h))
                return false;
            w.row(0) = row.transpose().template cast<T>();
            return true;
        };
        hooks.silenced = [&](int h) { return intervention->silences(layer, h); };
    }
    // The new position attends over the t cached ones and itself: no mask needed.
    BiasCache biases;
    const BiasFor bias = biasFor(p, "decoder.relative_bias", t, false, biases);
    Decoded out;
    out.cache.reserve(size_t(m_spec.decoderLayers));
    const int H = m_spec.heads, dk = m_spec.headSize();
    // Row t of a layer's store gets this position's key and value for every head.
    auto append = [&](const LayerCache &past, const MatrixX<T> &key, const MatrixX<T> &value) { // (1, H·dk) each
        eigen_assert(past.rows == t);
        std::shared_ptr<KeyValueStore> store = past.store;
        Eigen::Index claimed = t;
        if (!store || store->capacity <= t || !store->filled.compare_exchange_strong(claimed, t + 1)) {
            // Full, or another hypothesis already wrote row t: this one's own store, twice the room.
            auto grown = std::make_shared<KeyValueStore>();
            grown->capacity = std::max<Eigen::Index>(16, 2 * Eigen::Index(t + 1));
            grown->keys.resize(H * grown->capacity, dk);
            grown->values.resize(H * grown->capacity, dk);
            for (int h = 0; h < H && t > 0; ++h) {
                grown->keys.middleRows(h * grown->capacity, t) = store->keys.middleRows(h * store->capacity, t);
                grown->values.middleRows(h * grown->capacity, t) = store->values.middleRows(h * store->capacity, t);
            }
            grown->filled = t + 1;
            store = std::move(grown);
        }
        for (int h = 0; h < H; ++h) {
            store->keys.row(h * store->capacity + t) = key.row(0).segment(h * dk, dk);
            store->values.row(h * store->capacity + t) = value.row(0).segment(h * dk, dk);
        }
        return LayerCache{std::move(store), t + 1};
    };
    int x = embed(p, "target.embed", {{token}}, t, "decoder.positions", {}); // (1, d)
    for (; layer < m_spec.decoderLayers; ++layer) {
        const int i = layer;
        x = decoderLayer(p, i, x, memory, {{0, 1}}, out, {}, [&](int h, const std::string &l) {
            const int k = project(p, l + "self.k", h), v = project(p, l + "self.v", h), q = project(p, l + "self.q", h);
            out.cache.push_back(append(cache[size_t(i)], g.value(k), g.value(v)));
            const KeyValueStore &kv = *out.cache.back().store;
            const auto a = ops::oneQueryAttention(g, q, ops::HeadMajor<T>{&kv.keys, &kv.values, kv.capacity, t + 1},
                                                  ops::MultiHeadOptions{H, m_spec.scaledAttention}, bias ? bias(1, t + 1) : std::vector<int>());
            out.self.push_back({a.scores, a.weights, q, a.output});
            return a.output;
        }, hooks.reshape ? &hooks : nullptr);
    }
    out.logits = logits(p, x);
    return out;
}

template <typename T>
MatrixX<T> TransformerNetwork<T>::LayerCache::joined(const MatrixX<T> *headMajor) const
{
    if (!headMajor)
        return MatrixX<T>(0, 0);
    const Eigen::Index dk = headMajor->cols(), heads = headMajor->rows() / store->capacity;
    MatrixX<T> out(rows, heads * dk);
    for (Eigen::Index h = 0; h < heads; ++h)
        out.middleCols(h * dk, dk) = headMajor->middleRows(h * store->capacity, rows);
    return out;
}

template <typename T>
int TransformerNetwork<T>::loss(ParamBinder<T> &p, const std::vector<std::vector<int>> &sources,
                                const std::vector<std::vector<int>> &targets, int startToken, const Noise &noise,
                                int normaliser) const
{
    return lossOver(p, encodeBatch(p, sources, noise), targets, startToken, noise, normaliser);
}

template <typename T>
int TransformerNetwork<T>::imageLoss(ParamBinder<T> &p, const std::vector<MatrixX<T>> &patches,
                                     const std::vector<std::vector<int>> &targets, int startToken, const Noise &noise,
                                     int normaliser) const
{
    return lossOver(p, encodeImages(p, patches, noise), targets, startToken, noise, normaliser);
}

template <typename T>
int TransformerNetwork<T>::audioLoss(ParamBinder<T> &p, const std::vector<const MatrixX<T> *> &features,
                                     const std::vector<std::vector<int>> &targets, int startToken, const Noise &noise,
                                     int normaliser) const
{
    return lossOver(p, encodeAudios(p, features, noise), targets, startToken, noise, normaliser);
}

template <typename T>
int TransformerNetwork<T>::lossOver(ParamBinder<T> &p, const Encoded &memory,
                                    const std::vector<std::vector<int>> &targets, int startToken, const Noise &noise,
                                    int normaliser) const
{
    std::vector<std::vector<int>> inputs;
    std::vector<int> labels; // every target row of the packed batch, in order
    for (const std::vector<int> &target : targets) {
        std::vector<int> in{startToken};
        in.insert(in.end(), target.begin(), target.end() - 1);
        inputs.push_back(std::move(in));
        labels.insert(labels.end(), target.begin(), target.end());
    }
    const Decoded decoded = decodeBatch(p, memory, inputs, noise);
    const int tokens = normaliser > 0 ? normaliser : std::max<int>(1, int(labels.size()));
    return ops::crossEntropy(p.graph(), decoded.logits, labels, T(1) / T(tokens), T(noise.labelSmoothing));
}

template class TransformerNetwork<float>;
template class TransformerNetwork<double>;

} // namespace alignscope
