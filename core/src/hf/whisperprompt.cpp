// Whisper's decoder prompt for --language and --task, as transformers
// 4.36.2's WhisperForConditionalGeneration.generate(language=, task=) builds
// its forced_decoder_ids: <|language|> (or the model's own choice), the
// task's token, then <|notimestamps|>.
#include "hf/hfconfig_p.h"

#include <algorithm>
#include <cctype>

namespace alignscope::hf {

namespace {

/// TO_LANGUAGE_CODE of tokenization_whisper.py: names (and their aliases) -> codes.
constexpr std::pair<const char *, const char *> kLanguageCodes[] = {
    {"english", "en"}, {"chinese", "zh"}, {"german", "de"}, {"spanish", "es"}, {"russian", "ru"}, {"korean", "ko"},
    {"french", "fr"}, {"japanese", "ja"}, {"portuguese", "pt"}, {"turkish", "tr"}, {"polish", "pl"},
    {"catalan", "ca"}, {"dutch", "nl"}, {"arabic", "ar"}, {"swedish", "sv"}, {"italian", "it"}, {"indonesian", "id"},
    {"hindi", "hi"}, {"finnish", "fi"}, {"vietnamese", "vi"}, {"hebrew", "he"}, {"ukrainian", "uk"}, {"greek", "el"},
    {"malay", "ms"}, {"czech", "cs"}, {"romanian", "ro"}, {"danish", "da"}, {"hungarian", "hu"}, {"tamil", "ta"},
    {"norwegian", "no"}, {"thai", "th"}, {"urdu", "ur"}, {"croatian", "hr"}, {"bulgarian", "bg"},
    {"lithuanian", "lt"}, {"latin", "la"}, {"maori", "mi"}, {"malayalam", "ml"}, {"welsh", "cy"}, {"slovak", "sk"},
    {"telugu", "te"}, {"persian", "fa"}, {"latvian", "lv"}, {"bengali", "bn"}, {"serbian", "sr"},
    {"azerbaijani", "az"}, {"slovenian", "sl"}, {"kannada", "kn"}, {"estonian", "et"}, {"macedonian", "mk"},
    {"breton", "br"}, {"basque", "eu"}, {"icelandic", "is"}, {"armenian", "hy"}, {"nepali", "ne"},
    {"mongolian", "mn"}, {"bosnian", "bs"}, {"kazakh", "kk"}, {"albanian", "sq"}, {"swahili", "sw"},
    {"galician", "gl"}, {"marathi", "mr"}, {"punjabi", "pa"}, {"sinhala", "si"}, {"khmer", "km"}, {"shona", "sn"},
    {"yoruba", "yo"}, {"somali", "so"}, {"afrikaans", "af"}, {"occitan", "oc"}, {"georgian", "ka"},
    {"belarusian", "be"}, {"tajik", "tg"}, {"sindhi", "sd"}, {"gujarati", "gu"}, {"amharic", "am"}, {"yiddish", "yi"},
    {"lao", "lo"}, {"uzbek", "uz"}, {"faroese", "fo"}, {"haitian creole", "ht"}, {"pashto", "ps"}, {"turkmen", "tk"},
    {"nynorsk", "nn"}, {"maltese", "mt"}, {"sanskrit", "sa"}, {"luxembourgish", "lb"}, {"myanmar", "my"},
    {"tibetan", "bo"}, {"tagalog", "tl"}, {"malagasy", "mg"}, {"assamese", "as"}, {"tatar", "tt"},
    {"hawaiian", "haw"}, {"lingala", "ln"}, {"hausa", "ha"}, {"bashkir", "ba"}, {"javanese", "jw"},
    {"sundanese", "su"}, {"cantonese", "yue"}, {"burmese", "my"}, {"valencian", "ca"}, {"flemish", "nl"},
    {"haitian", "ht"}, {"letzeburgesch", "lb"}, {"pushto", "ps"}, {"panjabi", "pa"}, {"moldavian", "ro"},
    {"moldovan", "ro"}, {"sinhalese", "si"}, {"castilian", "es"}, {"mandarin", "zh"},
};

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

/// The lang_to_id key of `language`: "<|fr|>" as it is, a code ("fr") or a name ("french").
Result<int> languageToken(const WhisperGeneration &w, const std::string &language)
{
    std::string key = language;
    if (!w.languages.count(key)) {
        std::string code = lower(language);
        for (const auto &[name, c] : kLanguageCodes)
            if (code == name)
                code = c;
        key = "<|" + code + "|>";
    }
    if (const auto it = w.languages.find(key); it != w.languages.end())
        return it->second;
    std::string known;
    for (const auto &[token, id] : w.languages)
        known += (known.empty() ? "" : ", ") + token.substr(2, token.size() > 4 ? token.size() - 4 : 0);
    return usageError("language \"" + language + "\" is not one this model knows (" +
                      (known.empty() ? "its generation_config.json has no lang_to_id" : known) + ")");
}

} // namespace

Result<std::vector<int>> whisperPrompt(const WhisperGeneration &w, const std::string &language, const std::string &task)
{
    if (language.empty() && task.empty())
        return w.forcedPrompt;
    if (w.tasks.empty() && w.languages.empty())
        return usageError("this model has no lang_to_id / task_to_id in its generation_config.json; "
                          "--language and --task need a multilingual Whisper folder");
    // Positions 1, 2, 3 of the sequence: the language (−1: the model chooses), the task, no timestamps.
    std::vector<int> prompt;
    const std::string lang = language.empty() ? w.language : language;
    if (lang.empty()) {
        prompt.push_back(-1);
    } else {
        auto id = languageToken(w, lang);
        if (!id)
            return id.error();
        prompt.push_back(id.value());
    }
    const std::string chosen = task.empty() ? w.task : task;
    if (!chosen.empty() && chosen != "transcribe" && chosen != "translate")
        return usageError("task \"" + chosen + "\" is not one Whisper has (transcribe, translate)");
    if (!chosen.empty() || !w.tasks.empty()) {
        const auto it = w.tasks.find(chosen.empty() ? "transcribe" : chosen);
        if (it == w.tasks.end())
            return usageError("this model's task_to_id has no \"" + (chosen.empty() ? std::string("transcribe") : chosen) + "\"");
        prompt.push_back(it->second);
    }
    if (w.noTimestamps >= 0)
        prompt.push_back(w.noTimestamps);
    return prompt;
}

} // namespace alignscope::hf
