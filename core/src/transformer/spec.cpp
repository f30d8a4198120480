// TransformerSpec: names, validation, and the model file's config JSON.
#include "alignscope/transformer.h"

#include "common/configjson_p.h"

namespace alignscope {

namespace {

using namespace configjson;
using Spec = TransformerSpec;

constexpr Names<Spec::Norm> kNorms[] = {{Spec::Norm::Layer, "layer"}, {Spec::Norm::Rms, "rms"}};
constexpr Names<Spec::Positions> kPositions[] = {{Spec::Positions::Sinusoidal, "sinusoidal"},
                                                 {Spec::Positions::Learned, "learned"},
                                                 {Spec::Positions::Relative, "relative"}};
constexpr Names<Spec::Activation> kActivations[] = {{Spec::Activation::Relu, "relu"},
                                                    {Spec::Activation::GeluErf, "gelu"},
                                                    {Spec::Activation::GeluTanh, "gelu-tanh"},
                                                    {Spec::Activation::Silu, "silu"}};
constexpr Names<Spec::SinusoidalLayout> kLayouts[] = {{Spec::SinusoidalLayout::Interleaved, "interleaved"},
                                                      {Spec::SinusoidalLayout::Halves, "halves"}};

json specToJson(const Spec &s)
{
    json j = {{"encoder_layers", s.encoderLayers}, {"decoder_layers", s.decoderLayers}, {"heads", s.heads},
            {"d_model", s.dModel}, {"ffn", s.ffn}, {"norm", nameOf(kNorms, s.norm)}, {"pre_norm", s.preNorm},
            {"positions", nameOf(kPositions, s.positions)}, {"max_positions", s.maxPositions},
            {"position_offset", s.positionOffset}, {"sinusoidal_layout", nameOf(kLayouts, s.sinusoidalLayout)},
            {"embedding_norm", s.embeddingNorm},
            {"relative_buckets", s.relativeBuckets}, {"relative_max_distance", s.relativeMaxDistance},
            {"activation", nameOf(kActivations, s.activation)}, {"gated_ffn", s.gatedFeedForward},
            {"bias", s.bias}, {"scaled_attention", s.scaledAttention}, {"scale_embedding", s.scaleEmbedding},
            {"tied_output", s.tiedOutput}, {"rescale_tied_output", s.rescaleTiedOutput},
            {"shared_embedding", s.sharedEmbedding}, {"eps", s.eps}};
    if (s.headDim > 0) // set apart from d / heads (T5's d_kv)
        j["head_dim"] = s.headDim;
    // Written only when set, so that the files of text models stay as they were.
    if (!s.keyBias)
        j["key_bias"] = false;
    if (!s.outputBias)
        j["output_bias"] = false;
    if (s.melBins > 0)
        j["mel_bins"] = s.melBins;
    if (s.sourcePositions > 0)
        j["source_positions"] = s.sourcePositions;
    if (s.patchSize > 0)
        j["image"] = {{"patch_size", s.patchSize}, {"height", s.imageHeight}, {"width", s.imageWidth}};
    if (s.encoderDModel > 0 || s.encoderHeads > 0 || s.encoderFfn > 0 || s.encoderEps > 0 || s.encoderActivation) {
        json e = {{"d_model", s.encoderDModel}, {"heads", s.encoderHeads}, {"ffn", s.encoderFfn}, {"eps", s.encoderEps}};
        if (s.encoderActivation)
            e["activation"] = nameOf(kActivations, *s.encoderActivation);
        j["encoder"] = e;
    }
    return j;
}

void readSpec(const json &j, Spec &s, std::string &bad)
{
    const std::string w = "transformer.";
    field(j, "encoder_layers", s.encoderLayers, bad, w);
    field(j, "decoder_layers", s.decoderLayers, bad, w);
    field(j, "heads", s.heads, bad, w);
    field(j, "d_model", s.dModel, bad, w);
    field(j, "head_dim", s.headDim, bad, w);
    field(j, "ffn", s.ffn, bad, w);
    enumField(j, "norm", kNorms, s.norm, bad, w);
    field(j, "pre_norm", s.preNorm, bad, w);
    enumField(j, "positions", kPositions, s.positions, bad, w);
    field(j, "max_positions", s.maxPositions, bad, w);
    field(j, "position_offset", s.positionOffset, bad, w);
    enumField(j, "sinusoidal_layout", kLayouts, s.sinusoidalLayout, bad, w);
    field(j, "embedding_norm", s.embeddingNorm, bad, w);
    field(j, "relative_buckets", s.relativeBuckets, bad, w);
    field(j, "relative_max_distance", s.relativeMaxDistance, bad, w);
    enumField(j, "activation", kActivations, s.activation, bad, w);
    field(j, "gated_ffn", s.gatedFeedForward, bad, w);
    field(j, "bias", s.bias, bad, w);
    field(j, "scaled_attention", s.scaledAttention, bad, w);
    field(j, "scale_embedding", s.scaleEmbedding, bad, w);
    field(j, "tied_output", s.tiedOutput, bad, w);
    field(j, "rescale_tied_output", s.rescaleTiedOutput, bad, w);
    field(j, "shared_embedding", s.sharedEmbedding, bad, w);
    field(j, "eps", s.eps, bad, w);
    field(j, "key_bias", s.keyBias, bad, w);
    field(j, "output_bias", s.outputBias, bad, w);
    field(j, "mel_bins", s.melBins, bad, w);
    field(j, "source_positions", s.sourcePositions, bad, w);
    if (j.contains("image")) {
        const json image = section(j, "image", bad, w);
        field(image, "patch_size", s.patchSize, bad, w + "image.");
        field(image, "height", s.imageHeight, bad, w + "image.");
        field(image, "width", s.imageWidth, bad, w + "image.");
    }
    if (j.contains("encoder")) {
        const json e = section(j, "encoder", bad, w);
        field(e, "d_model", s.encoderDModel, bad, w + "encoder.");
        field(e, "heads", s.encoderHeads, bad, w + "encoder.");
        field(e, "ffn", s.encoderFfn, bad, w + "encoder.");
        field(e, "eps", s.encoderEps, bad, w + "encoder.");
        if (e.contains("activation")) {
            Spec::Activation a = s.activation;
            enumField(e, "activation", kActivations, a, bad, w + "encoder.");
            s.encoderActivation = a;
        }
    }
}

} // namespace

std::string toString(Spec::Norm n) { return nameOf(kNorms, n); }
std::string toString(Spec::Positions p) { return nameOf(kPositions, p); }
std::string toString(Spec::Activation a) { return nameOf(kActivations, a); }

std::string transformerConfigToJson(const TransformerFileConfig &c)
{
    json j;
    j["architecture"] = "transformer";
    j["format_version"] = 1;
    j["transformer"] = specToJson(c.spec);
    j["special"] = {{"source", specialsToJson(c.sourceSpecials)}, {"target", specialsToJson(c.targetSpecials)}};
    j["tokenizer"] = {{"source", tokenizerToJson(c.sourceTokenizer)}, {"target", tokenizerToJson(c.targetTokenizer)}};
    return j.dump();
}

namespace {

/// The config's "architecture" when it is a string ("" otherwise; never throws).
std::string architectureOf(const json &j)
{
    if (!j.is_object() || !j.contains("architecture") || !j.at("architecture").is_string())
        return {};
    return j.at("architecture").get<std::string>();
}

} // namespace

bool isTransformerConfig(const std::string &text)
{
    return architectureOf(json::parse(text, nullptr, false)) == "transformer";
}

Result<TransformerFileConfig> transformerConfigFromJson(const std::string &text)
{
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fileError("alignscope.config is not a JSON object");
    if (architectureOf(j) != "transformer")
        return fileError("alignscope.config does not describe a Transformer");
    TransformerFileConfig c;
    std::string bad;
    int version = 1;
    field(j, "format_version", version, bad, "");
    if (bad.empty() && version > 1)
        return fileError("alignscope.config format_version " + std::to_string(version) +
                         " is newer than this AlignScope understands (1); update AlignScope");
    if (!j.contains("transformer") || !j.at("transformer").is_object())
        return fileError("alignscope.config has no \"transformer\" object with the model's sizes");
    readSpec(j.at("transformer"), c.spec, bad);
    const json sp = section(j, "special", bad, ""), tk = section(j, "tokenizer", bad, "");
    readSpecials(section(sp, "source", bad, "special."), c.sourceSpecials, bad, "special.source.");
    readSpecials(section(sp, "target", bad, "special."), c.targetSpecials, bad, "special.target.");
    readTokenizer(section(tk, "source", bad, "tokenizer."), c.sourceTokenizer, bad, "tokenizer.source.");
    readTokenizer(section(tk, "target", bad, "tokenizer."), c.targetTokenizer, bad, "tokenizer.target.");
    if (!bad.empty())
        return fileError("alignscope.config: " + bad);
    if (auto valid = validateSpec(c.spec); !valid)
        return fileError("alignscope.config: " + valid.error().message);
    return c;
}

Result<void> validateSpec(const TransformerSpec &s)
{
    const struct {
        const char *name;
        int value;
        int most;
    } sizes[] = {{"layers (encoder)", s.encoderLayers, 64}, {"layers (decoder)", s.decoderLayers, 64},
                 {"heads", s.heads, 128},         {"d-model", s.dModel, 16384},
                 {"ffn", s.ffn, 65536},           {"max positions", s.maxPositions, 1 << 20},
                 {"relative buckets", s.relativeBuckets, 4096}, {"relative max distance", s.relativeMaxDistance, 1 << 20}};
    for (const auto &z : sizes)
        if (z.value < 1 || z.value > z.most)
            return usageError(std::string("transformer ") + z.name + " must be 1.." + std::to_string(z.most) +
                              ", not " + std::to_string(z.value));
    if (s.positionOffset < 0 || s.positionOffset > 1024)
        return usageError("transformer position offset must be 0..1024, not " + std::to_string(s.positionOffset));
    if (s.headDim < 0 || s.headDim > 4096)
        return usageError("transformer head size must be 0 (d-model / heads) or up to 4096, not " +
                          std::to_string(s.headDim));
    if (s.melBins < 0 || s.melBins > 1024)
        return usageError("transformer mel bins must be 0 (a text encoder) or up to 1024, not " + std::to_string(s.melBins));
    if (s.sourcePositions < 0 || s.sourcePositions > (1 << 20))
        return usageError("transformer source positions must be 0..1048576, not " + std::to_string(s.sourcePositions));
    if (s.patchSize < 0 || s.patchSize > 1024 || s.imageHeight < 0 || s.imageHeight > 8192 || s.imageWidth < 0 ||
        s.imageWidth > 8192)
        return usageError("transformer image sizes must be 0 (a text encoder) or a patch of up to 1024 pixels in a "
                          "picture of up to 8192 x 8192");
    if (s.patchSize > 0 && (s.imageHeight < s.patchSize || s.imageWidth < s.patchSize || s.imageHeight % s.patchSize ||
                            s.imageWidth % s.patchSize))
        return usageError("an image of " + std::to_string(s.imageWidth) + " x " + std::to_string(s.imageHeight) +
                          " does not split into patches of " + std::to_string(s.patchSize) + " pixels");
    if (s.patchSize > 0 && (s.positions != TransformerSpec::Positions::Learned || s.sourcePositions != 1 + s.patches()))
        return usageError("an image encoder needs learned positions for its [CLS] and " + std::to_string(s.patches()) +
                          " patches");
    if (s.encoderDModel < 0 || s.encoderDModel > 16384 || s.encoderHeads < 0 || s.encoderHeads > 128 ||
        s.encoderFfn < 0 || s.encoderFfn > 65536 || !(s.encoderEps >= 0 && s.encoderEps < 1))
        return usageError("the encoder's own sizes must be 0 (the decoder's) or d-model up to 16384, heads up to 128, "
                          "ffn up to 65536, epsilon in [0, 1)");
    const int encoderHeads = s.encoderHeads > 0 ? s.encoderHeads : s.heads;
    if ((s.encoderDModel > 0 || s.encoderHeads > 0) && s.encoderWidth() % encoderHeads != 0)
        return usageError("the encoder's d-model " + std::to_string(s.encoderWidth()) + " does not split into its " +
                          std::to_string(encoderHeads) + " heads; choose a d-model divisible by the heads");
    if (s.melBins > 0 && s.positions != TransformerSpec::Positions::Learned)
        return usageError("an audio encoder (mel bins) needs learned positions");
    if (s.headDim == 0 && s.dModel % s.heads != 0)
        return usageError("transformer d-model " + std::to_string(s.dModel) + " does not split into " +
                          std::to_string(s.heads) + " heads; choose a d-model divisible by the heads");
    if (s.positions == TransformerSpec::Positions::Relative && s.relativeBuckets < 4)
        return usageError("relative positions need at least 4 buckets");
    if (!(s.eps > 0 && s.eps < 1))
        return usageError("the norm's epsilon must be in (0, 1)");
    return {};
}

} // namespace alignscope
