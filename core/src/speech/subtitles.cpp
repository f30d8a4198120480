// SubRip and WebVTT subtitles from timed words: cues of at most two lines of
// 42 characters, ended at sentence ends and pauses (segment timing), or one
// cue per word (word timing).
#include "alignscope/subtitles.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace alignscope {

std::optional<SubtitleFormat> parseSubtitleFormat(const std::string &name)
{
    if (name == "srt")
        return SubtitleFormat::Srt;
    if (name == "vtt")
        return SubtitleFormat::Vtt;
    return std::nullopt;
}

std::optional<SubtitleTiming> parseSubtitleTiming(const std::string &name)
{
    if (name == "segment")
        return SubtitleTiming::Segment;
    if (name == "word")
        return SubtitleTiming::Word;
    return std::nullopt;
}

namespace {

std::string trimmed(const std::string &s)
{
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

/// Code points of UTF-8 text (continuation bytes not counted).
int characters(const std::string &s)
{
    return int(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool endsSentence(const std::string &word)
{
    for (const char *mark : {".", "!", "?", "\u3002", "\uFF01", "\uFF1F"})
        if (word.ends_with(mark))
            return true;
    return false;
}

/// Appends `word` to the cue's lines when it fits in `maxLines` lines of `width`.
bool fitWord(std::vector<std::string> &lines, const std::string &word, int width, int maxLines)
{
    if (!lines.empty() && characters(lines.back()) + 1 + characters(word) <= width) {
        lines.back() += " " + word;
        return true;
    }
    if (int(lines.size()) >= maxLines)
        return false;
    lines.push_back(word);
    return true;
}

/// HH:MM:SS,mmm (SubRip) or HH:MM:SS.mmm (WebVTT).
std::string timeText(double seconds, char separator)
{
    const long long ms = std::max(0LL, std::llround(seconds * 1000.0));
    char out[40];
    std::snprintf(out, sizeof out, "%02lld:%02lld:%02lld%c%03lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                  separator, ms % 1000);
    return out;
}

std::string escapedVtt(const std::string &text)
{
    std::string out;
    for (char c : text)
        out += c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : std::string(1, c);
    return out;
}

} // namespace

std::vector<SubtitleCue> subtitleCues(const std::vector<TimedWord> &words, const SubtitleOptions &options)
{
    std::vector<SubtitleCue> cues;
    bool open = false; // the last cue takes more words
    for (const TimedWord &w : words) {
        const std::string word = trimmed(w.text);
        if (word.empty())
            continue;
        if (options.timing == SubtitleTiming::Word) {
            cues.push_back({w.start, w.end, {word}});
            continue;
        }
        const bool paused = open && w.start - cues.back().end > options.maxPause;
        if (!open || paused || !fitWord(cues.back().lines, word, options.maxLineCharacters, options.maxLines)) {
            cues.push_back({w.start, w.end, {word}});
        }
        cues.back().end = w.end;
        open = !endsSentence(word);
    }
    return cues;
}

std::vector<SubtitleCue> subtitleCues(const std::vector<TimedSegment> &segments, const SubtitleOptions &options)
{
    std::vector<SubtitleCue> cues;
    for (const TimedSegment &segment : segments) {
        // The segment's words into cues, then each cue its share of the time by characters.
        std::vector<std::vector<std::string>> parts;
        std::vector<int> sizes;
        size_t at = 0;
        const std::string &text = segment.text;
        while (at < text.size()) {
            const size_t start = text.find_first_not_of(' ', at);
            if (start == std::string::npos)
                break;
            const size_t stop = std::min(text.find(' ', start), text.size());
            const std::string word = text.substr(start, stop - start);
            at = stop;
            if (parts.empty() || !fitWord(parts.back(), word, options.maxLineCharacters, options.maxLines)) {
                parts.push_back({word});
                sizes.push_back(0);
            }
            sizes.back() += characters(word) + 1;
        }
        const double total = std::max(1, std::accumulate(sizes.begin(), sizes.end(), 0));
        double start = segment.start;
        int done = 0;
        for (size_t i = 0; i < parts.size(); ++i) {
            done += sizes[i];
            const double end = segment.start + (segment.end - segment.start) * done / total;
            cues.push_back({start, end, std::move(parts[i])});
            start = end;
        }
    }
    return cues;
}

std::string formatSubtitles(const std::vector<SubtitleCue> &cues, SubtitleFormat format)
{
    const bool vtt = format == SubtitleFormat::Vtt;
    std::string out = vtt ? "WEBVTT\n\n" : "";
    int number = 0;
    for (const SubtitleCue &cue : cues) {
        if (!vtt)
            out += std::to_string(++number) + "\n";
        const char separator = vtt ? '.' : ',';
        out += timeText(cue.start, separator) + " --> " + timeText(std::max(cue.start, cue.end), separator) + "\n";
        for (const std::string &line : cue.lines)
            out += (vtt ? escapedVtt(line) : line) + "\n";
        out += "\n";
    }
    return out;
}

} // namespace alignscope
