#pragma once
// A streaming mono resampler over libsoxr (high quality): samples are pushed
// chunk by chunk as a file is decoded, so a long file at 48 kHz never sits
// in memory at its original rate.

#include <span>
#include <vector>

struct soxr; // libsoxr's handle (soxr_t)

namespace alignscope::audio {

class Resampler {
public:
    /// Rates in Hz, both positive. Equal rates copy samples through untouched.
    Resampler(int fromRate, int toRate);
    ~Resampler();
    Resampler(const Resampler &) = delete;
    Resampler &operator=(const Resampler &) = delete;

    /// Appends to `out` what `in` yields so far.
    void push(std::span<const float> in, std::vector<float> &out);
    /// Appends the samples still held back by the filter; call once, last.
    void finish(std::vector<float> &out);

private:
    void drain(const float *in, std::size_t count, std::vector<float> &out);

    ::soxr *m_soxr = nullptr;
    double m_ratio = 1.0;
};

} // namespace alignscope::audio
