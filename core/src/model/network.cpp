// The encoder–decoder network: encoder RNNs, decoder initial state, the
// Bahdanau and Luong decoder steps, and the training loss.
#include "model/network.h"

#include "model/cells.h"

#include <algorithm>
#include <cassert>

namespace alignscope {

using ops::Id;

namespace {

int gates(CellKind c) { return c == CellKind::Gru ? 3 : 4; }

std::string layerSuffix(int layer, bool reverse)
{
    return "_l" + std::to_string(layer) + (reverse ? "_reverse" : "");
}

int decoderInputSize(const ModelConfig &c)
{
    const auto &d = c.decoder;
    if (d.kind == DecoderKind::Bahdanau)
        return d.embedding + c.encoder.stateSize();
    if (d.kind == DecoderKind::TutorialLegacy)
        return d.hidden; // ReLU(attn_combine [emb; c_t])
    return d.embedding + (d.inputFeeding ? d.hidden : 0);
}

} // namespace

template <typename T>
Network<T>::Network(const ModelConfig &config, int sourceVocab, int targetVocab)
    : m_config(config), m_attention(config.attention, config.queryStateSize(), config.encoder.stateSize())
{
    const auto &e = config.encoder;
    const auto &d = config.decoder;
    const int D = e.stateSize();
    m_shapes["encoder.embedding.weight"] = {sourceVocab, e.embedding};
    declareRnn("encoder.rnn.", e.cell, e.layers, e.embedding, e.hidden, e.bidirectional);
    m_shapes["decoder.embedding.weight"] = {targetVocab, d.embedding};
    declareRnn("decoder.rnn.", d.cell, d.layers, decoderInputSize(config), d.hidden, false);
    if (d.init == InitMode::Bridge) {
        const int in = e.hidden * (e.bidirectional ? 2 : 1);
        for (int k = 0; k < d.layers; ++k) {
            m_shapes["decoder.bridge.weight" + layerSuffix(k, false)] = {d.hidden, in};
            m_shapes["decoder.bridge.bias" + layerSuffix(k, false)] = {1, d.hidden};
        }
    }
    m_attention.declare(m_shapes);
    int outIn = d.hidden;
    if (d.kind == DecoderKind::Luong) {
        m_shapes["decoder.concat.weight"] = {d.hidden, d.hidden + D};
        m_shapes["decoder.concat.bias"] = {1, d.hidden};
    } else if (d.kind == DecoderKind::TutorialLegacy) {
        m_shapes["decoder.combine.weight"] = {d.hidden, d.embedding + D};
        m_shapes["decoder.combine.bias"] = {1, d.hidden};
    } else if (d.deepOutput) {
        outIn = d.hidden + d.embedding + D;
    }
    m_shapes["decoder.out.weight"] = {targetVocab, outIn};
    m_shapes["decoder.out.bias"] = {1, targetVocab};
}

template <typename T>
void Network<T>::declareRnn(const std::string &prefix, CellKind cell, int layers, int input, int hidden,
                            bool bidirectional)
{
    const int G = gates(cell) * hidden;
    for (int k = 0; k < layers; ++k) {
        const int in = k == 0 ? input : hidden * (bidirectional ? 2 : 1);
        for (bool reverse : {false, true}) {
            if (reverse && !bidirectional)
                continue;
            const std::string s = layerSuffix(k, reverse);
            m_shapes[prefix + "weight_ih" + s] = {G, in};
            m_shapes[prefix + "weight_hh" + s] = {G, hidden};
            m_shapes[prefix + "bias_ih" + s] = {1, G};
            m_shapes[prefix + "bias_hh" + s] = {1, G};
        }
    }
}

template <typename T>
int Network<T>::cell(ParamBinder<T> &p, CellKind kind, const std::string &prefix, const std::string &suffix,
                     int x, int state) const
{
    const ops::CellWeights w{p(prefix + "weight_ih" + suffix), p(prefix + "weight_hh" + suffix),
                             p(prefix + "bias_ih" + suffix), p(prefix + "bias_hh" + suffix)};
    return kind == CellKind::Gru ? ops::gruCell(p.graph(), x, state, w) : ops::lstmCell(p.graph(), x, state, w);
}

template <typename T>
int Network<T>::hidden(Graph<T> &g, int layerState) const
{
    const Eigen::Index cols = g.value(layerState).cols();
    const bool lstm = m_config.decoder.cell == CellKind::Lstm;
    return lstm ? ops::sliceCols(g, layerState, 0, cols / 2) : layerState;
}

template <typename T>
typename Network<T>::RunOutput Network<T>::runDirection(ParamBinder<T> &p, const std::vector<int> &inputs,
                                                        const std::string &suffix,
                                                        const std::vector<std::vector<char>> &masks,
                                                        bool reverse) const
{
    auto &g = p.graph();
    const auto &e = m_config.encoder;
    const Eigen::Index B = g.value(inputs[0]).rows();
    const int width = e.cell == CellKind::Lstm ? 2 * e.hidden : e.hidden;
    const int S = static_cast<int>(inputs.size());
    RunOutput out;
    out.outputs.resize(S);
    Id state = g.constant(MatrixX<T>::Zero(B, width));
    for (int i = 0; i < S; ++i) {
        const int t = reverse ? S - 1 - i : i;
        // Padded rows keep their state, so the reverse direction of a short
        // sentence starts at its own last token (as PyTorch's packed sequences).
        const Id next = cell(p, e.cell, "encoder.rnn.", suffix, inputs[t], state);
        state = ops::selectRows(g, next, state, masks[t]);
        out.outputs[t] = e.cell == CellKind::Lstm ? ops::sliceCols(g, state, 0, e.hidden) : state;
    }
    out.final = state;
    return out;
}

template <typename T>
typename Network<T>::Encoded Network<T>::encode(ParamBinder<T> &p, const std::vector<std::vector<int>> &sources,
                                                const Noise &noise) const
{
    auto &g = p.graph();
    const auto &e = m_config.encoder;
    const Eigen::Index B = static_cast<Eigen::Index>(sources.size());
    int S = 0;
    for (const auto &s : sources)
        S = std::max(S, static_cast<int>(s.size()));
    std::vector<std::vector<char>> masks(S, std::vector<char>(B, 0));
    Encoded enc;
    enc.memory.S = S;
    for (Eigen::Index b = 0; b < B; ++b) {
        enc.memory.lengths.push_back(static_cast<int>(sources[b].size()));
        for (size_t t = 0; t < sources[b].size(); ++t)
            masks[t][b] = 1;
    }
    const Id table = p("encoder.embedding.weight");
    std::vector<Id> layerInput(S);
    for (int t = 0; t < S; ++t) {
        std::vector<int> ids(B);
        for (Eigen::Index b = 0; b < B; ++b)
            ids[b] = t < static_cast<int>(sources[b].size()) ? sources[b][t] : m_config.sourceSpecials.pad;
        layerInput[t] = noise.rng ? ops::dropout(g, ops::embedding(g, table, ids), noise.dropout, *noise.rng)
                                  : ops::embedding(g, table, ids);
    }
    std::vector<Id> forwardFinals, backwardFinals, merged(S);
    for (int k = 0; k < e.layers; ++k) {
        RunOutput fwd = runDirection(p, layerInput, layerSuffix(k, false), masks, false);
        forwardFinals.push_back(fwd.final);
        RunOutput bwd;
        if (e.bidirectional) {
            bwd = runDirection(p, layerInput, layerSuffix(k, true), masks, true);
            backwardFinals.push_back(bwd.final);
        }
        const bool last = k + 1 == e.layers;
        for (int t = 0; t < S; ++t) {
            if (!e.bidirectional)
                merged[t] = fwd.outputs[t];
            else if (last && e.merge == MergeMode::Sum)
                merged[t] = ops::add(g, fwd.outputs[t], bwd.outputs[t]);
            else
                merged[t] = ops::concatCols(g, {fwd.outputs[t], bwd.outputs[t]});
            // Dropout between stacked layers, as PyTorch's nn.GRU(dropout=p).
            layerInput[t] = (!last && noise.rng) ? ops::dropout(g, merged[t], noise.dropout, *noise.rng) : merged[t];
        }
    }
    enc.memory.states = ops::stackTimesteps(g, merged);
    enc.memory.keys = m_attention.keys(p, enc.memory.states);
    enc.initial = initialState(p, forwardFinals, backwardFinals, B);
    return enc;
}

template <typename T>
typename Network<T>::DecoderState Network<T>::initialState(ParamBinder<T> &p, const std::vector<int> &fwd,
                                                           const std::vector<int> &bwd, Eigen::Index B) const
{
    auto &g = p.graph();
    const auto &d = m_config.decoder;
    const auto &e = m_config.encoder;
    const bool lstm = d.cell == CellKind::Lstm;
    DecoderState s;
    for (int k = 0; k < d.layers; ++k) {
        const int src = std::min(k, e.layers - 1);
        Id h;
        if (d.init == InitMode::Final) {
            // Sizes are validated equal; an LSTM encoder's final holds [h | c].
            s.layers.push_back(fwd[src]);
            continue;
        }
        if (d.init == InitMode::FinalStack) {
            // PyTorch's h_n order: layer 0 forward, layer 0 backward, layer 1 forward, ...
            const int directions = e.bidirectional ? 2 : 1;
            const int layer = k / directions;
            s.layers.push_back(k % directions ? bwd[layer] : fwd[layer]);
            continue;
        }
        if (d.init == InitMode::Zero) {
            h = g.constant(MatrixX<T>::Zero(B, d.hidden));
        } else {
            auto top = [&](Id st) {
                return e.cell == CellKind::Lstm ? ops::sliceCols(g, st, 0, e.hidden) : st;
            };
            const Id in = e.bidirectional ? ops::concatCols(g, {top(fwd[src]), top(bwd[src])}) : top(fwd[src]);
            const std::string sfx = layerSuffix(k, false);
            h = ops::tanh(g, ops::linear(g, in, p("decoder.bridge.weight" + sfx), p("decoder.bridge.bias" + sfx)));
        }
        s.layers.push_back(lstm ? ops::concatCols(g, {h, g.constant(MatrixX<T>::Zero(B, d.hidden))}) : h);
    }
    if (d.kind == DecoderKind::Luong && d.inputFeeding)
        s.feed = g.constant(MatrixX<T>::Zero(B, d.hidden));
    return s;
}

template <typename T>
typename Network<T>::Step Network<T>::step(ParamBinder<T> &p, const Memory &memory, const DecoderState &state,
                                           const std::vector<int> &previous, int t, const Noise &noise,
                                           const Intervention *intervention) const
{
    auto &g = p.graph();
    const auto &d = m_config.decoder;
    auto drop = [&](Id x) { return noise.rng ? ops::dropout(g, x, noise.dropout, *noise.rng) : x; };
    const Id emb = drop(ops::embedding(g, p("decoder.embedding.weight"), previous));
    Step out;
    // The intervened weights are constants: an intervention asks what the
    // decoder does with them, nothing is trained through it.
    auto intervene = [&](typename Attention<T>::Output a) {
        if (!intervention || intervention->empty())
            return a;
        assert(g.value(a.weights).rows() == 1);
        Vector w = g.value(a.weights).row(0).transpose().template cast<float>(); // (S)
        if (intervention->reshape(w, t, 0, 0)) {
            a.weights = g.constant(w.transpose().template cast<T>());
            a.context = ops::context(g, a.weights, memory.states, memory.S);
        }
        if (intervention->silences(0, 0))
            a.context = g.constant(MatrixX<T>::Zero(1, g.value(a.context).cols()));
        return a;
    };
    auto runLayers = [&](Id x) {
        for (int k = 0; k < d.layers; ++k) {
            const Id next = cell(p, d.cell, "decoder.rnn.", layerSuffix(k, false), x, state.layers[k]);
            out.next.layers.push_back(next);
            x = k + 1 < d.layers ? drop(hidden(g, next)) : hidden(g, next);
        }
        return x;
    };
    if (d.kind == DecoderKind::TutorialLegacy) {
        // Pre-2023 PyTorch tutorial: weights from [emb(y_{t-1}); s_{t-1}] (1, E + Hd),
        // s_t = GRU(s_{t-1}, ReLU(W_c [emb; c_t])), output out(s_t).
        out.query = ops::concatCols(g, {emb, hidden(g, state.layers.back())});
        out.attention = intervene(legacyAttention(p, out.query, memory));
        const Id combined = ops::relu(g, ops::linear(g, ops::concatCols(g, {emb, out.attention.context}),
                                                     p("decoder.combine.weight"), p("decoder.combine.bias")));
        out.logits = ops::linear(g, drop(runLayers(combined)), p("decoder.out.weight"), p("decoder.out.bias"));
    } else if (d.kind == DecoderKind::Bahdanau) {
        // Attention from s_{t-1}; s_t = f(s_{t-1}, [emb(y_{t-1}); c_t]); output g(s_t, y_{t-1}, c_t).
        out.query = hidden(g, state.layers.back());
        out.attention = intervene(m_attention.attend(p, out.query, memory, t));
        const Id top = runLayers(ops::concatCols(g, {emb, out.attention.context}));
        const Id features = d.deepOutput ? ops::concatCols(g, {top, emb, out.attention.context}) : top;
        out.logits = ops::linear(g, drop(features), p("decoder.out.weight"), p("decoder.out.bias"));
    } else {
        // Luong: RNN first (with input feeding), attention from h_t,
        // h̃_t = tanh(W_c [h_t; c_t]), output softmax(W_s h̃_t).
        const Id x = state.feed >= 0 ? ops::concatCols(g, {emb, state.feed}) : emb;
        out.query = runLayers(x);
        out.attention = intervene(m_attention.attend(p, out.query, memory, t));
        const Id attentional = ops::tanh(g, ops::linear(g, ops::concatCols(g, {out.query, out.attention.context}),
                                                        p("decoder.concat.weight"), p("decoder.concat.bias")));
        if (d.inputFeeding)
            out.next.feed = attentional;
        out.logits = ops::linear(g, drop(attentional), p("decoder.out.weight"), p("decoder.out.bias"));
    }
    return out;
}

template <typename T>
typename Attention<T>::Output Network<T>::legacyAttention(ParamBinder<T> &p, int query, const Memory &m) const
{
    // The pre-2023 tutorial: e = W_a [emb; s_{t-1}] + b over L fixed slots,
    // softmax over all L (its encoder_outputs has zero rows past the
    // sentence), so the weights on the n source positions may sum to < 1
    // and are kept as they are; the context over the n real rows equals
    // its sum over all L. Only batches of one sentence (inference).
    auto &g = p.graph();
    const int L = m_config.attention.maxSourceLength;
    assert(g.value(query).rows() == 1);
    const Id all = ops::linear(g, query, p("decoder.attention.location.weight"),
                               p("decoder.attention.location.bias")); // (1, L)
    const Id soft = ops::maskedSoftmax(g, all, std::vector<ops::Window>{{0, L}});
    typename Attention<T>::Output out;
    // RnnModel::prepareSource refuses sentences longer than L; a longer memory
    // (a corpus pair) gets no weight past L instead of reading out of range.
    auto widen = [&](Id x) {
        return m.S <= L ? ops::sliceCols(g, x, 0, m.S)
                        : ops::concatCols(g, {x, g.constant(MatrixX<T>::Zero(1, m.S - L))});
    };
    out.scores = widen(all);
    out.weights = widen(soft);
    out.context = ops::context(g, out.weights, m.states, m.S);
    return out;
}

template <typename T>
int Network<T>::loss(ParamBinder<T> &p, const std::vector<std::vector<int>> &sources,
                     const std::vector<std::vector<int>> &targets, float teacherForcing, const Noise &noise,
                     int normaliser) const
{
    auto &g = p.graph();
    const Encoded enc = encode(p, sources, noise);
    const size_t B = targets.size();
    size_t T_ = 0;
    int tokens = 0;
    for (const auto &t : targets) {
        T_ = std::max(T_, t.size());
        tokens += static_cast<int>(t.size());
    }
    std::vector<int> previous(B, m_config.targetSpecials.sos);
    DecoderState state = enc.initial;
    std::vector<Id> losses;
    for (size_t t = 0; t < T_; ++t) {
        Step s = step(p, enc.memory, state, previous, static_cast<int>(t), noise);
        std::vector<int> gold(B, -1);
        for (size_t b = 0; b < B; ++b)
            if (t < targets[b].size())
                gold[b] = targets[b][t];
        const int denominator = normaliser > 0 ? normaliser : std::max(tokens, 1);
        losses.push_back(ops::crossEntropy(g, s.logits, gold, T(1) / T(denominator), T(noise.labelSmoothing)));
        const bool forced = teacherForcing >= 1.0f || (noise.rng && ((*noise.rng)() >> 8) * (1.0f / 16777216.0f) < teacherForcing);
        for (size_t b = 0; b < B; ++b) {
            if (forced || !noise.rng) {
                previous[b] = gold[b] >= 0 ? gold[b] : m_config.targetSpecials.pad;
            } else {
                Eigen::Index best;
                g.value(s.logits).row(b).maxCoeff(&best);
                previous[b] = static_cast<int>(best);
            }
        }
        state = s.next;
    }
    return ops::sum(g, losses);
}

template class Network<float>;
template class Network<double>;

} // namespace alignscope
