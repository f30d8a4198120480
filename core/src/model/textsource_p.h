#pragma once
// A typed sentence or a corpus pair's tokens as a text source, the way
// every model family with a word vocabulary prepares it.

#include "alignscope/seq2seq.h"
#include "alignscope/tokenizer.h"

#include <functional>
#include <string>
#include <vector>

namespace alignscope {

/// Ids of `tokens` (OOV words -> <unk>, or <pad> when the vocabulary has
/// none), <eos> appended when asked, flags Special and Oov set.
EncodedSource textSourceFromTokens(const std::vector<std::string> &tokens, const Vocabulary &vocab, bool appendEos);

/// Tokenises `sentence` and records where each token was typed; BadInput
/// when it is not valid text, is empty, or holds a word the vocabulary lacks
/// and the vocabulary has no <unk>.
Result<EncodedSource> prepareTextSource(const std::string &sentence, const TokenizerOptions &tokenizer,
                                        const Vocabulary &vocab, bool appendEos);

/// Target text into ids as a model with this tokenizer and vocabulary reads
/// it (no <sos>/<eos>); empty for text that does not tokenise.
std::vector<int> textTargetIds(const std::string &text, const TokenizerOptions &tokenizer, const Vocabulary &vocab);

/// Joins target tokens back into text with this tokenizer's rules.
std::function<std::string(const std::vector<std::string> &)> textDetokenizer(const TokenizerOptions &tokenizer);

} // namespace alignscope
