#pragma once
// Seeded sampling and split assembly shared by the built-in tasks.
//
// Corpora must be identical on every platform for a given seed, so we draw
// from std::mt19937 (its output sequence is fixed by the standard) through
// our own bounded draw: std::uniform_int_distribution is implementation
// defined and differs between libstdc++, libc++ and MSVC.

#include "alignscope/tasks.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace alignscope::detail {

/// Uniform integer in [0, n), n > 0. Rejection sampling so that no residue
/// class of 2^32 mod n is favoured.
inline int uniformInt(std::mt19937 &rng, int n)
{
    assert(n > 0);
    const std::uint64_t bound = static_cast<std::uint64_t>(n);
    const std::uint64_t range = std::uint64_t{1} << 32;
    const std::uint64_t limit = range - range % bound;
    std::uint64_t x = 0;
    do {
        x = static_cast<std::uint64_t>(rng());
    } while (x >= limit);
    return static_cast<int>(x % bound);
}

/// True with probability percent / 100.
inline bool chance(std::mt19937 &rng, int percent)
{
    return uniformInt(rng, 100) < percent;
}

/// Joins word tokens the way the project detokenizer does for the tokens our
/// grammars emit: an elision ("l'", "s'") sticks to the next word and a
/// clitic starting with an apostrophe ("'s") sticks to the previous one.
inline std::string joinWordTokens(const std::vector<std::string> &tokens)
{
    std::string text;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string &token = tokens[i];
        const bool glueLeft = i == 0 || token.front() == '\'' || tokens[i - 1].back() == '\'';
        if (!glueLeft)
            text += ' ';
        text += token;
    }
    return text;
}

/// FNV-1a, 64-bit: a hash that is the same on every platform, unlike
/// std::hash, so duplicate detection (and hence the corpus) is too.
inline std::uint64_t stableHash(std::string_view text)
{
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

/// Fills train, dev and test (in that order) with pairs from `next` until
/// each holds its requested size. A source seen before, or listed in
/// `excluded`, is skipped, so the splits are disjoint by source. `next` must
/// be able to produce far more distinct sources than requested; the attempt
/// cap only guards against a grammar that cannot. Sources are remembered by
/// 64-bit hash: a collision can only drop a fresh pair, never admit a
/// duplicate.
template <typename Next>
TaskSplits drawSplits(const TaskOptions &options, Next &&next, const std::unordered_set<std::string> &excluded)
{
    TaskSplits splits;
    std::unordered_set<std::uint64_t> seen;
    for (const std::string &source : excluded)
        seen.insert(stableHash(source));
    const int sizes[3] = {std::max(options.trainSize, 0), std::max(options.devSize, 0),
                          std::max(options.testSize, 0)};
    Corpus *targets[3] = {&splits.train, &splits.dev, &splits.test};
    const long long total = static_cast<long long>(sizes[0]) + sizes[1] + sizes[2];
    long long attempts = 100 * total + 1000;
    for (int split = 0; split < 3; ++split) {
        auto &pairs = targets[split]->pairs;
        pairs.reserve(static_cast<std::size_t>(sizes[split]));
        while (static_cast<int>(pairs.size()) < sizes[split] && attempts-- > 0) {
            SentencePair pair = next();
            if (seen.insert(stableHash(pair.source)).second)
                pairs.push_back(std::move(pair));
        }
    }
    return splits;
}

} // namespace alignscope::detail
