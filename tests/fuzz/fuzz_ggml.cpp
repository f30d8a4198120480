// Fuzzes the whisper.cpp model file reader: the magic, the hyper-parameters,
// the mel filters, the vocabulary and the tensor index, each size checked
// against the bytes left; then the tokenizer made from the vocabulary it read.
#include "alignscope/ggml.h"
#include "text/hfmodels_p.h"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    std::istringstream in(std::string(reinterpret_cast<const char *>(data), size));
    auto file = parseGgmlWhisper(in, size, "fuzz.bin");
    if (!file || int(file->tokens.size()) > file->eot())
        return 0;
    auto tok = hftok::makeWhisperTokenizer(file->tokens, {{file->eot(), "<|endoftext|>"}, {file->sot(), "<|startoftranscript|>"}},
                                           {{file->firstAfterLanguages() + 6, "<|0.00|>"}});
    if (!tok)
        return 0;
    if (auto coded = tok.value()->encode("the lamp <|0.00|> at dusk"))
        (void)tok.value()->decode(coded->ids, false);
    return 0;
}
