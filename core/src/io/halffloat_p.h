#pragma once
// IEEE half (F16) and bfloat16 (BF16) to float. Both widen exactly: every
// half and every bfloat16 value, subnormals included, is a float.

#include <bit>
#include <cmath>
#include <cstdint>

namespace alignscope {

/// Converts IEEE 754 binary16 bits to float; keeps signed zeros, subnormals,
/// infinities and NaN.
inline float halfToFloat(std::uint16_t bits)
{
    const std::uint32_t sign = std::uint32_t(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1fu;
    const std::uint32_t mantissa = bits & 0x3ffu;
    if (exponent == 0x1f) // infinity or NaN: all-ones exponent in float too
        return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
    if (exponent == 0) {
        // zero or subnormal: mantissa * 2^-24, exact because mantissa < 2^10
        const float magnitude = std::ldexp(float(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    // rebias the exponent from 15 to 127
    return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

/// Converts bfloat16 bits to float: bfloat16 is the top half of a float.
inline float bfloat16ToFloat(std::uint16_t bits)
{
    return std::bit_cast<float>(std::uint32_t(bits) << 16);
}

} // namespace alignscope
