#pragma once
// Seq2Seq: the one interface every encoder–decoder family implements
// (today the RNN family; Transformers, speech and vision plug in here).
// Decoding, comparing, exporting and every view talk to a model only
// through it: prepare the source, encode once, step the decoder from an
// opaque state, and describe itself.
// Shapes: n = source columns, d = encoder state size, V = target vocabulary.

#include "alignscope/heads.h"
#include "alignscope/intervention.h"
#include "alignscope/result.h"
#include "alignscope/source.h"
#include "alignscope/tensor.h"
#include "alignscope/vocabulary.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace alignscope {

/// The attention mechanism as the explain panel shows it. Formulas use a
/// small plain-text markup: `x_{sub}` and `x^{sup}` (a single character
/// needs no braces), Unicode for the rest ("e_{tj} = v_a^⊤ tanh(W_a s_{t−1} + U_a h_j)").
struct AttentionDescription {
    std::string title;           ///< the explain panel's heading, e.g. "additive", "pre-2023 tutorial slots"
    std::string query;           ///< the query symbol, e.g. "s_{t−1}" (Bahdanau) or "h_t" (Luong)
    std::string key = "h_j";     ///< what the query is compared with
    std::string score;           ///< e_{tj} = ...
    std::string weight = "α_{tj} = exp(e_{tj}) / Σ_k exp(e_{tk})";
    std::string context = "c_t = Σ_j α_{tj} h_j";
    std::string note;            ///< what is unusual, e.g. a score that does not read h_j
    bool scoreReadsKey = true;   ///< false for location-based scores
    /// False when the softmax runs over more than the n source positions
    /// (the pre-2023 tutorial's fixed MAX_LENGTH slots): α on the source then
    /// sums to less than 1 and is not renormalised.
    bool softmaxOverSource = true;
    /// True when weights may differ from a plain softmax of the scores
    /// (a local window or a mask).
    bool windowed = false;
    /// True when the context is Σ_j α_tj h_j of the encoder states itself
    /// (the RNNs); a Transformer's heads weigh projected values instead.
    bool contextOfStates = true;
};

/// What a model says about itself: the window's info line, `inspect`, the
/// trace's architecture fields and the explain panel's equations.
struct ModelDescription {
    std::string architecture;    ///< "rnn" (later "transformer", "t5", "whisper", ...)
    std::string summary;         ///< one line, e.g. "bigru encoder, Bahdanau gru decoder, additive attention"
    std::string scorer;          ///< short scorer name: the trace's "scorer", compare tables ("additive", "general+local-p")
    int layers = 1;              ///< cross-attention layers
    int heads = 1;               ///< cross-attention heads per layer
    bool selfAttention = false;  ///< the decoder has self-attention (recorded in the trace)
    long long parameters = 0;
    SourceKind sourceKind = SourceKind::Text;
    AttentionDescription attention;
    /// (layer, head) pairs, 0-based, whose cross-attention follows the source
    /// in time (Whisper's alignment_heads: what word timestamps read); empty: unknown.
    std::vector<std::pair<int, int>> alignmentHeads;
};

/// The encoder's output for one source, opaque to decoding: a model keeps
/// what its steps need (keys, cached projections) in its own subclass.
struct EncodedMemory {
    virtual ~EncodedMemory() = default;
    Matrix states;            ///< (n, d) H, shown by the context view and the explain panel
    AttentionMaps selfAttention; ///< the encoder's self-attention, (n, n) per layer and head; empty for RNNs
    /// Transformers: what each decoder layer's cross-attention reads, W_k H
    /// and W_v H, (n, d) per layer (the heads' slices side by side); computed once.
    std::vector<Matrix> crossKeys, crossValues;
};

/// One hypothesis' decoder state. Immutable once made, so beam hypotheses
/// that share a history share it.
struct DecoderState {
    virtual ~DecoderState() = default;
};
using DecoderStatePtr = std::shared_ptr<const DecoderState>;

/// Everything one decoder step computed for one hypothesis.
struct StepOutput {
    DecoderStatePtr next;
    Vector query;                 ///< (q) what the scorer saw (RNN); empty where there is no single query
    AttentionStack cross;         ///< (L*H, n) cross-attention
    AttentionStack self;          ///< (L*H, t+1) decoder self-attention; empty when the model has none
    Vector context;               ///< (d) c_t (RNN); a Transformer's last cross-attention output
    Vector logProbs;              ///< (V) log p(y_t | ...)
    /// Transformers, per (layer, head) row like `cross`: the cross-attention
    /// query q_t^(h) (L*H, dk) and the head's output Σ_j α_tj v_j^(h) before
    /// W_o (L*H, dv); empty for RNNs.
    Matrix crossQueries;
    Matrix crossOutputs;
};

/// A source prepared for the encoder.
struct EncodedSource {
    SourceAxis axis;              ///< what the columns are; `axis.ids` for a text source
    /// Audio: (mels, frames) the log-mel features the encoder reads; image:
    /// (patches, 3·p²) the pixel values cut into the encoder's patches; empty for text.
    Matrix features = Matrix();
    /// False: encode() leaves EncodedMemory::selfAttention empty (the
    /// decode's DecodeOptions::encoderSelfAttention said not to record it).
    bool keepSelfAttention = true;
};

