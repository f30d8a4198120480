#pragma once
// Parallel corpora: TSV with optional Pharaoh alignments, and the
// Tatoeba/Anki eng-fra.txt format. Bad lines are skipped and counted.

#include "alignscope/result.h"
#include "alignscope/source.h"
#include "alignscope/tokenizer.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alignscope {

/// Word links (source index, target index), 0-based token positions.
using Alignment = std::vector<std::pair<int, int>>;

struct SentencePair {
    std::string source;
    std::string target;
    std::vector<std::string> sourceTokens;
    std::vector<std::string> targetTokens;
    Alignment alignment;        ///< gold links; empty when unknown
    bool hasAlignment = false;
    /// Image tasks (scenes): the picture the caption describes; sourceTokens are then empty.
    std::shared_ptr<const RgbImage> image;
    /// Speech corpora: the clip's file, read when the pair is used (a clip
    /// is decoded once per training run); sourceTokens are then empty.
    std::string audio;
};

struct Corpus {
    std::vector<SentencePair> pairs;
    int badLines = 0;                  ///< lines skipped
    std::vector<int> badLineNumbers;   ///< first few skipped lines, 1-based
    std::string badLineReason;         ///< why the first bad line was skipped
    /// "N pairs, M bad lines skipped (first: 3, 7, 12: reason)".
    std::string summary() const;
};

/// A speech corpus: a TSV manifest of `clip<TAB>transcript` lines, the
/// clip a WAV/FLAC/Ogg/MP3 file (a relative path is taken from the
/// manifest's folder), the transcript tokenised as a target. A line whose
/// clip does not exist, or without a transcript, is a bad line. BadFile
/// error only when the manifest cannot be read.
Result<Corpus> readAudioTsvCorpus(const std::string &path, const TokenizerOptions &target = {});

/// `source<TAB>target[<TAB>alignment]`, alignment in Pharaoh format over the
/// tokenised sentences; an empty third field means no alignment. Blank lines
/// are skipped silently; CRLF and a UTF-8 BOM are accepted. BadFile error
/// only when the file cannot be read; an empty file gives an empty Corpus.
Result<Corpus> readTsvCorpus(const std::string &path, const TokenizerOptions &source = {},
                             const TokenizerOptions &target = {});

enum class EngFraDirection { EnglishToFrench, FrenchToEnglish };
/// The PyTorch tutorial's eng-fra.txt (`english<TAB>french[<TAB>attribution]`).
Result<Corpus> readEngFraCorpus(const std::string &path, EngFraDirection direction,
                                const TokenizerOptions &source = {}, const TokenizerOptions &target = {});

/// Parses "0-0 1-2 2-1" (source-target); every index must be in range.
Result<Alignment> parsePharaoh(std::string_view text, int sourceLength, int targetLength);
std::string formatPharaoh(const Alignment &alignment);

} // namespace alignscope
