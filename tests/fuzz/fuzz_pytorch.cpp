// Fuzzes the PyTorch checkpoint reader: the zip directory, the restricted
// unpickler, the tensor/storage checks and the float conversion.
#include "alignscope/pytorch.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    auto checkpoint = PyTorchCheckpoint::fromBytes(std::vector<std::uint8_t>(data, data + size), "fuzz.pt");
    if (!checkpoint)
        return 0;
    for (const CheckpointTensorInfo &t : checkpoint->tensors())
        (void)checkpoint->read(t.name);
    return 0;
}