/// How a model generates unless the caller says otherwise: for Hugging Face
/// folders, what transformers takes from generation_config.json (or
/// config.json); AlignScope's own models only suppress <pad> and <sos>.
struct GenerationDefaults {
    std::vector<int> suppressed; ///< token ids never emitted (their probability is set to 0)
    int forcedFirst = -1;        ///< forced_bos_token_id: the first generated token, or -1
    int forcedLast = -1;         ///< forced_eos_token_id: the token of the last step the length allows, or -1
    int maxLength = -1;          ///< tokens generated at most; -1: DecodeOptions' rule (2n + 10)
    int beams = 1;               ///< num_beams
    double lengthPenalty = 1.0;  ///< length_penalty
    bool earlyStopping = false;  ///< early_stopping
    int noRepeatNgram = 0;       ///< no_repeat_ngram_size (0: none)
    int minLength = 0;           ///< tokens before <eos> may come (min_length − 1, or min_new_tokens)
    /// bad_words_ids: a sequence's last token is never emitted after the rest of it
    /// (a one-token sequence: never at all).
    std::vector<std::vector<int>> badWords;
    /// forced_decoder_ids: the token step i takes (−1: the model chooses),
    /// e.g. Whisper's <|en|> <|transcribe|> <|notimestamps|>.
    std::vector<int> forcedPrompt;
    /// begin_suppress_tokens: never the first token after forcedPrompt.
    std::vector<int> beginSuppressed;
    /// Whisper's <|notimestamps|> (no_timestamps_token_id); every id after it
    /// is a timestamp token, <|0.00|>, <|0.02|>, ... −1: the model has none.
    int noTimestamps = -1;
    /// max_initial_timestamp_index: a decode that predicts timestamps starts
    /// with one at most this many after <|0.00|>; −1: any.
    int maxInitialTimestamp = -1;
};

class Seq2Seq {
public:
    virtual ~Seq2Seq() = default;

    const std::string &name() const { return m_name; }
    void setName(std::string name) { m_name = std::move(name); }

    virtual const ModelDescription &description() const = 0;
    virtual const Vocabulary &targetVocab() const = 0;
    /// <sos>, <eos>, <pad> ... of the target side.
    virtual const SpecialIds &targetSpecials() const = 0;

    /// Tokenises a typed sentence; BadInput when it is empty or unusable.
    virtual Result<EncodedSource> prepareSource(const std::string &sentence) const = 0;
    /// Seconds of audio the encoder reads at once (Whisper's chunk_length, 30 s):
    /// a longer clip goes through in windows of this length (alignscope/transcribe.h).
    /// 0: the model reads text, or a whole clip at once.
    virtual double audioWindowSeconds() const { return 0.0; }
    /// An audio clip (mono, 16 kHz) for a speech model's encoder; models that
    /// read text say so (Usage error).
    virtual Result<EncodedSource> prepareAudio(const std::vector<float> &samples16k) const
    {
        (void)samples16k;
        return usageError(name() + " reads text, not audio; give it a sentence instead of --audio");
    }
    /// A picture (8-bit RGB) for an image model's encoder, which its image
    /// processor resizes and normalises; models that do not read images say so (Usage error).
    virtual Result<EncodedSource> prepareImage(const RgbImage &image) const
    {
        (void)image;
        return usageError(name() + " does not read images; --image is for vision encoder-decoder models (ViT + GPT-2)");
    }
    /// The forced decoder prompt for a spoken language and a task (Whisper's
    /// --language, --task; −1 where the model chooses); Usage error for models
    /// that have none.
    virtual Result<std::vector<int>> decoderPrompt(const std::string &language, const std::string &task) const
    {
        (void)language, (void)task;
        return usageError(name() + " has no language or task to choose; --language and --task are for Whisper models");
    }
    /// Target text into ids (no <sos>/<eos>), for forced prefixes.
    virtual std::vector<int> prepareTarget(const std::string &text) const = 0;
    /// The ids a decode forced on `text` reads from its first step: the
    /// model's forced prompt (`prompt`, else generation()'s: Whisper's
    /// language, task and no-timestamps, −1 where the model chooses), then
    /// prepareTarget's ids without the tokenizer's own leading prompt. For
    /// models without a prompt, prepareTarget(text).
    virtual std::vector<int> prepareForcedTarget(const std::string &text,
                                                 const std::optional<std::vector<int>> &prompt = {}) const
    {
        (void)prompt;
        return prepareTarget(text);
    }
    /// Joins target tokens back into text, as this model's tokenizer does.
    virtual std::function<std::string(const std::vector<std::string> &)> detokenizer() const = 0;
    /// A token as a person reads it, for views: subword tokenizers' pieces
    /// with their word-start mark as "▁" and byte-level pieces as UTF-8
    /// ("Ġcaf\u00c3\u00a9" -> "▁café"). Empty (the default): tokens read as they are.
    virtual std::function<std::string(const std::string &)> tokenDisplay() const { return {}; }
    /// Generation settings decoding starts from (see GenerationDefaults).
    virtual GenerationDefaults generation() const;

    virtual std::shared_ptr<const EncodedMemory> encode(const EncodedSource &source) const = 0;
    virtual DecoderStatePtr initialState(const EncodedMemory &memory) const = 0;
    /// One decoder step from `state` after `previousToken` (t = 0-based step),
    /// with `intervention`'s edits, drops and ablations applied to the
    /// cross-attention: the output records the weights the decoder used.
    virtual StepOutput step(const EncodedMemory &memory, const DecoderState &state, int previousToken, int t,
                            const Intervention &intervention) const = 0;
    /// The model's own step.
    StepOutput step(const EncodedMemory &memory, const DecoderState &state, int previousToken, int t) const
    {
        return step(memory, state, previousToken, t, Intervention{});
    }

private:
    std::string m_name;
};

} // namespace alignscope
