// Corpus readers: TSV with optional Pharaoh alignments and the Tatoeba/Anki
// eng-fra.txt. A bad line is skipped and counted, never fatal, so one stray
// line cannot stop a training run; only an unreadable file is an Error.

#include "alignscope/corpus.h"
#include "data/corpus_p.h"
#include "text/pythonstring_p.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

namespace alignscope {
namespace {

constexpr size_t kReportedBadLines = 5;

/// Why a line was rejected; empty when it was accepted.
using LineParser = std::function<std::string(const std::vector<std::string_view> &fields, SentencePair &pair)>;

bool isBlank(std::string_view s)
{
    return s.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
}

void recordBadLine(Corpus &corpus, int lineNumber, const std::string &reason)
{
    if (corpus.badLines == 0)
        corpus.badLineReason = reason;
    if (corpus.badLineNumbers.size() < kReportedBadLines)
        corpus.badLineNumbers.push_back(lineNumber);
    ++corpus.badLines;
}

/// Tokenises one side into `text`/`tokens`; returns a reason on failure.
std::string fillSide(std::string_view raw, const char *side, const TokenizerOptions &options, std::string &text,
                     std::vector<std::string> &tokens)
{
    if (isBlank(raw))
        return std::string("empty ") + side + " sentence";
    auto result = tokenize(raw, options);
    if (!result)
        return std::string(side) + ": " + result.error().message;
    if (result->empty())
        return std::string(side) + " sentence has no tokens";
    text = std::string(raw);
    tokens = std::move(result).value();
    return {};
}

std::string parseSides(std::string_view source, std::string_view target, const TokenizerOptions &sourceOptions,
                       const TokenizerOptions &targetOptions, SentencePair &pair)
{
    if (auto reason = fillSide(source, "source", sourceOptions, pair.source, pair.sourceTokens); !reason.empty())
        return reason;
    return fillSide(target, "target", targetOptions, pair.target, pair.targetTokens);
}

Result<void> checkReadable(const std::string &path)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        return fileError("cannot read corpus '" + path + "': no such file");
    if (std::filesystem::is_directory(status))
        return fileError("cannot read corpus '" + path + "': it is a directory, expected a file");
    return {};
}

/// Reads `in` line by line (CRLF and a leading BOM tolerated, blank lines
/// skipped) and hands each line's tab-separated fields to `parse`.
Corpus readLinesFrom(std::istream &in, const LineParser &parse)
{
    Corpus corpus;
    std::string line;
    for (int lineNumber = 1; std::getline(in, line); ++lineNumber) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (lineNumber == 1 && line.starts_with("\xEF\xBB\xBF"))
            line.erase(0, 3);
        if (isBlank(line))
            continue;
        SentencePair pair;
        if (auto reason = parse(splitKeepingEmpty(line, '\t'), pair); !reason.empty())
            recordBadLine(corpus, lineNumber, reason);
        else
            corpus.pairs.push_back(std::move(pair));
    }
    return corpus;
}

Result<Corpus> readLines(const std::string &path, const LineParser &parse)
{
    if (auto readable = checkReadable(path); !readable)
        return readable.error();
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fileError("cannot read corpus '" + path + "': permission denied or unreadable");
    Corpus corpus = readLinesFrom(in, parse);
    if (in.bad())
        return fileError("cannot read corpus '" + path + "': I/O error while reading");
    return corpus;
}

/// Parses one "i-j" pair; false on anything else ("1-", "a-2", "1-2-3").
bool parseLink(std::string_view item, int &source, int &target)
{
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == item.size())
        return false;
    const char *begin = item.data(), *mid = item.data() + dash, *end = item.data() + item.size();
    const auto a = std::from_chars(begin, mid, source);
    const auto b = std::from_chars(mid + 1, end, target);
    return a.ec == std::errc() && a.ptr == mid && b.ec == std::errc() && b.ptr == end && source >= 0 && target >= 0;
}

} // namespace

std::string Corpus::summary() const
{
    std::string s = std::to_string(pairs.size()) + (pairs.size() == 1 ? " pair" : " pairs");
    if (badLines == 0)
        return s;
    s += ", " + std::to_string(badLines) + (badLines == 1 ? " bad line" : " bad lines") + " skipped (first: ";
    for (size_t i = 0; i < badLineNumbers.size(); ++i)
        s += (i ? ", " : "") + std::to_string(badLineNumbers[i]);
    return s + ": " + badLineReason + ")";
}

