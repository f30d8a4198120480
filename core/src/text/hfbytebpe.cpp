// Byte-level BPE (BartTokenizer, GPT2Tokenizer, WhisperTokenizer): GPT-2's
// pre-tokenisation pattern, written out by hand over utf8proc's categories,
// each pre-token's UTF-8 bytes mapped to printable characters, then merges by
// rank. Whisper frames text with its task prompt and decodes its own way
// (added tokens joined without spaces, timestamps and a previous-text prompt
// left out).

#include "text/hfmodels_p.h"
#include "text/hfslow_p.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <mutex>

namespace alignscope::hftok {
namespace {

constexpr size_t kMergesLimit = 64u << 20;
constexpr size_t kCacheLimit = 1 << 16;

std::string utf8(char32_t c)
{
    utf8proc_uint8_t buf[4];
    const auto n = utf8proc_encode_char(utf8proc_int32_t(c), buf);
    return std::string(reinterpret_cast<const char *>(buf), size_t(n));
}

/// bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the
/// others for U+0100 onwards in byte order (space -> "Ġ", newline -> "Ċ").
struct ByteMap {
    std::array<std::string, 256> toText;
    std::unordered_map<std::string, unsigned char> toByte;
    ByteMap()
    {
        int extra = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            toText[size_t(b)] = utf8(printable ? char32_t(b) : char32_t(256 + extra++));
            toByte[toText[size_t(b)]] = static_cast<unsigned char>(b);
        }
    }
};

const ByteMap &byteMap()
{
    static const ByteMap map;
    return map;
}

// ---- pre-tokenisation: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+

enum class CharClass { Letter, Number, Space, Other };

/// \s of Python's regex module: Unicode White_Space (not U+001C..U+001F,
/// which str.isspace() has).
bool isRegexSpace(char32_t c)
{
    return isPythonSpace(c) && !(c >= 0x1C && c <= 0x1F);
}

CharClass classify(char32_t c)
{
    if (isRegexSpace(c))
        return CharClass::Space;
    const auto cat = utf8proc_category(utf8proc_int32_t(c));
    if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
        return CharClass::Letter;
    if (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO)
        return CharClass::Number;
    return CharClass::Other;
}

struct Char {
    size_t byte;
    CharClass cls;
    char32_t cp;
};

std::vector<Char> decodeChars(std::string_view text)
{
    std::vector<Char> out;
    const auto *p = reinterpret_cast<const utf8proc_uint8_t *>(text.data());
    for (size_t pos = 0; pos < text.size();) {
        utf8proc_int32_t cp = 0;
        const auto n = utf8proc_iterate(p + pos, utf8proc_ssize_t(text.size() - pos), &cp);
        out.push_back({pos, classify(char32_t(n > 0 ? cp : 0xFFFD)), char32_t(cp)});
        pos += n > 0 ? size_t(n) : 1;
    }
    return out;
}

/// Length in characters of the match at `i` (every position matches one of the alternatives).
size_t matchAt(const std::vector<Char> &c, size_t i)
{
    const size_t n = c.size();
    if (c[i].cp == '\'' && i + 1 < n) {
        for (std::u32string_view suffix : {U"s", U"t", U"re", U"ve", U"m", U"ll", U"d"}) {
            size_t k = 0;
            while (k < suffix.size() && i + 1 + k < n && c[i + 1 + k].cp == suffix[k])
                ++k;
            if (k == suffix.size())
                return 1 + k;
        }
    }
    const bool space = c[i].cp == ' ' && i + 1 < n;
    for (CharClass cls : {CharClass::Letter, CharClass::Number, CharClass::Other}) {
        const size_t start = space && c[i + 1].cls == cls ? i + 1 : i;
        if (c[start].cls != cls)
            continue;
        size_t end = start;
        while (end < n && c[end].cls == cls)
            ++end;
        return end - i;
    }
    size_t end = i; // a run of spaces: all of it at the end, else all but the last one
    while (end < n && c[end].cls == CharClass::Space)
        ++end;
    if (end == n || end - i == 1)
        return end - i;
    return end - i - 1;
}

/// re.sub(r"<\|(\d+\.\d+)\|>", "", text): Whisper's timestamp tokens out of decoded text.
std::string stripTimestamps(const std::string &text)
{
    auto digits = [&](size_t at) {
        size_t end = at;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9')
            ++end;
        return end;
    };
    std::string out;
    for (size_t i = 0; i < text.size();) {
        if (text.compare(i, 2, "<|") == 0) {
            const size_t whole = digits(i + 2);
            if (whole > i + 2 && whole < text.size() && text[whole] == '.') {
                const size_t frac = digits(whole + 1);
                if (frac > whole + 1 && text.compare(frac, 2, "|>") == 0) {
                    i = frac + 2;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}

// ---- BPE ----------------------------------------------------------------------------------

class ByteBpeTokenizer final : public SlowTokenizer {
public:
    ByteBpeTokenizer(JsonVocabulary vocabulary, std::unordered_map<std::string, int> ranks, ByteBpeFlavour flavour,
                     bool addPrefixSpace, bool addBos)
        : m_vocabulary(std::move(vocabulary)), m_ranks(std::move(ranks)), m_flavour(flavour),
          m_addPrefixSpace(addPrefixSpace), m_addBos(addBos)
    {
    }
    /// No merges: a pair ranks as the id of its concatenation (tiktoken's rule, which openai/whisper uses).
    ByteBpeTokenizer(JsonVocabulary vocabulary, ByteBpeFlavour flavour)
        : m_vocabulary(std::move(vocabulary)), m_flavour(flavour), m_addPrefixSpace(false), m_addBos(false),
          m_ranksAreIds(true)
    {
    }

    std::string decode(const std::vector<int> &ids, bool skipSpecial = true) const override;

protected:
    void tokenizeChunk(const MappedText &chunk, bool, std::vector<RawPiece> &out) const override;
    std::optional<int> modelId(const std::string &token, bool) const override
    {
        const auto it = m_vocabulary.ids.find(token);
        return it == m_vocabulary.ids.end() ? std::nullopt : std::optional<int>(it->second);
    }
    std::optional<std::string> modelPiece(int id) const override
    {
        const auto it = m_vocabulary.tokens.find(id);
        return it == m_vocabulary.tokens.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    int modelSize() const override { return int(m_vocabulary.ids.size()); }
    std::vector<std::string> modelVocabulary() const override { return tokensOf(m_vocabulary); }
    std::string tokensToString(std::vector<std::string> tokens) const override;
    Framed withSpecialTokens(std::vector<int> ids) const override;
    MappedText prepare(MappedText text) const override;
    Display displayModelPiece(const std::string &piece) const override;

private:
    std::vector<std::string> bpe(const std::string &word) const;
    std::string whisperDecode(std::vector<int> ids, bool skipSpecial) const;

    JsonVocabulary m_vocabulary;
    std::unordered_map<std::string, int> m_ranks; ///< "first second" -> merge rank
    ByteBpeFlavour m_flavour;
    bool m_addPrefixSpace, m_addBos;
    bool m_ranksAreIds = false;
    mutable std::mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<std::string>> m_cache;
};

/// One byte-mapped pre-token merged by rank: repeatedly the lowest-ranked
/// adjacent pair, every occurrence left to right.
std::vector<std::string> ByteBpeTokenizer::bpe(const std::string &word) const
{
    {
        std::lock_guard lock(m_cacheMutex);
        if (const auto it = m_cache.find(word); it != m_cache.end())
            return it->second;
    }
    std::vector<std::string> symbols;
    for (const Char &c : decodeChars(word))
        symbols.push_back(utf8(c.cp));
    const auto &ranks = m_ranksAreIds ? m_vocabulary.ids : m_ranks;
    auto key = [&](size_t i) { return m_ranksAreIds ? symbols[i] + symbols[i + 1] : symbols[i] + ' ' + symbols[i + 1]; };
    while (symbols.size() > 1) {
        int best = -1;
        std::string bestPair;
        for (size_t i = 0; i + 1 < symbols.size(); ++i) {
            const auto it = ranks.find(key(i));
            if (it != ranks.end() && (best < 0 || it->second < best)) {
                best = it->second;
                bestPair = it->first;
            }
        }
        if (best < 0)
            break;
        std::vector<std::string> merged;
        for (size_t i = 0; i < symbols.size(); ++i) {
            if (i + 1 < symbols.size() && key(i) == bestPair) {
                merged.push_back(symbols[i] + symbols[i + 1]);
                ++i;
            } else
                merged.push_back(symbols[i]);
        }
        symbols = std::move(merged);
    }
    std::lock_guard lock(m_cacheMutex);
    if (m_cache.size() >= kCacheLimit)
        m_cache.clear();
    m_cache.emplace(word, symbols);
    return symbols;
}

void ByteBpeTokenizer::tokenizeChunk(const MappedText &chunk, bool, std::vector<RawPiece> &out) const
{
    const auto chars = decodeChars(chunk.text);
    const auto &map = byteMap();
    for (size_t i = 0; i < chars.size();) {
        const size_t n = matchAt(chars, i);
        const size_t begin = chars[i].byte, end = i + n < chars.size() ? chars[i + n].byte : chunk.text.size();
        std::string word;
        for (size_t b = begin; b < end; ++b)
            word += map.toText[static_cast<unsigned char>(chunk.text[b])];
        size_t at = begin; // each mapped character stands for one byte
        for (auto &token : bpe(word)) {
            const size_t bytes = decodeChars(token).size();
            out.push_back({std::move(token), chunk.span(at, at + bytes)});
            at += bytes;
        }
        i += n;
    }
}

MappedText ByteBpeTokenizer::prepare(MappedText text) const
{
    if (!m_addPrefixSpace || text.text.empty() || isPythonSpace(decodeChars(text.text)[0].cp))
        return text;
    MappedText out{" ", {-1}};
    out.append(text);
    return out;
}

ByteBpeTokenizer::Framed ByteBpeTokenizer::withSpecialTokens(std::vector<int> ids) const
{
    const auto &s = specialTokens();
    if (m_flavour == ByteBpeFlavour::Whisper) {
        // prefix_tokens X <|endoftext|>; the prefix of a tokenizer without language or task:
        // <|startoftranscript|> <|notimestamps|>.
        std::vector<int> framed{tokenToId("<|startoftranscript|>"), tokenToId("<|notimestamps|>")};
        framed.insert(framed.end(), ids.begin(), ids.end());
        framed.push_back(attributeId(s.eos));
        return {std::move(framed), 2};
    }
    // BART: <s> X </s> (cls_token, sep_token); GPT-2: X, or <|endoftext|> X with add_bos_token.
    const bool gpt2 = m_flavour == ByteBpeFlavour::Gpt2;
    const int first = gpt2 ? (m_addBos ? attributeId(s.bos) : -1) : attributeId(s.cls);
    if (!gpt2 && attributeId(s.sep) >= 0)
        ids.push_back(attributeId(s.sep));
    if (first < 0)
        return {std::move(ids), 0};
    ids.insert(ids.begin(), first);
    return {std::move(ids), 1};
}

/// The bytes the characters of `tokens` stand for; characters outside the
/// byte map (an added token's own text) as their UTF-8.
std::string tokenBytes(const std::string &tokens)
{
    const auto &map = byteMap();
    std::string bytes;
    for (const Char &c : decodeChars(tokens)) {
        const std::string ch = utf8(c.cp);
        const auto it = map.toByte.find(ch);
        bytes += it != map.toByte.end() ? std::string(1, char(it->second)) : ch;
    }
    return bytes;
}

std::string ByteBpeTokenizer::tokensToString(std::vector<std::string> tokens) const
{
    std::string joined;
    for (const auto &t : tokens)
        joined += t;
    return decodeUtf8Replacing(tokenBytes(joined)); // errors="replace"
}

std::string ByteBpeTokenizer::decode(const std::vector<int> &ids, bool skipSpecial) const
{
    return m_flavour == ByteBpeFlavour::Whisper ? whisperDecode(ids, skipSpecial) : SlowTokenizer::decode(ids, skipSpecial);
}

/// WhisperTokenizer.decode: a previous-text prompt (<|startofprev|> ... up to
/// <|startoftranscript|>) dropped with the special tokens; every added token
/// joined as it is, with no space around it and no clean-up; then the
/// timestamps (<|1.24|>) taken out of the text.
std::string ByteBpeTokenizer::whisperDecode(std::vector<int> ids, bool skipSpecial) const
{
    if (skipSpecial && !ids.empty() && ids.front() == tokenToId("<|startofprev|>")) {
        const auto start = std::find(ids.begin(), ids.end(), tokenToId("<|startoftranscript|>"));
        ids.erase(ids.begin(), start);
    }
    std::string text;
    std::vector<std::string> run; // model tokens between added tokens
    auto flush = [&] {
        if (!run.empty())
            text += tokensToString(std::move(run));
        run.clear();
    };
    for (const int id : ids) {
        if (skipSpecial && isAllSpecialId(id))
            continue;
        if (const AddedToken *added = addedToken(id)) {
            flush();
            text += added->content;
        } else {
            run.push_back(modelPiece(id).value_or(std::string()));
        }
    }
    flush();
    return stripTimestamps(text);
}

HfTokenizer::Display ByteBpeTokenizer::displayModelPiece(const std::string &piece) const
{
    const std::string bytes = tokenBytes(piece);
    std::string text;
    for (size_t i = 0; i < bytes.size();) { // valid UTF-8 as it is, stray bytes as <0xNN>
        const long bad = firstInvalidUtf8(std::string_view(bytes).substr(i));
        const size_t good = bad < 0 ? bytes.size() - i : size_t(bad);
        text.append(bytes, i, good);
        i += good;
        if (i < bytes.size()) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "<0x%02X>", static_cast<unsigned char>(bytes[i]));
            text += hex;
            ++i;
        }
    }
    if (text.size() > 1 && text[0] == ' ')
        return {text.substr(1), true};
    return {text == " " ? piece : text, text == " "};
}

Result<std::unordered_map<std::string, int>> readMerges(const std::string &path)
{
    auto bytes = readFileCapped(path, kMergesLimit);
    if (!bytes)
        return bytes.error();
    if (const long bad = firstInvalidUtf8(*bytes); bad >= 0)
        return fileError(path + ": invalid UTF-8 at byte " + std::to_string(bad));
    // read().split("\n")[1:-1]: the first line is the version header, and
    // what follows the last newline is dropped.
    std::unordered_map<std::string, int> ranks;
    std::vector<std::string_view> lines;
    std::string_view rest = *bytes;
    for (size_t nl; (nl = rest.find('\n')) != std::string_view::npos; rest.remove_prefix(nl + 1))
        lines.push_back(rest.substr(0, nl));
    for (size_t i = 1; i < lines.size(); ++i) {
        std::vector<std::string> fields(1); // str.split(): runs of whitespace separate
        for (const Char &c : decodeChars(lines[i])) {
            if (!isPythonSpace(c.cp))
                fields.back() += utf8(c.cp);
            else if (!fields.back().empty())
                fields.emplace_back();
        }
        std::erase_if(fields, [](const std::string &f) { return f.empty(); });
        if (fields.empty())
            continue;
        if (fields.size() != 2)
            return fileError(path + ": line " + std::to_string(i + 1) + " is not a merge (two symbols separated by a space)");
        ranks.insert_or_assign(fields[0] + ' ' + fields[1], int(i - 1));
    }
    return ranks;
}

} // namespace

Result<std::unique_ptr<HfTokenizer>> loadByteBpeTokenizer(const std::string &folder, ByteBpeFlavour flavour)
{
    const bool gpt2 = flavour != ByteBpeFlavour::Bart; // Whisper's defaults are GPT-2's
    auto vocabulary = readVocabularyJson(folder + "/vocab.json");
    if (!vocabulary)
        return vocabulary.error();
    auto ranks = readMerges(folder + "/merges.txt");
    if (!ranks)
        return ranks.error();
    SpecialTokens defaults;
    if (gpt2) {
        defaults.bos = defaults.eos = defaults.unk = "<|endoftext|>";
    } else {
        defaults.bos = defaults.cls = "<s>";
        defaults.eos = defaults.sep = "</s>";
        defaults.unk = "<unk>";
        defaults.pad = "<pad>";
        defaults.mask = "<mask>";
    }
    auto config = readTokenizerConfig(folder, defaults);
    if (!config)
        return config.error();
    if (!gpt2 && config->specials.mask && !config->specialDetails.count(*config->specials.mask)) // lstrip by default
        config->specialDetails[*config->specials.mask] = AddedToken{*config->specials.mask, true, false, false, true};
    auto tokenizer = std::make_unique<ByteBpeTokenizer>(std::move(*vocabulary), std::move(*ranks), flavour,
                                                        config->addPrefixSpace.value_or(false),
                                                        config->addBosToken.value_or(false));
    tokenizer->setAddedTokens(*config, {});
    return std::unique_ptr<HfTokenizer>(std::move(tokenizer));
}

Result<std::unique_ptr<HfTokenizer>> makeWhisperTokenizer(const std::vector<std::string> &tokenBytes,
                                                          const std::map<int, std::string> &specials,
                                                          const std::map<int, std::string> &added)
{
    JsonVocabulary vocabulary;
    const auto &map = byteMap();
    for (size_t id = 0; id < tokenBytes.size(); ++id) {
        std::string text;
        for (const char b : tokenBytes[id])
            text += map.toText[static_cast<unsigned char>(b)];
        vocabulary.ids[text] = int(id); // a repeated token keeps its last id, as a dict built in id order
        vocabulary.tokens[int(id)] = std::move(text);
    }
    TokenizerConfig config;
    config.specials.bos = config.specials.eos = config.specials.unk = config.specials.pad = "<|endoftext|>";
    config.hasAddedDecoder = true;
    config.cleanUpSpaces = false;
    for (const auto &[id, content] : specials) {
        config.added[id] = AddedToken{content, false, false, false, true};
        if (content != "<|endoftext|>")
            config.specials.additional.push_back(content);
    }
    for (const auto &[id, content] : added)
        config.added[id] = AddedToken{content, false, false, false, false};
    auto tokenizer = std::make_unique<ByteBpeTokenizer>(std::move(vocabulary), ByteBpeFlavour::Whisper);
    tokenizer->setAddedTokens(config, {});
    return std::unique_ptr<HfTokenizer>(std::move(tokenizer));
}

} // namespace alignscope::hftok
