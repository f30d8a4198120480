// Token and word timestamps from a decode's cross-attention: the alignment
// heads' rows normalised, median-filtered and averaged (transformers v4.36's
// _extract_token_timestamps), warped onto the frames, and the tokens grouped
// into words as openai/whisper's timing.py and tokenizer do.
#include "alignscope/timestamps.h"

#include "speech/dtw_p.h"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace alignscope {

using speech::WarpingPath;

std::vector<std::pair<int, int>> timestampHeads(const ModelDescription &d)
{
    if (!d.alignmentHeads.empty())
        return d.alignmentHeads;
    std::vector<std::pair<int, int>> heads;
    for (int layer = d.layers / 2; layer < d.layers; ++layer)
        for (int head = 0; head < d.heads; ++head)
            heads.emplace_back(layer, head);
    return heads;
}

namespace {

using Heads = std::vector<std::pair<int, int>>;

Result<Heads> headsToRead(const DecodeTrace &trace, const TimestampOptions &options)
{
    if (trace.source.kind != SourceKind::Audio)
        return usageError("word timestamps need an audio source; this decode read " + toString(trace.source.kind));
    if (options.medianFilterWidth < 1 || options.medianFilterWidth % 2 == 0)
        return usageError("the median filter width must be odd, not " + std::to_string(options.medianFilterWidth));
    Heads heads = options.heads.empty() ? timestampHeads(trace.description) : options.heads;
    for (const auto &[layer, head] : heads)
        if (layer < 0 || layer >= trace.layers() || head < 0 || head >= trace.heads())
            return usageError("layer " + std::to_string(layer + 1) + ", head " + std::to_string(head + 1) +
                              " is not in the model (" + std::to_string(trace.layers()) + " x " +
                              std::to_string(trace.heads()) + ")");
    return heads;
}

/// (T, M) the heads' weights along the path, each normalised over the steps
/// and median-filtered along time, then averaged over the heads.
Matrix alignmentMatrix(const DecodeTrace &trace, const std::vector<int> &path, const Heads &heads, int columns,
                       int width)
{
    Matrix mean = Matrix::Zero(Eigen::Index(path.size()), columns);
    for (const auto &[layer, head] : heads) {
        Matrix w(Eigen::Index(path.size()), columns); // (T, M)
        for (size_t t = 0; t < path.size(); ++t) {
            const AttentionStack &cross = trace.nodes[size_t(path[t])].cross;
            w.row(Eigen::Index(t)) = cross.weights.row(cross.rowOf(layer, head)).head(columns);
        }
        mean += speech::medianFilterRows(speech::normalizeColumns(w), width);
    }
    return mean / float(heads.size());
}

std::string decodePieces(const DecodeTrace &trace, const std::vector<std::string> &pieces)
{
    if (trace.detokenizer)
        return trace.detokenizer(pieces);
    std::string text;
    for (const auto &p : pieces)
        text += p;
    return text;
}

std::vector<TimedToken> timedTokens(const DecodeTrace &trace, const std::vector<int> &path,
                                    const std::vector<int> &starts, int columns)
{
    std::vector<TimedToken> tokens;
    for (size_t t = 0; t < path.size(); ++t) {
        const DecodeNode &node = trace.nodes[size_t(path[t])];
        TimedToken token;
        token.step = int(t);
        token.tokenId = node.tokenId;
        token.text = decodePieces(trace, {node.token});
        token.special = token.text.empty() || node.tokenId == trace.eosId;
        if (token.special)
            token.text.clear();
        token.column = starts[t];
        token.start = trace.source.frameStart(starts[t]);
        token.end = trace.source.frameStart(t + 1 < starts.size() ? starts[t + 1] : columns);
        token.probability = std::exp(node.logProb);
        tokens.push_back(std::move(token));
    }
    return tokens;
}

// ---- words, as openai/whisper's tokenizer and timing.py group them ----

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD
constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"; // Python's string.punctuation
constexpr std::string_view kPrepended = "\"'\u201C\u00BF([{-";
constexpr std::string_view kAppended = "\"'.\u3002,\uFF0C!\uFF01?\uFF1F:\uFF1A\u201D)]}\u3001";
constexpr std::string_view kSentenceEnds = ".\u3002!\uFF01?\uFF1F";

/// Python's `a in b` for strings: a substring (the empty string is in every string).
bool within(std::string_view a, std::string_view b) { return b.find(a) != std::string_view::npos; }

std::string_view stripped(std::string_view s)
{
    const auto first = s.find_first_not_of(" \t\n\r\f\v");
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(" \t\n\r\f\v") - first + 1);
}

struct Piece {
    std::string text;
    std::vector<int> tokens; // indices into the timed tokens
};

