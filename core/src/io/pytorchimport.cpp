// Importing the PyTorch tutorials' models: their state_dict names mapped
// onto ours, sizes read from the checkpoint, every shape checked against
// the AlignScope config that reproduces the tutorial's forward pass.
//
// seq2seq_translation_tutorial (2023+): EncoderRNN = embedding + GRU;
// AttnDecoderRNN: query s_{t-1}, BahdanauAttention Va(tanh(Wa q + Ua h)),
// GRU over [emb; context], out(s_t), first state = encoder's final, SOS=0,
// EOS=1 appended to the source. Dropout is off at evaluation. That is our
// Bahdanau decoder with init Final and no deep output.
// chatbot_tutorial: bidirectional GRU encoder summing directions, Luong
// decoder without input feeding, h̃ = tanh(concat([h_t; c_t])), first
// state encoder_hidden[:n_layers] (InitMode::FinalStack), PAD=0 SOS=1 EOS=2.
#include "alignscope/pytorch.h"

#include "model/network.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

namespace alignscope {

namespace {

/// Where a module's tensors are: a checkpoint and a key prefix inside it.
struct ModuleSource {
    const PyTorchCheckpoint *file = nullptr;
    std::string prefix;
};

/// The opened files live on the heap so ModuleSource pointers survive moving a Sources.
struct Sources {
    std::unique_ptr<PyTorchCheckpoint> first, second;
    ModuleSource encoder, decoder;
};

const char *archName(PyTorchArchitecture a)
{
    return a == PyTorchArchitecture::Tutorial ? "pytorch-tutorial" : "pytorch-chatbot";
}

/// One file holding both modules: {'encoder': sd, 'decoder': sd} or the chatbot's {'en': sd, 'de': sd}.
Result<void> findPrefixes(Sources &s)
{
    const PyTorchCheckpoint &f = *s.first;
    const std::pair<const char *, const char *> candidates[] = {
        {"encoder.", "decoder."}, {"en.", "de."}, {"encoder_state_dict.", "decoder_state_dict."}};
    for (const auto &[e, d] : candidates) {
        if (f.find(std::string(e) + "embedding.weight") && f.find(std::string(d) + "embedding.weight")) {
            s.encoder = {&f, e};
            s.decoder = {&f, d};
            return {};
        }
    }
    return fileError(f.path() + ": cannot find the encoder and decoder state_dicts (expected keys "
                     "\"encoder\"/\"decoder\" or \"en\"/\"de\" holding embedding.weight); pass "
                     "--encoder FILE --decoder FILE for separate files");
}

Result<Sources> openSources(const PyTorchImportOptions &o)
{
    Sources s;
    if (!o.checkpoint.empty()) {
        auto f = PyTorchCheckpoint::open(o.checkpoint);
        if (!f)
            return f.error();
        s.first = std::make_unique<PyTorchCheckpoint>(std::move(f.value()));
        auto found = findPrefixes(s);
        if (!found)
            return found.error();
        return s;
    }
    auto e = PyTorchCheckpoint::open(o.encoder);
    if (!e)
        return e.error();
    auto d = PyTorchCheckpoint::open(o.decoder);
    if (!d)
        return d.error();
    s.first = std::make_unique<PyTorchCheckpoint>(std::move(e.value()));
    s.second = std::make_unique<PyTorchCheckpoint>(std::move(d.value()));
    s.encoder = {&*s.first, ""};
    s.decoder = {&*s.second, ""};
    return s;
}

std::string shapeText(const std::vector<std::int64_t> &shape)
{
    std::string s;
    for (auto d : shape)
        s += (s.empty() ? "" : ", ") + std::to_string(d);
    return "[" + s + "]";
}

Result<std::vector<std::int64_t>> shapeOf(const ModuleSource &m, const std::string &name, std::size_t rank)
{
    const CheckpointTensorInfo *t = m.file->find(m.prefix + name);
    if (!t)
        return fileError(m.file->path() + ": tensor \"" + m.prefix + name + "\" is missing");
    if (t->shape.size() != rank)
        return fileError(m.file->path() + ": tensor \"" + m.prefix + name + "\" has shape " + shapeText(t->shape) +
                         "; expected " + std::to_string(rank) + " dimensions");
    return t->shape;
}

int countLayers(const ModuleSource &m, const std::string &rnn)
{
    int k = 0;
    while (m.file->find(m.prefix + rnn + "weight_ih_l" + std::to_string(k)))
        ++k;
    return k;
}

/// Our parameter name -> (module, their name).
std::pair<const ModuleSource *, std::string> theirName(const Sources &s, PyTorchArchitecture arch,
                                                        const std::string &ours)
{
    struct Rule { const char *from; bool decoder; const char *to; };
    static const Rule tutorial[] = {
        {"encoder.embedding.", false, "embedding."}, {"encoder.rnn.", false, "gru."},
        {"decoder.embedding.", true, "embedding."},  {"decoder.rnn.", true, "gru."},
        {"decoder.attention.W.", true, "attention.Wa."}, {"decoder.attention.U.", true, "attention.Ua."},
        {"decoder.attention.v.", true, "attention.Va."}, {"decoder.out.", true, "out."}};
    static const Rule chatbot[] = {
        {"encoder.embedding.", false, "embedding."}, {"encoder.rnn.", false, "gru."},
        {"decoder.embedding.", true, "embedding."},  {"decoder.rnn.", true, "gru."},
        {"decoder.attention.W.", true, "attn.attn."}, {"decoder.attention.v.weight", true, "attn.v"},
        {"decoder.concat.", true, "concat."},        {"decoder.out.", true, "out."}};
    const auto &rules = arch == PyTorchArchitecture::Tutorial ? std::span<const Rule>(tutorial)
                                                              : std::span<const Rule>(chatbot);
    for (const Rule &r : rules) {
        const std::string from = r.from;
        if (ours.compare(0, from.size(), from) == 0)
            return {r.decoder ? &s.decoder : &s.encoder, r.to + ours.substr(from.size())};
    }
    return {&s.decoder, ours};
}

ModelConfig baseConfig(int hidden)
{
    ModelConfig c;
    c.encoder.embedding = c.encoder.hidden = hidden;
    c.decoder.embedding = c.decoder.hidden = hidden;
    c.attention.dimension = hidden;
    c.appendSourceEos = true;
    c.sourceTokenizer = c.targetTokenizer = TokenizerOptions{TokenizerMode::Word, true};
    return c;
}

Result<ModelConfig> tutorialConfig(const Sources &s)
{
    auto emb = shapeOf(s.encoder, "embedding.weight", 2);
    if (!emb)
        return emb.error();
    if (!s.decoder.file->find(s.decoder.prefix + "attention.Wa.weight") &&
        s.decoder.file->find(s.decoder.prefix + "attn_combine.weight"))
        return fileError(s.decoder.file->path() + ": this is the legacy (pre-2023) tutorial decoder "
                         "(attn over MAX_LENGTH positions + attn_combine), which cannot be imported; "
                         "retrain with the current tutorial's BahdanauAttention");
    ModelConfig c = baseConfig(static_cast<int>((*emb)[1]));
    c.decoder.kind = DecoderKind::Bahdanau;
    c.decoder.init = InitMode::Final;
    c.decoder.deepOutput = false;
    c.decoder.inputFeeding = false;
    c.attention.scorer = ScorerKind::Additive;
    c.sourceSpecials = c.targetSpecials = SpecialIds{0, 0, 1, -1}; // pad = SOS: the tutorial pads with zeros
    return c;
}

/// The chatbot's Attn keeps attn.v only for concat and attn.attn only for general and concat.
Result<ScorerKind> chatbotScorer(const ModuleSource &d, std::optional<ScorerKind> asked)
{
    const bool linear = d.file->find(d.prefix + "attn.attn.weight"), v = d.file->find(d.prefix + "attn.v");
    const ScorerKind held = v ? ScorerKind::Concat : linear ? ScorerKind::General : ScorerKind::Dot;
    if (asked && *asked != held)
        return fileError(d.file->path() + ": the decoder holds " + toString(held) + " attention (" +
                         (v ? "attn.v" : linear ? "attn.attn without attn.v" : "no attn parameters") +
                         ") but --attn says " + toString(*asked));
    return held;
}

Result<ModelConfig> chatbotConfig(const Sources &s, const PyTorchImportOptions &o)
{
    auto emb = shapeOf(s.encoder, "embedding.weight", 2);
    if (!emb)
        return emb.error();
    ModelConfig c = baseConfig(static_cast<int>((*emb)[1]));
    c.encoder.bidirectional = true;
    c.encoder.merge = MergeMode::Sum;
    c.encoder.layers = countLayers(s.encoder, "gru.");
    c.decoder.layers = countLayers(s.decoder, "gru.");
    for (auto [module, n] : {std::pair{&s.encoder, c.encoder.layers}, std::pair{&s.decoder, c.decoder.layers}}) {
        if (n == 0)
            return fileError(module->file->path() + ": tensor \"" + module->prefix + "gru.weight_ih_l0\" is missing");
        if (o.layers > 0 && n != o.layers)
            return fileError(module->file->path() + ": the checkpoint has " + std::to_string(n) +
                             " GRU layers but --layers says " + std::to_string(o.layers));
    }
    c.decoder.kind = DecoderKind::Luong;
    c.decoder.init = InitMode::FinalStack;
    c.decoder.inputFeeding = false;
    auto scorer = chatbotScorer(s.decoder, o.scorer);
    if (!scorer)
        return scorer.error();
    c.attention.scorer = scorer.value();
    c.sourceSpecials = c.targetSpecials = SpecialIds{0, 1, 2, -1};
    return c;
}

Result<Matrix> readMapped(const ModuleSource &m, const std::string &name, std::pair<int, int> shape,
                          const std::string &why)
{
    const std::string full = m.prefix + name;
    const std::string where = m.file->path() + ": tensor \"" + full + "\"";
    const CheckpointTensorInfo *t = m.file->find(full);
    // PyTorch keeps biases (and the chatbot's v) 1-D: say the shape the way its user sees it.
    const bool vector = shape.first == 1 && (!t || t->shape.size() == 1);
    const std::string expected = vector ? shapeText({shape.second}) : shapeText({shape.first, shape.second});
    if (!t)
        return fileError(where + " is missing; " + why + " needs it with shape " + expected);
    const auto &s = t->shape;
    const bool ok = (s.size() == 2 && s[0] == shape.first && s[1] == shape.second) ||
                    (s.size() == 1 && shape.first == 1 && s[0] == shape.second);
    if (!ok)
        return fileError(where + " has shape " + shapeText(s) + " but " + why + " needs " + expected);
    auto data = m.file->read(full);
    if (!data)
        return data.error();
    return Matrix(Eigen::Map<const Matrix>(data->data.data(), shape.first, shape.second));
}

Result<void> checkVocabulary(const ModuleSource &m, const std::vector<std::string> &tokens, const char *which)
{
    auto emb = shapeOf(m, "embedding.weight", 2);
    if (!emb)
        return emb.error();
    if ((*emb)[0] != static_cast<std::int64_t>(tokens.size()))
        return fileError(m.file->path() + ": tensor \"" + m.prefix + "embedding.weight\" has " +
                         std::to_string((*emb)[0]) + " rows but the " + which + " vocabulary has " +
                         std::to_string(tokens.size()) + " tokens");
    return {};
}

} // namespace

Result<Model> importPyTorch(const PyTorchImportOptions &o)
{
    auto sources = openSources(o);
    if (!sources)
        return sources.error();
    const Sources &s = sources.value();
    auto config = o.architecture == PyTorchArchitecture::Tutorial ? tutorialConfig(s) : chatbotConfig(s, o);
    if (!config)
        return config.error();
    if (auto valid = validateConfig(*config); !valid)
        return fileError(s.encoder.file->path() + ": " + valid.error().message);
    for (auto [m, tokens, which] : {std::tuple{&s.encoder, &o.sourceTokens, "source"},
                                    std::tuple{&s.decoder, &o.targetTokens, "target"}})
        if (auto ok = checkVocabulary(*m, *tokens, which); !ok)
            return ok.error();
    const int minimum = o.architecture == PyTorchArchitecture::Tutorial ? 2 : 3; // the specials' ids
    if (static_cast<int>(std::min(o.sourceTokens.size(), o.targetTokens.size())) < minimum)
        return fileError("the vocabularies must hold at least the special tokens (" + std::to_string(minimum) + ")");
    const Network<float> net(*config, static_cast<int>(o.sourceTokens.size()), static_cast<int>(o.targetTokens.size()));
    const std::string why = std::string(archName(o.architecture)) + " with hidden size " +
                            std::to_string(config->decoder.hidden);
    ParameterSet<float> params;
    for (const auto &[name, shape] : net.shapes()) {
        const auto [module, theirs] = theirName(s, o.architecture, name);
        auto m = readMapped(*module, theirs, shape, why);
        if (!m)
            return m.error();
        params.emplace(name, std::move(m.value()));
    }
    Model model(*config, Vocabulary(o.sourceTokens, config->sourceSpecials),
                Vocabulary(o.targetTokens, config->targetSpecials), std::move(params));
    const std::string named = o.checkpoint.empty() ? o.decoder : o.checkpoint;
    model.setName(std::filesystem::path(named).stem().string());
    return model;
}

Result<std::vector<std::string>> readTokenListJson(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        return fileError(path + ": cannot open the vocabulary file");
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.empty())
        return fileError(path + ": a vocabulary file must be a non-empty JSON array of strings (index = id)");
    std::vector<std::string> tokens;
    for (const auto &t : j) {
        if (!t.is_string())
            return fileError(path + ": entry " + std::to_string(tokens.size()) + " is not a string");
        tokens.push_back(t.get<std::string>());
    }
    return tokens;
}

} // namespace alignscope
