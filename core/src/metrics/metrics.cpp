// Evaluation metrics. BLEU follows Papineni et al. (2002) exactly, with no
// smoothing: a corpus with no matching 4-gram scores 0, as in the paper and
// sacreBLEU's `--smooth-method none`. That is harsh on a handful of short
// sentences, but it keeps our numbers comparable with published ones.

#include "alignscope/metrics.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <set>
#include <unordered_map>

namespace alignscope {
namespace {

constexpr int kMaxOrder = 4;

using NgramCounts = std::unordered_map<std::string, int>;

/// Counts of all n-grams of `tokens` for one n. Keys length-prefix each
/// token so no token content can make two different n-grams collide.
NgramCounts countNgrams(const std::vector<std::string> &tokens, int n)
{
    NgramCounts counts;
    const auto size = static_cast<int>(tokens.size());
    for (int i = 0; i + n <= size; ++i) {
        std::string key;
        for (int k = i; k < i + n; ++k)
            key += std::to_string(tokens[static_cast<size_t>(k)].size()) + ':' + tokens[static_cast<size_t>(k)];
        ++counts[key];
    }
    return counts;
}

/// Matches of hypothesis n-grams, each clipped to its count in the reference.
long clippedMatches(const std::vector<std::string> &hypothesis, const std::vector<std::string> &reference, int n)
{
    const NgramCounts ref = countNgrams(reference, n);
    long matches = 0;
    for (const auto &[ngram, count] : countNgrams(hypothesis, n)) {
        const auto it = ref.find(ngram);
        if (it != ref.end())
            matches += std::min(count, it->second);
    }
    return matches;
}

long ngramTotal(size_t length, int n)
{
    return std::max(0L, static_cast<long>(length) - n + 1);
}

using LinkSet = std::set<std::pair<int, int>>;

LinkSet toSet(const Alignment &links)
{
    return LinkSet(links.begin(), links.end());
}

long intersectionSize(const LinkSet &a, const LinkSet &b)
{
    long n = 0;
    for (const auto &link : a)
        n += static_cast<long>(b.count(link));
    return n;
}

} // namespace

double corpusBleu(const TokenLists &hypotheses, const TokenLists &references)
{
    assert(hypotheses.size() == references.size());
    const size_t count = std::min(hypotheses.size(), references.size());
    std::array<long, kMaxOrder> matches{}, totals{};
    long hypLength = 0, refLength = 0;
    for (size_t s = 0; s < count; ++s) {
        hypLength += static_cast<long>(hypotheses[s].size());
        refLength += static_cast<long>(references[s].size());
        for (int n = 1; n <= kMaxOrder; ++n) {
            matches[n - 1] += clippedMatches(hypotheses[s], references[s], n);
            totals[n - 1] += ngramTotal(hypotheses[s].size(), n);
        }
    }
    double logPrecision = 0.0;
    for (int n = 0; n < kMaxOrder; ++n) {
        if (matches[n] == 0 || totals[n] == 0)
            return 0.0; // unsmoothed: one empty precision zeroes the geometric mean
        logPrecision += std::log(static_cast<double>(matches[n]) / static_cast<double>(totals[n])) / kMaxOrder;
    }
    // Brevity penalty on corpus totals: BP = 1 if c > r else exp(1 - r/c).
    const double brevity = hypLength > refLength
        ? 1.0
        : std::exp(1.0 - static_cast<double>(refLength) / static_cast<double>(hypLength));
    return 100.0 * brevity * std::exp(logPrecision);
}

double exactMatch(const TokenLists &hypotheses, const TokenLists &references)
{
    assert(hypotheses.size() == references.size());
    const size_t count = std::min(hypotheses.size(), references.size());
    if (count == 0)
        return 0.0;
    size_t equal = 0;
    for (size_t s = 0; s < count; ++s)
        equal += hypotheses[s] == references[s] ? 1 : 0;
    return static_cast<double>(equal) / static_cast<double>(count);
}

double alignmentErrorRate(const std::vector<Alignment> &predicted, const std::vector<Alignment> &sure,
                          const std::vector<Alignment> &possible)
{
    assert(predicted.size() == sure.size());
    assert(possible.empty() || possible.size() == sure.size());
    const size_t count = std::min(predicted.size(), sure.size());
    long aAndS = 0, aAndP = 0, aSize = 0, sSize = 0;
    for (size_t s = 0; s < count; ++s) {
        const LinkSet a = toSet(predicted[s]), sureSet = toSet(sure[s]);
        // P must contain S (Och & Ney); taking the union enforces that even
        // when a caller passes possible links only.
        LinkSet possibleSet = sureSet;
        if (s < possible.size())
            possibleSet.insert(possible[s].begin(), possible[s].end());
        aAndS += intersectionSize(a, sureSet);
        aAndP += intersectionSize(a, possibleSet);
        aSize += static_cast<long>(a.size());
        sSize += static_cast<long>(sureSet.size());
    }
    if (aSize + sSize == 0)
        return 0.0; // nothing to find and nothing predicted: no error
    return 1.0 - static_cast<double>(aAndS + aAndP) / static_cast<double>(aSize + sSize);
}

Alignment argmaxAlignment(const Matrix &weights, int sourceLength)
{
    // weights: (T, n), T = target steps, n >= sourceLength padded columns.
    Alignment links;
    const int columns = std::min(sourceLength, static_cast<int>(weights.cols()));
    if (columns <= 0)
        return links;
    for (int t = 0; t < weights.rows(); ++t) {
        int best = 0;
        for (int j = 1; j < columns; ++j) {
            // '>' keeps the first of equal maxima, and skips NaN.
            if (weights(t, j) > weights(t, best) || std::isnan(weights(t, best)))
                best = j;
        }
        links.emplace_back(best, t);
    }
    return links;
}

double meanEntropy(const Matrix &weights)
{
    if (weights.rows() == 0)
        return 0.0;
    double total = 0.0;
    for (int t = 0; t < weights.rows(); ++t) {
        for (int j = 0; j < weights.cols(); ++j) {
            const double a = weights(t, j);
            if (a > 0.0) // 0 log 0 = 0 by continuity
                total -= a * std::log(a);
        }
    }
    return total / static_cast<double>(weights.rows());
}

} // namespace alignscope
