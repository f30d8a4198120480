#pragma once
// Resolving `--task en-fr|dates|FILE` into train/dev/test splits.

#include "alignscope/tasks.h"
#include "cli/args.h"

namespace alignscope::cli {

struct TaskInfo {
    std::string name;
    TokenizerOptions sourceTokenizer;
    TokenizerOptions targetTokenizer;
    int maxSourceLength = 64;
};

struct LoadedTask {
    TaskInfo info;
    TaskSplits splits;
};

/// Built-in tasks by name (sizes and seed from --train-size, --task-seed, ...)
/// or a TSV / eng-fra file split 90/5/5 by a seeded shuffle.
Result<LoadedTask> loadTask(const Args &args);

} // namespace alignscope::cli
