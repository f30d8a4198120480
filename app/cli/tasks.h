#pragma once
// Resolving `--task en-fr|dates|FILE` (and its size options) into a core
// TaskRequest and its splits.

#include "alignscope/recipes.h"
#include "cli/args.h"

namespace alignscope::cli {

/// Built-in tasks by name (sizes and seed from --train-size, --task-seed, ...)
/// or a TSV / eng-fra file split 90/5/5 by a seeded shuffle.
Result<PreparedTask> loadTask(const Args &args);

} // namespace alignscope::cli
