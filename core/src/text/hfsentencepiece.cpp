// The SentencePiece families: T5Tokenizer (legacy, transformers' default)
// and MarianTokenizer. SentencePiece itself (Debian's libsentencepiece)
// segments each chunk between added tokens; the models are loaded from bytes
// read here, so that a malformed file is an error and not an abort.

#include "text/hfmodels_p.h"
#include "text/hfslow_p.h"

#include "alignscope/subword.h"

#include <algorithm>

namespace alignscope::hftok {
namespace {

constexpr size_t kModelLimit = 64u << 20;
const std::string kUnderline = "\u2581"; // "▁"

/// A folder's SentencePiece file through the one SubwordModel wrapper, with
/// pieces mapped back onto the chunk's original text.
class SpModel {
public:
    static Result<std::unique_ptr<SpModel>> load(const std::string &path)
    {
        auto bytes = readFileCapped(path, kModelLimit);
        if (!bytes)
            return bytes.error();
        auto model = SubwordModel::fromProto(std::move(bytes).value(), path);
        if (!model)
            return model.error();
        return std::make_unique<SpModel>(std::move(model).value());
    }

    explicit SpModel(std::shared_ptr<const SubwordModel> sp) : m_sp(std::move(sp)) {}

    /// sp_model.encode(text, out_type=str), each piece with the bytes it covers.
    void encode(const MappedText &chunk, std::vector<RawPiece> &out) const
    {
        for (const auto &p : m_sp->encode(chunk.text)) {
            TextSpan span = chunk.span(p.begin, p.end);
            if (!span.typed()) { // the dummy prefix "▁": an empty span where the text starts
                const TextSpan next = chunk.span(p.begin, chunk.text.size());
                span = {next.begin, next.begin};
            }
            out.push_back({p.piece, span});
        }
    }

