#pragma once
// TransformerSpec: what makes one Transformer encoder–decoder out of the
// shared parts, in the manner of CTranslate2's model specs: the families
// (a T5, a BART, a Marian, the "Attention Is All You Need" base) differ only
// in these fields.

#include "alignscope/result.h"
#include "alignscope/tokenizer.h"
#include "alignscope/vocabulary.h"

#include <optional>
#include <string>

namespace alignscope {

struct TransformerSpec {
    enum class Norm { Layer, Rms };                              ///< LayerNorm, or T5's RMSNorm
    enum class Positions { Sinusoidal, Learned, Relative };      ///< added to embeddings, or T5's biases
    enum class Activation { Relu, GeluErf, GeluTanh, Silu };

    int encoderLayers = 2;
    int decoderLayers = 2;
    int heads = 4;
    int dModel = 64;
    int headDim = 0;                ///< per-head key/value size; 0: d / heads (T5's d_kv may differ)
    int ffn = 256;
    Norm norm = Norm::Layer;
    bool preNorm = true;            ///< norm before each sublayer (and a final norm per stack); else after
    Positions positions = Positions::Sinusoidal;
    /// Sinusoidal tables: sin and cos interleaved in columns 2i, 2i+1 ("Attention
    /// Is All You Need", tensor2tensor's layout in fairseq), or all sines then
    /// all cosines (Marian, Whisper: columns i and d/2 + i).
    enum class SinusoidalLayout { Interleaved, Halves };
    SinusoidalLayout sinusoidalLayout = SinusoidalLayout::Interleaved;
    int maxPositions = 512;         ///< positions a learned table covers
    int positionOffset = 0;         ///< learned: position p reads row p + offset of a table of maxPositions + offset rows (BART: 2)
    int relativeBuckets = 32;       ///< T5's relative attention buckets
    int relativeMaxDistance = 128;
    Activation activation = Activation::Relu;
    bool gatedFeedForward = false;  ///< act(x W_gate) ⊙ (x W_in), as T5 v1.1
    bool bias = true;               ///< biases in linears and norms (T5 has none)
    bool scaledAttention = true;    ///< divide scores by √dk (T5 does not)
    bool scaleEmbedding = false;    ///< multiply embeddings by √d (Marian, BART with scale_embedding)
    bool embeddingNorm = false;     ///< a norm over embeddings + positions in each stack (BART's layernorm_embedding)
    bool tiedOutput = true;         ///< the output layer is the target embedding
    bool rescaleTiedOutput = false; ///< T5: the decoder output times d^−½ before a tied output layer
    bool sharedEmbedding = false;   ///< source and target share one table (one vocabulary)
    bool keyBias = true;            ///< with `bias`: the key projections have one too (Whisper's k_proj has none)
    bool outputBias = true;         ///< with `bias`: the output layer has one (BART's final_logits_bias; Whisper: none)
    /// Audio encoders (Whisper): log-mel bins of the input frames, read by two
    /// convolutions (k 3, the second of stride 2) with GELU instead of token
    /// embeddings, then a learned (stored) table of `sourcePositions` rows. 0: text.
    int melBins = 0;
    int sourcePositions = 0;        ///< rows of the encoder's learned positions when not maxPositions (Whisper: 1500)
    /// Image encoders (ViT): an imageHeight × imageWidth RGB picture cut into
    /// patchSize × patchSize patches, each read by a linear patch embedding (a
    /// convolution of stride patchSize), a learned [CLS] row before them, then
    /// learned positions of 1 + patches rows (sourcePositions). 0: not an image encoder.
    int patchSize = 0;
    int imageHeight = 0;
    int imageWidth = 0;
    /// The encoder's own sizes where they differ from the decoder's (a ViT
    /// encoder before a GPT-2 decoder); 0 / unset: the decoder's. An encoder of
    /// another width is projected to the decoder's before cross-attention
    /// (VisionEncoderDecoder's enc_to_dec_proj).
    int encoderDModel = 0;
    int encoderHeads = 0;
    int encoderFfn = 0;
    double encoderEps = 0.0;
    std::optional<Activation> encoderActivation;
    double eps = 1e-5;

    int headSize() const { return headDim > 0 ? headDim : dModel / heads; }
    /// Width of the heads side by side: the attention projections' output.
    int attentionWidth() const { return heads * headSize(); }
    /// Rows of the encoder's learned position table.
    int encoderPositions() const { return sourcePositions > 0 ? sourcePositions : maxPositions; }
    /// Image encoders: patches per column and per row of the grid, and in all.
    int patchRows() const { return patchSize > 0 ? imageHeight / patchSize : 0; }
    int patchColumns() const { return patchSize > 0 ? imageWidth / patchSize : 0; }
    int patches() const { return patchRows() * patchColumns(); }
    /// The encoder's width (its own when set apart, else d).
    int encoderWidth() const { return encoderDModel > 0 ? encoderDModel : dModel; }
    /// The weight the output layer multiplies by: "output.weight", or the
    /// embedding it is tied to ("shared.embed", "target.embed").
    std::string outputWeight() const
    {
        return !tiedOutput ? "output.weight" : sharedEmbedding ? "shared.embed" : "target.embed";
    }
    /// Whether every decoder step reads all of the weight `name`: the decoder
    /// layers' weights but the cross-attention's keys and values (computed
    /// once per source) and the positions (one row a step), and the output
    /// layer with its bias.
    bool readEveryStep(const std::string &name) const
    {
        const bool decoder = name.rfind("decoder.", 0) == 0 && name.find(".cross.k.") == std::string::npos &&
                             name.find(".cross.v.") == std::string::npos && name != "decoder.positions";
        return decoder || name == outputWeight() || name == "output.bias";
    }
};

std::string toString(TransformerSpec::Norm n);
std::string toString(TransformerSpec::Positions p);
std::string toString(TransformerSpec::Activation a);

/// Checks sizes and combinations (d divisible by heads, positive sizes, ...);
/// usage errors name the field.
Result<void> validateSpec(const TransformerSpec &spec);

/// The alignscope.config of a Transformer model file:
/// {"architecture": "transformer", "format_version": 1, "transformer": {the
/// spec}, "special": {"source", "target"}, "tokenizer": {"source", "target"}}.
struct TransformerFileConfig {
    TransformerSpec spec;
    SpecialIds sourceSpecials;
    SpecialIds targetSpecials;
    TokenizerOptions sourceTokenizer;
    TokenizerOptions targetTokenizer;
};
std::string transformerConfigToJson(const TransformerFileConfig &config);
/// Parses and validates; errors name the field.
Result<TransformerFileConfig> transformerConfigFromJson(const std::string &json);
/// Whether an alignscope.config text names the Transformer architecture
/// (RNN configs have no "architecture").
bool isTransformerConfig(const std::string &json);

} // namespace alignscope
