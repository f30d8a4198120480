#pragma once
// The JSON helpers of the model files' alignscope.config (config.cpp for the
// RNN family, transformer/spec.cpp for Transformers): enum names, fields
// read with the first bad one recorded, special ids and tokenizer options.

#include "alignscope/result.h"
#include "alignscope/tokenizer.h"
#include "alignscope/vocabulary.h"

#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>

namespace alignscope::configjson {

using nlohmann::json;

template <typename E>
struct Names {
    E value;
    const char *name;
};

constexpr Names<TokenizerMode> kModes[] = {{TokenizerMode::Word, "word"},
                                           {TokenizerMode::Character, "char"},
                                           {TokenizerMode::TutorialNormalize, "pytorch-tutorial"},
                                           {TokenizerMode::LegacyTutorialNormalize, "pytorch-tutorial-legacy"},
                                           {TokenizerMode::ChatbotNormalize, "pytorch-chatbot"},
                                           {TokenizerMode::Bpe, "bpe"},
                                           {TokenizerMode::Unigram, "unigram"}};

template <typename E, size_t N>
std::string nameOf(const Names<E> (&table)[N], E v)
{
    for (const auto &n : table)
        if (n.value == v)
            return n.name;
    return "?";
}

template <typename E, size_t N>
Result<E> parseName(const Names<E> (&table)[N], const std::string &s, const char *what)
{
    std::string options;
    for (const auto &n : table) {
        if (s == n.name)
            return n.value;
        options += std::string(options.empty() ? "" : ", ") + n.name;
    }
    return usageError("unknown " + std::string(what) + " \"" + s + "\" (expected one of: " + options + ")");
}

/// The object `key` of `j` (an empty object when absent); one that is there
/// but is not an object is recorded as the first bad field. Never throws,
/// whatever the file holds.
inline json section(const json &j, const char *key, std::string &bad, const std::string &where)
{
    if (!j.is_object() || !j.contains(key))
        return json::object();
    const json &v = j.at(key);
    if (v.is_object())
        return v;
    if (bad.empty())
        bad = where + key + " must be an object";
    return json::object();
}

// Reads `key` of `j` into `out` when present; records the first bad field.
template <typename V>
void field(const json &j, const char *key, V &out, std::string &bad, const std::string &where)
{
    if (!j.is_object() || !j.contains(key))
        return;
    const json &v = j.at(key);
    if constexpr (std::is_same_v<V, bool>) {
        if (v.is_boolean()) { out = v.get<bool>(); return; }
    } else if constexpr (std::is_integral_v<V>) {
        if (v.is_number_integer()) { out = v.get<V>(); return; }
    } else if constexpr (std::is_floating_point_v<V>) {
        if (v.is_number()) { out = v.get<V>(); return; }
    }
    if (bad.empty())
        bad = where + key + " has the wrong type";
}

template <typename E, size_t N>
void enumField(const json &j, const char *key, const Names<E> (&table)[N], E &out, std::string &bad,
               const std::string &where)
{
    if (!j.is_object() || !j.contains(key))
        return;
    if (!j.at(key).is_string()) {
        if (bad.empty()) bad = where + key + " must be a string";
        return;
    }
    auto r = parseName(table, j.at(key).get<std::string>(), key);
    if (r)
        out = r.value();
    else if (bad.empty())
        bad = where + key + ": " + r.error().message;
}

inline json specialsToJson(const SpecialIds &s)
{
    return {{"pad", s.pad}, {"sos", s.sos}, {"eos", s.eos}, {"unk", s.unk}};
}

inline json tokenizerToJson(const TokenizerOptions &t)
{
    return {{"mode", nameOf(kModes, t.mode)}, {"lowercase", t.lowercase}};
}

inline void readSpecials(const json &j, SpecialIds &s, std::string &bad, const std::string &where)
{
    field(j, "pad", s.pad, bad, where);
    field(j, "sos", s.sos, bad, where);
    field(j, "eos", s.eos, bad, where);
    field(j, "unk", s.unk, bad, where);
}

inline void readTokenizer(const json &j, TokenizerOptions &t, std::string &bad, const std::string &where)
{
    enumField(j, "mode", kModes, t.mode, bad, where);
    field(j, "lowercase", t.lowercase, bad, where);
}

} // namespace alignscope::configjson
