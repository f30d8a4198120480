// Fuzzes the tokenizer in every mode (ours and the PyTorch tutorials'
// normalizeString) and the detokenizer on its output.
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
            if (tokens)
                (void)detokenize(*tokens, options);
        }
    }
    return 0;
}
