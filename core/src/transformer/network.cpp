// The Transformer encoder–decoder of a TransformerSpec over Graph<T>.
#include "transformer/network.h"

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
    const int d = spec.dModel;
    if (spec.sharedEmbedding) {
        m_shapes["shared.embed"] = {targetVocab, d};
    } else {
        m_shapes["source.embed"] = {sourceVocab, d};
        m_shapes["target.embed"] = {targetVocab, d};
    }
    if (spec.positions == TransformerSpec::Positions::Learned) {
        m_shapes["encoder.positions"] = {spec.maxPositions, d};
        m_shapes["decoder.positions"] = {spec.maxPositions, d};
    } else if (spec.positions == TransformerSpec::Positions::Relative) {
        m_shapes["encoder.relative_bias"] = {spec.relativeBuckets, spec.heads};
        m_shapes["decoder.relative_bias"] = {spec.relativeBuckets, spec.heads};
    }
    for (int i = 0; i < spec.encoderLayers; ++i) {
        const std::string l = layerName("encoder", i);
        for (const char *m : {"self.q", "self.k", "self.v", "self.o"})
            declareLinear(l + m, d, d);
        declareNorm(l + "self_norm", d);
        declareFeedForward(l);
    }
    for (int i = 0; i < spec.decoderLayers; ++i) {
        const std::string l = layerName("decoder", i);
        for (const char *m : {"self.q", "self.k", "self.v", "self.o", "cross.q", "cross.k", "cross.v", "cross.o"})
            declareLinear(l + m, d, d);
        declareNorm(l + "self_norm", d);
        declareNorm(l + "cross_norm", d);
        declareFeedForward(l);
    }
    if (spec.preNorm) {
        declareNorm("encoder.final_norm", d);
        declareNorm("decoder.final_norm", d);
    }
    if (!spec.tiedOutput)
        m_shapes["output.weight"] = {targetVocab, d};
    if (spec.bias)
        m_shapes["output.bias"] = {1, targetVocab};
}

template <typename T>
void TransformerNetwork<T>::declareLinear(const std::string &name, int out, int in)
{
    m_shapes[name + ".weight"] = {out, in};
    if (m_spec.bias)
        m_shapes[name + ".bias"] = {1, out};
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
    declareLinear(prefix + "ffn.in", m_spec.ffn, m_spec.dModel);
    if (m_spec.gatedFeedForward)
        declareLinear(prefix + "ffn.gate", m_spec.ffn, m_spec.dModel);
    declareLinear(prefix + "ffn.out", m_spec.dModel, m_spec.ffn);
    declareNorm(prefix + "ffn_norm", m_spec.dModel);
}

template <typename T>
int TransformerNetwork<T>::project(ParamBinder<T> &p, const std::string &name, int x) const
{
    return ops::linear(p.graph(), x, p(name + ".weight"), m_spec.bias ? p(name + ".bias") : -1);
}

template <typename T>
int TransformerNetwork<T>::norm(ParamBinder<T> &p, const std::string &name, int x) const
{
    Graph<T> &g = p.graph();
    if (m_spec.norm == TransformerSpec::Norm::Rms)
        return ops::rmsNorm(g, x, p(name + ".weight"), T(m_spec.eps));
    const int beta = m_spec.bias ? p(name + ".bias") : g.constant(MatrixX<T>::Zero(1, m_spec.dModel));
    return ops::layerNorm(g, x, p(name + ".weight"), beta, T(m_spec.eps));
}

