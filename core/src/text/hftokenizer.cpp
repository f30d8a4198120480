// loadHfTokenizer(): which family reads a folder, and the vocab.json reader
// the BPE and Marian families share.

#include "alignscope/hftokenizer.h"

#include "text/hfmodels_p.h"
#include "text/hfslow_p.h"

#include <nlohmann/json.hpp>

namespace alignscope {
namespace hftok {

constexpr size_t kVocabularyLimit = 64u << 20;
constexpr size_t kMaxEntries = 1u << 22;
constexpr long long kMaxId = 1 << 24;

std::vector<std::string> tokensOf(const JsonVocabulary &vocabulary)
{
    std::vector<std::string> out;
    out.reserve(vocabulary.ids.size());
    for (const auto &[token, id] : vocabulary.ids)
        out.push_back(token);
    return out;
}

Result<JsonVocabulary> readVocabularyJson(const std::string &path)
{
    auto bytes = readFileCapped(path, kVocabularyLimit);
    if (!bytes)
        return bytes.error();
    const auto value = nlohmann::json::parse(*bytes, nullptr, false);
    if (value.is_discarded())
        return fileError(path + ": not valid JSON");
    if (!value.is_object())
        return fileError(path + ": expected a JSON object of token -> id");
    if (value.size() > kMaxEntries)
        return fileError(path + ": more than " + std::to_string(kMaxEntries) + " tokens; not a vocabulary");
    JsonVocabulary vocabulary;
    vocabulary.ids.reserve(value.size());
    for (const auto &[token, id] : value.items()) {
        if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() >= kMaxId)
            return fileError(path + ": the id of \"" + token + "\" is not a whole number from 0 to "
                             + std::to_string(kMaxId - 1));
        vocabulary.ids[token] = int(id.get<long long>());
        vocabulary.tokens[int(id.get<long long>())] = token;
    }
    return vocabulary;
}

} // namespace hftok

Result<std::unique_ptr<HfTokenizer>> loadHfTokenizer(const std::string &folder, const std::string &modelType)
{
    if (modelType == "t5")
        return hftok::loadT5Tokenizer(folder);
    if (modelType == "marian")
        return hftok::loadMarianTokenizer(folder);
    if (modelType == "bart")
        return hftok::loadByteBpeTokenizer(folder, hftok::ByteBpeFlavour::Bart);
    if (modelType == "gpt2")
        return hftok::loadByteBpeTokenizer(folder, hftok::ByteBpeFlavour::Gpt2);
    if (modelType == "whisper")
        return hftok::loadByteBpeTokenizer(folder, hftok::ByteBpeFlavour::Whisper);
    return usageError(folder + "/config.json: no tokenizer for model_type \"" + modelType
                      + "\" (known: t5, bart, marian, gpt2, whisper)");
}

} // namespace alignscope
