#pragma once
// The model options `init` and `train` share: --encoder, --decoder,
// --scorer, --local/--window, sizes and layers.

#include "alignscope/config.h"
#include "alignscope/recipes.h"
#include "alignscope/seq2seq.h"
#include "cli/args.h"

#include <iterator>

namespace alignscope::cli {

/// Option names modelConfigFromArgs reads (add them to a command's spec).
inline const char *const kModelValueOptions[] = {"encoder", "decoder", "scorer", "local", "window",
                                                 "embedding", "hidden", "layers", "attention-dim",
                                                 "max-source-length", "dropout"};

/// The options read onto `recipe` (a task's tokenizers and source length
/// already set) and built by buildRnnConfig. `requireKinds`: --encoder,
/// --decoder and --scorer must be given (init); otherwise they default to
/// bigru, bahdanau, additive.
Result<ModelConfig> modelConfigFromArgs(const Args &a, bool requireKinds, RnnRecipe recipe = {});

/// Options `init --encoder transformer` reads (values; --gated-ffn is a flag).
inline const char *const kTransformerValueOptions[] = {"heads", "d-model", "ffn", "norm", "norm-kind", "positions",
                                                       "activation"};

/// Options of the other family are a usage error (not silently ignored):
/// --decoder, --scorer, ... for a Transformer; --heads, --d-model, ... for
/// an RNN.
Result<void> checkFamilyOptions(const Args &a, bool transformer);

/// The Transformer spec of `init --encoder transformer` (--layers, --heads,
/// --d-model, --ffn, --norm pre|post, --norm-kind layer|rms, --positions,
/// --activation, --gated-ffn).
Result<TransformerSpec> transformerSpecFromArgs(const Args &a);

/// Option names headSelectionFromArgs reads.
inline const char *const kHeadOptions[] = {"layer", "head"};

/// `--layer L --head H|mean|max` checked against every model given (each
/// must have that layer and head); the default is the mean over the last
/// layer's heads.
Result<HeadSelection> headSelectionFromArgs(const Args &a, const std::vector<const Seq2Seq *> &models);

/// Option names interventionFromArgs reads (values; each may repeat).
inline const char *const kInterventionOptions[] = {"edit-attention", "drop-source", "ablate-heads"};

/// `--edit-attention STEP:POS` (1-based step, 0-based position), `--drop-source POS`
/// and `--ablate-heads L:H,L:*` (1-based) for `model`; positions are checked
/// against each sentence when it is decoded.
Result<Intervention> interventionFromArgs(const Args &a, const Seq2Seq &model);

} // namespace alignscope::cli
