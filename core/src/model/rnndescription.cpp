// The RNN family's self-description: which query its decoder kind feeds the
// scorer, and the equations the explain panel prints.
#include "alignscope/rnnmodel.h"

#include "attention/scorer.h"

namespace alignscope {

namespace {

/// Bahdanau scores with the previous decoder state, Luong with the current
/// one, the pre-2023 tutorial with [emb(y_{t-1}); s_{t-1}] (Network::step).
std::string querySymbol(DecoderKind kind)
{
    switch (kind) {
    case DecoderKind::Bahdanau: return "s_{t−1}";
    case DecoderKind::Luong: return "h_t";
    case DecoderKind::TutorialLegacy: return "[emb(y_{t−1}) ; s_{t−1}]";
    }
    return "q_t";
}

std::string encoderName(const EncoderConfig &e)
{
    return (e.bidirectional ? "bi" : "") + toString(e.cell);
}

std::string decoderName(const DecoderConfig &d)
{
    switch (d.kind) {
    case DecoderKind::Bahdanau: return "Bahdanau " + toString(d.cell);
    case DecoderKind::Luong: return "Luong " + toString(d.cell);
    case DecoderKind::TutorialLegacy: return "tutorial (pre-2023) " + toString(d.cell);
    }
    return toString(d.cell);
}

AttentionDescription legacyAttention(const std::string &q)
{
    AttentionDescription a;
    a.title = "attn over MAX_LENGTH slots, pre-2023 PyTorch tutorial";
    a.query = q;
    a.score = "e_{tj} = (W_a " + q + " + b_a)_j";
    a.weight = "α_{tj} = exp(e_{tj}) / Σ_{k=1…MAX_LENGTH} exp(e_{tk})";
    a.note = "one row of W_a per slot j = 1…MAX_LENGTH; h_j does not enter the score";
    a.scoreReadsKey = false;
    a.softmaxOverSource = false;
    return a;
}

} // namespace

ModelDescription describeRnn(const ModelConfig &c, long long parameters)
{
    ModelDescription d;
    d.architecture = "rnn";
    d.parameters = parameters;
    d.scorer = scorerDisplayName(c.attention);
    const std::string q = querySymbol(c.decoder.kind);
    if (c.decoder.kind == DecoderKind::TutorialLegacy) {
        d.attention = legacyAttention(q);
    } else {
        const auto scorer = makeScorer<float>(c.attention, c.queryStateSize(), c.encoder.stateSize());
        AttentionDescription &a = d.attention;
        a.title = d.scorer;
        a.query = q;
        a.score = scorer->formula(q);
        a.scoreReadsKey = c.attention.scorer != ScorerKind::Location;
        if (!a.scoreReadsKey)
            a.note = "the score depends on the position j, not on h_j";
        a.windowed = c.attention.local != LocalMode::None;
        if (a.windowed)
            a.note = "local-" + toString(c.attention.local) + ": weights outside [p_t − " +
                     std::to_string(c.attention.window) + ", p_t + " + std::to_string(c.attention.window) +
                     "] are zero" + (c.attention.local == LocalMode::Predictive ? ", the rest scaled by a Gaussian" : "");
    }
    const std::string attention = c.decoder.kind == DecoderKind::TutorialLegacy
                                      ? "attention over " + std::to_string(c.attention.maxSourceLength) + " fixed slots"
                                      : d.scorer + " attention";
    d.summary = encoderName(c.encoder) + " encoder, " + decoderName(c.decoder) + " decoder, " + attention;
    return d;
}

} // namespace alignscope
