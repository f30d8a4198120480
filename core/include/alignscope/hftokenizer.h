#pragma once
// Hugging Face tokenizers of a save_pretrained folder (T5, BART, Marian,
// GPT-2): the same ids as transformers' slow Python tokenizers (v4.36) for
// typed text, and the same text back from generated ids.

#include "alignscope/result.h"
#include "alignscope/source.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace alignscope {

/// What tokenizer(text) makes of typed text, one entry per id.
struct TokenizedText {
    std::vector<int> ids;              ///< tokenizer(text).input_ids, special tokens included
    std::vector<std::string> pieces;   ///< convert_ids_to_tokens(ids): "▁the", "Ġthe", "</s>"
    /// Byte range of each piece in the typed text; untyped for added
    /// specials such as an appended </s>. A byte-level piece holding part of
    /// a character covers just its bytes.
    std::vector<TextSpan> spans;
    /// Special tokens: </s>, <s>, <pad>, <extra_id_N>, Marian's >>fr<< (typed
    /// or added). <unk> made from typed text is not special.
    std::vector<bool> special;
    /// Per piece, the index of its word: a word starts at the first piece,
    /// at a piece starting with ▁, Ġ or another space, and at and after a
    /// special token.
    std::vector<int> words;
};

/// A tokenizer read from a Hugging Face folder. Thread-safe for const use.
class HfTokenizer {
public:
    virtual ~HfTokenizer() = default;
    /// tokenizer(text). BadInput "invalid UTF-8 at byte N".
    virtual Result<TokenizedText> encode(std::string_view text) const = 0;
    /// tokenizer(text_target=text): Marian uses target.spm; specials included.
    virtual Result<TokenizedText> encodeTarget(std::string_view text) const = 0;
    /// tokenizer.decode(ids, skip_special_tokens=skipSpecial); ids out of
    /// range read as <unk> (transformers raises there).
    virtual std::string decode(const std::vector<int> &ids, bool skipSpecial = true) const = 0;
    virtual int size() const = 0;                          ///< len(tokenizer)
    virtual std::string piece(int id) const = 0;           ///< convert_ids_to_tokens(id); "" out of range
    virtual int id(std::string_view piece) const = 0;      ///< convert_tokens_to_ids; unk id when missing
    /// Added special tokens, the special-token attributes (except <unk>) and
    /// Marian's language codes.
    virtual bool isSpecial(int id) const = 0;
    struct Display {
        std::string text;
        bool wordStart = false;
    };
    /// Readable piece: "▁the"/"Ġthe" -> {"the", true}; byte-level pieces as
    /// UTF-8 with stray bytes as "<0xE2>"; specials as they are (wordStart);
    /// a lone "▁" or "Ġ" stays as it is so that it remains visible.
    virtual Display display(int id) const = 0;
    struct Specials {
        int pad = -1, bos = -1, eos = -1, unk = -1;
    };
    virtual Specials specials() const = 0;
};

/// Reads the tokenizer files of a save_pretrained folder for config.json's
/// model_type: "t5" (spiece.model + extra ids), "bart" (vocab.json +
/// merges.txt, byte-level BPE), "marian" (source.spm, target.spm,
/// vocab.json) and "gpt2" (byte-level BPE, no <s></s> added). Added and
/// special tokens come from tokenizer_config.json (added_tokens_decoder),
/// else special_tokens_map.json and added_tokens.json, else the defaults of
/// transformers' classes. BadFile error naming the file and what is wrong;
/// Usage error for another model_type.
Result<std::unique_ptr<HfTokenizer>> loadHfTokenizer(const std::string &folder, const std::string &modelType);

} // namespace alignscope
