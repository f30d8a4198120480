#pragma once
// The corpus readers over text already in memory: the same line handling as
// readTsvCorpus / readEngFraCorpus without the file (used by the fuzzers).

#include "alignscope/corpus.h"

#include <string_view>

namespace alignscope {

Corpus parseTsvCorpus(std::string_view text, const TokenizerOptions &source = {}, const TokenizerOptions &target = {});
Corpus parseEngFraCorpus(std::string_view text, EngFraDirection direction, const TokenizerOptions &source = {},
                         const TokenizerOptions &target = {});

} // namespace alignscope
