// RnnModel files: safetensors with the alignscope.* metadata (DESIGN.md).
#include "alignscope/rnnmodel.h"
#include "alignscope/pytorch.h"
#include "alignscope/safetensors.h"

#include "model/network.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace alignscope {

namespace {

const char *kConfigKey = "alignscope.config";
const char *kSourceVocabKey = "alignscope.source_vocab";
const char *kTargetVocabKey = "alignscope.target_vocab";

/// PyTorch stores biases as 1-D tensors; everything else keeps its 2-D shape.
bool isOneDimensional(const std::string &name)
{
    const auto dot = name.rfind('.');
    return name.compare(dot == std::string::npos ? 0 : dot + 1, 4, "bias") == 0;
}

Result<Vocabulary> vocabFromJson(const std::string &file, const std::map<std::string, std::string> &meta,
                                 const char *key, const SpecialIds &specials)
{
    auto it = meta.find(key);
    if (it == meta.end())
        return fileError(file + ": metadata has no \"" + key + "\"; this is not an AlignScope model "
                         "(convert PyTorch checkpoints with `alignscope-cli import`)");
    const auto j = nlohmann::json::parse(it->second, nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.empty())
        return fileError(file + ": metadata \"" + key + "\" must be a non-empty JSON array of strings");
    std::vector<std::string> tokens;
    for (const auto &t : j) {
        if (!t.is_string())
            return fileError(file + ": metadata \"" + key + "\" holds a non-string at index " +
                             std::to_string(tokens.size()));
        tokens.push_back(t.get<std::string>());
    }
    const int n = static_cast<int>(tokens.size());
    for (int id : {specials.pad, specials.sos, specials.eos})
        if (id < 0 || id >= n)
            return fileError(file + ": special token id " + std::to_string(id) + " is outside \"" + key +
                             "\" (" + std::to_string(n) + " tokens)");
    if (specials.unk >= n)
        return fileError(file + ": <unk> id is outside \"" + key + "\"");
    return Vocabulary(std::move(tokens), specials);
}

Result<Matrix> readParameter(const SafetensorsFile &f, const std::string &name, std::pair<int, int> shape)
{
    const TensorInfo *info = f.find(name);
    const std::string where = f.path() + ": tensor \"" + name + "\"";
    const std::string expected = "[" + std::to_string(shape.first) + ", " + std::to_string(shape.second) + "]";
    if (!info)
        return fileError(where + " is missing; the config needs it with shape " + expected);
    const auto &s = info->shape;
    const bool ok = (s.size() == 2 && s[0] == shape.first && s[1] == shape.second) ||
                    (s.size() == 1 && shape.first == 1 && s[0] == shape.second);
    if (!ok) {
        std::string got;
        for (auto d : s)
            got += (got.empty() ? "" : ", ") + std::to_string(d);
        return fileError(where + " has shape [" + got + "] but the config needs " + expected);
    }
    auto t = f.read(name);
    if (!t)
        return t.error();
    return Matrix(Eigen::Map<const Matrix>(t->data.data(), shape.first, shape.second));
}

/// torch.save writes a zip archive (.pt, .pth, the chatbot's .tar); ours never is one.
bool isZipArchive(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    return in.read(magic, 4) && std::memcmp(magic, "PK\x03\x04", 4) == 0;
}

/// A safetensors file with no alignscope.* metadata at all may be a PyTorch state_dict;
/// one with some of it is a damaged AlignScope model and is reported as such.
bool hasAlignScopeMetadata(const std::map<std::string, std::string> &meta)
{
    return std::any_of(meta.begin(), meta.end(), [](const auto &kv) { return kv.first.rfind("alignscope.", 0) == 0; });
}

} // namespace

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
    auto config = configFromJson(cfgIt->second);
    if (!config)
        return fileError(path + ": " + config.error().message);
    auto source = vocabFromJson(path, meta, kSourceVocabKey, config->sourceSpecials);
    if (!source)
        return source.error();
    auto target = vocabFromJson(path, meta, kTargetVocabKey, config->targetSpecials);
    if (!target)
        return target.error();
    const Network<float> net(config.value(), source->size(), target->size());
    ParameterSet<float> params;
    for (const auto &[name, shape] : net.shapes()) {
        auto m = readParameter(file.value(), name, shape);
        if (!m)
            return m.error();
        params.emplace(name, std::move(m.value()));
    }
    RnnModel model(std::move(config.value()), std::move(source.value()), std::move(target.value()), std::move(params));
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
    std::map<std::string, FloatTensor> tensors = extraTensors;
    for (const auto &[name, m] : m_params) {
        FloatTensor t;
        t.shape = isOneDimensional(name) && m.rows() == 1 ? std::vector<std::int64_t>{m.cols()}
                                                          : std::vector<std::int64_t>{m.rows(), m.cols()};
        t.data.assign(m.data(), m.data() + m.size());
        tensors.emplace(name, std::move(t));
    }
    std::map<std::string, std::string> meta = extraMetadata;
    meta[kConfigKey] = configToJson(m_config);
    meta[kSourceVocabKey] = nlohmann::json(m_source.tokens()).dump();
    meta[kTargetVocabKey] = nlohmann::json(m_target.tokens()).dump();
    meta["format"] = "pt";
    return writeSafetensors(path, tensors, meta);
}

} // namespace alignscope
