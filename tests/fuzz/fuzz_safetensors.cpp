// Fuzzes the safetensors reader: header validation, then every tensor's
// conversion to float, then the model config in the metadata if present
// (read as an RNN's and as a Transformer's).
#include "alignscope/config.h"
#include "alignscope/safetensors.h"
#include "alignscope/transformer.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    auto file = SafetensorsFile::fromBytes(std::vector<std::uint8_t>(data, data + size), "fuzz.safetensors");
    if (!file)
        return 0;
    for (const TensorInfo &t : file->tensors())
        (void)file->read(t.name);
    const auto config = file->metadata().find("alignscope.config");
    if (config != file->metadata().end()) {
        (void)configFromJson(config->second);
        (void)isTransformerConfig(config->second);
        (void)transformerConfigFromJson(config->second);
    }
    return 0;
}
