#pragma once
// --image FILE for translate, compare and export: the picture read by core
// (alignscope/imagefile.h: PNG or JPEG; BadFile, exit 3, when it is not one,
// is damaged or claims too many pixels), then captioned by an image model.

#include "cli/args.h"

#include "alignscope/decode.h"
#include "alignscope/source.h"

namespace alignscope::cli {

/// The picture `--image` names; Usage error when a sentence or --audio is given too.
Result<RgbImage> pictureOf(const Args &args);

/// `translate --image FILE`: the caption, or --json the trace.
int translateImage(const Args &args, const Seq2Seq &model, const DecodeOptions &options, const HeadSelection &selection);

} // namespace alignscope::cli
