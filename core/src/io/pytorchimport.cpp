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

/// The encoder's and decoder's key prefixes in a file holding both modules:
/// {'encoder': sd, 'decoder': sd}, the chatbot's {'en': sd, 'de': sd}, or
/// {'encoder_state_dict': sd, ...}.
std::optional<std::pair<std::string, std::string>> modulePrefixes(const PyTorchCheckpoint &f)
{
    const std::pair<const char *, const char *> candidates[] = {
        {"encoder.", "decoder."}, {"en.", "de."}, {"encoder_state_dict.", "decoder_state_dict."}};
    for (const auto &[e, d] : candidates)
        if (f.find(std::string(e) + "embedding.weight") && f.find(std::string(d) + "embedding.weight"))
            return std::pair<std::string, std::string>{e, d};
    return std::nullopt;
}

Result<void> findPrefixes(Sources &s)
{
    const PyTorchCheckpoint &f = *s.first;
    if (const auto prefixes = modulePrefixes(f)) {
        s.encoder = {&f, prefixes->first};
        s.decoder = {&f, prefixes->second};
        return {};
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
    static const Rule legacy[] = {
        {"encoder.embedding.", false, "embedding."}, {"encoder.rnn.", false, "gru."},
        {"decoder.embedding.", true, "embedding."},  {"decoder.rnn.", true, "gru."},
        {"decoder.attention.location.", true, "attn."}, {"decoder.combine.", true, "attn_combine."},
        {"decoder.out.", true, "out."}};
    static const Rule chatbot[] = {
        {"encoder.embedding.", false, "embedding."}, {"encoder.rnn.", false, "gru."},
        {"decoder.embedding.", true, "embedding."},  {"decoder.rnn.", true, "gru."},
        {"decoder.attention.W.", true, "attn.attn."}, {"decoder.attention.v.weight", true, "attn.v"},
        {"decoder.concat.", true, "concat."},        {"decoder.out.", true, "out."}};
    const auto rules = arch == PyTorchArchitecture::Tutorial         ? std::span<const Rule>(tutorial)
                       : arch == PyTorchArchitecture::TutorialLegacy ? std::span<const Rule>(legacy)
                                                                     : std::span<const Rule>(chatbot);
    for (const Rule &r : rules) {
        const std::string from = r.from;
        if (ours.compare(0, from.size(), from) == 0)
            return {r.decoder ? &s.decoder : &s.encoder, r.to + ours.substr(from.size())};
    }
    return {&s.decoder, ours};
}

/// Sizes, tokenizer and specials shared by every tutorial.
ModelConfig baseConfig(int hidden, PyTorchArchitecture arch)
{
    ModelConfig c;
    c.encoder.embedding = c.encoder.hidden = hidden;
    c.decoder.embedding = c.decoder.hidden = hidden;
    c.attention.dimension = hidden;
    c.appendSourceEos = true;
    const TokenizerMode mode = arch == PyTorchArchitecture::Tutorial         ? TokenizerMode::TutorialNormalize
                               : arch == PyTorchArchitecture::TutorialLegacy ? TokenizerMode::LegacyTutorialNormalize
                                                                             : TokenizerMode::ChatbotNormalize;
    c.sourceTokenizer = c.targetTokenizer = TokenizerOptions{mode, true};
    if (arch == PyTorchArchitecture::Chatbot)
        c.sourceSpecials = c.targetSpecials = SpecialIds{0, 1, 2, -1};
    else
        c.sourceSpecials = c.targetSpecials = SpecialIds{0, 0, 1, -1}; // pad = SOS: the tutorial pads with zeros
    return c;
}

/// The two translation tutorial versions differ only in the decoder's
/// attention: attention.Wa (2023+) or attn + attn_combine (before).
Result<void> checkTutorialVersion(const ModuleSource &d, PyTorchArchitecture asked)
{
    const bool current = d.file->find(d.prefix + "attention.Wa.weight");
    const bool legacy = !current && d.file->find(d.prefix + "attn_combine.weight");
    if (asked == PyTorchArchitecture::Tutorial && legacy)
        return fileError(d.file->path() + ": this is the pre-2023 tutorial's decoder (\"" + d.prefix +
                         "attn_combine.weight\", no attention.Wa); import it with --arch pytorch-tutorial-legacy");
    if (asked == PyTorchArchitecture::TutorialLegacy && current)
        return fileError(d.file->path() + ": this is the 2023+ tutorial's decoder (\"" + d.prefix +
                         "attention.Wa.weight\"); import it with --arch pytorch-tutorial");
    return {};
}

Result<ModelConfig> tutorialConfig(const Sources &s, PyTorchArchitecture arch)
{
    auto emb = shapeOf(s.encoder, "embedding.weight", 2);
    if (!emb)
        return emb.error();
    if (auto version = checkTutorialVersion(s.decoder, arch); !version)
        return version.error();
    ModelConfig c = baseConfig(static_cast<int>((*emb)[1]), arch);
    c.decoder.init = InitMode::Final;
    c.decoder.deepOutput = false;
    c.decoder.inputFeeding = false;
    if (arch == PyTorchArchitecture::Tutorial) {
        c.decoder.kind = DecoderKind::Bahdanau;
        c.attention.scorer = ScorerKind::Additive;
        return c;
    }
    // attn = Linear(2H, MAX_LENGTH): its rows are the fixed slots.
    auto attn = shapeOf(s.decoder, "attn.weight", 2);
    if (!attn)
        return attn.error();
    c.decoder.kind = DecoderKind::TutorialLegacy;
    c.attention.scorer = ScorerKind::Location;
    c.attention.maxSourceLength = static_cast<int>((*attn)[0]);
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
    ModelConfig c = baseConfig(static_cast<int>((*emb)[1]), PyTorchArchitecture::Chatbot);
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
                         std::to_string((*emb)[0]) + " rows but " + which + " has " +
                         std::to_string(tokens.size()) + " tokens");
    return {};
}

} // namespace

