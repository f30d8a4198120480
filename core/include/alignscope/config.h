#pragma once
// ModelConfig: the `alignscope.config` JSON of a model file.

#include "alignscope/result.h"
#include "alignscope/tokenizer.h"
#include "alignscope/vocabulary.h"

#include <string>

namespace alignscope {

enum class CellKind { Gru, Lstm };
/// TutorialLegacy: the pre-2023 PyTorch translation tutorial's AttnDecoderRNN
/// (weights from W [emb(y_{t-1}); s_{t-1}] over max_source_length fixed
/// slots, softmax over all slots, ReLU(attn_combine [emb; c_t]) into the
/// GRU). Import only: it has no batched training.
enum class DecoderKind { Bahdanau, Luong, TutorialLegacy };
enum class ScorerKind { Additive, Dot, General, ScaledDot, Concat, Location };
enum class LocalMode { None, Monotonic, Predictive }; ///< Luong's global, local-m, local-p
/// How the decoder's first state is made from the encoder.
enum class InitMode {
    Zero,    ///< zeros
    Final,   ///< the encoder's final hidden state per layer (sizes must match)
    Bridge,  ///< tanh(W [final states of both directions] + b) per layer
    /// Decoder layer k takes entry k of the encoder's final states in PyTorch's
    /// h_n order (layer-major, forward before backward): the chatbot
    /// tutorial's `encoder_hidden[:decoder.n_layers]`. Sizes must match.
    FinalStack,
};
enum class MergeMode { Concat, Sum }; ///< bidirectional outputs: [fwd; bwd] or fwd + bwd

struct EncoderConfig {
    CellKind cell = CellKind::Gru;
    bool bidirectional = false;
    MergeMode merge = MergeMode::Concat;
    int layers = 1;
    int embedding = 64;
    int hidden = 128;
    int stateSize() const { return bidirectional && merge == MergeMode::Concat ? 2 * hidden : hidden; }
};

struct DecoderConfig {
    DecoderKind kind = DecoderKind::Bahdanau;
    CellKind cell = CellKind::Gru;
    int layers = 1;
    int embedding = 64;
    int hidden = 128;
    InitMode init = InitMode::Bridge;
    bool inputFeeding = true;   ///< Luong: feed h̃_{t-1} into the RNN input
    bool deepOutput = true;     ///< Bahdanau: output from [s_t; emb(y_{t-1}); c_t] instead of s_t
};

struct AttentionConfig {
    ScorerKind scorer = ScorerKind::Additive;
    int dimension = 128;        ///< additive / concat hidden size
    LocalMode local = LocalMode::None;
    int window = 3;             ///< D of [p_t - D, p_t + D]
    int maxSourceLength = 64;   ///< location scorer's and tutorial-legacy decoder's fixed length (incl. <eos>)
};

struct ModelConfig {
    int formatVersion = 1;
    EncoderConfig encoder;
    DecoderConfig decoder;
    AttentionConfig attention;
    SpecialIds sourceSpecials;
    SpecialIds targetSpecials;
    bool appendSourceEos = true;  ///< the encoder sees <eos> after the sentence
    TokenizerOptions sourceTokenizer;
    TokenizerOptions targetTokenizer;
    float dropout = 0.1f;         ///< used by training only

    /// Size of the decoder's query vector ([emb; s_{t-1}] for tutorial-legacy).
    int queryStateSize() const
    {
        return decoder.kind == DecoderKind::TutorialLegacy ? decoder.embedding + decoder.hidden : decoder.hidden;
    }
};

std::string toString(CellKind k);
std::string toString(DecoderKind k);
std::string toString(ScorerKind k);
std::string toString(LocalMode k);
Result<ScorerKind> parseScorer(const std::string &s);
Result<DecoderKind> parseDecoder(const std::string &s);
Result<LocalMode> parseLocalMode(const std::string &s);
/// "gru" | "bigru" | "lstm" | "bilstm" into an encoder's cell and direction.
Result<EncoderConfig> parseEncoderKind(const std::string &s);
/// Display name of the attention, e.g. "additive", "dot", "general+local-p".
std::string scorerDisplayName(const AttentionConfig &a);

std::string configToJson(const ModelConfig &c);
/// Parses and validates; errors name the field.
Result<ModelConfig> configFromJson(const std::string &json);
/// Checks sizes and combinations (dot needs equal query and key sizes, ...).
Result<void> validateConfig(const ModelConfig &c);

} // namespace alignscope
