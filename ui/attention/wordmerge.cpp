#include "attention/wordmerge.h"

#include "alignscope/source.h"
#include "alignscope/trace.h"

#include <algorithm>

namespace alignscope::ui {
namespace {

bool startsWithMark(const std::string &s) { return s.rfind(kWordMark, 0) == 0; }

/// The pieces of `words` that lie inside [0, limit): a word cut by the limit keeps what is left.
WordSpan clipped(WordSpan w, Eigen::Index limit)
{
    w.count = std::max(0, std::min(w.first + w.count, int(limit)) - w.first);
    return w;
}

} // namespace

std::vector<WordSpan> sourceWordSpans(const SourceAxis &source)
{
    const int n = source.size();
    std::vector<WordSpan> out;
    const bool usable = int(source.words.size()) == n;
    for (int j = 0; j < n; ++j) {
        if (usable && !out.empty() && source.words[size_t(j)] == source.words[size_t(j - 1)])
            ++out.back().count;
        else
            out.push_back({j, 1});
    }
    return out;
}

std::vector<WordSpan> targetWordSpans(const std::vector<std::string> &readable, const std::vector<bool> &special)
{
    auto isSpecial = [&](size_t i) { return i < special.size() && special[i]; };
    // Without a single mark the tokens are words already (a word-level target).
    const bool pieces = std::any_of(readable.begin(), readable.end(), startsWithMark);
    std::vector<WordSpan> out;
    for (size_t i = 0; i < readable.size(); ++i) {
        const bool starts = !pieces || i == 0 || startsWithMark(readable[i]) || isSpecial(i) || isSpecial(i - 1);
        if (starts)
            out.push_back({int(i), 1});
        else
            ++out.back().count;
    }
    return out;
}

std::string joinPieces(const std::vector<std::string> &readable, WordSpan word)
{
    std::string out;
    for (int i = word.first; i < word.first + word.count && i < int(readable.size()); ++i) {
        const std::string &piece = readable[size_t(i)];
        // The first piece keeps its mark: the word reads as the pieces do unmerged.
        out += i > word.first && startsWithMark(piece) ? piece.substr(std::char_traits<char>::length(kWordMark)) : piece;
    }
    return out;
}

Matrix sumColumns(const Matrix &m, const std::vector<WordSpan> &words)
{
    Matrix out = Matrix::Zero(m.rows(), Eigen::Index(words.size())); // (R, W)
    for (size_t w = 0; w < words.size(); ++w) {
        const WordSpan s = clipped(words[w], m.cols());
        if (s.count > 0)
            out.col(Eigen::Index(w)) = m.middleCols(s.first, s.count).rowwise().sum();
    }
    return out;
}

Matrix averageColumns(const Matrix &m, const std::vector<WordSpan> &words)
{
    Matrix out = Matrix::Zero(m.rows(), Eigen::Index(words.size())); // (R, W)
    for (size_t w = 0; w < words.size(); ++w) {
        const WordSpan s = clipped(words[w], m.cols());
        if (s.count > 0)
            out.col(Eigen::Index(w)) = m.middleCols(s.first, s.count).rowwise().mean();
    }
    return out;
}

Matrix averageRows(const Matrix &m, const std::vector<WordSpan> &words)
{
    Matrix out = Matrix::Zero(Eigen::Index(words.size()), m.cols()); // (W, C)
    for (size_t w = 0; w < words.size(); ++w) {
        const WordSpan s = clipped(words[w], m.rows());
        if (s.count > 0)
            out.row(Eigen::Index(w)) = m.middleRows(s.first, s.count).colwise().mean();
    }
    return out;
}

bool mergesAnything(const std::vector<WordSpan> &words)
{
    return std::any_of(words.begin(), words.end(), [](const WordSpan &w) { return w.count > 1; });
}

int wordOf(const std::vector<WordSpan> &words, int index)
{
    for (size_t w = 0; w < words.size(); ++w)
        if (words[w].first <= index && index < words[w].first + words[w].count)
            return int(w);
    return -1;
}

std::vector<std::string> wordLabels(const std::vector<std::string> &readable, const std::vector<WordSpan> &words)
{
    std::vector<std::string> out;
    out.reserve(words.size());
    for (const WordSpan &w : words)
        out.push_back(joinPieces(readable, w));
    return out;
}

std::vector<WordSpan> pathWordSpans(const DecodeTrace &trace, const std::vector<int> &path)
{
    std::vector<std::string> readable;
    std::vector<bool> special;
    for (int node : path) {
        const DecodeNode &n = trace.nodes[size_t(node)];
        readable.push_back(trace.readable(n.token));
        special.push_back(n.tokenId == trace.eosId);
    }
    return targetWordSpans(readable, special);
}

std::vector<WordSpan> inputWordSpans(const std::vector<WordSpan> &targetWords, int inputs)
{
    std::vector<WordSpan> out;
    if (inputs <= 0)
        return out;
    out.push_back({0, 1}); // <sos>
    for (const WordSpan &w : targetWords) {
        const WordSpan shifted = clipped({w.first + 1, w.count}, inputs);
        if (shifted.count > 0)
            out.push_back(shifted);
    }
    return out;
}

std::vector<std::string> readablePieces(const DecodeTrace &trace, const std::vector<std::string> &labels)
{
    std::vector<std::string> out;
    out.reserve(labels.size());
    for (const std::string &l : labels)
        out.push_back(trace.readable(l));
    return out;
}

} // namespace alignscope::ui
