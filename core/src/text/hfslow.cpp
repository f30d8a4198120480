// PreTrainedTokenizer's shared behaviour: added tokens split out of the text
// (its Trie: at the leftmost position where an added token starts, the
// longest one), their lstrip/rstrip/single_word rules, ids through added
// tokens first, and _decode's joining of model text and added tokens.

#include "text/hfslow_p.h"

#include <algorithm>
#include <set>

namespace alignscope::hftok {

// ---- added tokens -------------------------------------------------------------------------

void SlowTokenizer::setAddedTokens(const TokenizerConfig &config, const std::map<int, AddedToken> &classAdded)
{
    m_specials = config.specials;
    m_cleanUp = config.cleanUpSpaces;
    m_added = classAdded;
    for (const auto &[id, token] : config.added)
        m_added[id] = token;
    m_addedIds.clear();
    for (const auto &[id, token] : m_added)
        m_addedIds[token.content] = id;

    // _add_tokens(all_special_tokens_extended, special_tokens=True): a special
    // token missing from the added tokens is added at its vocabulary id, or
    // after everything when the vocabulary lacks it.
    std::set<std::string> vocabulary;
    for (auto &token : modelVocabulary())
        vocabulary.insert(std::move(token));
    int next = int(vocabulary.size());
    for (const auto &[content, id] : m_addedIds)
        next += vocabulary.insert(content).second ? 1 : 0;
    for (const auto &content : m_specials.all()) {
        if (m_addedIds.count(content))
            continue;
        const auto detail = config.specialDetails.find(content);
        AddedToken token = detail != config.specialDetails.end() ? detail->second : AddedToken{content};
        token.special = true;
        const auto known = modelId(content, false);
        const int id = known && vocabulary.count(content) ? *known : next++;
        vocabulary.insert(content);
        m_added[id] = token;
        m_addedIds[content] = id;
    }
    m_size = int(vocabulary.size());

    m_unk = -1;
    if (m_specials.unk)
        m_unk = m_addedIds.count(*m_specials.unk) ? m_addedIds.at(*m_specials.unk)
                                                  : modelId(*m_specials.unk, false).value_or(-1);
    m_allSpecial = m_specials.all();
    m_allSpecialIds.clear();
    for (const auto &token : m_allSpecial)
        m_allSpecialIds.push_back(tokenToId(token));
    // _decode's legacy_added_tokens: added tokens that are not special
    // attributes, and additional special tokens beyond the model's vocabulary.
    m_legacyAdded.clear();
    for (const auto &[content, id] : m_addedIds)
        if (!isAllSpecialToken(content))
            m_legacyAdded.push_back(content);
    for (const auto &token : m_specials.additional)
        if (tokenToId(token) >= modelSize())
            m_legacyAdded.push_back(token);
}

int SlowTokenizer::tokenToId(const std::string &token, bool target) const
{
    if (const auto it = m_addedIds.find(token); it != m_addedIds.end())
        return it->second;
    return modelId(token, target).value_or(m_unk);
}

bool SlowTokenizer::isAllSpecialToken(const std::string &token) const
{
    return std::find(m_allSpecial.begin(), m_allSpecial.end(), token) != m_allSpecial.end();
}

bool SlowTokenizer::isAllSpecialId(int id) const
{
    return std::find(m_allSpecialIds.begin(), m_allSpecialIds.end(), id) != m_allSpecialIds.end();
}

const AddedToken *SlowTokenizer::addedToken(int id) const
{
    const auto it = m_added.find(id);
    return it == m_added.end() ? nullptr : &it->second;
}

int SlowTokenizer::attributeId(const std::optional<std::string> &token) const
{
    return token ? tokenToId(*token) : -1;
}

// ---- encode -------------------------------------------------------------------------------

std::vector<SlowTokenizer::Chunk> SlowTokenizer::splitOnAddedTokens(const MappedText &text) const
{
    // Contents by first byte, longest first: the first that matches is the longest.
    std::vector<std::vector<std::pair<const std::string *, int>>> byFirst(256);
    for (const auto &[content, id] : m_addedIds)
        if (!content.empty())
            byFirst[static_cast<unsigned char>(content[0])].push_back({&content, id});
    for (auto &list : byFirst)
        std::stable_sort(list.begin(), list.end(), [](const auto &a, const auto &b) { return a.first->size() > b.first->size(); });

    std::vector<Chunk> chunks;
    const std::string_view s = text.text;
    size_t textStart = 0;
    for (size_t pos = 0; pos < s.size();) {
        const auto &candidates = byFirst[static_cast<unsigned char>(s[pos])];
        const auto hit = std::find_if(candidates.begin(), candidates.end(),
                                      [&](const auto &c) { return s.substr(pos, c.first->size()) == *c.first; });
        if (hit == candidates.end()) {
            ++pos;
            continue;
        }
        if (pos > textStart)
            chunks.push_back({text.slice(textStart, pos), -1});
        chunks.push_back({text.slice(pos, pos + hit->first->size()), hit->second});
        pos += hit->first->size();
        textStart = pos;
    }
    if (textStart < s.size())
        chunks.push_back({text.slice(textStart, s.size()), -1});
    return chunks;
}

void SlowTokenizer::applyStripRules(std::vector<Chunk> &chunks) const
{
    auto strip = [](MappedText &t, bool left, bool right) {
        const auto [b, e] = pythonStripRange(t.text, left, right);
        t = t.slice(b, e);
    };
    for (size_t i = 0; i < chunks.size(); ++i) {
        if (chunks[i].addedId < 0)
            continue;
        const AddedToken &token = m_added.at(chunks[i].addedId);
        const bool hasLeft = i > 0 && !chunks[i - 1].text.text.empty();
        const bool hasRight = i + 1 < chunks.size() && !chunks[i + 1].text.text.empty();
        const char leftLast = hasLeft ? chunks[i - 1].text.text.back() : 0; // before stripping, as transformers
        if (token.rstrip && hasRight && chunks[i + 1].addedId < 0)
            strip(chunks[i + 1].text, true, false);
        if (token.lstrip && hasLeft && chunks[i - 1].addedId < 0)
            strip(chunks[i - 1].text, false, true);
        if (token.singleWord && hasLeft && leftLast != ' ') {
            chunks[i - 1].text.append(chunks[i].text);
            chunks[i - 1].addedId = -1;
            chunks[i].text = {};
        } else if (token.singleWord && hasRight && chunks[i + 1].text.text[0] != ' ') {
            MappedText merged = chunks[i].text;
            merged.append(chunks[i + 1].text);
            chunks[i + 1] = {merged, -1};
            chunks[i].text = {};
        }
    }
}

Result<TokenizedText> SlowTokenizer::encodeSide(std::string_view text, bool target) const
{
    if (const long bad = firstInvalidUtf8(text); bad >= 0)
        return inputError("invalid UTF-8 at byte " + std::to_string(bad));
    auto chunks = splitOnAddedTokens(prepare(MappedText::typed(text)));
    applyStripRules(chunks);

    std::vector<int> ids;
    std::vector<TextSpan> spans;
    std::vector<bool> fromText;
    std::vector<RawPiece> pieces;
    for (const Chunk &chunk : chunks) {
        if (chunk.text.text.empty())
            continue;
        if (chunk.addedId >= 0) {
            ids.push_back(chunk.addedId);
            spans.push_back(chunk.text.span(0, chunk.text.text.size()));
            fromText.push_back(false);
            continue;
        }
        pieces.clear();
        tokenizeChunk(chunk.text, target, pieces);
        for (const RawPiece &p : pieces) {
            ids.push_back(tokenToId(p.token, target));
            spans.push_back(p.span);
            fromText.push_back(true);
        }
    }
    const auto [all, before] = withSpecialTokens(ids);
    TokenizedText out;
    out.ids = all;
    out.spans.assign(all.size(), TextSpan{});
    std::vector<bool> typed(all.size(), false);
    for (size_t i = 0; i < ids.size() && before + i < all.size(); ++i) {
        out.spans[before + i] = spans[i];
        typed[before + i] = fromText[i];
    }
    finish(out, typed);
    return out;
}

void SlowTokenizer::finish(TokenizedText &out, const std::vector<bool> &fromText) const
{
    const size_t n = out.ids.size();
    out.pieces.resize(n);
    out.special.resize(n);
    out.words.resize(n);
    int word = -1;
    for (size_t i = 0; i < n; ++i) {
        const int id = out.ids[i];
        out.pieces[i] = piece(id);
        out.special[i] = fromText[i] ? isLanguageCode(id) : (isSpecial(id) || (m_added.count(id) && m_added.at(id).special));
        const Display d = display(id);
        const bool spaced = !d.text.empty() && isPythonSpace(char32_t(static_cast<unsigned char>(d.text[0])));
        if (i == 0 || out.special[i] || out.special[i - 1] || d.wordStart || spaced)
            ++word;
        out.words[i] = word;
    }
}

// ---- vocabulary ---------------------------------------------------------------------------

int SlowTokenizer::size() const
{
    return m_size;
}

std::string SlowTokenizer::piece(int id) const
{
    if (const auto it = m_added.find(id); it != m_added.end())
        return it->second.content;
    return modelPiece(id).value_or(std::string());
}

int SlowTokenizer::id(std::string_view piece) const
{
    return tokenToId(std::string(piece));
}

bool SlowTokenizer::isSpecial(int id) const
{
    if (id == m_unk && id >= 0)
        return false; // stands for typed text (Marian's special-token mask says the same)
    if (const auto it = m_added.find(id); it != m_added.end() && it->second.special)
        return true;
    return std::find(m_allSpecialIds.begin(), m_allSpecialIds.end(), id) != m_allSpecialIds.end()
        || isLanguageCode(id);
}

HfTokenizer::Display SlowTokenizer::display(int id) const
{
    const std::string p = piece(id);
    if (m_added.count(id) || isSpecial(id) || id == m_unk)
        return {p, true};
    return displayModelPiece(p);
}

HfTokenizer::Specials SlowTokenizer::specials() const
{
    return {attributeId(m_specials.pad), attributeId(m_specials.bos), attributeId(m_specials.eos), m_unk};
}

// ---- decode -------------------------------------------------------------------------------

std::string SlowTokenizer::decode(const std::vector<int> &ids, bool skipSpecial) const
{
    // convert_ids_to_tokens(ids, skip_special_tokens)
    std::vector<std::string> tokens;
    for (const int id : ids) {
        if (skipSpecial && std::find(m_allSpecialIds.begin(), m_allSpecialIds.end(), id) != m_allSpecialIds.end())
            continue;
        if (const auto it = m_added.find(id); it != m_added.end())
            tokens.push_back(it->second.content);
        else
            tokens.push_back(modelPiece(id).value_or(m_specials.unk.value_or(std::string())));
    }
    // Added tokens that are not special are joined as they are, apart from
    // the model's text (byte-level BPE must not see them).
    std::vector<std::string> texts, current;
    for (auto &token : tokens) {
        if (std::find(m_legacyAdded.begin(), m_legacyAdded.end(), token) == m_legacyAdded.end()) {
            current.push_back(std::move(token));
            continue;
        }
        if (!current.empty()) {
            std::string s = tokensToString(std::move(current));
            if (!s.empty())
                texts.push_back(std::move(s));
            current.clear();
        }
        texts.push_back(std::move(token));
    }
    if (!current.empty())
        texts.push_back(tokensToString(std::move(current)));
    std::string text;
    for (size_t i = 0; i < texts.size(); ++i)
        text += (i ? " " : "") + texts[i]; // spaces_between_special_tokens
    return m_cleanUp ? cleanUpTokenization(std::move(text)) : text;
}

} // namespace alignscope::hftok
