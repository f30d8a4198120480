#pragma once
// Vocabulary: token <-> id, with the special tokens' ids. AlignScope's own
// models put <pad>, <sos>, <eos>, <unk> at 0..3; imported models keep theirs.

#include "alignscope/result.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace alignscope {

struct SpecialIds {
    int pad = 0;
    int sos = 1;
    int eos = 2;
    int unk = 3; ///< -1 when the vocabulary has no unknown token
};

class Vocabulary {
public:
    Vocabulary() = default;
    Vocabulary(std::vector<std::string> tokens, SpecialIds specials);

    /// AlignScope layout: tokens must start with <pad>, <sos>, <eos>, <unk>.
    static Result<Vocabulary> fromTokens(std::vector<std::string> tokens, const std::string &origin);
    /// One token per line, index = id (the `init` vocab file format).
    static Result<Vocabulary> readFile(const std::string &path);
    /// Builds from tokenised sentences: specials first, then tokens with
    /// count >= minCount by descending count (ties by first appearance),
    /// at most maxSize entries in all (0 = no limit).
    static Vocabulary build(const std::vector<std::vector<std::string>> &sentences,
                            int minCount = 1, int maxSize = 0);

    int size() const { return static_cast<int>(m_tokens.size()); }
    bool contains(const std::string &token) const { return m_index.count(token) != 0; }
    /// id of `token`, or the unknown id (or -1 without one).
    int id(const std::string &token) const;
    const std::string &token(int id) const;
    const std::vector<std::string> &tokens() const { return m_tokens; }
    const SpecialIds &specials() const { return m_specials; }
    bool isSpecial(int id) const;

    /// Ids for tokens; positions of out-of-vocabulary tokens go to `oov`.
    std::vector<int> encode(const std::vector<std::string> &tokens, std::vector<int> *oov = nullptr) const;

private:
    std::vector<std::string> m_tokens;
    std::unordered_map<std::string, int> m_index;
    SpecialIds m_specials;
};

} // namespace alignscope
