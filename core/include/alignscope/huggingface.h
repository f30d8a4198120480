#pragma once
// Hugging Face model folders, as `save_pretrained` writes them and as they
// sit in the Hub cache: config.json (+ generation_config.json), the weights
// (model.safetensors, pytorch_model.bin, or shards named by an
// *.index.json) and the tokenizer's files. T5 / flan-T5, BART, Marian and
// Whisper open as TransformerModels that tokenize (or, for Whisper, take an
// audio clip through preprocessor_config.json's log-mel front end),
// generate and detokenize as transformers does. Nothing in a folder is executed: configs are JSON,
// weights are tensors, pickles are read by the restricted unpickler.

#include "alignscope/result.h"
#include "alignscope/transformermodel.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace alignscope {

/// Whether `path` is a folder with a config.json (a candidate to open as a
/// Hugging Face model; opening says whether it is one AlignScope knows).
bool isHuggingFaceFolder(const std::string &path);

struct HuggingFaceOpenOptions {
    /// Called with the fraction of the weights read so far (0..1), from the opening thread.
    std::function<void(double)> progress;
    /// Set to stop opening; the result is then a Cancelled error.
    const std::atomic<bool> *cancel = nullptr;
};

/// Opens a T5ForConditionalGeneration, BartForConditionalGeneration,
/// MarianMTModel or WhisperForConditionalGeneration folder. Every failure is one line naming the file and what
/// was wrong (BadFile): an unknown model type, a missing tensor or shard, a
/// shape that disagrees with config.json, sizes beyond reason, a shard
/// outside the folder, a malformed tokenizer file.
Result<std::shared_ptr<TransformerModel>> openHuggingFaceModel(const std::string &folder,
                                                               const HuggingFaceOpenOptions &options = {});

/// One model snapshot in the Hugging Face cache.
struct HuggingFaceCachedModel {
    std::string repository; ///< "google/flan-t5-small"
    std::string revision;   ///< the snapshot's commit hash
    std::string path;       ///< the snapshot folder
    bool current = false;   ///< the revision refs/main points at
};

/// The cache folder transformers reads: $HF_HUB_CACHE, else $HF_HOME/hub,
/// else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
std::string huggingFaceCacheDir();
/// Every snapshot in `cacheDir` (default: huggingFaceCacheDir()) that has a
/// config.json, sorted by repository id (current revision first).
std::vector<HuggingFaceCachedModel> listHuggingFaceCache(const std::string &cacheDir = {});

} // namespace alignscope
