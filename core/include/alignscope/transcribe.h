#pragma once
// Clips longer than a speech model's window (Whisper's 30 s): cut into
// consecutive windows of exactly that length, each decoded on its own, as
// transformers' pipeline does with chunk_length_s and no stride (and as
// openai/whisper moves on without timestamp tokens). The windows are handed
// over one at a time, so memory stays that of one window whatever the clip's
// length; readAudio's AudioLimits bound the clip itself (2 h by default).
// Limits: nothing carries over between windows (no previous text), and a
// word cut by a window's edge is heard in halves, each window's decode
// making what it can of its half.

#include "alignscope/decode.h"
#include "alignscope/result.h"
#include "alignscope/seq2seq.h"
#include "alignscope/trace.h"

#include <atomic>
#include <functional>
#include <span>

namespace alignscope {

/// One window of a clip and its decode.
struct AudioWindow {
    int index = 0;              ///< 0-based
    int count = 1;              ///< windows in the clip
    double offsetSeconds = 0.0; ///< where it starts in the clip (its trace's source.firstFrameSeconds)
    double seconds = 0.0;       ///< clip time it holds (the last window's may be shorter)
    DecodeTrace trace;          ///< source labels and word timestamps read clip time
};

/// Called with each window as soon as it is decoded, in order (also the
/// progress: index + 1 of count done); an error it returns stops the work.
using WindowSink = std::function<Result<void>(AudioWindow &&window)>;

/// Windows a clip of `samples` samples at kAudioRate needs for `model` (1 when
/// the model reads whole clips).
int audioWindowCount(const Seq2Seq &model, std::size_t samples);

/// Decodes `samples16k` window after window with `options`, giving each to
/// `sink`. Errors: the model's (a text model: Usage), an empty clip
/// (BadInput), Cancelled when `cancel` becomes true, or the sink's.
Result<void> transcribeWindows(const Seq2Seq &model, std::span<const float> samples16k, const DecodeOptions &options,
                               const WindowSink &sink, const std::atomic<bool> *cancel = nullptr);

} // namespace alignscope
