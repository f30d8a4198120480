#pragma once
// Opening models: a model file, a PyTorch tutorial checkpoint or a bundled
// model's name, as the one Seq2Seq interface decoding and the views use.

#include "alignscope/result.h"
#include "alignscope/seq2seq.h"

#include <memory>
#include <string>
#include <vector>

namespace alignscope {

using ModelPtr = std::shared_ptr<const Seq2Seq>;

/// Opens `nameOrPath` (resolveModelPath, then the family that reads the
/// file, or a Hugging Face model folder: alignscope/huggingface.h); every failure names the file and what was wrong. The model's name
/// is set to the file's stem unless the file names itself.
Result<ModelPtr> openModel(const std::string &nameOrPath);

/// Resolves `--model` arguments: a bundled model's name (e.g. "additive")
/// or a path. Returns the path to open.
Result<std::string> resolveModelPath(const std::string &nameOrPath);
/// Names of the bundled models found on this installation.
std::vector<std::string> bundledModelNames();
/// Those of them that read `kind` (the text translators, or the scenes
/// captioner that reads pictures), told by their file's config without loading weights.
std::vector<std::string> bundledModelNames(SourceKind kind);
/// Directory holding the bundled models, empty when none is found.
std::string bundledModelsDir();

} // namespace alignscope
