// Vocabulary: token <-> id tables, the AlignScope special-token layout, and
// building a vocabulary from a tokenised corpus.

#include "alignscope/vocabulary.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <system_error>

namespace alignscope {
namespace {

const std::array<std::string, 4> kSpecialTokens = {"<pad>", "<sos>", "<eos>", "<unk>"};

/// Checks the AlignScope layout: the four specials first, then unique,
/// non-empty tokens. `where(i)` names entry i for messages ("line 7").
using Where = std::function<std::string(size_t)>;

Result<void> validateLayout(const std::vector<std::string> &tokens, const std::string &origin, const Where &where)
{
    if (tokens.size() < kSpecialTokens.size())
        return fileError(origin + ": vocabulary has " + std::to_string(tokens.size())
                         + " tokens; it must start with <pad>, <sos>, <eos>, <unk>");
    for (size_t i = 0; i < kSpecialTokens.size(); ++i) {
        if (tokens[i] != kSpecialTokens[i])
            return fileError(origin + ": " + where(i) + " is '" + tokens[i] + "', expected "
                             + kSpecialTokens[i] + " (AlignScope vocabularies start with <pad>, <sos>, <eos>, <unk>)");
    }
    std::unordered_map<std::string, size_t> seen;
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i].empty())
            return fileError(origin + ": " + where(i) + " is an empty token");
        const auto [it, inserted] = seen.emplace(tokens[i], i);
        if (!inserted)
            return fileError(origin + ": " + where(i) + " repeats token '" + tokens[i] + "' (first at "
                             + where(it->second) + ")");
    }
    return {};
}

Result<Vocabulary> fromValidated(std::vector<std::string> tokens, const std::string &origin,
                                 const Where &where)
{
    if (auto valid = validateLayout(tokens, origin, where); !valid)
        return valid.error();
    return Vocabulary(std::move(tokens), SpecialIds{});
}

/// Rejects a path that is missing or not a regular file, with one line
/// naming it, before the stream hides why it could not be opened.
Result<void> checkReadable(const std::string &path)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        return fileError("cannot read vocabulary '" + path + "': no such file");
    if (std::filesystem::is_directory(status))
        return fileError("cannot read vocabulary '" + path + "': it is a directory, expected a file");
    return {};
}

/// Lines of `in` with a trailing '\r' (CRLF files) and a leading UTF-8 BOM
/// removed.
std::vector<std::string> readLines(std::istream &in)
{
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (lines.empty() && line.starts_with("\xEF\xBB\xBF"))
            line.erase(0, 3);
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace

Vocabulary::Vocabulary(std::vector<std::string> tokens, SpecialIds specials)
    : m_tokens(std::move(tokens)), m_specials(specials)
{
    m_index.reserve(m_tokens.size());
    for (size_t i = 0; i < m_tokens.size(); ++i)
        m_index.emplace(m_tokens[i], static_cast<int>(i)); // first occurrence wins
}

Result<Vocabulary> Vocabulary::fromTokens(std::vector<std::string> tokens, const std::string &origin)
{
    return fromValidated(std::move(tokens), origin, [](size_t i) { return "index " + std::to_string(i); });
}

Result<Vocabulary> Vocabulary::readFile(const std::string &path)
{
    if (auto readable = checkReadable(path); !readable)
        return readable.error();
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fileError("cannot read vocabulary '" + path + "': permission denied or unreadable");
    auto lines = readLines(in);
    if (in.bad())
        return fileError("cannot read vocabulary '" + path + "': I/O error while reading");
    if (lines.empty())
        return fileError("vocabulary '" + path + "' is empty; expected one token per line");
    return fromValidated(std::move(lines), path, [](size_t i) { return "line " + std::to_string(i + 1); });
}

Vocabulary Vocabulary::build(const std::vector<std::vector<std::string>> &sentences, int minCount, int maxSize)
{
    // Count in first-appearance order so that ties stay deterministic
    // (std::stable_sort keeps that order among equal counts).
    std::unordered_map<std::string, size_t> slot;
    std::vector<std::pair<std::string, int>> counts;
    for (const auto &sentence : sentences) {
        for (const auto &token : sentence) {
            if (token.empty() || std::find(kSpecialTokens.begin(), kSpecialTokens.end(), token) != kSpecialTokens.end())
                continue;
            const auto [it, inserted] = slot.emplace(token, counts.size());
            if (inserted)
                counts.emplace_back(token, 0);
            ++counts[it->second].second;
        }
    }
    std::stable_sort(counts.begin(), counts.end(), [](const auto &a, const auto &b) { return a.second > b.second; });

    std::vector<std::string> tokens(kSpecialTokens.begin(), kSpecialTokens.end());
    const size_t limit = maxSize > 0 ? static_cast<size_t>(maxSize) : SIZE_MAX;
    for (auto &[token, count] : counts) {
        if (count < minCount || tokens.size() >= limit)
            break; // sorted by count: nothing after this qualifies either
        tokens.push_back(std::move(token));
    }
    return Vocabulary(std::move(tokens), SpecialIds{});
}

int Vocabulary::id(const std::string &token) const
{
    const auto it = m_index.find(token);
    return it != m_index.end() ? it->second : m_specials.unk;
}

const std::string &Vocabulary::token(int id) const
{
    assert(id >= 0 && id < size());
    static const std::string invalid = "<invalid>";
    return (id >= 0 && id < size()) ? m_tokens[static_cast<size_t>(id)] : invalid;
}

bool Vocabulary::isSpecial(int id) const
{
    return id >= 0
        && (id == m_specials.pad || id == m_specials.sos || id == m_specials.eos || id == m_specials.unk);
}

std::vector<int> Vocabulary::encode(const std::vector<std::string> &tokens, std::vector<int> *oov) const
{
    std::vector<int> ids;
    ids.reserve(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
        const auto it = m_index.find(tokens[i]);
        if (it == m_index.end() && oov)
            oov->push_back(static_cast<int>(i));
        ids.push_back(it != m_index.end() ? it->second : m_specials.unk);
    }
    return ids;
}

} // namespace alignscope
