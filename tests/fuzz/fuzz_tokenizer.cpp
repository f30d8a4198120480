// Fuzzes the tokenizer in every mode (ours and the PyTorch tutorials'
// normalizeString), the spans it locates in the text and the detokenizer
// on its output.
#include "alignscope/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    for (const auto mode : {TokenizerMode::Word, TokenizerMode::Character, TokenizerMode::TutorialNormalize,
                            TokenizerMode::LegacyTutorialNormalize, TokenizerMode::ChatbotNormalize}) {
        for (const bool lowercase : {true, false}) {
            const TokenizerOptions options{mode, lowercase};
            auto tokens = tokenize(text, options);
            if (!tokens)
                continue;
            (void)detokenize(*tokens, options);
            // One span per token, inside the text, in order (two tokens may
            // share a character that folds into two, e.g. "İ" -> "i̇").
            const auto spans = locateTokens(text, *tokens, options);
            if (spans.size() != tokens->size())
                __builtin_trap();
            int lastBegin = 0;
            for (const TextSpan &s : spans) {
                if (!s.typed())
                    continue;
                if (s.begin < lastBegin || s.end <= s.begin || size_t(s.end) > text.size())
                    __builtin_trap();
                lastBegin = s.begin;
            }
        }
    }
    return 0;
}