template <typename T>
int TransformerNetwork<T>::feedForward(ParamBinder<T> &p, const std::string &prefix, int x) const
{
    Graph<T> &g = p.graph();
    int h = project(p, prefix + "ffn.in", x); // (rows, f)
    auto activate = [&](int a) {
        switch (m_spec.activation) {
        case TransformerSpec::Activation::Relu: return ops::relu(g, a);
        case TransformerSpec::Activation::GeluErf: return ops::gelu(g, a, ops::GeluForm::Erf);
        case TransformerSpec::Activation::GeluTanh: return ops::gelu(g, a, ops::GeluForm::Tanh);
        case TransformerSpec::Activation::Silu: return ops::silu(g, a);
        }
        return a;
    };
    // Gated (T5 v1.1): act(x W_gate) ⊙ (x W_in); plain: act(x W_in).
    h = m_spec.gatedFeedForward ? ops::mul(g, activate(project(p, prefix + "ffn.gate", x)), h) : activate(h);
    return project(p, prefix + "ffn.out", h);
}

template <typename T>
template <typename F>
int TransformerNetwork<T>::residual(ParamBinder<T> &p, const std::string &normName, int x, F sublayer) const
{
    Graph<T> &g = p.graph();
    if (m_spec.preNorm)
        return ops::add(g, x, sublayer(norm(p, normName, x)));
    return norm(p, normName, ops::add(g, x, sublayer(x)));
}

