// Long clips in consecutive windows of the model's length (Whisper's 30 s),
// each prepared, decoded and handed over before the next is read.
#include "alignscope/transcribe.h"

#include "alignscope/audio.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace alignscope {

namespace {

std::size_t windowSamples(const Seq2Seq &model)
{
    return std::size_t(std::llround(model.audioWindowSeconds() * kAudioRate));
}

} // namespace

int audioWindowCount(const Seq2Seq &model, std::size_t samples)
{
    const std::size_t window = windowSamples(model);
    if (window == 0 || samples <= window)
        return 1;
    return int((samples + window - 1) / window);
}

Result<void> transcribeWindows(const Seq2Seq &model, std::span<const float> samples16k, const DecodeOptions &options,
                               const WindowSink &sink, const std::atomic<bool> *cancel)
{
    if (samples16k.empty())
        return Error{ErrorKind::BadInput, "the clip has no samples; give a clip with sound in it"};
    const std::size_t window = windowSamples(model) > 0 ? windowSamples(model) : samples16k.size();
    const int count = audioWindowCount(model, samples16k.size());
    for (int k = 0; k < count; ++k) {
        if (cancel && cancel->load())
            return Error{ErrorKind::Cancelled, "cancelled"};
        const std::size_t begin = std::size_t(k) * window;
        const std::size_t length = std::min(window, samples16k.size() - begin);
        auto source = model.prepareAudio(std::vector<float>(samples16k.begin() + std::ptrdiff_t(begin),
                                                            samples16k.begin() + std::ptrdiff_t(begin + length)));
        if (!source)
            return source.error();
        AudioWindow w;
        w.index = k;
        w.count = count;
        w.offsetSeconds = double(begin) / kAudioRate;
        w.seconds = double(length) / kAudioRate;
        source->axis.startAudioAt(w.offsetSeconds);
        auto trace = translateSource(model, std::move(source).value(), options, cancel);
        if (!trace)
            return trace.error();
        w.trace = std::move(trace).value();
        if (auto taken = sink(std::move(w)); !taken)
            return taken.error();
    }
    return {};
}

} // namespace alignscope
