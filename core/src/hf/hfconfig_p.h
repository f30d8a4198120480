#pragma once
// config.json and generation_config.json of a Hugging Face encoder–decoder,
// read as transformers reads them (absent fields take its defaults) into a
// TransformerSpec, the special ids and the generation settings. Text in,
// result out: no file access, so the fuzzer drives it directly.

#include "alignscope/result.h"
#include "alignscope/seq2seq.h"
#include "alignscope/transformer.h"

#include <map>
#include <string>
#include <vector>

namespace alignscope::hf {

/// The families this reader knows, by config.json's model_type.
enum class Family { T5, Bart, Marian, Whisper, VisionEncoderDecoder };

/// Whisper's own generation settings (WhisperForConditionalGeneration.generate).
struct WhisperGeneration {
    /// forced_decoder_ids by step (−1: not forced): config.json's when it has
    /// them (generate() prefers them), else generation_config.json's.
    std::vector<int> forcedPrompt;
    std::vector<int> beginSuppressed;      ///< begin_suppress_tokens
    std::map<std::string, int> languages;  ///< lang_to_id: "<|en|>" -> id
    std::map<std::string, int> tasks;      ///< task_to_id: "transcribe" -> id
    int noTimestamps = -1;                 ///< no_timestamps_token_id
    std::string language, task;            ///< generation_config.json's "language" / "task" when set
    std::vector<std::pair<int, int>> alignmentHeads; ///< (layer, head) pairs
};

struct ModelConfig {
    Family family = Family::T5;
    std::string modelType;       ///< "t5", "bart", "marian", "whisper", "vision-encoder-decoder"
    std::string tokenizerType;   ///< whose tokenizer the folder holds: modelType, or the decoder's ("gpt2")
    std::string architecture;    ///< architectures[0], e.g. "T5ForConditionalGeneration"
    TransformerSpec spec;
    int sourceVocab = 0;         ///< rows of the encoder's embedding
    int targetVocab = 0;         ///< rows of the decoder's embedding and the output layer
    int pad = -1, eos = -1, bos = -1, decoderStart = -1;
    GenerationDefaults generation;
    WhisperGeneration whisper;   ///< Whisper only
};

/// The forced decoder prompt of generate(language=, task=), by step (−1:
/// the model chooses): the language's token (a code, a name or "<|fr|>"; none
/// given: generation_config.json's, else the model's choice), the task's (none
/// given: transcribe), <|notimestamps|>. Both empty: the folder's own prompt.
/// Usage errors name the unknown language or task.
Result<std::vector<int>> whisperPrompt(const WhisperGeneration &w, const std::string &language, const std::string &task);

/// Parses config.json (and generation_config.json when `generationJson` is
/// not empty). BadFile errors start with the file's name and name the field;
/// sizes beyond reason are refused before anything is allocated.
Result<ModelConfig> parseConfig(const std::string &configJson, const std::string &generationJson);

} // namespace alignscope::hf
