// ggml's tensor types as whisper.cpp files store them: float32, float16 and
// the quantised blocks of 32 values its quantize tool writes, widened to
// float32 as ggml's dequantize_row_* functions widen them.
//
// Block layouts (ggml-common.h), little-endian, d and m float16:
//   q4_0 {d, qs[16]}          value j: (nibble − 8)·d
//   q4_1 {d, m, qs[16]}       value j: nibble·d + m
//   q5_0 {d, qh[4], qs[16]}   value j: ((nibble | fifth bit << 4) − 16)·d
//   q5_1 {d, m, qh[4], qs[16]} value j: (nibble | fifth bit << 4)·d + m
//   q8_0 {d, qs[32] (int8)}   value j: q·d
// In the 4- and 5-bit blocks byte k of qs holds value k in its low nibble
// and value k + 16 in its high one; qh's bit k is value k's fifth bit.
#include "alignscope/ggml.h"

#include "hf/ggml_p.h"
#include "io/halffloat_p.h"

namespace alignscope {

namespace {

constexpr int kBlock = 32; // values per quantised block

struct TypeInfo {
    GgmlType type;
    const char *name;
    int blockBytes; ///< bytes per block of kBlock values; 0: not blocked (f32, f16)
};

constexpr TypeInfo kTypes[] = {{GgmlType::F32, "f32", 0},   {GgmlType::F16, "f16", 0},   {GgmlType::Q4_0, "q4_0", 18},
                               {GgmlType::Q4_1, "q4_1", 20}, {GgmlType::Q5_0, "q5_0", 22}, {GgmlType::Q5_1, "q5_1", 24},
                               {GgmlType::Q8_0, "q8_0", 34}};

const TypeInfo *infoOf(int type)
{
    for (const TypeInfo &t : kTypes)
        if (int(t.type) == type)
            return &t;
    return nullptr;
}

float half(const unsigned char *p) { return halfToFloat(std::uint16_t(p[0] | p[1] << 8)); }

/// One block of a 4- or 5-bit type: its 32 values from the nibbles, the fifth bits, d and m.
void nibbleBlock(const unsigned char *qs, std::uint32_t qh, bool fifth, float d, float m, int offset, float *y)
{
    for (int j = 0; j < kBlock / 2; ++j) {
        int low = qs[j] & 0x0F, high = qs[j] >> 4;
        if (fifth) {
            low |= int((qh >> j) << 4 & 0x10);
            high |= int((qh >> (j + 12)) & 0x10);
        }
        y[j] = float(low - offset) * d + m;
        y[j + kBlock / 2] = float(high - offset) * d + m;
    }
}

std::uint32_t little32(const unsigned char *p)
{
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

} // namespace

std::string ggmlTypeName(int type)
{
    const TypeInfo *t = infoOf(type);
    return t ? t->name : "";
}

std::uint64_t ggmlTensorBytes(int type, std::uint64_t elements, std::int64_t rowLength)
{
    const TypeInfo *t = infoOf(type);
    if (!t)
        return 0;
    if (t->blockBytes == 0)
        return elements * (t->type == GgmlType::F32 ? 4 : 2);
    if (rowLength <= 0 || rowLength % kBlock != 0)
        return 0;
    return elements / kBlock * std::uint64_t(t->blockBytes);
}

void ggmlToFloat(int type, const unsigned char *data, std::uint64_t elements, float *out)
{
    const GgmlType t = GgmlType(type);
    if (t == GgmlType::F32 || t == GgmlType::F16) {
        for (std::uint64_t i = 0; i < elements; ++i)
            out[i] = t == GgmlType::F32 ? ggml::littleFloat(data + 4 * i) : half(data + 2 * i);
        return;
    }
    const int blockBytes = infoOf(type)->blockBytes;
    for (std::uint64_t b = 0; b < elements / kBlock; ++b) {
        const unsigned char *p = data + b * std::uint64_t(blockBytes);
        float *y = out + b * kBlock;
        const float d = half(p);
        switch (t) {
        case GgmlType::Q4_0: nibbleBlock(p + 2, 0, false, d, 0.0f, 8, y); break;
        case GgmlType::Q4_1: nibbleBlock(p + 4, 0, false, d, half(p + 2), 0, y); break;
        case GgmlType::Q5_0: nibbleBlock(p + 6, little32(p + 2), true, d, 0.0f, 16, y); break;
        case GgmlType::Q5_1: nibbleBlock(p + 8, little32(p + 4), true, d, half(p + 2), 0, y); break;
        case GgmlType::Q8_0:
            for (int j = 0; j < kBlock; ++j)
                y[j] = float(static_cast<std::int8_t>(p[2 + j])) * d;
            break;
        default: break;
        }
    }
}

} // namespace alignscope
