#pragma once
// --audio FILE for translate, export and compare: the clip read (BadFile,
// exit 3, when it is not audio or is longer than AudioLimits allow), then
// transcribed window after window (alignscope/transcribe.h).

#include "cli/args.h"

#include "alignscope/audio.h"
#include "alignscope/decode.h"
#include "alignscope/timestamps.h"

namespace alignscope::cli {

/// The clip `--audio` names; Usage error when a sentence is given too.
Result<AudioClip> clipOf(const Args &args);

/// `translate --audio`: the text of every window, one line; --json: the
/// trace (one window) or one trace per line, each with its "window" (longer clips).
int translateAudio(const Args &args, const Seq2Seq &model, const DecodeOptions &options, const HeadSelection &selection);

/// Every word of the clip, in clip time, over all of its windows.
Result<std::vector<TimedWord>> clipWords(const Seq2Seq &model, const AudioClip &clip, const DecodeOptions &options);
/// The segments the model's own timestamp tokens mark (options.timestamps), every window's, in clip time.
Result<std::vector<TimedSegment>> clipSegments(const Seq2Seq &model, const AudioClip &clip, const DecodeOptions &options);

/// --timestamps: a usage error unless a clip is given (`audio`) and `model`
/// has timestamp tokens (Whisper).
Result<void> checkTimestamps(const Seq2Seq &model, bool audio);

/// A usage error when the clip needs more than one of `model`'s windows
/// (commands that show one decode: compare, export's attention formats).
Result<void> checkOneWindow(const Seq2Seq &model, const AudioClip &clip, const std::string &command);

} // namespace alignscope::cli
