// Transformer model files: safetensors with alignscope.* metadata whose
// config names the architecture (see transformerConfigToJson).
#include "alignscope/transformermodel.h"

#include "model/modelfile_p.h"
#include "transformer/network.h"

#include <filesystem>

namespace alignscope {

using namespace modelfile;

namespace {
/// An image model's preprocessing (preprocessor_config.json's fields), so a picture is read as in training.
constexpr const char *kImageProcessorKey = "alignscope.image_processor";
/// An audio model's log-mel front end (preprocessor_config.json's fields), so a clip is read as in training.
constexpr const char *kFeatureExtractorKey = "alignscope.feature_extractor";
} // namespace

Result<TransformerModel> TransformerModel::load(const std::string &path)
{
    auto file = SafetensorsFile::open(path);
    if (!file)
        return file.error();
    const auto &meta = file->metadata();
    auto cfg = meta.find(kConfigKey);
    if (cfg == meta.end())
        return fileError(path + ": metadata has no \"" + std::string(kConfigKey) + "\"; this is not an AlignScope model");
    auto config = transformerConfigFromJson(cfg->second);
    if (!config)
        return fileError(path + ": " + config.error().message);
    if (auto subword = readSubwordModels(file.value(), config->sourceTokenizer, config->targetTokenizer); !subword)
        return subword.error();
    const TransformerSpec spec = config->spec;
    auto parts = readModelParts(file.value(), config->sourceSpecials, config->targetSpecials,
                                [&](int source, int target) { return TransformerNetwork<float>(spec, source, target).shapes(); });
    if (!parts)
        return parts.error();
    TransformerModel model(spec, std::move(parts->source), std::move(parts->target), std::move(parts->params),
                           config->sourceTokenizer, config->targetTokenizer);
    if (auto image = meta.find(kImageProcessorKey); image != meta.end()) {
        auto processor = parseImageProcessorConfig(image->second, path + ": " + kImageProcessorKey);
        if (!processor)
            return processor.error();
        model.setImageProcessor(processor.value());
    }
    if (auto audio = meta.find(kFeatureExtractorKey); audio != meta.end()) {
        auto features = parsePreprocessorConfig(audio->second, path + ": " + kFeatureExtractorKey);
        if (!features)
            return features.error();
        model.setAudioFrontEnd(features.value());
    }
    model.setName(std::filesystem::path(path).stem().string());
    return model;
}

TransformerFileConfig TransformerModel::fileConfig() const
{
    return {m_spec, m_source.specials(), m_target.specials(), m_sourceTokenizer, m_targetTokenizer};
}

Result<void> TransformerModel::save(const std::string &path) const
{
    return save(path, {}, {});
}

Result<void> TransformerModel::save(const std::string &path, const std::map<std::string, FloatTensor> &extraTensors,
                                    const std::map<std::string, std::string> &extraMetadata) const
{
    std::map<std::string, std::string> meta = extraMetadata;
    addSubwordModels(meta, m_sourceTokenizer, m_targetTokenizer);
    if (m_image)
        meta[kImageProcessorKey] = imageProcessorConfigToJson(*m_image);
    if (m_audio)
        meta[kFeatureExtractorKey] = preprocessorConfigToJson(*m_audio);
    return writeModelFile(path, m_params, extraTensors, std::move(meta), transformerConfigToJson(fileConfig()), m_source,
                          m_target);
}

} // namespace alignscope
