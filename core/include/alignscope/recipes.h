#pragma once
// Recipes: the few choices a user makes to train a model (a task and an
// RNN's shape), turned into splits and a ModelConfig in one place for the
// CLI (`train`, `init`, `eval`) and the window's Training tab.

#include "alignscope/config.h"
#include "alignscope/corpus.h"
#include "alignscope/image.h"
#include "alignscope/logmel.h"
#include "alignscope/result.h"
#include "alignscope/tasks.h"
#include "alignscope/transformer.h"

#include <optional>
#include <string>

namespace alignscope {

/// A built-in task ("en-fr", "dates", "scenes") or a corpus file, and its sizes.
struct TaskRequest {
    std::string name = "en-fr";     ///< "en-fr", "dates", "scenes", or a corpus file's path
    std::string format = "tsv";     ///< a file's format: "tsv", "eng-fra" or "audio-tsv" (clip, transcript)
    EngFraDirection direction = EngFraDirection::EnglishToFrench;
    unsigned seed = 1;
    int trainSize = -1;             ///< -1: the task's default (en-fr 30,000, dates 20,000, scenes 20,000, a file: all)
    int devSize = 500;              ///< built-in tasks; a file keeps 5 % each for dev and test
    int testSize = 500;
};

/// A task ready to train on: splits plus what the model must be built with.
struct PreparedTask {
    std::string name;
    TaskSplits splits;
    TokenizerOptions sourceTokenizer;
    TokenizerOptions targetTokenizer;
    int maxSourceLength = 64;       ///< the location scorer's fixed length
    /// Image tasks (scenes): how the model reads its pictures; a Transformer
    /// with an image encoder of that size is built for it.
    std::optional<ImageProcessorConfig> image;
    /// Speech tasks (an audio-tsv manifest): the log-mel front end its clips
    /// go through; a Transformer with an audio encoder is built for it.
    std::optional<WhisperFeatureConfig> audio;
};

/// Makes the splits of `request`; a file is shuffled with the seed and split
/// 90/5/5. Errors name the file or the option.
Result<PreparedTask> prepareTask(const TaskRequest &request);

/// The tokenizer `train --tokenizer` and the Training tab ask for.
struct TokenizerRequest {
    std::string kind;               ///< "" (the task's own), word, char, bpe or unigram
    int vocabSize = 8000;           ///< bpe/unigram: pieces per model at most
    bool shared = false;            ///< bpe/unigram: one model for source and target
};

/// Gives the task `request`'s tokenizers: for bpe and unigram, SentencePiece
/// models trained (in memory, deterministically) on the training split, the
/// source and target sides apart or, when shared, together. Every split is
/// re-tokenised; gold links are dropped with a subword tokenizer (they index
/// words). Usage errors name the option.
Result<void> applyTokenizer(PreparedTask &task, const TokenizerRequest &request);

/// Every pair's tokens made again from its text with these tokenizers; gold
/// links are dropped when either side is a subword one.
void retokenise(Corpus &corpus, const TokenizerOptions &source, const TokenizerOptions &target);

/// "word", "char", "bpe", "unigram", "pytorch-tutorial".
const char *tokenizerName(const TokenizerOptions &tokenizer);

/// The shape of an RNN model as `train`/`init` and the Training tab ask for it.
struct RnnRecipe {
    std::string encoder = "bigru";  ///< gru | bigru | lstm | bilstm
    std::string decoder = "bahdanau";
    std::string scorer = "additive";
    std::string local;              ///< "", "m" or "p"
    int window = 3;
    int embedding = 64;
    int hidden = 128;
    int layers = 1;
    int attentionDim = 0;           ///< 0: the hidden size
    int maxSourceLength = 64;
    float dropout = 0.1f;
    TokenizerOptions sourceTokenizer;
    TokenizerOptions targetTokenizer;

    /// Takes the task's tokenizers and fixed source length.
    RnnRecipe &forTask(const PreparedTask &task);
};

/// The validated ModelConfig of a recipe (dot scorers get a decoder as wide
/// as the encoder's states); usage errors name the option.
Result<ModelConfig> buildRnnConfig(const RnnRecipe &recipe);

/// The shape of a Transformer as `init --encoder transformer` asks for it.
struct TransformerRecipe {
    int layers = 2;                 ///< encoder and decoder layers each
    int heads = 4;
    int dModel = 64;
    int ffn = 0;                    ///< 0: 4 × d-model
    std::string norm = "pre";       ///< pre | post
    std::string normKind = "layer"; ///< layer | rms
    std::string positions = "sinusoidal";
    std::string activation = "relu";
    bool gatedFeedForward = false;
};

/// `spec` with an image encoder for pictures as `image` makes them: its
/// size cut into `patchSize` patches, [CLS] and learned positions (the
/// decoder's positions become learned too). Usage errors name --patch.
Result<TransformerSpec> imageEncoderSpec(TransformerSpec spec, const ImageProcessorConfig &image, int patchSize);

/// How AlignScope's own speech models hear: Whisper's front end with 40 mel
/// bins, each clip at its own length (up to a 10 s window, not padded to it).
WhisperFeatureConfig speechFeatureConfig();
/// `spec` with a Whisper-style audio encoder for features as `features`
/// makes them: two convolutions (the second of stride 2), learned positions
/// over the window's frames; the decoder's positions become learned too.
Result<TransformerSpec> audioEncoderSpec(TransformerSpec spec, const WhisperFeatureConfig &features);

/// The validated spec of a recipe (T5's choices follow from "relative":
/// unscaled attention is not implied; the recipe says what it says).
Result<TransformerSpec> buildTransformerSpec(const TransformerRecipe &recipe);

} // namespace alignscope
