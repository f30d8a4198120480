// tokenizer_config.json and its legacy companions (special_tokens_map.json,
// added_tokens.json), read the way transformers 4.36's from_pretrained
// combines them: a folder that has added_tokens_decoder takes its added
// tokens and special-token attributes from tokenizer_config.json alone; an
// older folder lets special_tokens_map.json override the attributes and
// adds added_tokens.json's tokens with no stripping.

#include "text/hfslow_p.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace alignscope::hftok {
namespace {

using json = nlohmann::json;

constexpr size_t kConfigLimit = 16u << 20;
constexpr int kMaxId = 1 << 24;

struct JsonFile {
    std::string path;
    json value;
};

/// The file parsed as a JSON object; nullopt when it does not exist.
Result<std::optional<JsonFile>> readJsonObject(const std::string &path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return std::optional<JsonFile>();
    auto bytes = readFileCapped(path, kConfigLimit);
    if (!bytes)
        return bytes.error();
    json value = json::parse(*bytes, nullptr, false);
    if (value.is_discarded())
        return fileError(path + ": not valid JSON");
    if (!value.is_object())
        return fileError(path + ": expected a JSON object");
    return std::optional<JsonFile>(JsonFile{path, std::move(value)});
}

Result<bool> flag(const JsonFile &file, const json &object, const char *key, bool fallback)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return fallback;
    if (!it->is_boolean())
        return fileError(file.path + ": \"" + key + "\" must be true or false");
    return it->get<bool>();
}

/// A token given as "<s>" or as {"content": "<s>", "lstrip": ...}.
Result<AddedToken> tokenValue(const JsonFile &file, const json &value, const std::string &field)
{
    if (value.is_string())
        return AddedToken{value.get<std::string>()};
    const auto content = value.is_object() ? value.find("content") : value.end();
    if (!value.is_object() || content == value.end() || !content->is_string())
        return fileError(file.path + ": \"" + field + "\" must be a string or an object with a \"content\" string");
    AddedToken token{content->get<std::string>()};
    auto lstrip = flag(file, value, "lstrip", false), rstrip = flag(file, value, "rstrip", false);
    auto single = flag(file, value, "single_word", false), special = flag(file, value, "special", false);
    for (const auto *r : {&lstrip, &rstrip, &single, &special})
        if (!*r)
            return r->error();
    token.lstrip = *lstrip;
    token.rstrip = *rstrip;
    token.singleWord = *single;
    token.special = *special;
    if (firstInvalidUtf8(token.content) >= 0)
        return fileError(file.path + ": \"" + field + "\" is not valid UTF-8");
    return token;
}

/// The special-token attributes a file sets; `overrideAll`: an explicit
/// null unsets the attribute.
Result<void> readSpecials(const JsonFile &file, TokenizerConfig &config, bool mergeAdditional)
{
    static const std::pair<const char *, std::optional<std::string> SpecialTokens::*> kAttributes[] = {
        {"bos_token", &SpecialTokens::bos}, {"eos_token", &SpecialTokens::eos}, {"unk_token", &SpecialTokens::unk},
        {"sep_token", &SpecialTokens::sep}, {"pad_token", &SpecialTokens::pad}, {"cls_token", &SpecialTokens::cls},
        {"mask_token", &SpecialTokens::mask}};
    for (const auto &[key, member] : kAttributes) {
        const auto it = file.value.find(key);
        if (it == file.value.end())
            continue;
        if (it->is_null()) {
            config.specials.*member = std::nullopt;
            continue;
        }
        auto token = tokenValue(file, *it, key);
        if (!token)
            return token.error();
        config.specials.*member = token->content;
        if (it->is_object())
            config.specialDetails[token->content] = *token;
    }
    const auto extra = file.value.find("additional_special_tokens");
    if (extra == file.value.end() || extra->is_null())
        return {};
    if (!extra->is_array())
        return fileError(file.path + ": \"additional_special_tokens\" must be a list");
    if (!mergeAdditional)
        config.specials.additional.clear();
    for (const auto &item : *extra) {
        auto token = tokenValue(file, item, "additional_special_tokens");
        if (!token)
            return token.error();
        if (std::find(config.specials.additional.begin(), config.specials.additional.end(), token->content)
            == config.specials.additional.end())
            config.specials.additional.push_back(token->content);
        if (item.is_object())
            config.specialDetails[token->content] = *token;
    }
    return {};
}

