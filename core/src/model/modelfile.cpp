// RnnModel files: safetensors with the alignscope.* metadata (DESIGN.md).
#include "alignscope/rnnmodel.h"
#include "alignscope/pytorch.h"
#include "alignscope/safetensors.h"
#include "alignscope/transformer.h"

#include "model/modelfile_p.h"
#include "model/network.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace alignscope {

using namespace modelfile;


bool RnnModel::isModelFile(const std::string &path)
{
    if (isZipArchive(path))
        return false;
    auto file = SafetensorsFile::open(path);
    return file && hasAlignScopeMetadata(file->metadata());
}

Result<RnnModel> RnnModel::load(const std::string &path)
{
    if (isZipArchive(path))
        return openPyTorchModel(path);
    auto file = SafetensorsFile::open(path);
    if (!file)
        return file.error();
    const auto &meta = file->metadata();
    if (!hasAlignScopeMetadata(meta))
        return openPyTorchModel(path);
    auto cfgIt = meta.find(kConfigKey);
    if (cfgIt == meta.end())
        return fileError(path + ": metadata has no \"" + std::string(kConfigKey) +
                         "\"; this is not an AlignScope model (convert PyTorch files with `alignscope-cli import`)");
    if (isTransformerConfig(cfgIt->second))
        return fileError(path + ": a Transformer model; open it with --model (translate, export, compare, inspect) "
                         "or in the window: this command handles RNN models only");
    auto config = configFromJson(cfgIt->second);
    if (!config)
        return fileError(path + ": " + config.error().message);
    if (auto subword = readSubwordModels(file.value(), config->sourceTokenizer, config->targetTokenizer); !subword)
        return subword.error();
    auto parts = readModelParts(file.value(), config->sourceSpecials, config->targetSpecials,
                                [&](int source, int target) { return Network<float>(config.value(), source, target).shapes(); });
    if (!parts)
        return parts.error();
    RnnModel model(std::move(config.value()), std::move(parts->source), std::move(parts->target),
                   std::move(parts->params));
    model.setName(std::filesystem::path(path).stem().string());
    return model;
}

Result<void> RnnModel::save(const std::string &path) const
{
    return save(path, {}, {});
}

Result<void> RnnModel::save(const std::string &path, const std::map<std::string, FloatTensor> &extraTensors,
                         const std::map<std::string, std::string> &extraMetadata) const
{
    std::map<std::string, std::string> meta = extraMetadata;
    addSubwordModels(meta, m_config.sourceTokenizer, m_config.targetTokenizer);
    return writeModelFile(path, m_params, extraTensors, std::move(meta), configToJson(m_config), m_source, m_target);
}

} // namespace alignscope
