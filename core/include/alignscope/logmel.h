#pragma once
// Whisper's log-mel front end, computed exactly as transformers'
// WhisperFeatureExtractor (v4.36.2) does: pad or trim to the chunk length,
// reflect-pad n_fft/2 on both sides (center=True), periodic Hann window,
// |rfft|^2 (Eigen's FFT), the last frame dropped, Slaney mel filters, log10
// with a floor of 1e-10, clamp to max - 8, then (x + 4) / 4.
//
// Dimension letters: M = n_mels (feature_size), F = n_fft / 2 + 1 frequency
// bins, T = nb_max_frames = n_samples / hop_length output frames.

#include "alignscope/result.h"
#include "alignscope/tensor.h"

#include <cstdint>
#include <span>
#include <string>

namespace alignscope {

/// The fields of a preprocessor_config.json that the features depend on.
struct WhisperFeatureConfig {
    int featureSize = 80;    ///< M (feature_size; whisper.cpp calls it n_mels)
    int samplingRate = 16000;
    int hopLength = 160;
    int chunkLength = 30;    ///< seconds; n_samples = chunk_length * sampling_rate
    int nFft = 400;
    float paddingValue = 0.0f;
    /// Whisper pads every clip to the chunk. AlignScope's own speech models
    /// read a clip at its own length instead (still trimmed to the chunk,
    /// padded to n_fft at least): "pad_to_chunk": false in their config.
    bool padToChunk = true;

    std::int64_t nSamples() const { return std::int64_t(chunkLength) * samplingRate; }
    std::int64_t nbMaxFrames() const { return nSamples() / hopLength; } ///< T
    /// The samples a clip of `samples` is read as: n_samples, or without
    /// padToChunk its own length within [n_fft, n_samples].
    std::int64_t samplesRead(std::int64_t samples) const;
    int frequencyBins() const { return nFft / 2 + 1; }                 ///< F
};

/// Reads preprocessor_config.json as transformers does (absent fields take
/// its defaults; n_samples and nb_max_frames, when present, must agree with
/// chunk_length, sampling_rate and hop_length). Sizes are bounded: M 1..512,
/// n_fft 16..16384, hop 1..n_fft, rate 1000..192000 Hz, chunk 1..600 s.
/// BadFile errors start with `label` and name the field.
Result<WhisperFeatureConfig> parsePreprocessorConfig(const std::string &json, const std::string &label);
/// The JSON parsePreprocessorConfig reads back (AlignScope's model files keep it).
std::string preprocessorConfigToJson(const WhisperFeatureConfig &config);
/// The same from a file (at most 1 MB).
Result<WhisperFeatureConfig> readPreprocessorConfig(const std::string &path);

/// Slaney-scale, Slaney-normalised triangular mel filters as transformers'
/// audio_utils.mel_filter_bank(1 + n_fft/2, M, 0, 8000, rate,
/// norm="slaney", mel_scale="slaney") builds them, transposed: (M, F).
Matrix melFilterBank(const WhisperFeatureConfig &config, double minHz = 0.0, double maxHz = 8000.0);

/// The log-mel features of mono `samples` at config.samplingRate, padded
/// with config.paddingValue or trimmed to samplesRead(): (M, T), T =
/// samplesRead() / hop. `filters` is
/// (M, F): melFilterBank(config), or the filters a whisper.cpp file carries.
Matrix logMelSpectrogram(std::span<const float> samples, const WhisperFeatureConfig &config, const Matrix &filters);

} // namespace alignscope