Result<Alignment> parsePharaoh(std::string_view text, int sourceLength, int targetLength)
{
    Alignment links;
    size_t pos = 0;
    while ((pos = text.find_first_not_of(" \t", pos)) != std::string_view::npos) {
        const size_t end = std::min(text.find_first_of(" \t", pos), text.size());
        const std::string_view item = text.substr(pos, end - pos);
        pos = end;
        int source = 0, target = 0;
        if (!parseLink(item, source, target))
            return inputError("bad alignment pair '" + std::string(item) + "' (expected source-target, e.g. 0-1)");
        if (source >= sourceLength || target >= targetLength)
            return inputError("alignment pair '" + std::string(item) + "' out of range (source has "
                              + std::to_string(sourceLength) + " tokens, target "
                              + std::to_string(targetLength) + ")");
        links.emplace_back(source, target);
    }
    return links;
}

std::string formatPharaoh(const Alignment &alignment)
{
    std::string out;
    for (const auto &[source, target] : alignment) {
        if (!out.empty())
            out += ' ';
        out += std::to_string(source) + '-' + std::to_string(target);
    }
    return out;
}

namespace {

LineParser tsvParser(const TokenizerOptions &source, const TokenizerOptions &target)
{
    return [&](const std::vector<std::string_view> &fields, SentencePair &pair) -> std::string {
        if (fields.size() < 2)
            return "no tab between source and target";
        if (fields.size() > 3)
            return "too many tab-separated fields (expected source, target and an optional alignment)";
        if (auto reason = parseSides(fields[0], fields[1], source, target, pair); !reason.empty())
            return reason;
        // An empty third field (a trailing tab) means "no alignment".
        if (fields.size() < 3 || isBlank(fields[2]))
            return {};
        auto links = parsePharaoh(fields[2], static_cast<int>(pair.sourceTokens.size()),
                                  static_cast<int>(pair.targetTokens.size()));
        if (!links)
            return links.error().message;
        pair.alignment = std::move(links).value();
        pair.hasAlignment = true;
        return {};
    };
}

LineParser engFraParser(EngFraDirection direction, const TokenizerOptions &source, const TokenizerOptions &target)
{
    const bool englishFirst = direction == EngFraDirection::EnglishToFrench;
    return [&source, &target, englishFirst](const std::vector<std::string_view> &fields,
                                            SentencePair &pair) -> std::string {
        if (fields.size() < 2)
            return "no tab between English and French";
        // Any third column is the Tatoeba attribution: not part of the pair.
        const auto english = fields[0], french = fields[1];
        return parseSides(englishFirst ? english : french, englishFirst ? french : english, source, target, pair);
    };
}

LineParser audioTsvParser(const std::filesystem::path &folder, const TokenizerOptions &target)
{
    return [folder, &target](const std::vector<std::string_view> &fields, SentencePair &pair) -> std::string {
        if (fields.size() != 2)
            return fields.size() < 2 ? "no tab between the clip and its transcript"
                                     : "too many tab-separated fields (expected a clip and its transcript)";
        if (isBlank(fields[0]))
            return "empty clip path";
        std::filesystem::path clip{std::string(fields[0])};
        if (clip.is_relative())
            clip = folder / clip;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(clip, ec))
            return "no such audio file '" + clip.string() + "'";
        pair.audio = clip.string();
        return fillSide(fields[1], "transcript", target, pair.target, pair.targetTokens);
    };
}

} // namespace

Result<Corpus> readAudioTsvCorpus(const std::string &path, const TokenizerOptions &target)
{
    return readLines(path, audioTsvParser(std::filesystem::path(path).parent_path(), target));
}

Result<Corpus> readTsvCorpus(const std::string &path, const TokenizerOptions &source, const TokenizerOptions &target)
{
    return readLines(path, tsvParser(source, target));
}

Result<Corpus> readEngFraCorpus(const std::string &path, EngFraDirection direction, const TokenizerOptions &source,
                                const TokenizerOptions &target)
{
    return readLines(path, engFraParser(direction, source, target));
}

Corpus parseTsvCorpus(std::string_view text, const TokenizerOptions &source, const TokenizerOptions &target)
{
    std::istringstream in{std::string(text)};
    return readLinesFrom(in, tsvParser(source, target));
}

Corpus parseEngFraCorpus(std::string_view text, EngFraDirection direction, const TokenizerOptions &source,
                         const TokenizerOptions &target)
{
    std::istringstream in{std::string(text)};
    return readLinesFrom(in, engFraParser(direction, source, target));
}

} // namespace alignscope
