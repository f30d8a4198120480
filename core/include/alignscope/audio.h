#pragma once
// Audio in: WAV, FLAC, Ogg (Vorbis, Opus) and MP3 decoded with libsndfile,
// mixed to mono and resampled to 16 kHz with libsoxr (high quality). Every
// file is treated as hostile: sample rate, channel count and length are
// checked before anything is allocated, the file is decoded in bounded
// chunks, and each failure is one line naming the file and what to do
// (ErrorKind::BadFile, exit 3 in the CLI).

#include "alignscope/result.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace alignscope {

/// The rate every clip is resampled to (Whisper's and AlignScope's models').
inline constexpr int kAudioRate = 16000;

/// What a reader accepts. The defaults are documented in README.md.
struct AudioLimits {
    double maxSeconds = 2 * 60 * 60; ///< longer clips are refused (2 h = 115 M samples, 460 MB at 16 kHz)
    int maxChannels = 64;
    int minRate = 1000;              ///< Hz
    int maxRate = 768000;            ///< Hz
};

/// A decoded clip: mono float samples at kAudioRate, nominally in [-1, 1].
struct AudioClip {
    std::vector<float> samples;   ///< (N) at `rate`
    int rate = kAudioRate;
    int originalRate = 0;         ///< the file's rate in Hz
    int originalChannels = 0;
    std::int64_t originalFrames = 0;  ///< frames decoded at the original rate
    std::string format;           ///< e.g. "WAV (Microsoft) / Signed 16 bit PCM"

    double seconds() const { return originalRate > 0 ? double(originalFrames) / originalRate : 0.0; }
};

/// Reads an audio file. BadFile errors start with `path`.
Result<AudioClip> readAudio(const std::string &path, const AudioLimits &limits = {});

/// The same from bytes in memory (fuzzing, archives); `label` names the
/// input in errors.
Result<AudioClip> readAudioFromMemory(std::span<const std::uint8_t> bytes, const std::string &label,
                                      const AudioLimits &limits = {});

/// Resamples mono `samples` from `fromRate` to `toRate` with libsoxr's high
/// quality setting (a copy when the rates are equal). Rates must be positive.
std::vector<float> resampleMono(std::span<const float> samples, int fromRate, int toRate);

} // namespace alignscope
