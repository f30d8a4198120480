// The translation tutorial's vocabularies rebuilt from the user's
// eng-fra.txt, step for step as its prepareData does:
//   lines = open(path, encoding='utf-8').read().strip().split('\n')
//   pairs = [[normalizeString(s) for s in l.split('\t')] for l in lines]
//   reverse: pairs = [list(reversed(p)) for p in pairs]
//   filterPair(p): len(p[0].split(' ')) < MAX_LENGTH and
//                  len(p[1].split(' ')) < MAX_LENGTH and p[1].startswith(eng_prefixes)
//   Lang: index2word {0: "SOS", 1: "EOS"}, then words of the kept pairs in
//   first-seen order (input side p[0], output side p[1]).
#include "alignscope/pytorch.h"

#include "text/pythonstring_p.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <unordered_set>

namespace alignscope {

namespace {

constexpr const char *kEngPrefixes[] = {"i am ",   "i m ",    "he is",  "he s ",  "she is",   "she s ",
                                        "you are", "you re ", "we are", "we re ", "they are", "they re "};

/// Python's text-mode read(): universal newlines ("\r\n" and "\r" become "\n").
std::string universalNewlines(const std::string &raw)
{
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\r') {
            out += raw[i];
            continue;
        }
        out += '\n';
        if (i + 1 < raw.size() && raw[i + 1] == '\n')
            ++i;
    }
    return out;
}

bool startsWithEngPrefix(const std::string &s)
{
    return std::any_of(std::begin(kEngPrefixes), std::end(kEngPrefixes),
                       [&](const char *p) { return s.rfind(p, 0) == 0; });
}

/// Lang.addSentence.
void addSentence(const std::string &sentence, std::vector<std::string> &index2word,
                 std::unordered_set<std::string> &seen)
{
    for (std::string &word : splitOnSpace(sentence))
        if (seen.insert(word).second)
            index2word.push_back(std::move(word));
}

} // namespace

Result<TutorialVocabularies> readTutorialPairs(const std::string &path, const TutorialPairsOptions &o)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fileError(path + ": cannot open the pairs file");
    const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string text = pythonStrip(universalNewlines(raw));
    TutorialVocabularies v;
    v.source = v.target = {"SOS", "EOS"};
    std::unordered_set<std::string> seenSource, seenTarget; // Lang's word2index starts empty
    int number = 0;
    for (const std::string_view line : splitKeepingEmpty(text, '\n')) {
        ++number;
        std::vector<std::string> pair;
        for (const std::string_view field : splitKeepingEmpty(line, '\t')) {
            auto normalised = normalizeTutorialString(field, o.normalize);
            if (!normalised)
                return fileError(path + ": line " + std::to_string(number) + ": " + normalised.error().message);
            pair.push_back(std::move(normalised.value()));
        }
        if (pair.size() < 2)
            return fileError(path + ": line " + std::to_string(number) +
                             " has no tab; each line must be \"English<TAB>French\"");
        if (o.reverse)
            std::reverse(pair.begin(), pair.end());
        ++v.pairsRead;
        const auto words = [](const std::string &s) { return static_cast<int>(splitOnSpace(s).size()); };
        if (words(pair[0]) >= o.maxLength || words(pair[1]) >= o.maxLength || !startsWithEngPrefix(pair[1]))
            continue;
        ++v.pairsKept;
        addSentence(pair[0], v.source, seenSource);
        addSentence(pair[1], v.target, seenTarget);
    }
    if (v.pairsKept == 0)
        return fileError(path + ": no pair passes the tutorial's filter (both sides under " +
                         std::to_string(o.maxLength) + " words, English starting \"i am \", \"he is\", ...)");
    return v;
}

} // namespace alignscope
