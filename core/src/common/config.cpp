// ModelConfig <-> JSON and validation.
#include "alignscope/config.h"

#include "common/configjson_p.h"

#include <nlohmann/json.hpp>

namespace alignscope {

using nlohmann::json;

namespace {

using namespace configjson;

constexpr Names<ScorerKind> kScorers[] = {{ScorerKind::Additive, "additive"}, {ScorerKind::Dot, "dot"},
                                          {ScorerKind::General, "general"}, {ScorerKind::ScaledDot, "scaled-dot"},
                                          {ScorerKind::Concat, "concat"}, {ScorerKind::Location, "location"}};
constexpr Names<DecoderKind> kDecoders[] = {{DecoderKind::Bahdanau, "bahdanau"}, {DecoderKind::Luong, "luong"},
                                            {DecoderKind::TutorialLegacy, "tutorial-legacy"}};
constexpr Names<LocalMode> kLocal[] = {{LocalMode::None, "none"}, {LocalMode::Monotonic, "m"},
                                       {LocalMode::Predictive, "p"}};
constexpr Names<CellKind> kCells[] = {{CellKind::Gru, "gru"}, {CellKind::Lstm, "lstm"}};
constexpr Names<InitMode> kInits[] = {{InitMode::Zero, "zero"}, {InitMode::Final, "final"},
                                      {InitMode::Bridge, "bridge"}, {InitMode::FinalStack, "final-stack"}};
constexpr Names<MergeMode> kMerges[] = {{MergeMode::Concat, "concat"}, {MergeMode::Sum, "sum"}};

} // namespace

std::string toString(CellKind k) { return nameOf(kCells, k); }
std::string toString(DecoderKind k) { return nameOf(kDecoders, k); }
std::string toString(ScorerKind k) { return nameOf(kScorers, k); }
std::string toString(LocalMode k) { return nameOf(kLocal, k); }
Result<ScorerKind> parseScorer(const std::string &s) { return parseName(kScorers, s, "scorer"); }
Result<DecoderKind> parseDecoder(const std::string &s) { return parseName(kDecoders, s, "decoder"); }
Result<LocalMode> parseLocalMode(const std::string &s) { return parseName(kLocal, s, "local mode"); }

Result<EncoderConfig> parseEncoderKind(const std::string &s)
{
    EncoderConfig e;
    if (s == "gru" || s == "bigru") {
        e.cell = CellKind::Gru;
    } else if (s == "lstm" || s == "bilstm") {
        e.cell = CellKind::Lstm;
    } else {
        return usageError("unknown encoder \"" + s + "\" (expected one of: gru, bigru, lstm, bilstm)");
    }
    e.bidirectional = s.rfind("bi", 0) == 0;
    return e;
}

std::string scorerDisplayName(const AttentionConfig &a)
{
    std::string name = toString(a.scorer);
    if (a.local != LocalMode::None)
        name += "+local-" + toString(a.local);
    return name;
}

std::string configToJson(const ModelConfig &c)
{
    json j;
    j["format_version"] = c.formatVersion;
    j["encoder"] = {{"cell", toString(c.encoder.cell)}, {"bidirectional", c.encoder.bidirectional},
                    {"merge", nameOf(kMerges, c.encoder.merge)}, {"layers", c.encoder.layers},
                    {"embedding", c.encoder.embedding}, {"hidden", c.encoder.hidden}};
    j["decoder"] = {{"kind", toString(c.decoder.kind)}, {"cell", toString(c.decoder.cell)},
                    {"layers", c.decoder.layers}, {"embedding", c.decoder.embedding},
                    {"hidden", c.decoder.hidden}, {"init", nameOf(kInits, c.decoder.init)},
                    {"input_feeding", c.decoder.inputFeeding}, {"deep_output", c.decoder.deepOutput}};
    j["attention"] = {{"scorer", toString(c.attention.scorer)}, {"dimension", c.attention.dimension},
                      {"local", toString(c.attention.local)}, {"window", c.attention.window},
                      {"max_source_length", c.attention.maxSourceLength}};
    j["special"] = {{"source", specialsToJson(c.sourceSpecials)}, {"target", specialsToJson(c.targetSpecials)}};
    j["append_source_eos"] = c.appendSourceEos;
    j["tokenizer"] = {{"source", tokenizerToJson(c.sourceTokenizer)}, {"target", tokenizerToJson(c.targetTokenizer)}};
    j["dropout"] = c.dropout;
    return j.dump();
}

Result<ModelConfig> configFromJson(const std::string &text)
{
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fileError("alignscope.config is not a JSON object");
    ModelConfig c;
    std::string bad;
    field(j, "format_version", c.formatVersion, bad, "");
    if (bad.empty() && c.formatVersion > 1)
        return fileError("alignscope.config format_version " + std::to_string(c.formatVersion) +
                         " is newer than this AlignScope understands (1); update AlignScope");
    const json none = json::object();
    const json &e = j.value("encoder", none), &d = j.value("decoder", none), &a = j.value("attention", none);
    enumField(e, "cell", kCells, c.encoder.cell, bad, "encoder.");
    field(e, "bidirectional", c.encoder.bidirectional, bad, "encoder.");
    enumField(e, "merge", kMerges, c.encoder.merge, bad, "encoder.");
    field(e, "layers", c.encoder.layers, bad, "encoder.");
    field(e, "embedding", c.encoder.embedding, bad, "encoder.");
    field(e, "hidden", c.encoder.hidden, bad, "encoder.");
    enumField(d, "kind", kDecoders, c.decoder.kind, bad, "decoder.");
    enumField(d, "cell", kCells, c.decoder.cell, bad, "decoder.");
    field(d, "layers", c.decoder.layers, bad, "decoder.");
    field(d, "embedding", c.decoder.embedding, bad, "decoder.");
    field(d, "hidden", c.decoder.hidden, bad, "decoder.");
    enumField(d, "init", kInits, c.decoder.init, bad, "decoder.");
    field(d, "input_feeding", c.decoder.inputFeeding, bad, "decoder.");
    field(d, "deep_output", c.decoder.deepOutput, bad, "decoder.");
    enumField(a, "scorer", kScorers, c.attention.scorer, bad, "attention.");
    field(a, "dimension", c.attention.dimension, bad, "attention.");
    enumField(a, "local", kLocal, c.attention.local, bad, "attention.");
    field(a, "window", c.attention.window, bad, "attention.");
    field(a, "max_source_length", c.attention.maxSourceLength, bad, "attention.");
    const json sp = section(j, "special", bad, ""), tk = section(j, "tokenizer", bad, "");
    readSpecials(section(sp, "source", bad, "special."), c.sourceSpecials, bad, "special.source.");
    readSpecials(section(sp, "target", bad, "special."), c.targetSpecials, bad, "special.target.");
    readTokenizer(section(tk, "source", bad, "tokenizer."), c.sourceTokenizer, bad, "tokenizer.source.");
    readTokenizer(section(tk, "target", bad, "tokenizer."), c.targetTokenizer, bad, "tokenizer.target.");
    field(j, "append_source_eos", c.appendSourceEos, bad, "");
    field(j, "dropout", c.dropout, bad, "");
    if (!bad.empty())
        return fileError("alignscope.config: " + bad);
    auto valid = validateConfig(c);
    if (!valid)
        return fileError("alignscope.config: " + valid.error().message);
    return c;
}

Result<void> validateConfig(const ModelConfig &c)
{
    auto inRange = [](int v, int lo, int hi) { return v >= lo && v <= hi; };
    if (!inRange(c.encoder.layers, 1, 4) || !inRange(c.decoder.layers, 1, 4))
        return usageError("layers must be between 1 and 4");
    if (!inRange(c.encoder.hidden, 1, 8192) || !inRange(c.decoder.hidden, 1, 8192) ||
        !inRange(c.encoder.embedding, 1, 8192) || !inRange(c.decoder.embedding, 1, 8192) ||
        !inRange(c.attention.dimension, 1, 8192))
        return usageError("sizes (embedding, hidden, attention dimension) must be between 1 and 8192");
    const ScorerKind s = c.attention.scorer;
    if ((s == ScorerKind::Dot || s == ScorerKind::ScaledDot) && c.decoder.hidden != c.encoder.stateSize())
        return usageError(toString(s) + " attention needs the decoder hidden size (" +
                          std::to_string(c.decoder.hidden) + ") to equal the encoder state size (" +
                          std::to_string(c.encoder.stateSize()) + "); use general or additive instead");
    if (s == ScorerKind::Location && !inRange(c.attention.maxSourceLength, 1, 100000))
        return usageError("location attention needs max_source_length between 1 and 100000");
    if (c.decoder.kind == DecoderKind::TutorialLegacy &&
        (s != ScorerKind::Location || c.attention.local != LocalMode::None || c.decoder.layers != 1 ||
         c.decoder.cell != CellKind::Gru || !inRange(c.attention.maxSourceLength, 1, 100000)))
        return usageError("the tutorial-legacy decoder needs location attention without a local window, "
                          "max_source_length between 1 and 100000, and one GRU layer");
    if (c.attention.local != LocalMode::None && !inRange(c.attention.window, 1, 1000))
        return usageError("local attention needs a window D between 1 and 1000");
    const bool fromFinal = c.decoder.init == InitMode::Final || c.decoder.init == InitMode::FinalStack;
    if (fromFinal && (c.decoder.hidden != c.encoder.hidden || c.decoder.cell != c.encoder.cell))
        return usageError("init \"final\" needs the same cell and hidden size in encoder and decoder");
    if (c.decoder.init == InitMode::FinalStack &&
        c.decoder.layers > c.encoder.layers * (c.encoder.bidirectional ? 2 : 1))
        return usageError("init \"final-stack\" needs at most as many decoder layers as the encoder has final states");
    if (!(c.dropout >= 0.0f && c.dropout < 1.0f))
        return usageError("dropout must be in [0, 1)");
    return {};
}

} // namespace alignscope
