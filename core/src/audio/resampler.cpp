#include "audio/resampler_p.h"

#include "alignscope/audio.h"

#include <soxr.h>

#include <cassert>
#include <cmath>

namespace alignscope::audio {

Resampler::Resampler(int fromRate, int toRate)
{
    assert(fromRate > 0 && toRate > 0);
    if (fromRate == toRate)
        return;
    m_ratio = double(toRate) / fromRate;
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
    const soxr_runtime_spec_t runtime = soxr_runtime_spec(1); // one thread: the same samples on any machine
    soxr_error_t error = nullptr;
    m_soxr = soxr_create(fromRate, toRate, 1, &error, &io, &quality, &runtime);
    assert(m_soxr && !error); // only fails on invalid rates or out of memory
}

Resampler::~Resampler() { soxr_delete(m_soxr); }

void Resampler::push(std::span<const float> in, std::vector<float> &out)
{
    if (!m_soxr) {
        out.insert(out.end(), in.begin(), in.end());
        return;
    }
    if (!in.empty())
        drain(in.data(), in.size(), out);
}

void Resampler::finish(std::vector<float> &out)
{
    if (m_soxr)
        drain(nullptr, 0, out); // a null input tells soxr the stream ended: it flushes its filter
}

// soxr may stop short of consuming the input when the output block fills, so
// the loop feeds the rest until the input is used up and nothing more comes.
void Resampler::drain(const float *in, std::size_t count, std::vector<float> &out)
{
    const std::size_t block = std::size_t(std::ceil(double(count) * m_ratio)) + 1024;
    std::size_t fed = 0;
    for (;;) {
        const std::size_t at = out.size();
        out.resize(at + block);
        std::size_t used = 0, produced = 0;
        soxr_process(m_soxr, in ? in + fed : nullptr, in ? count - fed : 0, &used, out.data() + at, block, &produced);
        out.resize(at + produced);
        fed += used;
        if (used == 0 && produced == 0 && in)
            return; // nothing moves: never spin
        if (in ? fed >= count && produced < block : produced == 0)
            return;
    }
}

} // namespace alignscope::audio

namespace alignscope {

std::vector<float> resampleMono(std::span<const float> samples, int fromRate, int toRate)
{
    std::vector<float> out;
    out.reserve(std::size_t(double(samples.size()) * toRate / fromRate) + 16);
    audio::Resampler resampler(fromRate, toRate);
    resampler.push(samples, out);
    resampler.finish(out);
    return out;
}

} // namespace alignscope