/// Runs of tokens that decode to whole characters (a character split over
/// several byte-level tokens stays in one piece): split_tokens_on_unicode.
/// A run's text is what it adds to the decoded text before it, so a
/// detokenizer that joins whole-word tokens with spaces (AlignScope's word
/// tokenizer) gives each word its leading space, as Whisper's pieces have.
std::vector<Piece> splitOnCharacters(const DecodeTrace &trace, const std::vector<std::string> &pieces,
                                     const std::vector<int> &textTokens)
{
    std::vector<std::string> all;
    for (int k : textTokens)
        all.push_back(pieces[size_t(k)]);
    const std::string full = decodePieces(trace, all);
    std::vector<Piece> out;
    Piece current;
    std::vector<std::string> run, upTo;
    std::string before; // the text the finished runs decode to
    for (int k : textTokens) {
        current.tokens.push_back(k);
        run.push_back(pieces[size_t(k)]);
        upTo.push_back(pieces[size_t(k)]);
        std::string decoded = decodePieces(trace, upTo);
        size_t from = before.size();
        if (!decoded.starts_with(before)) { // a detokenizer whose earlier text changes: the run alone
            decoded = before + decodePieces(trace, run);
        }
        const size_t bad = decoded.find(kReplacement, from);
        // A U+FFFD that the whole text has too is a real one, not half a character.
        if (bad == std::string::npos || full.compare(bad, kReplacement.size(), kReplacement) == 0) {
            current.text = decoded.substr(from);
            before = std::move(decoded);
            out.push_back(std::move(current));
            current = {};
            run.clear();
        }
    }
    return out;
}

/// split_tokens_on_spaces: a piece that starts with a space or is
/// punctuation begins a word; the others join the word before.
std::vector<Piece> joinOnSpaces(std::vector<Piece> pieces)
{
    std::vector<Piece> words;
    for (Piece &p : pieces) {
        const bool begins = p.text.starts_with(' ') || within(stripped(p.text), kPunctuation);
        if (begins || words.empty()) {
            words.push_back(std::move(p));
        } else {
            words.back().text += p.text;
            words.back().tokens.insert(words.back().tokens.end(), p.tokens.begin(), p.tokens.end());
        }
    }
    return words;
}

bool writtenWithoutSpaces(const DecodeTrace &trace, const std::vector<int> &path)
{
    for (int n : path)
        for (const char *language : {"<|zh|>", "<|ja|>", "<|th|>", "<|lo|>", "<|my|>", "<|yue|>"})
            if (trace.nodes[size_t(n)].token == language)
                return true;
    return false;
}

/// add_word_timestamps' cut: a word longer than twice the median word (at
/// most 0.7 s) that is, or follows, a sentence end is shortened to that.
void shortenSentenceEnds(std::vector<TimedWord> &words)
{
    std::vector<double> durations;
    for (const TimedWord &w : words)
        if (w.end - w.start != 0.0)
            durations.push_back(w.end - w.start);
    if (durations.empty())
        return;
    std::sort(durations.begin(), durations.end());
    const size_t n = durations.size();
    const double median = n % 2 ? durations[n / 2] : (durations[n / 2 - 1] + durations[n / 2]) / 2;
    const double longest = 2 * std::min(0.7, median);
    for (size_t i = 1; i < words.size(); ++i) {
        if (words[i].end - words[i].start <= longest)
            continue;
        if (within(words[i].text, kSentenceEnds))
            words[i].end = words[i].start + longest;
        else if (within(words[i - 1].text, kSentenceEnds))
            words[i].start = words[i].end - longest;
    }
}

void moveInto(TimedWord &from, TimedWord &to, bool before)
{
    to.text = before ? from.text + to.text : to.text + from.text;
    to.tokens.insert(before ? to.tokens.begin() : to.tokens.end(), from.tokens.begin(), from.tokens.end());
    from.text.clear();
    from.tokens.clear();
}

/// merge_punctuations: opening marks join the word after them, closing
/// marks the word before; the word keeps its own times.
void mergePunctuation(std::vector<TimedWord> &words)
{
    for (int i = int(words.size()) - 2, j = int(words.size()) - 1; i >= 0; --i) {
        if (words[size_t(i)].text.starts_with(' ') && within(stripped(words[size_t(i)].text), kPrepended))
            moveInto(words[size_t(i)], words[size_t(j)], true);
        else
            j = i;
    }
    for (size_t i = 0, j = 1; j < words.size(); ++j) {
        if (!words[i].text.ends_with(' ') && within(words[j].text, kAppended))
            moveInto(words[j], words[i], false);
        else
            i = j;
    }
    std::erase_if(words, [](const TimedWord &w) { return w.text.empty(); });
}

