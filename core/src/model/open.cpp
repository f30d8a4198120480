// Opening a model by name or path, and where the bundled models are found.
#include "alignscope/model.h"

#include "alignscope/ggml.h"
#include "alignscope/huggingface.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/safetensors.h"
#include "alignscope/transformermodel.h"

#include "model/modelfile_p.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace alignscope {

namespace fs = std::filesystem;

Result<ModelPtr> openModel(const std::string &nameOrPath)
{
    auto path = resolveModelPath(nameOrPath);
    if (!path)
        return path.error();
    // A folder is a Hugging Face model (config.json, weights, tokenizer).
    std::error_code ec;
    if (fs::is_directory(path.value(), ec)) {
        if (!isHuggingFaceFolder(path.value()))
            return fileError(path.value() + ": is a folder without config.json, not a Hugging Face model folder; "
                                            "choose a model file (.safetensors, .pt) or a folder with config.json");
        auto model = openHuggingFaceModel(path.value());
        if (!model)
            return model.error();
        return ModelPtr(std::move(model).value());
    }
    // A whisper.cpp file (ggml-*.bin) starts with its magic.
    if (isGgmlFile(path.value())) {
        auto model = openGgmlWhisperModel(path.value());
        if (!model)
            return model.error();
        return ModelPtr(std::move(model).value());
    }
    // A model file says its architecture in its config (RNN configs have
    // none); anything else is the RNN family's: an AlignScope RNN model or a
    // PyTorch tutorial checkpoint. Other families add their readers here.
    if (auto file = SafetensorsFile::open(path.value())) {
        const auto &meta = file->metadata();
        if (auto cfg = meta.find(modelfile::kConfigKey); cfg != meta.end() && isTransformerConfig(cfg->second)) {
            auto model = TransformerModel::load(path.value());
            if (!model)
                return model.error();
            return ModelPtr(std::make_shared<TransformerModel>(std::move(model).value()));
        }
    }
    auto model = RnnModel::load(path.value());
    if (!model)
        return model.error();
    return ModelPtr(std::make_shared<RnnModel>(std::move(model).value()));
}

std::string bundledModelsDir()
{
    std::vector<fs::path> candidates;
    if (const char *env = std::getenv("ALIGNSCOPE_MODELS_DIR"))
        candidates.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        // Installed: <prefix>/bin/alignscope -> <prefix>/share/alignscope/models.
        candidates.push_back(exe.parent_path().parent_path() / "share/alignscope/models");
        candidates.push_back(exe.parent_path() / "models");
    }
    candidates.emplace_back(ALIGNSCOPE_SOURCE_MODELS_DIR);
    for (const fs::path &c : candidates)
        if (fs::is_directory(c, ec))
            return c.string();
    return {};
}

std::vector<std::string> bundledModelNames()
{
    std::vector<std::string> names;
    const std::string dir = bundledModelsDir();
    if (dir.empty())
        return names;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".safetensors")
            names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> bundledModelNames(SourceKind kind)
{
    std::vector<std::string> names;
    for (const std::string &n : bundledModelNames()) {
        SourceKind reads = SourceKind::Text; // RNN configs have no architecture and read text
        if (auto file = SafetensorsFile::open((fs::path(bundledModelsDir()) / (n + ".safetensors")).string())) {
            const auto &meta = file->metadata();
            if (auto cfg = meta.find(modelfile::kConfigKey); cfg != meta.end() && isTransformerConfig(cfg->second))
                if (auto config = transformerConfigFromJson(cfg->second))
                    reads = config->spec.patchSize > 0 ? SourceKind::Image
                            : config->spec.melBins > 0 ? SourceKind::Audio
                                                       : SourceKind::Text;
        }
        if (reads == kind)
            names.push_back(n);
    }
    return names;
}

Result<std::string> resolveModelPath(const std::string &nameOrPath)
{
    std::error_code ec;
    if (fs::exists(nameOrPath, ec))
        return nameOrPath;
    const std::string dir = bundledModelsDir();
    if (!dir.empty() && nameOrPath.find('/') == std::string::npos) {
        const fs::path p = fs::path(dir) / (nameOrPath + ".safetensors");
        if (fs::exists(p, ec))
            return p.string();
    }
    std::string known;
    for (const auto &n : bundledModelNames())
        known += (known.empty() ? "" : ", ") + n;
    return fileError(nameOrPath + ": no such model file or bundled model" +
                     (known.empty() ? std::string(" (no bundled models installed)") : " (bundled: " + known + ")"));
}

} // namespace alignscope
