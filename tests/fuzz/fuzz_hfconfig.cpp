// Fuzzes what a Hugging Face folder says in JSON before any tensor is read:
// config.json with generation_config.json (parsed into a spec, the special
// ids and the generation settings; sizes must be refused before anything is
// allocated) and a shard index (every shard a plain file name). The input
// is split at the first two NUL bytes: config, generation config, index.
#include "hf/hfconfig_p.h"
#include "hf/hfweights_p.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    const std::string input(reinterpret_cast<const char *>(data), size);
    const size_t first = input.find('\0');
    const std::string config = input.substr(0, first);
    std::string generation, index;
    if (first != std::string::npos) {
        const size_t second = input.find('\0', first + 1);
        generation = input.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
        if (second != std::string::npos)
            index = input.substr(second + 1);
    }
    if (auto c = hf::parseConfig(config, generation)) {
        // An accepted config is one the network can be declared for.
        if (!validateSpec(c->spec) || c->sourceVocab < 1 || c->targetVocab < 1 || c->decoderStart < 0 ||
            c->decoderStart >= c->targetVocab)
            __builtin_trap();
    }
    if (auto shards = hf::WeightFiles::parseIndex(index.empty() ? config : index, "index.json"))
        for (const auto &[tensor, shard] : *shards)
            if (shard.empty() || shard.find('/') != std::string::npos || shard == "..")
                __builtin_trap();
    return 0;
}
