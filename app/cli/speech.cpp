// translate / export / compare --audio: clips of any length (within
// AudioLimits) in the model's windows, printed as each window is decoded.
#include "cli/speech.h"

#include "cli/commands.h"

#include "alignscope/timestamps.h"
#include "alignscope/transcribe.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace alignscope::cli {

Result<AudioClip> clipOf(const Args &args)
{
    if (!args.positionals().empty())
        return usageError("give either a sentence or --audio FILE, not both");
    return readAudio(*args.value("audio"));
}

namespace {

/// One window's trace on one line, its place in the clip first:
/// {"window": {"index", "count", "offset_seconds", "seconds"}, ...the trace}.
std::string windowJson(const AudioWindow &w, const std::vector<int> &path, const HeadSelection &selection)
{
    const nlohmann::ordered_json window = {{"index", w.index}, {"count", w.count}, {"offset_seconds", w.offsetSeconds},
                                           {"seconds", w.seconds}};
    const std::string trace = traceToJson(w.trace, path, false, selection);
    return "{\"window\":" + window.dump() + "," + trace.substr(1);
}

std::string secondsText(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", seconds);
    return text;
}

/// openai/whisper's [MM:SS.mmm] (HH: from an hour on).
std::string clockText(double seconds)
{
    const long ms = std::lround(std::max(0.0, seconds) * 1000.0);
    char text[40];
    if (ms >= 3600000)
        std::snprintf(text, sizeof text, "%02ld:%02ld:%02ld.%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
    else
        std::snprintf(text, sizeof text, "%02ld:%02ld.%03ld", ms / 60000, ms / 1000 % 60, ms % 1000);
    return text;
}

/// translate --timestamps: one line per segment the model's timestamp tokens
/// mark, as openai/whisper prints them.
void printSegments(const AudioWindow &w, const std::vector<int> &path)
{
    for (const TimedSegment &s : transcriptSegments(w.trace, path, w.offsetSeconds + w.seconds)) {
        const size_t first = s.text.find_first_not_of(' ');
        std::cout << "[" << clockText(s.start) << " --> " << clockText(s.end) << "] "
                  << (first == std::string::npos ? std::string() : s.text.substr(first)) << "\n";
    }
}

} // namespace

int translateAudio(const Args &args, const Seq2Seq &model, const DecodeOptions &options, const HeadSelection &selection)
{
    auto clip = clipOf(args);
    if (!clip)
        return fail(clip.error());
    const bool json = args.has("json");
    const int windows = audioWindowCount(model, clip->samples.size());
    if (!options.prefix.empty() && windows > 1)
        return fail(usageError("--prefix forces the start of one window's transcript; this clip needs " +
                               std::to_string(windows) + " windows: cut it to the part the prefix starts"));
    const bool progress = windows > 1 && isatty(STDERR_FILENO);
    int printed = 0;
    std::vector<std::string> heard; // every window's tokens so far
    std::string said;               // their text, as printed
    auto done = transcribeWindows(model, clip->samples, options, [&](AudioWindow &&w) -> Result<void> {
        const auto path = w.trace.bestPath();
        if (!json && options.timestamps) {
            printSegments(w, path);
        } else if (!json) {
            // The windows' texts run on as one transcript: every window's tokens detokenized together
            // (Whisper's texts simply follow each other; a word model's words get their space).
            const std::vector<std::string> tokens = w.trace.targetTokens(path);
            heard.insert(heard.end(), tokens.begin(), tokens.end());
            std::string text = w.trace.textOf(heard);
            if (!text.starts_with(said)) // a detokenizer that rewrites earlier text: this window's own
                text = said + w.trace.translation(path);
            std::cout << text.substr(said.size());
            said = std::move(text);
        } else if (w.count == 1) {
            std::cout << traceToJson(w.trace, path, true, selection) << "\n";
        } else {
            std::cout << windowJson(w, path, selection) << "\n";
        }
        std::cout.flush();
        ++printed;
        if (progress)
            std::fprintf(stderr, "\ralignscope-cli: window %d of %d", w.index + 1, w.count);
        return {};
    });
    if (progress)
        std::fputs("\n", stderr);
    if (!json && !options.timestamps && printed > 0)
        std::cout << "\n";
    return done ? 0 : fail(done.error());
}

Result<std::vector<TimedWord>> clipWords(const Seq2Seq &model, const AudioClip &clip, const DecodeOptions &options)
{
    std::vector<TimedWord> words;
    auto done = transcribeWindows(model, clip.samples, options, [&](AudioWindow &&w) -> Result<void> {
        auto timed = wordTimestamps(w.trace, w.trace.bestPath());
        if (!timed)
            return timed.error();
        words.insert(words.end(), timed->words.begin(), timed->words.end());
        return {};
    });
    if (!done)
        return done.error();
    return words;
}

Result<std::vector<TimedSegment>> clipSegments(const Seq2Seq &model, const AudioClip &clip, const DecodeOptions &options)
{
    std::vector<TimedSegment> segments;
    auto done = transcribeWindows(model, clip.samples, options, [&](AudioWindow &&w) -> Result<void> {
        const std::vector<TimedSegment> some = transcriptSegments(w.trace, w.trace.bestPath(), w.offsetSeconds + w.seconds);
        segments.insert(segments.end(), some.begin(), some.end());
        return {};
    });
    if (!done)
        return done.error();
    return segments;
}

Result<void> checkTimestamps(const Seq2Seq &model, bool audio)
{
    if (!audio)
        return usageError("--timestamps is for a clip: give --audio FILE");
    if (model.generation().noTimestamps < 0)
        return usageError(model.name() + " has no timestamp tokens; --timestamps is for Whisper models");
    return {};
}

Result<void> checkOneWindow(const Seq2Seq &model, const AudioClip &clip, const std::string &command)
{
    if (audioWindowCount(model, clip.samples.size()) <= 1)
        return {};
    return usageError(command + " shows one window of " + secondsText(model.audioWindowSeconds()) + " and the clip lasts " +
                      secondsText(double(clip.samples.size()) / kAudioRate) +
                      "; cut the clip, or use translate --audio (every window) or export --format srt|vtt");
}

} // namespace alignscope::cli
