#pragma once
// The model options `init` and `train` share: --encoder, --decoder,
// --scorer, --local/--window, sizes and layers.

#include "alignscope/config.h"
#include "cli/args.h"

#include <iterator>

namespace alignscope::cli {

/// Option names modelConfigFromArgs reads (add them to a command's spec).
inline const char *const kModelValueOptions[] = {"encoder", "decoder", "scorer", "local", "window",
                                                 "embedding", "hidden", "layers", "attention-dim",
                                                 "max-source-length", "dropout"};

/// A validated config. `requireKinds`: --encoder, --decoder and --scorer
/// must be given (init); otherwise they default to bigru, bahdanau, additive.
/// The decoder is as wide as --hidden, except for dot and scaled-dot scores,
/// which compare the query with h_j directly and so take the encoder's state size.
Result<ModelConfig> modelConfigFromArgs(const Args &a, bool requireKinds, int defaultMaxSourceLength);

} // namespace alignscope::cli
