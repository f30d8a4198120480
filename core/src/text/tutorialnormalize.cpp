// The PyTorch tutorials' normalizeString, reproduced on code points so that
// models imported from them see typed text exactly as the tutorial's
// evaluate() would:
//   s = unicodeToAscii(s.lower().strip())   # NFD, drop category Mn
//   s = re.sub(r"([.!?])", r" \1", s)
//   s = re.sub(r"[^a-zA-Z.!?]+", r" ", s)    # 2023+ translation: [^a-zA-Z!?]+
//   then: legacy translation nothing; 2023+ translation strip(); chatbot
//   re.sub(r"\s+", " ", s).strip().
// tests/interop/make_tutorial_fixtures.py writes Python's output for tricky
// strings; testtutorialtext.cpp compares.

#include "alignscope/tokenizer.h"
#include "text/pythonstring_p.h"

#include <utf8proc.h>

namespace alignscope {

namespace {

using CodePoints = std::u32string;

/// Python's str.isspace(): what str.strip() removes.
bool isPythonSpace(char32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

CodePoints strip(const CodePoints &s)
{
    std::size_t b = 0, e = s.size();
    while (b < e && isPythonSpace(s[b]))
        ++b;
    while (e > b && isPythonSpace(s[e - 1]))
        --e;
    return s.substr(b, e - b);
}

Result<CodePoints> decode(std::string_view text)
{
    const auto *bytes = reinterpret_cast<const utf8proc_uint8_t *>(text.data());
    CodePoints out;
    for (std::size_t pos = 0; pos < text.size();) {
        utf8proc_int32_t cp = 0;
        const auto n = utf8proc_iterate(bytes + pos, static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
        if (n <= 0)
            return inputError("invalid UTF-8 at byte " + std::to_string(pos));
        out.push_back(static_cast<char32_t>(cp));
        pos += static_cast<std::size_t>(n);
    }
    return out;
}

std::string encode(const CodePoints &cps)
{
    std::string out;
    utf8proc_uint8_t buf[4];
    for (char32_t c : cps) {
        const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
        out.append(reinterpret_cast<const char *>(buf), static_cast<std::size_t>(n));
    }
    return out;
}

/// s.lower().strip(). Python lowercases with full case mapping; the only
/// unconditional multi-character lowercase is U+0130 -> "i\u0307".
CodePoints lowerStrip(const CodePoints &in)
{
    CodePoints lower;
    for (char32_t c : in) {
        if (c == 0x130)
            lower += U"i\u0307";
        else
            lower.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
    return strip(lower);
}

/// unicodeToAscii: NFD, then drop nonspacing marks (category Mn).
/// Decomposed character by character, without NFD's canonical reordering:
/// reordering only moves combining marks, which are dropped here (Mn) or
/// become spaces later like any other non-ASCII character, so the outcome
/// is the same.
CodePoints withoutMarks(const CodePoints &in)
{
    CodePoints out;
    for (char32_t c : in) {
        utf8proc_int32_t parts[8]; // canonical decompositions are at most 4 code points
        int boundary = 0;
        const auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), parts, 8, UTF8PROC_DECOMPOSE,
                                               &boundary);
        if (n < 0 || n > 8) {
            out.push_back(c); // cannot happen for a valid code point
            continue;
        }
        for (utf8proc_ssize_t i = 0; i < n; ++i)
            if (utf8proc_category(parts[i]) != UTF8PROC_CATEGORY_MN)
                out.push_back(static_cast<char32_t>(parts[i]));
    }
    return out;
}

bool isAsciiLetter(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }

/// re.sub(r"([.!?])", r" \1", s) then re.sub(r"[^a-zA-Z<kept>]+", r" ", s).
CodePoints substitute(const CodePoints &in, bool keepPeriod)
{
    CodePoints spaced;
    for (char32_t c : in) {
        if (c == U'.' || c == U'!' || c == U'?')
            spaced.push_back(U' ');
        spaced.push_back(c);
    }
    CodePoints out;
    bool inRun = false;
    for (char32_t c : spaced) {
        const bool kept = isAsciiLetter(c) || c == U'!' || c == U'?' || (keepPeriod && c == U'.');
        if (kept)
            out.push_back(c);
        else if (!inRun)
            out.push_back(U' ');
        inRun = !kept;
    }
    return out;
}

} // namespace

Result<std::string> normalizeTutorialString(std::string_view text, TokenizerMode mode)
{
    auto cps = decode(text);
    if (!cps)
        return cps.error();
    const CodePoints ascii = withoutMarks(lowerStrip(cps.value()));
    // After the substitutions no run of spaces is left, so the chatbot's
    // \s+ -> " " changes nothing and its ending is the 2023+ strip().
    const CodePoints s = substitute(ascii, mode != TokenizerMode::TutorialNormalize);
    return encode(mode == TokenizerMode::LegacyTutorialNormalize ? s : strip(s));
}

std::string pythonStrip(std::string_view text)
{
    auto cps = decode(text);
    return cps ? encode(strip(cps.value())) : std::string(text);
}

std::vector<std::string_view> splitKeepingEmpty(std::string_view text, char separator)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto at = text.find(separator, start);
        out.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos)
            return out;
        start = at + 1;
    }
}

std::vector<std::string> splitOnSpace(std::string_view text)
{
    const auto pieces = splitKeepingEmpty(text, ' ');
    return {pieces.begin(), pieces.end()};
}

} // namespace alignscope
