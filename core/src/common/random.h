#pragma once
// Deterministic random numbers: std::mt19937 with our own conversions,
// because the standard distributions differ between standard libraries.

#include <cstdint>
#include <random>

namespace alignscope {

class Rng {
public:
    explicit Rng(std::uint32_t seed) : m_engine(seed) {}
    /// Uniform in [lo, hi).
    float uniform(float lo, float hi) { return lo + (hi - lo) * unit(); }
    /// Uniform in [0, 1) with 24 random bits.
    float unit() { return static_cast<float>(m_engine() >> 8) * (1.0f / 16777216.0f); }
    /// Uniform integer in [0, n).
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>((std::uint64_t(m_engine()) * n) >> 32); }
    std::mt19937 &engine() { return m_engine; }

private:
    std::mt19937 m_engine;
};

} // namespace alignscope
