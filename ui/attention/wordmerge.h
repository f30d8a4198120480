#pragma once
// Merging a subword tokenizer's pieces into words for the heatmap ("Merge
// word pieces"): which source columns and which target steps form one word,
// the word's label, and the attention matrix over words. Pure functions over
// a trace's data, so the view, the exporters and the tests share one rule.
// Shapes: T = target pieces, n = source pieces, W = words.

#include "alignscope/tensor.h"

#include <string>
#include <vector>

namespace alignscope {
struct DecodeTrace;
struct SourceAxis;
}

namespace alignscope::ui {

/// One word: `count` consecutive pieces from `first`.
struct WordSpan {
    int first = 0;
    int count = 1;
    bool operator==(const WordSpan &) const = default;
};

/// The readable mark a SentencePiece-style piece starts a word with ("▁").
inline constexpr const char *kWordMark = "\xE2\x96\x81";

/// The source's words from SourceAxis::words (consecutive columns sharing an
/// index); one word per column when `words` is empty or does not fit.
std::vector<WordSpan> sourceWordSpans(const SourceAxis &source);
/// Target pieces grouped into words: a word starts at the first piece, at a
/// piece whose readable text starts with "▁", and at a special token and
/// the piece after it; when no piece has the mark, every token is a word.
/// `readable` (T) and `special` (T).
std::vector<WordSpan> targetWordSpans(const std::vector<std::string> &readable, const std::vector<bool> &special);
/// A word's label: its pieces' readable text joined, the inner marks dropped
/// ("▁her" "self" -> "▁herself"; "▁New" "▁York" never share a word).
std::string joinPieces(const std::vector<std::string> &readable, WordSpan word);

/// (R, W) from (R, n): each word's column is the sum over its pieces (α of
/// a word is the attention its pieces got together).
Matrix sumColumns(const Matrix &m, const std::vector<WordSpan> &words);
/// (R, W) from (R, n): each word's column is the mean over its pieces (raw scores).
Matrix averageColumns(const Matrix &m, const std::vector<WordSpan> &words);
/// (W, C) from (T, C): each word's row is the mean over its pieces' rows,
/// so a row of weights still sums to 1.
Matrix averageRows(const Matrix &m, const std::vector<WordSpan> &words);

/// Whether merging changes anything: some word has more than one piece.
bool mergesAnything(const std::vector<WordSpan> &words);
/// The word holding piece `index`, -1 when none does.
int wordOf(const std::vector<WordSpan> &words, int index);
/// Every word's label (joinPieces).
std::vector<std::string> wordLabels(const std::vector<std::string> &readable, const std::vector<WordSpan> &words);

/// A decode path's target pieces as words: targetWordSpans over the
/// trace's readable tokens along `path` (node indices), <eos> special.
std::vector<WordSpan> pathWordSpans(const DecodeTrace &trace, const std::vector<int> &path);
/// The decoder's `inputs` inputs (<sos>, then the target pieces but the
/// last) as words: <sos> alone, then each target word one place later.
std::vector<WordSpan> inputWordSpans(const std::vector<WordSpan> &targetWords, int inputs);
/// The readable pieces of a source axis (trace.readable of each label).
std::vector<std::string> readablePieces(const DecodeTrace &trace, const std::vector<std::string> &labels);

} // namespace alignscope::ui
