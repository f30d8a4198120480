#pragma once
// Built-in tasks, deterministic by seed: the EN->FR synchronous grammar with
// gold word alignments, and character-level date normalisation.

#include "alignscope/corpus.h"

namespace alignscope {

struct TaskSplits {
    Corpus train;
    Corpus dev;
    Corpus test;
};

struct TaskOptions {
    unsigned seed = 1;
    int trainSize = 30000;
    int devSize = 500;
    int testSize = 500;
};

/// EN->FR pairs with gold alignments. The seed sentence "the cat sat on the
/// mat" and the dev/test pairs never occur in train.
TaskSplits makeEnFrTask(const TaskOptions &options = {});
/// Character-level dates ("march 3rd, 2021" -> "2021-03-03"), source and
/// target tokenised per character, with gold alignments.
TaskSplits makeDatesTask(const TaskOptions &options = {});

/// The held-out seed pair of the EN->FR task.
SentencePair enFrSeedPair();

} // namespace alignscope