Result<int> tokenId(const JsonFile &file, const std::string &key, const json &value)
{
    long long id = -1;
    if (value.is_number_integer())
        id = value.get<long long>();
    else if (value.is_string() && !value.get<std::string>().empty()
             && value.get<std::string>().find_first_not_of("0123456789") == std::string::npos
             && value.get<std::string>().size() < 10)
        id = std::stoll(value.get<std::string>());
    if (id < 0 || id >= kMaxId)
        return fileError(file.path + ": \"" + key + "\" has no valid token id (0 to " + std::to_string(kMaxId - 1) + ")");
    return int(id);
}

Result<void> readAddedDecoder(const JsonFile &file, const json &decoder, TokenizerConfig &config)
{
    if (!decoder.is_object())
        return fileError(file.path + ": \"added_tokens_decoder\" must be an object of id -> token");
    if (decoder.size() > size_t(kMaxId))
        return fileError(file.path + ": \"added_tokens_decoder\" has too many tokens");
    for (const auto &[key, value] : decoder.items()) {
        auto id = tokenId(file, "added_tokens_decoder", json(key));
        if (!id)
            return id.error();
        auto token = tokenValue(file, value, "added_tokens_decoder." + key);
        if (!token)
            return token.error();
        config.added[*id] = *token;
    }
    config.hasAddedDecoder = true;
    return {};
}

Result<void> readOptions(const JsonFile &file, TokenizerConfig &config)
{
    const auto &v = file.value;
    auto cleanUp = flag(file, v, "clean_up_tokenization_spaces", true);
    if (!cleanUp)
        return cleanUp.error();
    config.cleanUpSpaces = *cleanUp;
    for (const auto &[key, member] : {std::pair{"add_prefix_space", &TokenizerConfig::addPrefixSpace},
                                      std::pair{"add_bos_token", &TokenizerConfig::addBosToken},
                                      std::pair{"separate_vocabs", &TokenizerConfig::separateVocabs}}) {
        if (v.contains(key) && !v[key].is_null()) {
            auto value = flag(file, v, key, false);
            if (!value)
                return value.error();
            config.*member = *value;
        }
    }
    if (v.contains("extra_ids") && !v["extra_ids"].is_null()) {
        if (!v["extra_ids"].is_number_integer() || v["extra_ids"].get<long long>() < 0
            || v["extra_ids"].get<long long>() > 100000)
            return fileError(file.path + ": \"extra_ids\" must be a whole number from 0 to 100000");
        config.extraIds = int(v["extra_ids"].get<long long>());
    }
    return {};
}

Result<void> readLegacyAddedTokens(const std::string &folder, TokenizerConfig &config)
{
    auto file = readJsonObject(folder + "/added_tokens.json");
    if (!file)
        return file.error();
    if (!*file)
        return {};
    const auto all = config.specials.all();
    for (const auto &[content, value] : (*file)->value.items()) {
        auto id = tokenId(**file, content, value);
        if (!id)
            return id.error();
        if (firstInvalidUtf8(content) >= 0)
            return fileError((*file)->path + ": a token is not valid UTF-8");
        config.added[*id] = AddedToken{content, false, false, false,
                                       std::find(all.begin(), all.end(), content) != all.end()};
    }
    return {};
}

} // namespace

std::vector<std::string> SpecialTokens::all() const
{
    std::vector<std::string> out;
    auto add = [&out](const std::string &token) {
        if (std::find(out.begin(), out.end(), token) == out.end())
            out.push_back(token);
    };
    for (const auto *member : {&bos, &eos, &unk, &sep, &pad, &cls, &mask})
        if (*member && !(*member)->empty())
            add(**member);
    for (const auto &token : additional)
        add(token);
    return out;
}

Result<TokenizerConfig> readTokenizerConfig(const std::string &folder, const SpecialTokens &defaults)
{
    TokenizerConfig config;
    config.specials = defaults;
    auto main = readJsonObject(folder + "/tokenizer_config.json");
    if (!main)
        return main.error();
    if (*main) {
        const JsonFile &file = **main;
        for (auto step : {readSpecials(file, config, false), readOptions(file, config)})
            if (!step)
                return step.error();
        if (file.value.contains("added_tokens_decoder"))
            if (auto r = readAddedDecoder(file, file.value["added_tokens_decoder"], config); !r)
                return r.error();
    }
    if (config.hasAddedDecoder)
        return config;
    auto map = readJsonObject(folder + "/special_tokens_map.json");
    if (!map)
        return map.error();
    if (*map)
        if (auto r = readSpecials(**map, config, true); !r)
            return r.error();
    if (auto r = readLegacyAddedTokens(folder, config); !r)
        return r.error();
    return config;
}

} // namespace alignscope::hftok
