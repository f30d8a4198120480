#pragma once
// The part every transformers "slow" tokenizer shares (PreTrainedTokenizer):
// added tokens split out of the text before the model sees it, their
// whitespace stripping, ids <-> tokens through added tokens first, and the
// decode that joins model text and added tokens. A model (SentencePiece,
// byte-level BPE) supplies _tokenize, its vocabulary and
// convert_tokens_to_string by overriding the hooks below.

#include "alignscope/hftokenizer.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace alignscope::hftok {

/// Text with, for each byte, the byte of the typed text it came from (-1
/// for inserted bytes such as BART's prefix space), so that a piece of a
/// stripped, cut or prefixed chunk still finds its span.
struct MappedText {
    std::string text;
    std::vector<int> origin; ///< (text.size())

    static MappedText typed(std::string_view text, int offset = 0);
    MappedText slice(size_t begin, size_t end) const;
    void append(const MappedText &other);
    /// Typed bytes that bytes [begin, end) came from; untyped when none.
    TextSpan span(size_t begin, size_t end) const;
};

/// transformers' AddedToken (tokenizer_config.json's added_tokens_decoder).
struct AddedToken {
    std::string content;
    bool lstrip = false, rstrip = false, singleWord = false, special = false;
};

/// One token of _tokenize with the bytes of its chunk it covers.
struct RawPiece {
    std::string token;
    TextSpan span;
};

/// SPECIAL_TOKENS_ATTRIBUTES: bos, eos, unk, sep, pad, cls, mask and the
/// additional special tokens.
struct SpecialTokens {
    std::optional<std::string> bos, eos, unk, sep, pad, cls, mask;
    std::vector<std::string> additional;
    /// all_special_tokens: the attributes in that order, each once.
    std::vector<std::string> all() const;
};

/// The added-token part of a folder: tokenizer_config.json and its legacy
/// companions, read by readTokenizerConfig().
struct TokenizerConfig {
    SpecialTokens specials;
    std::map<int, AddedToken> added;                   ///< added_tokens_decoder, when the folder has one
    std::map<std::string, AddedToken> specialDetails;  ///< lstrip/rstrip of special tokens given as objects
    bool hasAddedDecoder = false;
    bool cleanUpSpaces = true;                         ///< clean_up_tokenization_spaces
    std::optional<bool> addPrefixSpace, addBosToken, separateVocabs;
    std::optional<int> extraIds;
};

/// Reads tokenizer_config.json, special_tokens_map.json and added_tokens.json
/// of `folder` (each optional); `defaults` fills what they leave unset.
Result<TokenizerConfig> readTokenizerConfig(const std::string &folder, const SpecialTokens &defaults);

/// The bytes of a file, refused past `limit` bytes.
Result<std::string> readFileCapped(const std::string &path, size_t limit);
/// Byte offset of the first invalid UTF-8 sequence, or -1.
long firstInvalidUtf8(std::string_view text);
/// Python's str.isspace() for one code point.
bool isPythonSpace(char32_t c);
/// bytes.decode("utf-8", errors="replace"): each maximal invalid subpart -> U+FFFD.
std::string decodeUtf8Replacing(std::string_view bytes);
/// PreTrainedTokenizerBase.clean_up_tokenization (" ." -> ".", " n't" -> "n't", ...).
std::string cleanUpTokenization(std::string text);
/// Python's str.strip() / lstrip() / rstrip() on valid UTF-8: the bytes kept.
std::pair<size_t, size_t> pythonStripRange(std::string_view text, bool left, bool right);
std::string pythonStripped(std::string_view text, bool left, bool right);

class SlowTokenizer : public HfTokenizer {
public:
    Result<TokenizedText> encode(std::string_view text) const override { return encodeSide(text, false); }
    Result<TokenizedText> encodeTarget(std::string_view text) const override { return encodeSide(text, true); }
    std::string decode(const std::vector<int> &ids, bool skipSpecial = true) const override;
    int size() const override;
    std::string piece(int id) const override;
    int id(std::string_view piece) const override;
    bool isSpecial(int id) const override;
    Display display(int id) const override;
    Specials specials() const override;

    /// Sets the added tokens as PreTrainedTokenizer.__init__ does: the
    /// folder's added_tokens_decoder (or `classAdded`, the class's own, when
    /// it has none), then every special token not yet added, at its
    /// vocabulary id or after the vocabulary.
    void setAddedTokens(const TokenizerConfig &config, const std::map<int, AddedToken> &classAdded);

protected:
    /// _tokenize of one chunk between added tokens (target: text_target side).
    virtual void tokenizeChunk(const MappedText &chunk, bool target, std::vector<RawPiece> &out) const = 0;
    /// _convert_token_to_id; nullopt when the vocabulary lacks it.
    virtual std::optional<int> modelId(const std::string &token, bool target) const = 0;
    /// _convert_id_to_token; nullopt outside the vocabulary.
    virtual std::optional<std::string> modelPiece(int id) const = 0;
    virtual int modelSize() const = 0; ///< vocab_size
    /// Every string of the vocabulary (for len()), in id order.
    virtual std::vector<std::string> modelVocabulary() const = 0;
    /// convert_tokens_to_string.
    virtual std::string tokensToString(std::vector<std::string> tokens) const = 0;
    /// build_inputs_with_special_tokens for one sequence, and how many ids
    /// it put before the sequence.
    struct Framed {
        std::vector<int> ids;
        size_t before = 0;
    };
    virtual Framed withSpecialTokens(std::vector<int> ids) const = 0;
    /// prepare_for_tokenization (BART's add_prefix_space).
    virtual MappedText prepare(MappedText text) const { return text; }
    /// Readable form of a vocabulary string that is not special.
    virtual Display displayModelPiece(const std::string &piece) const = 0;
    virtual bool isLanguageCode(int) const { return false; }

    /// convert_tokens_to_ids for one token (added tokens first), unk when missing.
    int tokenToId(const std::string &token, bool target = false) const;
    bool isAllSpecialToken(const std::string &token) const;
    int unkId() const { return m_unk; }
    /// In all_special_ids (what skip_special_tokens drops).
    bool isAllSpecialId(int id) const;
    /// An added token (added_tokens_decoder), and its content.
    const AddedToken *addedToken(int id) const;
    int attributeId(const std::optional<std::string> &token) const;
    const SpecialTokens &specialTokens() const { return m_specials; }

private:
    struct Chunk {
        MappedText text;
        int addedId = -1; ///< an added token, else text for the model
    };
    Result<TokenizedText> encodeSide(std::string_view text, bool target) const;
    std::vector<Chunk> splitOnAddedTokens(const MappedText &text) const;
    void applyStripRules(std::vector<Chunk> &chunks) const;
    void finish(TokenizedText &out, const std::vector<bool> &fromText) const;

    SpecialTokens m_specials;
    std::map<int, AddedToken> m_added;
    std::unordered_map<std::string, int> m_addedIds;
    std::vector<std::string> m_allSpecial;
    std::vector<int> m_allSpecialIds;
    std::vector<std::string> m_legacyAdded;
    bool m_cleanUp = true;
    int m_unk = -1;
    int m_size = 0;
};

} // namespace alignscope::hftok