std::vector<TimedWord> timedWords(const DecodeTrace &trace, const std::vector<int> &path,
                                  const std::vector<TimedToken> &tokens)
{
    std::vector<std::string> pieces;
    std::vector<int> textTokens;
    for (size_t t = 0; t < path.size(); ++t) {
        pieces.push_back(trace.nodes[size_t(path[t])].token);
        if (!tokens[t].special)
            textTokens.push_back(int(t));
    }
    std::vector<Piece> groups = splitOnCharacters(trace, pieces, textTokens);
    if (!writtenWithoutSpaces(trace, path))
        groups = joinOnSpaces(std::move(groups));
    std::vector<TimedWord> words;
    for (Piece &g : groups) {
        TimedWord w;
        w.text = std::move(g.text);
        w.tokens = std::move(g.tokens);
        w.start = tokens[size_t(w.tokens.front())].start;
        w.end = tokens[size_t(w.tokens.back())].end;
        float sum = 0.0f;
        for (int k : w.tokens)
            sum += tokens[size_t(k)].probability;
        w.probability = sum / float(w.tokens.size());
        words.push_back(std::move(w));
    }
    shortenSentenceEnds(words);
    mergePunctuation(words);
    return words;
}

} // namespace

Result<WordTimestamps> wordTimestamps(const DecodeTrace &trace, const std::vector<int> &path,
                                      const TimestampOptions &options)
{
    auto heads = headsToRead(trace, options);
    if (!heads)
        return heads.error();
    WordTimestamps out;
    out.heads = heads.value();
    const int n = trace.sourceLength();
    const int columns = options.cropToClip && trace.source.audioColumns > 0 ? std::min(trace.source.audioColumns, n) : n;
    if (path.empty() || columns <= 0)
        return out;
    const Matrix matrix = alignmentMatrix(trace, path, out.heads, columns, options.medianFilterWidth); // (T, M)
    const WarpingPath warp = speech::dynamicTimeWarping(-matrix.cast<double>());
    out.tokens = timedTokens(trace, path, speech::rowStarts(warp), columns);
    out.words = timedWords(trace, path, out.tokens);
    return out;
}

std::vector<TimedSegment> timestampSegments(const DecodeTrace &trace, const std::vector<int> &path)
{
    const int begin = trace.timestampBegin;
    if (begin < 0)
        return {};
    const auto id = [&](size_t i) { return trace.nodes[size_t(path[i])].tokenId; };
    const auto isTime = [&](size_t i) { return id(i) >= begin; };
    // Cuts after each pair of adjacent times, and after the last time.
    std::vector<size_t> times, cuts;
    for (size_t i = 0; i < path.size(); ++i) {
        if (!isTime(i))
            continue;
        if (!times.empty() && times.back() + 1 == i)
            cuts.push_back(i);
        times.push_back(i);
    }
    if (cuts.empty() && times.size() <= 1)
        return {};
    if (cuts.empty() || cuts.back() != times.back() + 1)
        cuts.push_back(times.back() + 1);
    std::vector<TimedSegment> segments;
    size_t from = times.front();
    for (size_t cut : cuts) {
        if (cut - from > 1) {
            std::vector<std::string> pieces;
            for (size_t i = from; i < cut; ++i)
                if (!isTime(i))
                    pieces.push_back(trace.nodes[size_t(path[i])].token);
            TimedSegment s;
            s.text = decodePieces(trace, pieces);
            s.start = trace.source.firstFrameSeconds + (id(from) - begin) * kTimestampSeconds;
            s.end = trace.source.firstFrameSeconds + (id(cut - 1) - begin) * kTimestampSeconds;
            s.firstStep = int(from);
            s.lastStep = int(cut - 1);
            segments.push_back(std::move(s));
        }
        from = cut;
    }
    return segments;
}

std::vector<TimedSegment> transcriptSegments(const DecodeTrace &trace, const std::vector<int> &path, double endSeconds)
{
    std::vector<TimedSegment> segments = timestampSegments(trace, path);
    TimedSegment rest;
    rest.firstStep = segments.empty() ? 0 : segments.back().lastStep + 1;
    rest.start = segments.empty() ? trace.source.firstFrameSeconds : segments.back().end;
    std::vector<std::string> pieces;
    bool spoken = false; // a piece that reads as more than spaces came since the last closing time
    for (size_t i = size_t(rest.firstStep); i < path.size(); ++i) {
        const DecodeNode &node = trace.nodes[size_t(path[i])];
        const bool time = trace.timestampBegin >= 0 && node.tokenId >= trace.timestampBegin;
        if (node.tokenId != trace.eosId && !time) {
            pieces.push_back(node.token);
            spoken = spoken || decodePieces(trace, {node.token}).find_first_not_of(' ') != std::string::npos;
        } else if (time && !spoken) { // a time before any text opens the rest
            rest.start = trace.source.firstFrameSeconds + (node.tokenId - trace.timestampBegin) * kTimestampSeconds;
        }
        rest.lastStep = int(i);
    }
    rest.text = decodePieces(trace, pieces);
    rest.end = std::max(rest.start, endSeconds);
    if (rest.text.find_first_not_of(' ') != std::string::npos)
        segments.push_back(std::move(rest));
    return segments;
}

} // namespace alignscope