template <typename T>
int TransformerNetwork<T>::embed(ParamBinder<T> &p, const std::string &table, const std::vector<int> &ids,
                                 int firstPosition, const std::string &positions) const
{
    Graph<T> &g = p.graph();
    int x = ops::embedding(g, p(m_spec.sharedEmbedding ? "shared.embed" : table), ids); // (rows, d)
    if (m_spec.scaleEmbedding)
        x = ops::scale(g, x, T(std::sqrt(double(m_spec.dModel))));
    const Eigen::Index rows = Eigen::Index(ids.size());
    if (m_spec.positions == TransformerSpec::Positions::Sinusoidal) {
        const MatrixX<T> table_ = ops::sinusoidalPositions<T>(firstPosition + rows, m_spec.dModel);
        x = ops::add(g, x, g.constant(table_.bottomRows(rows)));
    } else if (m_spec.positions == TransformerSpec::Positions::Learned) {
        std::vector<int> at(ids.size());
        for (size_t i = 0; i < at.size(); ++i)
            at[i] = std::min(firstPosition + int(i), m_spec.maxPositions - 1);
        x = ops::add(g, x, ops::embedding(g, p(positions), at));
    }
    return x;
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
typename TransformerNetwork<T>::Encoded TransformerNetwork<T>::encode(ParamBinder<T> &p,
                                                                      const std::vector<int> &ids) const
{
    Graph<T> &g = p.graph();
    const int n = int(ids.size());
    const ops::MultiHeadOptions mha{m_spec.heads, m_spec.scaledAttention};
    // T5 shares one bias table across the layers of a stack.
    const std::vector<int> bias = relativeBias(p, "encoder.relative_bias", 0, n, n, true);
    Encoded out;
    int x = embed(p, "source.embed", ids, 0, "encoder.positions"); // (n, d)
    for (int i = 0; i < m_spec.encoderLayers; ++i) {
        const std::string l = layerName("encoder", i);
        x = residual(p, l + "self_norm", x, [&](int h) {
            const auto a = ops::multiHeadAttention(g, project(p, l + "self.q", h), project(p, l + "self.k", h),
                                                   project(p, l + "self.v", h), mha, {}, bias);
            out.self.push_back({a.scores, a.weights});
            return project(p, l + "self.o", a.output);
        });
        x = residual(p, l + "ffn_norm", x, [&](int h) { return feedForward(p, l, h); });
    }
    out.states = m_spec.preNorm ? norm(p, "encoder.final_norm", x) : x;
    for (int i = 0; i < m_spec.decoderLayers; ++i) {
        const std::string l = layerName("decoder", i);
        out.crossKeys.push_back(project(p, l + "cross.k", out.states));
        out.crossValues.push_back(project(p, l + "cross.v", out.states));
    }
    return out;
}

template <typename T>
template <typename SelfAttention>
int TransformerNetwork<T>::decoderLayer(ParamBinder<T> &p, int i, int x, const Encoded &memory, Decoded &out,
                                        SelfAttention selfAttention) const
{
    const std::string l = layerName("decoder", i);
    const ops::MultiHeadOptions mha{m_spec.heads, m_spec.scaledAttention};
    x = residual(p, l + "self_norm", x, [&](int h) { return project(p, l + "self.o", selfAttention(h, l)); });
    x = residual(p, l + "cross_norm", x, [&](int h) {
        const auto a = ops::multiHeadAttention(p.graph(), project(p, l + "cross.q", h), memory.crossKeys[size_t(i)],
                                               memory.crossValues[size_t(i)], mha);
        out.cross.push_back({a.scores, a.weights});
        return project(p, l + "cross.o", a.output);
    });
    return residual(p, l + "ffn_norm", x, [&](int h) { return feedForward(p, l, h); });
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
    const std::string weight = !m_spec.tiedOutput      ? "output.weight"
                               : m_spec.sharedEmbedding ? "shared.embed"
                                                        : "target.embed";
    return ops::linear(g, x, p(weight), m_spec.bias ? p("output.bias") : -1); // (rows, V)
}

template <typename T>
typename TransformerNetwork<T>::Decoded TransformerNetwork<T>::decodeAll(ParamBinder<T> &p, const Encoded &memory,
                                                                         const std::vector<int> &inputs) const
{
    Graph<T> &g = p.graph();
    const int t = int(inputs.size());
    const ops::MultiHeadOptions mha{m_spec.heads, m_spec.scaledAttention};
    const std::vector<int> bias = relativeBias(p, "decoder.relative_bias", 0, t, t, false);
    const MatrixX<T> causal = ops::causalMask<T>(t);
    Decoded out;
    int x = embed(p, "target.embed", inputs, 0, "decoder.positions"); // (t, d)
    for (int i = 0; i < m_spec.decoderLayers; ++i)
        x = decoderLayer(p, i, x, memory, out, [&](int h, const std::string &l) {
            const auto a = ops::multiHeadAttention(g, project(p, l + "self.q", h), project(p, l + "self.k", h),
                                                   project(p, l + "self.v", h), mha, causal, bias);
            out.self.push_back({a.scores, a.weights});
            return a.output;
        });
    out.logits = logits(p, x);
    return out;
}

template <typename T>
typename TransformerNetwork<T>::Decoded TransformerNetwork<T>::decodeStep(ParamBinder<T> &p, const Encoded &memory,
                                                                          const std::vector<LayerCache> &cache,
                                                                          int token, int t) const
{
    Graph<T> &g = p.graph();
    const ops::MultiHeadOptions mha{m_spec.heads, m_spec.scaledAttention};
    // The new position attends over the t cached ones and itself: no mask needed.
    const std::vector<int> bias = relativeBias(p, "decoder.relative_bias", t, 1, t + 1, false);
    Decoded out;
    int x = embed(p, "target.embed", {token}, t, "decoder.positions"); // (1, d)
    for (int i = 0; i < m_spec.decoderLayers; ++i)
        x = decoderLayer(p, i, x, memory, out, [&](int h, const std::string &l) {
            const LayerCache &past = cache[size_t(i)];
            auto append = [&](const MatrixX<T> &rows, int node) { // (t, d) + (1, d) -> (t + 1, d)
                MatrixX<T> all(rows.rows() + 1, m_spec.dModel);
                all.topRows(rows.rows()) = rows;
                all.bottomRows(1) = g.value(node);
                return all;
            };
            LayerCache next{append(past.keys, project(p, l + "self.k", h)), append(past.values, project(p, l + "self.v", h))};
            const auto a = ops::multiHeadAttention(g, project(p, l + "self.q", h), g.constant(next.keys),
                                                   g.constant(next.values), mha, {}, bias);
            out.self.push_back({a.scores, a.weights});
            out.cache.push_back(std::move(next));
            return a.output;
        });
    out.logits = logits(p, x);
    return out;
}

template class TransformerNetwork<float>;
template class TransformerNetwork<double>;

} // namespace alignscope
