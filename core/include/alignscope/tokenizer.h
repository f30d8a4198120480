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

/// Splits `text` into tokens. BadInput error "invalid UTF-8 at byte N".
/// Word mode: NFC, ’ -> ', control/format characters act as spaces; each
/// punctuation or symbol character is a token; French elisions split after
/// the apostrophe (l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu');
/// English clitics split before it ("'s" "'re" "'ve" "'ll" "'d" "'m", and
/// "n't"); hyphenated words ("peut-être") and numbers with inner . , -
/// ("3.5", "2021-03-03") stay whole.
Result<std::vector<std::string>> tokenize(std::string_view text, const TokenizerOptions &options = {});
/// Joins tokens back into text ("s'" + "est" -> "s'est", no space before
/// punctuation such as "," "." "?", French spacing not inserted).
std::string detokenize(const std::vector<std::string> &tokens, const TokenizerOptions &options = {});

} // namespace alignscope
