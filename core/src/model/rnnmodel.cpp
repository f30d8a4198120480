// Model: single-sentence inference over the shared Network code, and
// where bundled models are found.
#include "alignscope/model.h"

#include "common/random.h"
#include "model/network.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unistd.h>

namespace alignscope {

namespace fs = std::filesystem;

namespace {

Matrix asRow(const Vector &v) { return Eigen::Map<const Matrix>(v.data(), 1, v.size()); }
Vector asVector(const Matrix &m) { return Eigen::Map<const Vector>(m.data(), m.size()); }

} // namespace

Model::Model(ModelConfig config, Vocabulary source, Vocabulary target, ParameterSet<float> params)
    : m_config(std::move(config)), m_source(std::move(source)), m_target(std::move(target)),
      m_params(std::move(params)),
      m_network(std::make_shared<Network<float>>(m_config, m_source.size(), m_target.size())),
      m_name(toString(m_config.attention.scorer))
{
}

ParameterSet<float> Model::initialParameters(const ModelConfig &config, int sourceVocab, int targetVocab,
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

Model Model::initialise(ModelConfig config, Vocabulary source, Vocabulary target, unsigned seed)
{
    ParameterSet<float> params = initialParameters(config, source.size(), target.size(), seed);
    return Model(std::move(config), std::move(source), std::move(target), std::move(params));
}

Result<EncodedSource> Model::prepareSource(const std::string &sentence) const
{
    auto tokens = tokenize(sentence, m_config.sourceTokenizer);
    if (!tokens)
        return inputError("the sentence is not valid text: " + tokens.error().message);
    if (tokens->empty())
        return inputError("the sentence is empty: type at least one word");
    if (m_source.specials().unk < 0)
        for (const std::string &t : tokens.value())
            if (!m_source.contains(t))
                return inputError("\"" + t + "\" is not in the model's vocabulary and the model has no "
                                  "<unk> token; rephrase without it");
    EncodedSource source = sourceFromTokens(tokens.value());
    const int slots = m_config.attention.maxSourceLength;
    if (m_config.decoder.kind == DecoderKind::TutorialLegacy && static_cast<int>(source.ids.size()) > slots)
        return inputError("the sentence has " + std::to_string(source.ids.size()) + " tokens (with <eos>) but this "
                          "model attends over at most " + std::to_string(slots) +
                          " (the tutorial's MAX_LENGTH); shorten it");
    return source;
}

EncodedSource Model::sourceFromTokens(const std::vector<std::string> &tokens) const
{
    EncodedSource out;
    out.tokens = tokens;
    out.ids = m_source.encode(out.tokens, &out.oovPositions);
    for (int &id : out.ids)
        if (id < 0)
            id = m_config.sourceSpecials.pad;
    if (m_config.appendSourceEos) {
        out.tokens.push_back(m_source.token(m_config.sourceSpecials.eos));
        out.ids.push_back(m_config.sourceSpecials.eos);
    }
    return out;
}

std::vector<int> Model::prepareTarget(const std::string &text) const
{
    auto tokens = tokenize(text, m_config.targetTokenizer);
    if (!tokens)
        return {};
    return m_target.encode(tokens.value());
}

std::string Model::detokenize(const std::vector<std::string> &tokens) const
{
    return alignscope::detokenize(tokens, m_config.targetTokenizer);
}

EncoderOutput Model::encode(const std::vector<int> &sourceIds) const
{
    Graph<float> g(false);
    ParamBinder<float> p(g, m_params);
    const auto enc = m_network->encode(p, {sourceIds});
    EncoderOutput out;
    out.states = g.value(enc.memory.states);
    out.keys = g.value(enc.memory.keys);
    for (int layer : enc.initial.layers)
        out.initialState.push_back(asVector(g.value(layer)));
    return out;
}

DecoderState Model::initialState(const EncoderOutput &enc) const
{
    DecoderState s;
    s.layers = enc.initialState;
    if (m_config.decoder.kind == DecoderKind::Luong && m_config.decoder.inputFeeding)
        s.feed = Vector::Zero(m_config.decoder.hidden);
    return s;
}

StepOutput Model::step(const EncoderOutput &enc, const DecoderState &state, int previousToken, int t) const
{
    Graph<float> g(false);
    ParamBinder<float> p(g, m_params);
    Memory memory;
    memory.states = g.external(enc.states);
    memory.keys = g.external(enc.keys);
    memory.S = enc.states.rows();
    memory.lengths = {static_cast<int>(enc.states.rows())};
    Network<float>::DecoderState s;
    for (const Vector &layer : state.layers)
        s.layers.push_back(g.constant(asRow(layer)));
    if (state.feed.size() > 0)
        s.feed = g.constant(asRow(state.feed));
    const auto st = m_network->step(p, memory, s, {previousToken}, t);
    StepOutput out;
    for (int layer : st.next.layers)
        out.next.layers.push_back(asVector(g.value(layer)));
    if (st.next.feed >= 0)
        out.next.feed = asVector(g.value(st.next.feed));
    out.query = asVector(g.value(st.query));
    out.scores = asVector(g.value(st.attention.scores));
    out.weights = asVector(g.value(st.attention.weights));
    out.context = asVector(g.value(st.attention.context));
    out.logProbs = asVector(ops::logSoftmaxRows<float>(g.value(st.logits)));
    return out;
}

std::string bundledModelsDir()
{
    std::vector<fs::path> candidates;
    if (const char *env = std::getenv("ALIGNSCOPE_MODELS_DIR"))
        candidates.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        // Installed: <prefix>/bin/alignscope -> <prefix>/share/alignscope/models.
        candidates.push_back(exe.parent_path().parent_path() / "share/alignscope/models");
        candidates.push_back(exe.parent_path() / "models");
    }
    candidates.emplace_back(ALIGNSCOPE_SOURCE_MODELS_DIR);
    for (const fs::path &c : candidates)
        if (fs::is_directory(c, ec))
            return c.string();
    return {};
}

std::vector<std::string> bundledModelNames()
{
    std::vector<std::string> names;
    const std::string dir = bundledModelsDir();
    if (dir.empty())
        return names;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".safetensors")
            names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

Result<std::string> resolveModelPath(const std::string &nameOrPath)
{
    std::error_code ec;
    if (fs::exists(nameOrPath, ec))
        return nameOrPath;
    const std::string dir = bundledModelsDir();
    if (!dir.empty() && nameOrPath.find('/') == std::string::npos) {
        const fs::path p = fs::path(dir) / (nameOrPath + ".safetensors");
        if (fs::exists(p, ec))
            return p.string();
    }
    std::string known;
    for (const auto &n : bundledModelNames())
        known += (known.empty() ? "" : ", ") + n;
    return fileError(nameOrPath + ": no such model file or bundled model" +
                     (known.empty() ? std::string(" (no bundled models installed)") : " (bundled: " + known + ")"));
}

} // namespace alignscope