const char *architectureName(PyTorchArchitecture a)
{
    switch (a) {
    case PyTorchArchitecture::Tutorial: return "pytorch-tutorial";
    case PyTorchArchitecture::TutorialLegacy: return "pytorch-tutorial-legacy";
    case PyTorchArchitecture::Chatbot: return "pytorch-chatbot";
    }
    return "?";
}

namespace {

/// The vocabularies given, or the chatbot checkpoint's voc_dict for both sides.
Result<std::pair<std::vector<std::string>, std::vector<std::string>>> vocabularies(const Sources &s,
                                                                                 const PyTorchImportOptions &o)
{
    if (!o.sourceTokens.empty() || !o.targetTokens.empty())
        return std::pair{o.sourceTokens, o.targetTokens};
    const auto &voc = s.first->vocabulary();
    if (o.architecture != PyTorchArchitecture::Chatbot || o.checkpoint.empty() || !voc)
        return usageError(std::string(architectureName(o.architecture)) +
                          " needs vocabularies: --source-vocab FILE --target-vocab FILE" +
                          (o.architecture == PyTorchArchitecture::Chatbot
                               ? " (or a checkpoint holding voc_dict)"
                               : " or --pairs eng-fra.txt"));
    if (!*voc)
        return voc->error();
    return std::pair{voc->value(), voc->value()};
}

} // namespace

namespace {

/// The decoder's distinctive keys under `prefix`; unset when it is none of the tutorials'.
std::optional<PyTorchArchitecture> decoderArchitecture(const PyTorchCheckpoint &f, const std::string &prefix)
{
    if (f.find(prefix + "attention.Wa.weight"))
        return PyTorchArchitecture::Tutorial;
    if (f.find(prefix + "attn_combine.weight"))
        return PyTorchArchitecture::TutorialLegacy;
    if (f.find(prefix + "concat.weight"))
        return PyTorchArchitecture::Chatbot;
    return std::nullopt;
}

} // namespace

PyTorchContents detectPyTorchContents(const PyTorchCheckpoint &f)
{
    using Modules = PyTorchContents::Modules;
    if (const auto prefixes = modulePrefixes(f))
        return {Modules::Both, decoderArchitecture(f, prefixes->second)};
    if (!f.find("embedding.weight") || !f.find("gru.weight_ih_l0"))
        return {};
    if (const auto arch = decoderArchitecture(f, ""))
        return {Modules::DecoderOnly, arch};
    if (f.find("out.weight"))
        return {Modules::DecoderOnly, std::nullopt};
    // Only the chatbot's encoder is bidirectional.
    return {Modules::EncoderOnly, f.find("gru.weight_ih_l0_reverse")
                                      ? std::optional(PyTorchArchitecture::Chatbot)
                                      : std::nullopt};
}

std::optional<int> legacySlotCount(const PyTorchCheckpoint &f)
{
    const auto prefixes = modulePrefixes(f);
    const std::string decoder = prefixes ? prefixes->second : std::string();
    const CheckpointTensorInfo *attn = f.find(decoder + "attn.weight");
    if (!attn || attn->shape.size() != 2 || !f.find(decoder + "attn_combine.weight"))
        return std::nullopt;
    return static_cast<int>(attn->shape[0]);
}

Result<RnnModel> importPyTorch(const PyTorchImportOptions &o)
{
    auto sources = openSources(o);
    if (!sources)
        return sources.error();
    const Sources &s = sources.value();
    auto config = o.architecture == PyTorchArchitecture::Chatbot ? chatbotConfig(s, o) : tutorialConfig(s, o.architecture);
    if (!config)
        return config.error();
    if (auto valid = validateConfig(*config); !valid)
        return fileError(s.encoder.file->path() + ": " + valid.error().message);
    auto vocabs = vocabularies(s, o);
    if (!vocabs)
        return vocabs.error();
    const auto &[sourceTokens, targetTokens] = vocabs.value();
    const bool fromVocDict = o.sourceTokens.empty() && o.targetTokens.empty();
    for (auto [m, tokens, which] : {std::tuple{&s.encoder, &sourceTokens, "the source vocabulary"},
                                    std::tuple{&s.decoder, &targetTokens, "the target vocabulary"}})
        if (auto ok = checkVocabulary(*m, *tokens, fromVocDict ? "voc_dict's index2word" : which); !ok)
            return ok.error();
    const int minimum = o.architecture == PyTorchArchitecture::Chatbot ? 3 : 2; // the specials' ids
    if (static_cast<int>(std::min(sourceTokens.size(), targetTokens.size())) < minimum)
        return fileError("the vocabularies must hold at least the special tokens (" + std::to_string(minimum) + ")");
    const Network<float> net(*config, static_cast<int>(sourceTokens.size()), static_cast<int>(targetTokens.size()));
    const std::string why = std::string(architectureName(o.architecture)) + " with hidden size " +
                            std::to_string(config->decoder.hidden);
    ParameterSet<float> params;
    for (const auto &[name, shape] : net.shapes()) {
        const auto [module, theirs] = theirName(s, o.architecture, name);
        auto m = readMapped(*module, theirs, shape, why);
        if (!m)
            return m.error();
        params.emplace(name, std::move(m.value()));
    }
    RnnModel model(*config, Vocabulary(sourceTokens, config->sourceSpecials),
                Vocabulary(targetTokens, config->targetSpecials), std::move(params));
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
