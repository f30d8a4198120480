// The model-file pieces every family shares.
#include "model/modelfile_p.h"

#include "alignscope/subword.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>

namespace alignscope::modelfile {

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

namespace {

const char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string toBase64(const std::string &bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t n = std::min<size_t>(3, bytes.size() - i);
        std::uint32_t v = 0;
        for (size_t k = 0; k < 3; ++k)
            v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
        for (size_t k = 0; k < 4; ++k)
            out += k <= n ? kBase64[(v >> (18 - 6 * k)) & 63] : '=';
    }
    return out;
}

/// Bytes of base64 `text`; nothing when it is not base64.
std::optional<std::string> fromBase64(const std::string &text)
{
    if (text.size() % 4 != 0)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t v = 0;
        int padding = 0;
        for (size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            const char *at = c ? std::strchr(kBase64, c) : nullptr;
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                ++padding;
                v <<= 6;
                continue;
            }
            if (!at || padding)
                return std::nullopt;
            v = (v << 6) | std::uint32_t(at - kBase64);
        }
        for (int k = 0; k < 3 - padding; ++k)
            out += static_cast<char>((v >> (16 - 8 * k)) & 0xff);
    }
    return out;
}

Result<void> readSubwordModel(const SafetensorsFile &file, const char *key, const char *side, TokenizerOptions &t)
{
    if (!isSubword(t.mode))
        return {};
    const auto &meta = file.metadata();
    const auto it = meta.find(key);
    const std::string where = file.path() + ": metadata \"" + key + "\"";
    if (it == meta.end())
        return fileError(file.path() + ": the " + side + " tokenizer is a subword one but metadata has no \"" + key +
                         "\" (the SentencePiece model); the file is damaged");
    auto bytes = fromBase64(it->second);
    if (!bytes)
        return fileError(where + " is not base64; the file is damaged");
    auto model = SubwordModel::fromProto(std::move(bytes).value(), where);
    if (!model)
        return model.error();
    t.subword = std::move(model).value();
    return {};
}

} // namespace

Result<void> readSubwordModels(const SafetensorsFile &file, TokenizerOptions &source, TokenizerOptions &target)
{
    if (auto r = readSubwordModel(file, kSourceSubwordKey, "source", source); !r)
        return r;
    return readSubwordModel(file, kTargetSubwordKey, "target", target);
}

void addSubwordModels(std::map<std::string, std::string> &meta, const TokenizerOptions &source,
                      const TokenizerOptions &target)
{
    if (isSubword(source.mode) && source.subword)
        meta[kSourceSubwordKey] = toBase64(source.subword->proto());
    if (isSubword(target.mode) && target.subword)
        meta[kTargetSubwordKey] = toBase64(target.subword->proto());
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

Result<ModelParts> readModelParts(const SafetensorsFile &file, const SpecialIds &sourceSpecials,
                                  const SpecialIds &targetSpecials,
                                  const std::function<std::map<std::string, std::pair<int, int>>(int, int)> &shapesFor)
{
    const std::string &path = file.path();
    auto source = vocabFromJson(path, file.metadata(), kSourceVocabKey, sourceSpecials);
    if (!source)
        return source.error();
    auto target = vocabFromJson(path, file.metadata(), kTargetVocabKey, targetSpecials);
    if (!target)
        return target.error();
    ModelParts parts{std::move(source.value()), std::move(target.value()), {}};
    for (const auto &[name, shape] : shapesFor(parts.source.size(), parts.target.size())) {
        auto m = readParameter(file, name, shape);
        if (!m)
            return m.error();
        parts.params.emplace(name, std::move(m.value()));
    }
    return parts;
}

Result<void> writeModelFile(const std::string &path, const std::map<std::string, Matrix> &params,
                            std::map<std::string, FloatTensor> tensors, std::map<std::string, std::string> meta,
                            const std::string &config, const Vocabulary &source, const Vocabulary &target)
{
    for (const auto &[name, m] : params) {
        FloatTensor t;
        t.shape = isOneDimensional(name) && m.rows() == 1 ? std::vector<std::int64_t>{m.cols()}
                                                          : std::vector<std::int64_t>{m.rows(), m.cols()};
        t.data.assign(m.data(), m.data() + m.size());
        tensors.emplace(name, std::move(t));
    }
    meta[kConfigKey] = config;
    meta[kSourceVocabKey] = nlohmann::json(source.tokens()).dump();
    meta[kTargetVocabKey] = nlohmann::json(target.tokens()).dump();
    meta["format"] = "pt";
    return writeSafetensors(path, tensors, meta);
}

} // namespace alignscope::modelfile
