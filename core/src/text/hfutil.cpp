// Small pieces of Python behaviour the Hugging Face tokenizers rely on:
// str.isspace/strip, bytes.decode(errors="replace"), and the text-with-origins
// type that keeps spans through stripping and prefixing.

#include "text/hfslow_p.h"

#include <utf8proc.h>

#include <algorithm>
#include <fstream>

namespace alignscope::hftok {

MappedText MappedText::typed(std::string_view text, int offset)
{
    MappedText out;
    out.text.assign(text);
    out.origin.resize(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        out.origin[i] = offset + static_cast<int>(i);
    return out;
}

MappedText MappedText::slice(size_t begin, size_t end) const
{
    MappedText out;
    out.text = text.substr(begin, end - begin);
    out.origin.assign(origin.begin() + long(begin), origin.begin() + long(end));
    return out;
}

void MappedText::append(const MappedText &other)
{
    text += other.text;
    origin.insert(origin.end(), other.origin.begin(), other.origin.end());
}

TextSpan MappedText::span(size_t begin, size_t end) const
{
    TextSpan s;
    for (size_t i = begin; i < end && i < origin.size(); ++i) {
        if (origin[i] < 0)
            continue;
        if (s.begin < 0 || origin[i] < s.begin)
            s.begin = origin[i];
        s.end = std::max(s.end, origin[i] + 1);
    }
    return s;
}

Result<std::string> readFileCapped(const std::string &path, size_t limit)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fileError(path + ": cannot open the file");
    std::string bytes;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        bytes.append(buffer, size_t(in.gcount()));
        if (bytes.size() > limit)
            return fileError(path + ": larger than " + std::to_string(limit >> 20) + " MB; not a tokenizer file");
    }
    if (in.bad())
        return fileError(path + ": cannot read the file");
    return bytes;
}

long firstInvalidUtf8(std::string_view text)
{
    const auto *bytes = reinterpret_cast<const utf8proc_uint8_t *>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
        utf8proc_int32_t cp = 0;
        const auto n = utf8proc_iterate(bytes + pos, utf8proc_ssize_t(text.size() - pos), &cp);
        if (n <= 0)
            return long(pos);
        pos += size_t(n);
    }
    return -1;
}

bool isPythonSpace(char32_t c)
{
    // str.isspace(): bidirectional class WS, B or S, or category Zs.
    if ((c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680)
        return true;
    return (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

namespace {

/// Length of the valid UTF-8 sequence at `p`, or of its maximal invalid
/// subpart as a negative number (Unicode's "substitution of maximal subparts").
int sequenceLength(const unsigned char *p, size_t left)
{
    const unsigned char b = p[0];
    if (b < 0x80)
        return 1;
    int need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF)
        need = 1;
    else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        lo = b == 0xE0 ? 0xA0 : 0x80;
        hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;
    } else
        return -1;
    for (int k = 1; k <= need; ++k) {
        if (size_t(k) >= left)
            return -k;
        const unsigned char c = p[k];
        if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF))
            return -k;
    }
    return need + 1;
}

} // namespace

std::string decodeUtf8Replacing(std::string_view bytes)
{
    std::string out;
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    size_t i = 0;
    while (i < bytes.size()) {
        const int n = sequenceLength(p + i, bytes.size() - i);
        if (n > 0)
            out.append(bytes.substr(i, size_t(n)));
        else
            out += "\xEF\xBF\xBD"; // U+FFFD
        i += size_t(n > 0 ? n : -n);
    }
    return out;
}

std::string cleanUpTokenization(std::string text)
{
    static const std::pair<std::string_view, std::string_view> kRules[] = {
        {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
        {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (const auto &[from, to] : kRules) { // one rule after the other, as str.replace chains them
        std::string out;
        size_t pos = 0;
        for (size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size())
            out.append(text, pos, hit - pos).append(to);
        text = out.append(text, pos);
    }
    return text;
}

std::pair<size_t, size_t> pythonStripRange(std::string_view text, bool left, bool right)
{
    const auto *bytes = reinterpret_cast<const utf8proc_uint8_t *>(text.data());
    size_t begin = 0, end = text.size(), pos = 0;
    bool seenText = false;
    while (pos < text.size()) {
        utf8proc_int32_t cp = 0;
        const auto n = utf8proc_iterate(bytes + pos, utf8proc_ssize_t(text.size() - pos), &cp);
        const size_t step = n > 0 ? size_t(n) : 1;
        if (n <= 0 || !isPythonSpace(char32_t(cp))) {
            if (!seenText && left)
                begin = pos;
            seenText = true;
            end = pos + step;
        }
        pos += step;
    }
    if (!seenText)
        return {0, 0};
    return {left ? begin : 0, right ? end : text.size()};
}

std::string pythonStripped(std::string_view text, bool left, bool right)
{
    const auto [begin, end] = pythonStripRange(text, left, right);
    return std::string(text.substr(begin, end - begin));
}

} // namespace alignscope::hftok
