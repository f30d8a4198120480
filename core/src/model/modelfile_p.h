#pragma once
// What every family's model file shares: safetensors with alignscope.*
// metadata (the config JSON and both vocabularies, DESIGN.md), tensors
// checked against the shapes the config needs.

#include "alignscope/safetensors.h"
#include "alignscope/tensor.h"
#include "alignscope/tokenizer.h"
#include "alignscope/vocabulary.h"

#include <functional>
#include <map>
#include <string>
#include <utility>

namespace alignscope::modelfile {

inline const char *const kConfigKey = "alignscope.config";
inline const char *const kSourceVocabKey = "alignscope.source_vocab";
inline const char *const kTargetVocabKey = "alignscope.target_vocab";
/// Bpe/Unigram tokenizers: the SentencePiece ModelProto, base64.
inline const char *const kSourceSubwordKey = "alignscope.source_subword";
inline const char *const kTargetSubwordKey = "alignscope.target_subword";

/// PyTorch stores biases as 1-D tensors; everything else keeps its 2-D shape.
bool isOneDimensional(const std::string &name);
/// A vocabulary from metadata `key` (a JSON array), checked against the special ids.
Result<Vocabulary> vocabFromJson(const std::string &file, const std::map<std::string, std::string> &meta,
                                 const char *key, const SpecialIds &specials);
/// Tensor `name` with exactly `shape` (a bias may be 1-D); errors name the file and the tensor.
Result<Matrix> readParameter(const SafetensorsFile &f, const std::string &name, std::pair<int, int> shape);
/// Both vocabularies and every parameter `shapesFor(sourceSize, targetSize)`
/// names, checked; what a family's load() needs besides its config.
struct ModelParts {
    Vocabulary source;
    Vocabulary target;
    std::map<std::string, Matrix> params;
};
Result<ModelParts> readModelParts(const SafetensorsFile &file, const SpecialIds &sourceSpecials,
                                  const SpecialIds &targetSpecials,
                                  const std::function<std::map<std::string, std::pair<int, int>>(int, int)> &shapesFor);

/// Gives a Bpe/Unigram tokenizer the SentencePiece model the file stores
/// (other tokenizers need none); errors name the file and the key.
Result<void> readSubwordModels(const SafetensorsFile &file, TokenizerOptions &source, TokenizerOptions &target);
/// The metadata entries of the tokenizers' SentencePiece models, added to `meta`.
void addSubwordModels(std::map<std::string, std::string> &meta, const TokenizerOptions &source,
                      const TokenizerOptions &target);

/// torch.save writes a zip archive (.pt, .pth, the chatbot's .tar); ours never is one.
bool isZipArchive(const std::string &path);
/// A safetensors file with no alignscope.* metadata at all may be a PyTorch state_dict;
/// one with some of it is a damaged AlignScope model and is reported as such.
bool hasAlignScopeMetadata(const std::map<std::string, std::string> &meta);
/// Parameters, config and vocabularies written atomically as a model file.
Result<void> writeModelFile(const std::string &path, const std::map<std::string, Matrix> &params,
                            std::map<std::string, FloatTensor> tensors, std::map<std::string, std::string> meta,
                            const std::string &config, const Vocabulary &source, const Vocabulary &target);

} // namespace alignscope::modelfile
