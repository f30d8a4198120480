#pragma once
// Unicode-aware tokenizer and detokenizer (NFC; optional lowercase; splits
// punctuation and French elisions: "s'est" -> "s'" "est").

#include "alignscope/result.h"
#include "alignscope/source.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alignscope {

class SubwordModel;

enum class TokenizerMode {
    Word,      ///< words, punctuation and elisions split
    Character, ///< one token per Unicode character; spaces become "▁"
    /// The PyTorch tutorials' normalizeString, then split on ' ' (models
    /// imported from them; `lowercase` is ignored, they always lowercase):
    TutorialNormalize,       ///< translation tutorial 2023+: keeps [a-zA-Z!?], strips
    LegacyTutorialNormalize, ///< translation tutorial before 2023: keeps [a-zA-Z.!?], no final strip
    ChatbotNormalize,        ///< chatbot tutorial: keeps [a-zA-Z.!?], collapses spaces, strips
    /// SentencePiece pieces ("▁chat", "s") of a model trained on the corpus
    /// (`train --tokenizer bpe|unigram`), after NFC, ’ -> ', optional
    /// lowercase and control characters as spaces; needs `subword`.
    Bpe,
    Unigram,
};

struct TokenizerOptions {
    TokenizerOptions() = default;
    TokenizerOptions(TokenizerMode m, bool lower = true, std::shared_ptr<const SubwordModel> model = {})
        : mode(m), lowercase(lower), subword(std::move(model))
    {
    }

    TokenizerMode mode = TokenizerMode::Word;
    bool lowercase = true;
    /// Bpe and Unigram: the trained model (a model file stores it).
    std::shared_ptr<const SubwordModel> subword;
};

/// Bpe or Unigram: pieces of a SentencePiece model.
inline bool isSubword(TokenizerMode mode) { return mode == TokenizerMode::Bpe || mode == TokenizerMode::Unigram; }

/// The text a subword model is trained on and encodes: NFC, ’ -> ',
/// lowercased when asked, control and format characters as spaces.
/// BadInput "invalid UTF-8 at byte N".
Result<std::string> normaliseForSubwords(std::string_view text, bool lowercase);

/// Subword pieces: the word each belongs to (0, 0, 1, ...), a new word at
/// each piece that starts with "▁" (SourceAxis::words).
std::vector<int> pieceWords(const std::vector<std::string> &pieces);

/// Splits `text` into tokens. BadInput error "invalid UTF-8 at byte N"
/// (and, for Bpe/Unigram without a model, "no subword model").
/// Word mode: NFC, ’ -> ', control/format characters act as spaces; each
/// punctuation or symbol character is a token; French elisions split after
/// the apostrophe (l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu');
/// English clitics split before it ("'s" "'re" "'ve" "'ll" "'d" "'m", and
/// "n't"); hyphenated words ("peut-être") and numbers with inner . , -
/// ("3.5", "2021-03-03") stay whole.
Result<std::vector<std::string>> tokenize(std::string_view text, const TokenizerOptions &options = {});
/// The tutorial's normalizeString for one of the three tutorial modes:
/// Python's lower() and strip(), unicodeToAscii (NFD, drop category Mn),
/// " " before each of . ! ?, every run of other characters -> " ", then
/// the mode's ending. The tokens are its split(' ') (the legacy mode can
/// yield empty tokens, as Python does). BadInput on invalid UTF-8.
Result<std::string> normalizeTutorialString(std::string_view text, TokenizerMode mode);
/// Python's str.split(' '): every space separates, empty pieces kept.
std::vector<std::string> splitOnSpace(std::string_view text);

/// Where each of `tokens` (what tokenize() made of `text` with `options`)
/// came from in `text`: byte ranges, in order. A token that was not typed
/// (or cannot be found after normalisation) gets an untyped span.
std::vector<TextSpan> locateTokens(std::string_view text, const std::vector<std::string> &tokens,
                                   const TokenizerOptions &options = {});

/// Joins tokens back into text ("s'" + "est" -> "s'est", no space before
/// punctuation such as "," "." "?", French spacing not inserted).
std::string detokenize(const std::vector<std::string> &tokens, const TokenizerOptions &options = {});

} // namespace alignscope
