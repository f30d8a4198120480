// Tokenizer: UTF-8 validation, NFC, optional lowercase, then a small
// rule-based splitter for English and French (punctuation, elisions,
// English clitics, numbers). Works on code points so that a rule never cuts
// a multi-byte character in half.

#include "alignscope/tokenizer.h"
#include "alignscope/subword.h"

#include "text/pythonstring_p.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>

namespace alignscope {
namespace {

using CodePoints = std::u32string;

constexpr char32_t kApostrophe = U'\'';
constexpr char32_t kRightSingleQuote = U'\u2019'; // typographic apostrophe
const std::string kSpaceMarker = "\u2581";        // "▁", as in SentencePiece

// ---- Unicode classification -------------------------------------------------

utf8proc_category_t category(char32_t c)
{
    return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

bool isLetterOrMark(char32_t c)
{
    const auto cat = category(c);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME;
}

bool isDigit(char32_t c)
{
    return category(c) == UTF8PROC_CATEGORY_ND;
}

bool isWordChar(char32_t c)
{
    const auto cat = category(c);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO) || c == U'_';
}

// Control and format characters (tabs, newlines, zero-width spaces, stray
// BOMs) carry no text, so they separate tokens like a space does.
bool isSpaceLike(char32_t c)
{
    const auto cat = category(c);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP
        || cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF;
}

// ---- UTF-8 <-> code points --------------------------------------------------

std::string toUtf8(const CodePoints &cps, size_t begin, size_t end)
{
    std::string out;
    for (size_t i = begin; i < end; ++i) {
        utf8proc_uint8_t buf[4];
        const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cps[i]), buf);
        out.append(reinterpret_cast<const char *>(buf), static_cast<size_t>(n));
    }
    return out;
}

std::string toUtf8(const CodePoints &cps)
{
    return toUtf8(cps, 0, cps.size());
}

/// Byte offset of the first invalid sequence, or -1 when `text` is valid.
long firstInvalidByte(std::string_view text)
{
    const auto *bytes = reinterpret_cast<const utf8proc_uint8_t *>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
        utf8proc_int32_t cp = 0;
        const auto n = utf8proc_iterate(bytes + pos, static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
        if (n <= 0)
            return static_cast<long>(pos);
        pos += static_cast<size_t>(n);
    }
    return -1;
}

/// NFC-normalised code points of valid UTF-8 `text`. Composition must come
/// before lowercasing so that "E\u0301" and "\u00C9" both become "é".
CodePoints normalise(std::string_view text, bool lowercase)
{
    utf8proc_uint8_t *raw = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(text.data()),
                                static_cast<utf8proc_ssize_t>(text.size()), &raw,
                                static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(raw, &std::free);
    CodePoints out;
    if (n < 0)
        return out; // cannot happen after validation; an empty result is safe
    const auto *p = raw;
    auto left = n;
    while (left > 0) {
        utf8proc_int32_t cp = 0;
        const auto step = utf8proc_iterate(p, left, &cp);
        if (step <= 0)
            break;
        if (lowercase)
            cp = utf8proc_tolower(cp);
        out.push_back(cp == static_cast<utf8proc_int32_t>(kRightSingleQuote) ? kApostrophe
                                                                             : static_cast<char32_t>(cp));
        p += step;
        left -= step;
    }
    return out;
}

