// RnnModel: the RNN family behind Seq2Seq: single-sentence inference over
// the shared Network code, and the family's self-description.
#include "alignscope/rnnmodel.h"

#include "common/random.h"
#include "model/network.h"
#include "model/textsource_p.h"

#include <algorithm>
#include <cmath>

namespace alignscope {

namespace {

Matrix asRow(const Vector &v) { return Eigen::Map<const Matrix>(v.data(), 1, v.size()); }
Vector asVector(const Matrix &m) { return Eigen::Map<const Vector>(m.data(), m.size()); }

} // namespace

RnnModel::RnnModel(ModelConfig config, Vocabulary source, Vocabulary target, ParameterSet<float> params)
    : m_config(std::move(config)), m_source(std::move(source)), m_target(std::move(target)),
      m_params(std::move(params)),
      m_network(std::make_shared<Network<float>>(m_config, m_source.size(), m_target.size())),
      m_description(describeRnn(m_config, parameterCount(m_params)))
{
    setName(toString(m_config.attention.scorer));
}

Result<void> RnnModel::trainable() const
{
    if (m_config.decoder.kind == DecoderKind::TutorialLegacy)
        return usageError("the tutorial-legacy decoder (pre-2023 PyTorch tutorial, attention over fixed slots) "
                          "is import-only and cannot be trained here; train a bahdanau or luong model instead");
    return {};
}

// The tutorial-legacy decoder runs one sentence at a time (fixed slots, no padding masks).
int RnnModel::evaluationBatch() const { return m_config.decoder.kind == DecoderKind::TutorialLegacy ? 1 : 32; }

ParameterSet<float> RnnModel::initialParameters(const ModelConfig &config, int sourceVocab, int targetVocab,
                                             unsigned seed)
{
    Network<float> net(config, sourceVocab, targetVocab);
    Rng rng(seed);
    ParameterSet<float> params;
    for (const auto &[name, shape] : net.shapes()) {
        Matrix m(shape.first, shape.second);
        // PyTorch's defaults: U(-1/√fan_in, 1/√fan_in) for RNNs and linears
        // (fan_in = hidden for RNN biases), N(0, 1)-like spread for embeddings.
        float bound = 1.0f / std::sqrt(static_cast<float>(shape.second));
        if (name.find("embedding") != std::string::npos)
            bound = 0.5f;
        else if (name.find(".rnn.") != std::string::npos)
            bound = 1.0f / std::sqrt(static_cast<float>(name.rfind("encoder", 0) == 0 ? config.encoder.hidden
                                                                                      : config.decoder.hidden));
        for (Eigen::Index i = 0; i < m.size(); ++i)
            m.data()[i] = rng.uniform(-bound, bound);
        params.emplace(name, std::move(m));
    }
    return params;
}

RnnModel RnnModel::initialise(ModelConfig config, Vocabulary source, Vocabulary target, unsigned seed)
{
    ParameterSet<float> params = initialParameters(config, source.size(), target.size(), seed);
    return RnnModel(std::move(config), std::move(source), std::move(target), std::move(params));
}

Result<EncodedSource> RnnModel::prepareSource(const std::string &sentence) const
{
    auto source = prepareTextSource(sentence, m_config.sourceTokenizer, m_source, m_config.appendSourceEos);
    if (!source)
        return source;
    const int slots = m_config.attention.maxSourceLength;
    if (m_config.decoder.kind == DecoderKind::TutorialLegacy && source->axis.size() > slots)
        return inputError("the sentence has " + std::to_string(source->axis.size()) + " tokens (with <eos>) but this "
                          "model attends over at most " + std::to_string(slots) +
                          " (the tutorial's MAX_LENGTH); shorten it");
    return source;
}

EncodedSource RnnModel::sourceFromTokens(const std::vector<std::string> &tokens) const
{
    return textSourceFromTokens(tokens, m_source, m_config.appendSourceEos);
}

GenerationDefaults RnnModel::generation() const
{
    switch (m_config.targetTokenizer.mode) {
    case TokenizerMode::TutorialNormalize:
    case TokenizerMode::LegacyTutorialNormalize:
    case TokenizerMode::ChatbotNormalize:
        return {};
    default:
        return Seq2Seq::generation();
    }
}

std::vector<int> RnnModel::prepareTarget(const std::string &text) const
{
    return textTargetIds(text, m_config.targetTokenizer, m_target);
}

std::function<std::string(const std::vector<std::string> &)> RnnModel::detokenizer() const
{
    return textDetokenizer(m_config.targetTokenizer);
}

std::shared_ptr<const RnnMemory> RnnModel::encodeIds(const std::vector<int> &sourceIds) const
{
    Graph<float> g(false);
    ParamBinder<float> p(g, m_params);
    const auto enc = m_network->encode(p, {sourceIds});
    auto out = std::make_shared<RnnMemory>();
    out->states = g.value(enc.memory.states);
    out->keys = g.value(enc.memory.keys);
    for (int layer : enc.initial.layers)
        out->initialState.push_back(asVector(g.value(layer)));
    return out;
}

std::shared_ptr<const EncodedMemory> RnnModel::encode(const EncodedSource &source) const
{
    return encodeIds(source.axis.ids);
}

DecoderStatePtr RnnModel::initialState(const EncodedMemory &memory) const
{
    const auto &enc = static_cast<const RnnMemory &>(memory);
    auto s = std::make_shared<RnnState>();
    s->layers = enc.initialState;
    if (m_config.decoder.kind == DecoderKind::Luong && m_config.decoder.inputFeeding)
        s->feed = Vector::Zero(m_config.decoder.hidden);
    return s;
}

StepOutput RnnModel::step(const EncodedMemory &memory, const DecoderState &decoderState, int previousToken, int t,
                          const Intervention &intervention) const
{
    // Only this family's own encode() and step() make these.
    const auto &enc = static_cast<const RnnMemory &>(memory);
    const auto &state = static_cast<const RnnState &>(decoderState);
    Graph<float> g(false);
    ParamBinder<float> p(g, m_params);
    Memory m;
    m.states = g.external(enc.states);
    m.keys = g.external(enc.keys);
    m.S = enc.states.rows();
    m.lengths = {static_cast<int>(enc.states.rows())};
    Network<float>::DecoderState s;
    for (const Vector &layer : state.layers)
        s.layers.push_back(g.constant(asRow(layer)));
    if (state.feed.size() > 0)
        s.feed = g.constant(asRow(state.feed));
    const auto st = m_network->step(p, m, s, {previousToken}, t, {}, &intervention);
    auto next = std::make_shared<RnnState>();
    for (int layer : st.next.layers)
        next->layers.push_back(asVector(g.value(layer)));
    if (st.next.feed >= 0)
        next->feed = asVector(g.value(st.next.feed));
    StepOutput out;
    out.next = std::move(next);
    out.query = asVector(g.value(st.query));
    out.cross = AttentionStack::single(asVector(g.value(st.attention.scores)), asVector(g.value(st.attention.weights)));
    out.context = asVector(g.value(st.attention.context));
    out.logProbs = asVector(ops::logSoftmaxRows<float>(g.value(st.logits)));
    return out;
}

} // namespace alignscope