    /// sp_model.decode(pieces).
    std::string decode(const std::vector<std::string> &pieces) const { return m_sp->decode(pieces); }
    int size() const { return m_sp->size(); }
    std::string piece(int id) const { return m_sp->piece(id); }
    /// piece_to_id: the unk id for pieces the model lacks.
    int id(const std::string &piece) const { return m_sp->id(piece); }
    bool has(const std::string &piece) const { return m_sp->has(piece); }
    std::vector<std::string> pieces() const { return m_sp->pieces(); }

private:
    std::shared_ptr<const SubwordModel> m_sp;
};

HfTokenizer::Display displaySentencePiece(const std::string &piece)
{
    if (piece.size() > kUnderline.size() && piece.compare(0, kUnderline.size(), kUnderline) == 0)
        return {piece.substr(kUnderline.size()), true};
    return {piece, piece == kUnderline};
}

// ---- T5 ---------------------------------------------------------------------------------

class T5Tokenizer final : public SlowTokenizer {
public:
    explicit T5Tokenizer(std::unique_ptr<SpModel> sp) : m_sp(std::move(sp)) {}

protected:
    void tokenizeChunk(const MappedText &chunk, bool, std::vector<RawPiece> &out) const override
    {
        m_sp->encode(chunk, out);
    }
    std::optional<int> modelId(const std::string &token, bool) const override
    {
        return m_sp->has(token) ? std::optional<int>(m_sp->id(token)) : std::nullopt;
    }
    std::optional<std::string> modelPiece(int id) const override
    {
        return id >= 0 && id < m_sp->size() ? std::optional<std::string>(m_sp->piece(id)) : std::nullopt;
    }
    int modelSize() const override { return m_sp->size(); }
    std::vector<std::string> modelVocabulary() const override { return m_sp->pieces(); }
    std::string tokensToString(std::vector<std::string> tokens) const override;
    Framed withSpecialTokens(std::vector<int> ids) const override
    {
        const int eos = attributeId(specialTokens().eos);
        if (eos >= 0 && (ids.empty() || ids.back() != eos)) // _add_eos_if_not_present
            ids.push_back(eos);
        return {std::move(ids), 0};
    }
    Display displayModelPiece(const std::string &piece) const override { return displaySentencePiece(piece); }

private:
    std::unique_ptr<SpModel> m_sp;
};

std::string T5Tokenizer::tokensToString(std::vector<std::string> tokens) const
{
    // The first token loses its leading "▁"s (the prefix space sentencepiece
    // added); special tokens are not decoded by sentencepiece and get a space
    // before them unless they follow another special token.
    while (tokens[0].compare(0, kUnderline.size(), kUnderline) == 0)
        tokens[0].erase(0, kUnderline.size());
    std::vector<std::string> current;
    std::string out;
    bool previousSpecial = false;
    for (auto &token : tokens) {
        if (!isAllSpecialToken(token)) {
            current.push_back(std::move(token));
            previousSpecial = false;
            continue;
        }
        if (!previousSpecial)
            out += ' ';
        out += m_sp->decode(current) + token;
        previousSpecial = true;
        current.clear();
    }
    out += m_sp->decode(current);
    return pythonStripped(out, true, true);
}

/// T5Tokenizer.__init__'s sentinels: <extra_id_0> is the last id, <extra_id_1> the one before, ...
Result<std::map<int, AddedToken>> t5Sentinels(const std::string &folder, TokenizerConfig &config, int spSize)
{
    const int extraIds = config.extraIds.value_or(100);
    auto &additional = config.specials.additional;
    int sentinels = 0;
    for (const auto &token : additional)
        sentinels += token.find("<extra_id_") != std::string::npos ? 1 : 0;
    if (sentinels == 0) {
        const bool given = !additional.empty();
        for (int i = 0; i < extraIds; ++i)
            additional.push_back("<extra_id_" + std::to_string(i) + ">");
        if (given) // transformers adds these after the vocabulary, in order
            return std::map<int, AddedToken>();
        sentinels = extraIds;
    } else if (extraIds > 0 && extraIds != sentinels)
        return fileError(folder + "/tokenizer_config.json: extra_ids (" + std::to_string(extraIds) + ") and the "
                         + std::to_string(sentinels) + " <extra_id_N> additional_special_tokens disagree");
    std::map<int, AddedToken> added;
    for (int i = 0; i < sentinels; ++i)
        added[spSize - 1 + extraIds - i] = AddedToken{"<extra_id_" + std::to_string(i) + ">", true, true, false, true};
    return added;
}

// ---- Marian -------------------------------------------------------------------------------

class MarianTokenizer final : public SlowTokenizer {
public:
    MarianTokenizer(std::unique_ptr<SpModel> source, std::unique_ptr<SpModel> target, JsonVocabulary vocabulary,
                    std::optional<JsonVocabulary> targetVocabulary)
        : m_source(std::move(source)), m_target(std::move(target)), m_vocabulary(std::move(vocabulary)),
          m_targetVocabulary(std::move(targetVocabulary))
    {
    }

protected:
    void tokenizeChunk(const MappedText &chunk, bool target, std::vector<RawPiece> &out) const override;
    std::optional<int> modelId(const std::string &token, bool target) const override
    {
        const auto &ids = target && m_targetVocabulary ? m_targetVocabulary->ids : m_vocabulary.ids;
        const auto it = ids.find(token);
        return it == ids.end() ? std::nullopt : std::optional<int>(it->second);
    }
    std::optional<std::string> modelPiece(int id) const override
    {
        // The decoder is the target vocabulary's when the vocabularies are separate.
        const auto &tokens = m_targetVocabulary ? m_targetVocabulary->tokens : m_vocabulary.tokens;
        const auto it = tokens.find(id);
        return it == tokens.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    int modelSize() const override { return int(m_vocabulary.ids.size()); }
    std::vector<std::string> modelVocabulary() const override { return tokensOf(m_vocabulary); }
    std::string tokensToString(std::vector<std::string> tokens) const override;
    Framed withSpecialTokens(std::vector<int> ids) const override
    {
        if (const int eos = attributeId(specialTokens().eos); eos >= 0)
            ids.push_back(eos);
        return {std::move(ids), 0};
    }
    Display displayModelPiece(const std::string &piece) const override { return displaySentencePiece(piece); }
    bool isLanguageCode(int id) const override
    {
        if (m_targetVocabulary)
            return false; // transformers knows no codes with separate vocabularies
        const auto it = m_vocabulary.tokens.find(id);
        return it != m_vocabulary.tokens.end() && it->second.size() >= 4 && it->second.compare(0, 2, ">>") == 0
            && it->second.compare(it->second.size() - 2, 2, "<<") == 0;
    }

private:
    std::unique_ptr<SpModel> m_source, m_target;
    JsonVocabulary m_vocabulary;
    std::optional<JsonVocabulary> m_targetVocabulary;
};

/// Where language_code_re (">>.+<<", greedy; "." stops at a newline) matches
/// at or after `from`: [begin, end), or {npos, npos}.
std::pair<size_t, size_t> languageCode(std::string_view text, size_t from)
{
    for (size_t pos = text.find(">>", from); pos != std::string_view::npos; pos = text.find(">>", pos + 1)) {
        const size_t lineEnd = std::min(text.find('\n', pos), text.size());
        const size_t close = text.substr(0, lineEnd).rfind("<<");
        if (close != std::string_view::npos && close >= pos + 3)
            return {pos, close + 2};
    }
    return {std::string_view::npos, std::string_view::npos};
}

void MarianTokenizer::tokenizeChunk(const MappedText &chunk, bool target, std::vector<RawPiece> &out) const
{
    // remove_language_code: a code at the very start becomes a token; every
    // code anywhere is removed before sentencepiece sees the text.
    MappedText rest;
    size_t pos = 0;
    for (;;) {
        const auto [b, e] = languageCode(chunk.text, pos);
        if (b == std::string_view::npos)
            break;
        if (b == 0)
            out.push_back({chunk.text.substr(0, e), chunk.span(0, e)});
        rest.append(chunk.slice(pos, b));
        pos = e;
    }
    rest.append(chunk.slice(pos, chunk.text.size()));
    (target ? m_target : m_source)->encode(rest, out);
}

std::string MarianTokenizer::tokensToString(std::vector<std::string> tokens) const
{
    std::vector<std::string> current;
    std::string out;
    for (auto &token : tokens) {
        if (isAllSpecialToken(token)) { // specials are not decoded by sentencepiece
            out += m_target->decode(current) + token + " ";
            current.clear();
        } else
            current.push_back(std::move(token));
    }
    out += m_target->decode(current);
    std::string spaced;
    for (size_t hit, from = 0;; from = hit + kUnderline.size()) {
        hit = out.find(kUnderline, from);
        spaced.append(out, from, hit == std::string::npos ? std::string::npos : hit - from);
        if (hit == std::string::npos)
            break;
        spaced += ' ';
    }
    return pythonStripped(spaced, true, true);
}

} // namespace

namespace {

/// The special tokens T5Tokenizer and MarianTokenizer both default to.
SpecialTokens sentencePieceDefaults()
{
    SpecialTokens defaults;
    defaults.eos = "</s>";
    defaults.unk = "<unk>";
    defaults.pad = "<pad>";
    return defaults;
}

} // namespace

Result<std::unique_ptr<HfTokenizer>> loadT5Tokenizer(const std::string &folder)
{
    auto sp = SpModel::load(folder + "/spiece.model");
    if (!sp)
        return sp.error();
    auto config = readTokenizerConfig(folder, sentencePieceDefaults());
    if (!config)
        return config.error();
    auto sentinels = t5Sentinels(folder, *config, (*sp)->size());
    if (!sentinels)
        return sentinels.error();
    auto tokenizer = std::make_unique<T5Tokenizer>(std::move(*sp));
    tokenizer->setAddedTokens(*config, *sentinels);
    return std::unique_ptr<HfTokenizer>(std::move(tokenizer));
}

Result<std::unique_ptr<HfTokenizer>> loadMarianTokenizer(const std::string &folder)
{
    auto source = SpModel::load(folder + "/source.spm");
    if (!source)
        return source.error();
    auto target = SpModel::load(folder + "/target.spm");
    if (!target)
        return target.error();
    auto vocabulary = readVocabularyJson(folder + "/vocab.json");
    if (!vocabulary)
        return vocabulary.error();
    auto config = readTokenizerConfig(folder, sentencePieceDefaults());
    if (!config)
        return config.error();
    for (const auto &token : {config->specials.unk, config->specials.pad})
        if (!token || !vocabulary->ids.count(*token))
            return fileError(folder + "/vocab.json: has no " + (token ? "\"" + *token + "\"" : "unk/pad")
                             + " token, which MarianTokenizer needs");
    std::optional<JsonVocabulary> targetVocabulary;
    if (config->separateVocabs.value_or(false)) {
        auto t = readVocabularyJson(folder + "/target_vocab.json");
        if (!t)
            return t.error();
        targetVocabulary = std::move(*t);
    }
    auto tokenizer = std::make_unique<MarianTokenizer>(std::move(*source), std::move(*target), std::move(*vocabulary),
                                                       std::move(targetVocabulary));
    tokenizer->setAddedTokens(*config, {});
    return std::unique_ptr<HfTokenizer>(std::move(tokenizer));
}

} // namespace alignscope::hftok
