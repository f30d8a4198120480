#pragma once
// Evaluation metrics: BLEU, exact match, AER, attention entropy.

#include "alignscope/corpus.h"
#include "alignscope/tensor.h"

#include <string>
#include <vector>

namespace alignscope {

using TokenLists = std::vector<std::vector<std::string>>;

/// Corpus BLEU-4 (Papineni et al.) with brevity penalty, in [0, 100].
/// Unsmoothed: 0 when any n-gram precision is 0 (e.g. no 4-gram matches,
/// or every hypothesis shorter than 4 tokens).
double corpusBleu(const TokenLists &hypotheses, const TokenLists &references);
/// Fraction of hypotheses equal to their reference, in [0, 1].
double exactMatch(const TokenLists &hypotheses, const TokenLists &references);
/// Och & Ney AER over a corpus: 1 - (|A∩S| + |A∩P|) / (|A| + |S|), S ⊆ P.
/// With sure == possible (our gold links) it is 1 - 2|A∩G| / (|A| + |G|).
/// `possible` may be empty (then P = S); 0 when A and S are both empty.
double alignmentErrorRate(const std::vector<Alignment> &predicted, const std::vector<Alignment> &sure,
                          const std::vector<Alignment> &possible);
/// One link per target row: the argmax over the first `sourceLength` columns
/// of a (T, n) weight matrix.
Alignment argmaxAlignment(const Matrix &weights, int sourceLength);
/// Mean over rows of -Σ_j α_j log α_j (natural log).
double meanEntropy(const Matrix &weights);

} // namespace alignscope
