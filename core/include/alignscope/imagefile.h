#pragma once
// Pictures in: PNG (libpng) and JPEG (libjpeg-turbo) decoded into 8-bit RGB
// as transformers' load_image(...).convert("RGB") gives them: alpha dropped
// (not blended), grey and palette pictures made RGB, 16-bit samples keep
// their high byte. Every file is treated as hostile: the size a header
// claims is checked before any pixel memory is allocated, a picture cut
// short is refused (as Pillow refuses it), and each failure is one line
// naming the input (ErrorKind::BadFile, exit 3 in the CLI). The CLI's
// --image, the window and the fuzz target share this one reader.

#include "alignscope/result.h"
#include "alignscope/source.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace alignscope {

/// What the reader accepts: larger pictures are refused from their header
/// (the defaults: 150 MB of RGB at most).
struct ImageLimits {
    int maxSide = 16384;               ///< pixels a side
    long long maxPixels = 50'000'000;  ///< width × height
};

/// The picture at `path`. BadFile errors start with `path`: not a PNG or
/// JPEG, damaged or cut short, a CMYK JPEG, or a size beyond `limits`.
Result<RgbImage> readImageFile(const std::string &path, const ImageLimits &limits = {});

/// The same from bytes in memory (fuzzing, pasted pictures); `label` names
/// the input in errors.
Result<RgbImage> readImageFromMemory(std::span<const std::uint8_t> bytes, const std::string &label,
                                     const ImageLimits &limits = {});

} // namespace alignscope
