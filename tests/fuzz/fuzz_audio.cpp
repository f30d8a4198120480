// Fuzzes audio in: arbitrary bytes decoded from memory by libsndfile (any
// format it recognises), mixed, resampled, and, when they decode, the
// log-mel features (small sizes) of the first second; the same bytes are also read
// as a preprocessor_config.json. A refusal must be one line naming the
// input; accepted features must be finite. libsndfile and libsoxr are
// Debian's uninstrumented builds: coverage guides through our code only.
#include "alignscope/audio.h"
#include "alignscope/logmel.h"

#include "fuzzcheck.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    AudioLimits limits;
    limits.maxSeconds = 30; // a few KB of FLAC can claim hours; keep each run short
    const auto clip = readAudioFromMemory({data, size}, "fuzz.wav", limits);
    if (!clip.ok()) {
        fuzzcheck::checkRefusal(clip.error(), "fuzz.wav");
    } else {
        if (clip->samples.empty() || clip->samples.size() > std::size_t(limits.maxSeconds * kAudioRate) + 4096)
            __builtin_trap();
        static const WhisperFeatureConfig config = [] {
            WhisperFeatureConfig c; // small sizes: instrumented Eigen is slow, the samples are what is fuzzed
            c.chunkLength = 1;
            c.featureSize = 40;
            c.nFft = 200;
            c.hopLength = 200;
            return c;
        }();
        static const Matrix filters = melFilterBank(config);
        const std::size_t prefix = std::min<std::size_t>(clip->samples.size(), std::size_t(config.nSamples()));
        const Matrix features = logMelSpectrogram({clip->samples.data(), prefix}, config, filters);
        if (features.cols() != config.nbMaxFrames() || !features.allFinite())
            __builtin_trap();
    }
    const std::string text(reinterpret_cast<const char *>(data), size);
    if (const auto config = parsePreprocessorConfig(text, "preprocessor_config.json"); !config.ok())
        fuzzcheck::checkRefusal(config.error(), "preprocessor_config.json");
    return 0;
}
