// Whisper's log-mel features as transformers 4.36.2 computes them
// (audio_utils.spectrogram + WhisperFeatureExtractor._np_extract_fbank_features):
// float64 throughout, with the spectrum rounded to complex64 as numpy stores
// it, and float32 only after log10.
//
// M = mel filters, F = n_fft/2 + 1 bins, T = output frames, N = n_samples.

#include "alignscope/logmel.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <unsupported/Eigen/FFT>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace alignscope {

namespace {

// The Slaney mel scale: linear below 1 kHz, logarithmic above.
constexpr double kMinLogHz = 1000.0;
constexpr double kMinLogMel = 15.0;
const double kLogStep = 27.0 / std::log(6.4);

double hzToMel(double hz) { return hz >= kMinLogHz ? kMinLogMel + std::log(hz / kMinLogHz) * kLogStep : 3.0 * hz / 200.0; }
double melToHz(double mel) { return mel >= kMinLogMel ? kMinLogHz * std::exp((mel - kMinLogMel) / kLogStep) : 200.0 * mel / 3.0; }

/// numpy.linspace(start, stop, count): i * step + start, the last exactly stop.
std::vector<double> linspace(double start, double stop, int count)
{
    std::vector<double> y(static_cast<std::size_t>(count));
    const double step = (stop - start) / (count - 1);
    for (int i = 0; i < count; ++i)
        y[std::size_t(i)] = i * step + start;
    y.back() = stop;
    return y;
}

/// The samples padded or trimmed to N, then reflect-padded by n_fft/2 on both
/// sides (numpy.pad mode="reflect": the edge sample is not repeated).
std::vector<double> framedSignal(std::span<const float> samples, const WhisperFeatureConfig &c)
{
    const std::size_t n = std::size_t(c.samplesRead(std::int64_t(samples.size()))), pad = std::size_t(c.nFft / 2);
    assert(n > pad); // the config reader guarantees n_fft <= n_samples
    std::vector<double> x(n + 2 * pad);
    for (std::size_t i = 0; i < n; ++i)
        x[pad + i] = i < samples.size() ? double(samples[i]) : double(c.paddingValue);
    for (std::size_t k = 1; k <= pad; ++k) {
        x[pad - k] = x[pad + k];
        x[pad + n - 1 + k] = x[pad + n - 1 - k];
    }
    return x;
}

/// numpy.hanning(n_fft + 1)[:-1]: the periodic Hann window.
std::vector<double> periodicHann(int nFft)
{
    std::vector<double> w(static_cast<std::size_t>(nFft));
    for (int i = 0; i < nFft; ++i)
        w[std::size_t(i)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / nFft);
    return w;
}

/// log10(max(filters · |X|^2, 1e-10)) for frames [begin, end) into out (M, T).
void logMelFrames(const std::vector<double> &x, const std::vector<double> &window, const MatrixX<double> &filters,
                  const WhisperFeatureConfig &c, std::int64_t begin, std::int64_t end, Matrix &out)
{
    const int f = c.frequencyBins();
    Eigen::FFT<double> fft; // one per task: Eigen's FFT caches plans and is not shared across threads
    std::vector<double> frame(std::size_t(c.nFft));
    std::vector<std::complex<double>> spectrum;
    VectorX<double> power(f);
    for (std::int64_t t = begin; t < end; ++t) {
        const double *at = x.data() + t * c.hopLength;
        for (int i = 0; i < c.nFft; ++i)
            frame[std::size_t(i)] = at[i] * window[std::size_t(i)];
        fft.fwd(spectrum, frame);
        for (int k = 0; k < f; ++k) { // numpy keeps the spectrum as complex64
            const auto re = double(float(spectrum[std::size_t(k)].real()));
            const auto im = double(float(spectrum[std::size_t(k)].imag()));
            power[k] = re * re + im * im;
        }
        const VectorX<double> mel = filters * power; // (M)
        for (int m = 0; m < mel.size(); ++m)
            out(m, t) = float(std::log10(std::max(mel[m], 1e-10)));
    }
}

} // namespace

std::int64_t WhisperFeatureConfig::samplesRead(std::int64_t samples) const
{
    return padToChunk ? nSamples() : std::clamp<std::int64_t>(samples, nFft, nSamples());
}

Matrix melFilterBank(const WhisperFeatureConfig &c, double minHz, double maxHz)
{
    const int m = c.featureSize, f = c.frequencyBins();
    const std::vector<double> centres = [&] {
        std::vector<double> mels = linspace(hzToMel(minHz), hzToMel(maxHz), m + 2);
        for (double &v : mels)
            v = melToHz(v);
        return mels;
    }();
    const std::vector<double> bins = linspace(0.0, double(c.samplingRate / 2), f);
    Matrix filters(m, f); // (M, F)
    for (int j = 0; j < m; ++j) {
        const double lower = centres[std::size_t(j)], centre = centres[std::size_t(j) + 1],
                     upper = centres[std::size_t(j) + 2];
        const double slaney = 2.0 / (upper - lower); // area normalisation: about constant energy per filter
        for (int k = 0; k < f; ++k) {
            const double down = (bins[std::size_t(k)] - lower) / (centre - lower);
            const double up = (upper - bins[std::size_t(k)]) / (upper - centre);
            filters(j, k) = float(std::max(0.0, std::min(down, up)) * slaney);
        }
    }
    return filters;
}

Matrix logMelSpectrogram(std::span<const float> samples, const WhisperFeatureConfig &c, const Matrix &filters)
{
    assert(filters.rows() == c.featureSize && filters.cols() == c.frequencyBins());
    const std::vector<double> x = framedSignal(samples, c);
    const std::vector<double> window = periodicHann(c.nFft);
    // transformers computes 1 + (len - n_fft) / hop frames and drops the last.
    const std::int64_t frames = std::int64_t((x.size() - std::size_t(c.nFft)) / std::size_t(c.hopLength));
    const MatrixX<double> filters64 = filters.cast<double>();
    Matrix out(c.featureSize, frames); // (M, T)
    // Split over frames: each writes only its own columns of `out`.
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, frames, 256), [&](const auto &r) {
        logMelFrames(x, window, filters64, c, r.begin(), r.end(), out);
    });
    if (out.size() == 0)
        return out;
    const float floor = out.maxCoeff() - 8.0f;
    out = ((out.array().max(floor) + 4.0f) / 4.0f).matrix();
    return out;
}

} // namespace alignscope
