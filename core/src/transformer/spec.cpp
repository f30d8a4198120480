// TransformerSpec names and validation.
#include "alignscope/transformer.h"

namespace alignscope {

std::string toString(TransformerSpec::Norm n) { return n == TransformerSpec::Norm::Rms ? "rms" : "layer"; }

std::string toString(TransformerSpec::Positions p)
{
    switch (p) {
    case TransformerSpec::Positions::Sinusoidal: return "sinusoidal";
    case TransformerSpec::Positions::Learned: return "learned";
    case TransformerSpec::Positions::Relative: return "relative";
    }
    return "sinusoidal";
}

std::string toString(TransformerSpec::Activation a)
{
    switch (a) {
    case TransformerSpec::Activation::Relu: return "relu";
    case TransformerSpec::Activation::GeluErf: return "gelu";
    case TransformerSpec::Activation::GeluTanh: return "gelu-tanh";
    case TransformerSpec::Activation::Silu: return "silu";
    }
    return "relu";
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
    if (s.dModel % s.heads != 0)
        return usageError("transformer d-model " + std::to_string(s.dModel) + " does not split into " +
                          std::to_string(s.heads) + " heads; choose a d-model divisible by the heads");
    if (s.positions == TransformerSpec::Positions::Relative && s.relativeBuckets < 4)
        return usageError("relative positions need at least 4 buckets");
    if (!(s.eps > 0 && s.eps < 1))
        return usageError("the norm's epsilon must be in (0, 1)");
    return {};
}

} // namespace alignscope
