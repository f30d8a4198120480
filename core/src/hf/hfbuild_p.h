#pragma once
// A TransformerModel from a parsed config, tensors found under transformers'
// names and a tokenizer: what a Hugging Face folder and a whisper.cpp file
// (whose tensors are renamed to transformers' on reading) both become.

#include "alignscope/huggingface.h"
#include "alignscope/hftokenizer.h"
#include "hf/hfconfig_p.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace alignscope::hf {

/// Where the weights come from, by transformers' tensor names.
struct TensorLookup {
    std::string description; ///< "model.safetensors", "ggml-base.bin"
    std::function<bool(const std::string &)> has;
    std::function<std::vector<std::int64_t>(const std::string &)> shape; ///< outermost first
    std::function<Result<void>(const std::string &, float *)> readInto;  ///< as float32, the shape's element count
};

/// Every parameter config.spec needs, read and shape-checked; the
/// vocabularies from the tokenizer; generation settings (and Whisper's prompt
/// chooser) from the config; the description. `label` starts every error.
/// The caller sets what its source adds (a Whisper front end, an image processor).
Result<std::shared_ptr<TransformerModel>> buildModel(const ModelConfig &config, const TensorLookup &tensors,
                                                     std::shared_ptr<const HfTokenizer> tokenizer,
                                                     const std::string &label, const HuggingFaceOpenOptions &options);

} // namespace alignscope::hf