/// Whitespace-separated chunks of `text`.
std::vector<CodePoints> splitOnSpaces(const CodePoints &text)
{
    std::vector<CodePoints> chunks;
    CodePoints current;
    for (const char32_t c : text) {
        if (!isSpaceLike(c)) {
            current.push_back(c);
        } else if (!current.empty()) {
            chunks.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty())
        chunks.push_back(std::move(current));
    return chunks;
}

// ---- word pieces ------------------------------------------------------------

/// True when chunk[i] joins the word characters on both sides of it into one
/// token: "peut-être", "aujourd'hui", "3.5", "1,000", "2021-03-03".
bool joinsWord(const CodePoints &chunk, size_t i)
{
    if (i == 0 || i + 1 >= chunk.size())
        return false;
    const char32_t before = chunk[i - 1], c = chunk[i], after = chunk[i + 1];
    if (c == U'-')
        return isWordChar(before) && isWordChar(after);
    if (c == kApostrophe)
        return isLetterOrMark(before) && isLetterOrMark(after);
    if (c == U'.' || c == U',')
        return isDigit(before) && isDigit(after);
    return false;
}

/// Splits a chunk into word pieces (which may still hold apostrophes) and
/// one-character punctuation or symbol tokens.
std::vector<CodePoints> splitPieces(const CodePoints &chunk)
{
    std::vector<CodePoints> pieces;
    size_t i = 0;
    while (i < chunk.size()) {
        if (!isWordChar(chunk[i])) {
            pieces.emplace_back(1, chunk[i++]);
            continue;
        }
        const size_t begin = i++;
        while (i < chunk.size() && (isWordChar(chunk[i]) || joinsWord(chunk, i)))
            ++i;
        pieces.push_back(chunk.substr(begin, i - begin));
    }
    return pieces;
}

std::string asciiLower(const std::string &s)
{
    std::string out = s;
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    return out;
}

/// Length of a French elision prefix ("l'", "qu'", "jusqu'") at the start of
/// `word` including the apostrophe, or 0. Needs a letter after it.
size_t elisionLength(const CodePoints &word)
{
    static const std::array<const char *, 12> prefixes = {"l", "d", "j", "m", "n", "s", "t", "c",
                                                          "qu", "jusqu", "lorsqu", "puisqu"};
    const auto apostrophe = word.find(kApostrophe);
    if (apostrophe == CodePoints::npos || apostrophe + 1 >= word.size() || !isLetterOrMark(word[apostrophe + 1]))
        return 0;
    const std::string head = asciiLower(toUtf8(word, 0, apostrophe));
    for (const char *prefix : prefixes) {
        if (head == prefix)
            return apostrophe + 1;
    }
    return 0;
}

/// Length of an English clitic suffix ("'s", "n't", "'re"...), or 0. The
/// stem before it must be non-empty.
size_t cliticLength(const CodePoints &word)
{
    static const std::array<const char *, 7> suffixes = {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"};
    const std::string lower = asciiLower(toUtf8(word));
    for (const std::string suffix : suffixes) {
        if (lower.size() > suffix.size() && lower.ends_with(suffix))
            return suffix.size(); // suffixes are ASCII: bytes == code points
    }
    return 0;
}

/// Emits a word piece, peeling French elisions off the front ("qu'il" ->
/// "qu'" "il") and one English clitic off the back ("didn't" -> "did" "n't").
void emitWord(CodePoints word, std::vector<std::string> &out)
{
    while (const size_t n = elisionLength(word)) {
        out.push_back(toUtf8(word, 0, n));
        word.erase(0, n);
    }
    if (const size_t n = cliticLength(word)) {
        out.push_back(toUtf8(word, 0, word.size() - n));
        out.push_back(toUtf8(word, word.size() - n, word.size()));
        return;
    }
    out.push_back(toUtf8(word));
}

std::vector<std::string> wordTokens(const CodePoints &text)
{
    std::vector<std::string> tokens;
    for (const auto &chunk : splitOnSpaces(text)) {
        for (auto &piece : splitPieces(chunk)) {
            if (isWordChar(piece.front()))
                emitWord(std::move(piece), tokens);
            else
                tokens.push_back(toUtf8(piece));
        }
    }
    return tokens;
}

std::vector<std::string> characterTokens(const CodePoints &text)
{
    std::vector<std::string> tokens;
    for (const auto &chunk : splitOnSpaces(text)) {
        if (!tokens.empty())
            tokens.push_back(kSpaceMarker);
        for (size_t i = 0; i < chunk.size(); ++i)
            tokens.push_back(toUtf8(chunk, i, i + 1));
    }
    return tokens;
}

// ---- detokenizer ------------------------------------------------------------

bool isElisionToken(const std::string &t)
{
    return t.size() > 1 && t.back() == '\'';
}

bool attachesLeft(const std::string &t)
{
    static const std::array<const char *, 19> closing = {".", ",", "!", "?", ";", ":", ")", "]", "}", "»", "%",
                                                         "…", "n't", "'s", "'re", "'ve", "'ll", "'d", "'m"};
    const std::string lower = asciiLower(t);
    return std::find(closing.begin(), closing.end(), lower) != closing.end();
}

bool attachesRight(const std::string &t)
{
    static const std::array<const char *, 6> opening = {"(", "[", "{", "«", "¿", "¡"};
    return std::find(opening.begin(), opening.end(), t) != opening.end() || isElisionToken(t);
}

bool isTutorialMode(TokenizerMode m)
{
    return m == TokenizerMode::TutorialNormalize || m == TokenizerMode::LegacyTutorialNormalize ||
           m == TokenizerMode::ChatbotNormalize;
}

/// The tutorials' ' '.join(decoded_words).
std::string joinWithSpaces(const std::vector<std::string> &tokens)
{
    std::string out;
    for (std::size_t i = 0; i < tokens.size(); ++i)
        out += (i ? " " : "") + tokens[i];
    return out;
}

std::string detokenizeCharacters(const std::vector<std::string> &tokens)
{
    std::string out;
    for (const auto &t : tokens)
        out += (t == kSpaceMarker) ? std::string(" ") : t;
    return out;
}

std::vector<std::string> subwordTokens(const std::string &normalised, const SubwordModel &model)
{
    std::vector<std::string> tokens;
    for (auto &p : model.encode(normalised))
        tokens.push_back(std::move(p.piece));
    return tokens;
}

/// A piece without its word-start mark, as it was typed.
std::string unmarked(const std::string &piece)
{
    return piece.rfind(kSpaceMarker, 0) == 0 ? piece.substr(kSpaceMarker.size()) : piece;
}

} // namespace

Result<std::string> normaliseForSubwords(std::string_view text, bool lowercase)
{
    if (const long bad = firstInvalidByte(text); bad >= 0)
        return inputError("invalid UTF-8 at byte " + std::to_string(bad));
    CodePoints cps = normalise(text, lowercase);
    for (char32_t &c : cps)
        if (isSpaceLike(c))
            c = U' ';
    return toUtf8(cps);
}

std::vector<int> pieceWords(const std::vector<std::string> &pieces)
{
    std::vector<int> words;
    int word = -1;
    for (const std::string &p : pieces) {
        if (words.empty() || p.rfind(kSpaceMarker, 0) == 0)
            ++word;
        words.push_back(word);
    }
    return words;
}

Result<std::vector<std::string>> tokenize(std::string_view text, const TokenizerOptions &options)
{
    if (isSubword(options.mode)) {
        if (!options.subword)
            return inputError("no subword model: a bpe or unigram tokenizer needs the model it was trained with");
        auto normalised = normaliseForSubwords(text, options.lowercase);
        if (!normalised)
            return normalised.error();
        return subwordTokens(normalised.value(), *options.subword);
    }
    if (isTutorialMode(options.mode)) {
        auto normalised = normalizeTutorialString(text, options.mode);
        if (!normalised)
            return normalised.error();
        // "" splits into [""] in Python; here it is the empty sentence.
        return normalised->empty() ? std::vector<std::string>{} : splitOnSpace(normalised.value());
    }
    if (const long bad = firstInvalidByte(text); bad >= 0)
        return inputError("invalid UTF-8 at byte " + std::to_string(bad));
    const CodePoints cps = normalise(text, options.lowercase);
    if (options.mode == TokenizerMode::Character)
        return characterTokens(cps);
    return wordTokens(cps);
}

namespace {

/// A stretch of the typed text that normalises on its own: a code point
/// with combining class 0 and the marks after it (NFC composes only within
/// such a stretch).
struct Segment {
    int begin = 0, end = 0; ///< bytes of the typed text
};

std::vector<Segment> segments(std::string_view text)
{
    std::vector<Segment> out;
    const auto *p = reinterpret_cast<const utf8proc_uint8_t *>(text.data());
    utf8proc_ssize_t pos = 0;
    const auto size = static_cast<utf8proc_ssize_t>(text.size());
    while (pos < size) {
        utf8proc_int32_t cp = 0;
        const auto n = utf8proc_iterate(p + pos, size - pos, &cp);
        if (n <= 0)
            break;
        if (out.empty() || utf8proc_get_property(cp)->combining_class == 0)
            out.push_back({static_cast<int>(pos), static_cast<int>(pos + n)});
        else
            out.back().end = static_cast<int>(pos + n);
        pos += n;
    }
    return out;
}

/// What the tokenizer turns one segment into: the characters its tokens
/// are made of (spaces only where a token holds one: "▁" in character mode).
CodePoints fold(std::string_view segment, const TokenizerOptions &options)
{
    if (isTutorialMode(options.mode)) {
        auto t = normalizeTutorialString(segment, options.mode);
        return t ? normalise(pythonStrip(t.value()), false) : CodePoints{};
    }
    CodePoints cps = normalise(segment, options.lowercase);
    if (options.mode == TokenizerMode::Character && !cps.empty() && isSpaceLike(cps.front()))
        return normalise(kSpaceMarker, false);
    return cps;
}

} // namespace

std::vector<TextSpan> locateTokens(std::string_view text, const std::vector<std::string> &tokens,
                                   const TokenizerOptions &options)
{
    std::vector<TextSpan> spans(tokens.size());
    if (firstInvalidByte(text) >= 0)
        return spans;
    const std::vector<Segment> parts = segments(text);
    CodePoints folded;       // the text as the tokenizer sees it
    std::vector<int> owner;  // segment of each folded code point
    for (size_t s = 0; s < parts.size(); ++s)
        for (char32_t c : fold(text.substr(size_t(parts[s].begin), size_t(parts[s].end - parts[s].begin)), options)) {
            folded.push_back(c);
            owner.push_back(static_cast<int>(s));
        }
    size_t cursor = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (firstInvalidByte(tokens[i]) >= 0 || tokens[i].empty())
            continue;
        const CodePoints t = normalise(isSubword(options.mode) ? unmarked(tokens[i]) : tokens[i], false);
        if (t.empty())
            continue; // a lone "▁": SentencePiece's word start, not typed
        const size_t at = folded.find(t, cursor);
        if (at == CodePoints::npos)
            continue; // not typed (a marker the model adds); later tokens still match
        spans[i] = {parts[size_t(owner[at])].begin, parts[size_t(owner[at + t.size() - 1])].end};
        cursor = at + t.size();
    }
    return spans;
}

std::string detokenize(const std::vector<std::string> &tokens, const TokenizerOptions &options)
{
    if (options.mode == TokenizerMode::Character)
        return detokenizeCharacters(tokens);
    if (isSubword(options.mode)) // without the model: the pieces' own spacing
        return options.subword ? options.subword->decode(tokens) : pythonStrip(detokenizeCharacters(tokens));
    if (isTutorialMode(options.mode))
        return joinWithSpaces(tokens);
    std::string out;
    bool glueNext = true; // no space before the first token
    bool insideQuote = false;
    for (const auto &t : tokens) {
        // A straight double quote opens and closes alternately.
        const bool quote = (t == "\"");
        const bool left = attachesLeft(t) || (quote && insideQuote);
        if (!glueNext && !left)
            out += ' ';
        out += t;
        glueNext = attachesRight(t) || (quote && !insideQuote);
        if (quote)
            insideQuote = !insideQuote;
    }
    return out;
}

} // namespace alignscope
