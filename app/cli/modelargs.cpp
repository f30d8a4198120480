#include "cli/modelargs.h"

namespace alignscope::cli {

Result<ModelConfig> modelConfigFromArgs(const Args &a, bool requireKinds, int defaultMaxSourceLength)
{
    if (requireKinds)
        for (const char *required : {"encoder", "decoder", "scorer"})
            if (!a.value(required))
                return usageError(std::string("--") + required + " is required");
    auto enc = parseEncoderKind(a.value("encoder").value_or("bigru"));
    auto dec = parseDecoder(a.value("decoder").value_or("bahdanau"));
    auto scorer = parseScorer(a.value("scorer").value_or("additive"));
    if (!enc) return enc.error();
    if (!dec) return dec.error();
    if (dec.value() == DecoderKind::TutorialLegacy)
        return usageError("--decoder tutorial-legacy is only for models imported with "
                          "import --arch pytorch-tutorial-legacy; use bahdanau or luong");
    if (!scorer) return scorer.error();
    auto emb = a.integer("embedding", 64, 1, 4096);
    auto hidden = a.integer("hidden", 128, 1, 4096);
    auto layers = a.integer("layers", 1, 1, 4);
    auto window = a.integer("window", 3, 1, 1000);
    auto attDim = a.integer("attention-dim", 0, 0, 4096);
    auto maxLen = a.integer("max-source-length", defaultMaxSourceLength, 1, 100000);
    auto dropout = a.number("dropout", 0.1, 0.0, 0.9);
    for (const Result<int> *r : {&emb, &hidden, &layers, &window, &attDim, &maxLen})
        if (!*r)
            return r->error();
    if (!dropout)
        return dropout.error();
    ModelConfig c;
    c.encoder = enc.value();
    c.encoder.embedding = emb.value();
    c.encoder.hidden = hidden.value();
    c.encoder.layers = layers.value();
    c.decoder.kind = dec.value();
    c.decoder.cell = c.encoder.cell;
    c.decoder.embedding = emb.value();
    c.decoder.layers = layers.value();
    const bool dot = scorer.value() == ScorerKind::Dot || scorer.value() == ScorerKind::ScaledDot;
    c.decoder.hidden = dot ? c.encoder.stateSize() : hidden.value();
    c.attention.scorer = scorer.value();
    c.attention.dimension = attDim.value() > 0 ? attDim.value() : hidden.value();
    c.attention.window = window.value();
    c.attention.maxSourceLength = maxLen.value();
    if (auto local = a.value("local")) {
        auto mode = parseLocalMode(*local);
        if (!mode || mode.value() == LocalMode::None)
            return usageError("--local must be m or p");
        c.attention.local = mode.value();
    }
    c.dropout = static_cast<float>(dropout.value());
    if (auto v = validateConfig(c); !v)
        return v.error();
    return c;
}

} // namespace alignscope::cli
