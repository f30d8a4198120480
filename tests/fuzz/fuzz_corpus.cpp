// Fuzzes the corpus readers (TSV + Pharaoh alignments, eng-fra) on the same
// text; the first byte picks the tokenizer mode so both are covered.
#include "alignscope/corpus.h"
#include "data/corpus_p.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    if (size == 0)
        return 0;
    const TokenizerOptions options{(data[0] & 1) ? TokenizerMode::Character : TokenizerMode::Word,
                                   (data[0] & 2) != 0};
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    const Corpus tsv = parseTsvCorpus(text, options, options);
    for (const SentencePair &p : tsv.pairs)
        (void)formatPharaoh(p.alignment);
    (void)tsv.summary();
    (void)parseEngFraCorpus(text, EngFraDirection::FrenchToEnglish, options, options);
    (void)parsePharaoh(text, 1000, 1000);
    return 0;
}
