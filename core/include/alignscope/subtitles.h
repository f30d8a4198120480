#pragma once
// SubRip (.srt) and WebVTT (.vtt) subtitles from timed words
// (alignscope/timestamps.h). Segment timing groups words into cues of at
// most two lines of `maxLineCharacters` (42, the common broadcast rule),
// ending a cue at a sentence end or a pause; word timing gives every word a
// cue of its own.

#include "alignscope/timestamps.h"

#include <optional>
#include <string>
#include <vector>

namespace alignscope {

enum class SubtitleFormat { Srt, Vtt };
enum class SubtitleTiming { Segment, Word };

/// "srt" / "vtt", "segment" / "word"; nullopt for anything else.
std::optional<SubtitleFormat> parseSubtitleFormat(const std::string &name);
std::optional<SubtitleTiming> parseSubtitleTiming(const std::string &name);

struct SubtitleOptions {
    SubtitleTiming timing = SubtitleTiming::Segment;
    int maxLineCharacters = 42; ///< characters (code points) per line; a longer word gets a line of its own
    int maxLines = 2;           ///< lines per cue
    double maxPause = 1.0;      ///< seconds of silence between words that end a cue
};

/// One subtitle: its time span and its lines.
struct SubtitleCue {
    double start = 0.0;
    double end = 0.0;
    std::vector<std::string> lines;
};

/// Cues for `words` (in clip time, in order); words of only spaces are left out.
std::vector<SubtitleCue> subtitleCues(const std::vector<TimedWord> &words, const SubtitleOptions &options = {});

/// Cues for the segments a model's own timestamp tokens mark (translate
/// --timestamps): each segment's words fill cues as above, a segment longer
/// than one cue shared out in time by its characters.
std::vector<SubtitleCue> subtitleCues(const std::vector<TimedSegment> &segments, const SubtitleOptions &options = {});

/// The file's text: SubRip numbers each cue (1, 2, ...) and writes
/// HH:MM:SS,mmm; WebVTT starts "WEBVTT", writes HH:MM:SS.mmm and escapes
/// & < > in the text. Times are rounded to the millisecond; a cue never ends
/// before it starts.
std::string formatSubtitles(const std::vector<SubtitleCue> &cues, SubtitleFormat format);

} // namespace alignscope
