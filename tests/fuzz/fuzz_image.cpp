// Fuzzes pictures in: arbitrary bytes decoded from memory as PNG or JPEG
// (alignscope/imagefile.h, small limits so each run stays quick), and an
// accepted picture resized and normalised as ViTImageProcessor does, at a
// small size; the same bytes are also read as a preprocessor_config.json.
// A refusal must be one line naming the input; an accepted picture must be
// within the limits with 3 bytes a pixel, its pixel values finite. libpng
// and libjpeg-turbo are Debian's uninstrumented builds: coverage guides
// through our code only.
#include "alignscope/image.h"
#include "alignscope/imagefile.h"

#include "fuzzcheck.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    ImageLimits limits;
    limits.maxSide = 2048;
    limits.maxPixels = 1'000'000; // a few bytes of PNG can claim megapixels; keep each run short
    const auto picture = readImageFromMemory({data, size}, "fuzz.png", limits);
    if (!picture.ok()) {
        fuzzcheck::checkRefusal(picture.error(), "fuzz.png");
    } else {
        const RgbImage &p = picture.value();
        if (p.width < 1 || p.height < 1 || p.width > limits.maxSide || p.height > limits.maxSide ||
            (long long)p.width * p.height > limits.maxPixels || p.pixels.size() != std::size_t(p.width) * p.height * 3)
            __builtin_trap();
        ImageProcessorConfig config;
        config.width = 7;
        config.height = 5;
        config.resample = Resample(data[size - 1] % 6); // every filter, picked by the input
        const PixelValues v = pixelValues(p, config);
        if (v.seen.width != 7 || v.seen.height != 5 || v.values.rows() != 3 || v.values.cols() != 35 ||
            !v.values.allFinite())
            __builtin_trap();
    }
    const std::string text(reinterpret_cast<const char *>(data), size);
    if (const auto config = parseImageProcessorConfig(text, "preprocessor_config.json"); !config.ok())
        fuzzcheck::checkRefusal(config.error(), "preprocessor_config.json");
    return 0;
}
