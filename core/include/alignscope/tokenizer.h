#pragma once
// Unicode-aware tokenizer and detokenizer (NFC; optional lowercase; splits
// punctuation and French elisions: "s'est" -> "s'" "est").

#include "alignscope/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace alignscope {

enum class TokenizerMode {
    Word,      ///< words, punctuation and elisions split
    Character, ///< one token per Unicode character; spaces become "▁"
};

struct TokenizerOptions {
    TokenizerMode mode = TokenizerMode::Word;
    bool lowercase = true;
};

/// Splits `text` into tokens. BadInput error for invalid UTF-8.
Result<std::vector<std::string>> tokenize(std::string_view text, const TokenizerOptions &options = {});
/// Joins tokens back into text ("s'" + "est" -> "s'est", no space before
/// punctuation such as "," "." "?", French spacing not inserted).
std::string detokenize(const std::vector<std::string> &tokens, const TokenizerOptions &options = {});

} // namespace alignscope
