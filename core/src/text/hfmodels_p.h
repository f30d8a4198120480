#pragma once
// The model families behind loadHfTokenizer(), and the vocab.json reader
// they share.

#include "alignscope/hftokenizer.h"

#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace alignscope::hftok {

/// vocab.json: token -> id, and id -> token (for ids several tokens share,
/// the last in key order).
struct JsonVocabulary {
    std::unordered_map<std::string, int> ids;
    std::unordered_map<int, std::string> tokens;
};
Result<JsonVocabulary> readVocabularyJson(const std::string &path);
/// Every token of a vocabulary.json (the slow tokenizers' get_vocab() keys), in its map's order.
std::vector<std::string> tokensOf(const JsonVocabulary &vocabulary);

/// T5Tokenizer (legacy): spiece.model plus <extra_id_N> sentinels.
Result<std::unique_ptr<HfTokenizer>> loadT5Tokenizer(const std::string &folder);
/// MarianTokenizer: source.spm, target.spm and vocab.json.
Result<std::unique_ptr<HfTokenizer>> loadMarianTokenizer(const std::string &folder);
/// The byte-level BPE classes: they share vocab.json, merges.txt and GPT-2's
/// pattern, and differ in their special tokens, framing and decode.
enum class ByteBpeFlavour { Bart, Gpt2, Whisper };
/// BartTokenizer, GPT2Tokenizer or WhisperTokenizer: vocab.json and merges.txt.
Result<std::unique_ptr<HfTokenizer>> loadByteBpeTokenizer(const std::string &folder, ByteBpeFlavour flavour);
/// A WhisperTokenizer from a vocabulary alone, as a whisper.cpp file carries it: each id's bytes
/// (no merges.txt: a pair merges by the id of its concatenation, as openai/whisper's tiktoken
/// does), the added special tokens by id ("<|endoftext|>", "<|startoftranscript|>", ...) and the
/// other added tokens (the timestamps "<|0.00|>", not special, as WhisperTokenizer adds them).
Result<std::unique_ptr<HfTokenizer>> makeWhisperTokenizer(const std::vector<std::string> &tokenBytes,
                                                          const std::map<int, std::string> &specials,
                                                          const std::map<int, std::string> &added);

} // namespace alignscope::hftok
