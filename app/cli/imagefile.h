#pragma once
// --image FILE: PNG and JPEG pictures decoded here (libpng, libjpeg-turbo),
// in every build, so the headless CLI reads the same pixels as the one built
// with the window; core receives them as an RgbImage. As transformers'
// load_image(...).convert("RGB"): alpha is dropped (not blended), grey and
// palette pictures become RGB, 16-bit samples keep their high byte.

#include "cli/args.h"

#include "alignscope/decode.h"
#include "alignscope/source.h"

namespace alignscope::cli {

/// Pictures larger than this are refused from their header, before any
/// pixel memory is allocated (150 MB of RGB at most).
constexpr int kMaxImageSide = 16384;
constexpr long long kMaxImagePixels = 50'000'000;

/// The picture at `path`; BadFile (one line naming the file) when it is not
/// a PNG or JPEG, is damaged or cut short, or claims a size beyond the limits.
Result<RgbImage> readImageFile(const std::string &path);

/// `translate --image FILE`: the caption, or --json the trace.
int translateImage(const Args &args, const Seq2Seq &model, const DecodeOptions &options, const HeadSelection &selection);

} // namespace alignscope::cli
