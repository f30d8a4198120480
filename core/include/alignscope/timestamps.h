#pragma once
// Token and word timestamps of a speech decode, read from its cross-attention
// as Whisper does it: the alignment heads' weights along the path, each head
// normalised over the tokens (per frame: minus the mean, over the standard
// deviation), a median filter along time, the mean over the heads, then
// dynamic time warping from the first token and frame to the last. A token
// starts where its row of the warping path first reaches it (transformers'
// generate(return_token_timestamps=True), v4.36); words are grouped and
// their punctuation merged as openai/whisper's timing.py does.
// Shapes: T = steps on the path, n = source columns, M = columns read (the
// clip's, without the window's padding).

#include "alignscope/result.h"
#include "alignscope/seq2seq.h"
#include "alignscope/trace.h"

#include <string>
#include <utility>
#include <vector>

namespace alignscope {

/// One decode step of the path with its time in the clip.
struct TimedToken {
    int step = 0;             ///< index into the path (0 = the first step)
    int tokenId = 0;
    std::string text;         ///< the token decoded alone (a partial UTF-8 character reads U+FFFD); "" for specials
    int column = 0;           ///< the source column it starts at
    double start = 0.0;       ///< seconds in the clip (SourceAxis::frameStart(column))
    double end = 0.0;         ///< the next step's start; the last step's: the end of the columns read
    float probability = 0.0f; ///< exp(log p) of the token at its step
    bool special = false;     ///< a prompt, language, task or end token (it decodes to nothing): in no word
};

/// A word of the transcript: its tokens, from the first one's start to the
/// start of the token after its last.
struct TimedWord {
    std::string text;         ///< as the transcript spells it, leading space included (" world,")
    double start = 0.0;
    double end = 0.0;
    std::vector<int> tokens;  ///< indices into WordTimestamps::tokens
    float probability = 0.0f; ///< the mean of its tokens'
};

struct WordTimestamps {
    std::vector<TimedToken> tokens;         ///< one per step of the path, in order
    std::vector<TimedWord> words;           ///< in order; words of specials only are left out
    std::vector<std::pair<int, int>> heads; ///< the (layer, head) pairs read, 0-based
};

struct TimestampOptions {
    /// (layer, head) pairs to read, 0-based; empty: timestampHeads(the trace's model).
    std::vector<std::pair<int, int>> heads;
    int medianFilterWidth = 7; ///< odd; Whisper's median_filter_width
    /// Read only the columns that hold the clip (SourceAxis::audioColumns), as
    /// openai/whisper does and transformers given num_frames; false: all n.
    bool cropToClip = true;
};

/// The heads word timestamps read by default: the model's alignment heads,
/// or, when it names none, every head of the upper half of the decoder's
/// layers (as openai/whisper does).
std::vector<std::pair<int, int>> timestampHeads(const ModelDescription &description);

/// Token and word times of `path` in `trace` (an audio source). Usage error
/// for a text source, a head outside the model or an even filter width.
/// Words follow openai/whisper: pieces that start with a space, specials and
/// punctuation begin a word, the others join the one before (every character
/// its own word for zh, ja, th, lo, my, yue); a word at a sentence end longer
/// than twice the median word (at most 0.7 s) is cut to that; opening
/// punctuation ("'“¿([{-) joins the next word and closing punctuation
/// ("'.。,，!！?？:：”)]}、) the one before. Times of a window after the first
/// are clip time (SourceAxis::firstFrameSeconds).
Result<WordTimestamps> wordTimestamps(const DecodeTrace &trace, const std::vector<int> &path,
                                      const TimestampOptions &options = {});

/// A stretch of transcript between two of the model's own timestamp tokens
/// (a decode with DecodeOptions::timestamps), cut as WhisperTokenizer's
/// decode(output_offsets=True) cuts it: from a time to the next pair of times
/// (or the last time), pieces of one token or less left out.
struct TimedSegment {
    std::string text;   ///< its tokens' text, the timestamps left out (" He has grave doubts")
    double start = 0.0; ///< the opening timestamp, in clip time (SourceAxis::firstFrameSeconds added)
    double end = 0.0;   ///< the closing timestamp, in clip time
    int firstStep = 0;  ///< path index of the opening timestamp
    int lastStep = 0;   ///< path index of the closing timestamp
};

/// The segments the timestamp tokens on `path` mark; none when the trace's
/// model has no timestamp tokens or the path holds fewer than two.
std::vector<TimedSegment> timestampSegments(const DecodeTrace &trace, const std::vector<int> &path);

/// timestampSegments, then the text after the last closing time (a decode
/// the length limit cut, or one whose last time opened a segment) as one more
/// segment, from that time (none: the window's start) to `endSeconds` (clip
/// time), as openai/whisper keeps it: every word of the transcript in a segment.
std::vector<TimedSegment> transcriptSegments(const DecodeTrace &trace, const std::vector<int> &path, double endSeconds);

} // namespace alignscope
