// EN->FR synchronous grammar: realisation of derivations into aligned
// sentence pairs, random derivations, and the task splits.
//
// Realisation writes the English tokens first, remembering where each word
// went, then writes French "logical" tokens (le, de, ne, se, ...) that carry
// the English indices they translate. A final pass applies French elision and
// contraction, merging links when two tokens fuse ("de" + "le" -> "du"), so
// the alignment stays exact without special cases in the grammar.

#include "data/enfrgrammar_p.h"

#include "alignscope/tasks.h"
#include "data/enfrlexicon_p.h"
#include "data/taskrandom_p.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace alignscope {
namespace detail {
namespace {

constexpr int kMinSourceTokens = 3;
constexpr int kMaxSourceTokens = 14;

const Noun &nounAt(int index) { return enFrNouns()[static_cast<std::size_t>(index)]; }
const Adjective &adjectiveAt(int index) { return enFrAdjectives()[static_cast<std::size_t>(index)]; }
const Verb &verbAt(int index) { return enFrVerbs()[static_cast<std::size_t>(index)]; }
const Preposition &prepositionAt(int index) { return enFrPrepositions()[static_cast<std::size_t>(index)]; }

/// English token indices of one French token. Inline storage: a token
/// links to at most a few English words, and a heap vector per token was
/// the main cost of generating a corpus.
class Links {
public:
    Links(std::initializer_list<int> indices)
    {
        for (int index : indices)
            add(index);
    }
    Links(const std::vector<int> &indices)
    {
        for (int index : indices)
            add(index);
    }
    void add(int index)
    {
        if (index < 0)
            return; // an absent English word
        assert(m_size < static_cast<int>(m_items.size()));
        m_items[static_cast<std::size_t>(m_size++)] = index;
    }
    void add(const Links &other)
    {
        for (int index : other)
            add(index);
    }
    bool empty() const { return m_size == 0; }
    const int *begin() const { return m_items.data(); }
    const int *end() const { return m_items.data() + m_size; }

private:
    std::array<int, 8> m_items{};
    int m_size = 0;
};

struct FrenchToken {
    std::string text;
    Links links;
};

/// A pair under construction: English words in order, French tokens with
/// their links into the English words.
struct PairDraft {
    std::vector<std::string> english;
    std::vector<FrenchToken> french;

    PairDraft()
    {
        english.reserve(kMaxSourceTokens + 8); // drafts may run long before the length check
        french.reserve(kMaxSourceTokens + 12);
    }

    int en(std::string_view word)
    {
        english.emplace_back(word);
        return static_cast<int>(english.size()) - 1;
    }
    void fr(std::string_view word, const Links &links)
    {
        assert(!links.empty());
        french.push_back({std::string(word), links});
    }
};

// Where the English words of a noun phrase went (-1 when absent).
struct SimpleNpIndices {
    int determiner = -1;
    int preAdjective = -1;
    int postAdjective = -1;
    int noun = -1;
};

struct NpIndices {
    SimpleNpIndices head;
    SimpleNpIndices dependent;
    int link = -1; ///< "'s" or "of"
};

struct ClauseIndices {
    NpIndices subject;
    int auxiliary = -1; ///< does/do/did, or the copula is/are/was/were
    int negation = -1;
    int verb = -1;
    int particle = -1;
    int predicate = -1;
    NpIndices object;
    std::vector<int> preposition;
    NpIndices prepositionObject;
};

// ---- English -------------------------------------------------------------

bool startsWithEnglishVowel(std::string_view word)
{
    return !word.empty() && std::string_view("aeiou").find(word.front()) != std::string_view::npos;
}

std::string_view englishNoun(const SimpleNp &np)
{
    const Noun &noun = nounAt(np.noun);
    return np.plural ? noun.enPlural : noun.en;
}

/// The English word right after the determiner, which picks "a" or "an".
std::string_view englishWordAfterDeterminer(const SimpleNp &np)
{
    if (np.preAdjective >= 0)
        return adjectiveAt(np.preAdjective).en;
    if (np.postAdjective >= 0)
        return adjectiveAt(np.postAdjective).en;
    return englishNoun(np);
}

std::string_view englishDeterminer(const SimpleNp &np)
{
    switch (np.determiner) {
    case Determiner::The: return "the";
    case Determiner::A:
        if (np.plural)
            return "some";
        return startsWithEnglishVowel(englishWordAfterDeterminer(np)) ? "an" : "a";
    case Determiner::My: return "my";
    case Determiner::Our: return "our";
    case Determiner::This: return np.plural ? "these" : "this";
    }
    return "the";
}

SimpleNpIndices writeEnglish(PairDraft &draft, const SimpleNp &np, bool withDeterminer)
{
    SimpleNpIndices at;
    if (withDeterminer)
        at.determiner = draft.en(englishDeterminer(np));
    if (np.preAdjective >= 0)
        at.preAdjective = draft.en(adjectiveAt(np.preAdjective).en);
    if (np.postAdjective >= 0)
        at.postAdjective = draft.en(adjectiveAt(np.postAdjective).en);
    at.noun = draft.en(englishNoun(np));
    return at;
}

NpIndices writeEnglish(PairDraft &draft, const NounPhrase &np)
{
    NpIndices at;
    switch (np.modifier) {
    case NpModifier::None:
        at.head = writeEnglish(draft, np.head, true);
        break;
    case NpModifier::Possessor:
        at.dependent = writeEnglish(draft, np.dependent, true);
        at.link = draft.en("'s");
        at.head = writeEnglish(draft, np.head, false);
        break;
    case NpModifier::Of:
        at.head = writeEnglish(draft, np.head, true);
        at.link = draft.en("of");
        at.dependent = writeEnglish(draft, np.dependent, true);
        break;
    }
    return at;
}

void writeEnglishVerbGroup(PairDraft &draft, const Derivation &d, ClauseIndices &at)
{
    const bool plural = d.subject.head.plural;
    const bool past = d.tense == Tense::Past;
    if (d.frame != Frame::Verb) {
        at.auxiliary = draft.en(past ? (plural ? "were" : "was") : (plural ? "are" : "is"));
        if (d.negated)
            at.negation = draft.en("not");
        return;
    }
    const Verb &verb = verbAt(d.verb);
    if (d.negated) {
        at.auxiliary = draft.en(past ? "did" : (plural ? "do" : "does"));
        at.negation = draft.en("not");
        at.verb = draft.en(verb.en);
    } else {
        at.verb = draft.en(past ? verb.enPast : (plural ? verb.en : verb.en3sg));
    }
    if (verb.enParticle)
        at.particle = draft.en(verb.enParticle);
}

std::vector<int> writeEnglishPreposition(PairDraft &draft, int preposition)
{
    std::vector<int> at;
    std::string_view words = prepositionAt(preposition).en;
    while (!words.empty()) {
        const std::size_t space = words.find(' ');
        at.push_back(draft.en(words.substr(0, space)));
        words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
    }
    return at;
}

ClauseIndices writeEnglish(PairDraft &draft, const Derivation &d)
{
    ClauseIndices at;
    at.subject = writeEnglish(draft, d.subject);
    writeEnglishVerbGroup(draft, d, at);
    if (d.frame == Frame::CopulaAdjective)
        at.predicate = draft.en(adjectiveAt(d.predicateAdjective).en);
    if (d.frame == Frame::Verb && d.hasObject)
        at.object = writeEnglish(draft, d.object);
    if (d.preposition >= 0) {
        at.preposition = writeEnglishPreposition(draft, d.preposition);
        at.prepositionObject = writeEnglish(draft, d.prepositionObject);
    }
    return at;
}

// ---- French --------------------------------------------------------------

/// Vowel or (always mute, see enfrlexicon_p.h) "h": triggers elision.
bool startsWithFrenchVowel(std::string_view word)
{
    static constexpr std::array<std::string_view, 12> kAccented = {"à", "â", "é", "è", "ê", "ë",
                                                                  "î", "ï", "ô", "û", "ù", "œ"};
    if (word.empty())
        return false;
    if (std::string_view("aeiouyh").find(word.front()) != std::string_view::npos)
        return true;
    return std::any_of(kAccented.begin(), kAccented.end(),
                       [&](std::string_view letter) { return word.starts_with(letter); });
}

struct Agreement {
    bool feminine = false;
    bool plural = false;
};

Agreement agreementOf(const SimpleNp &np) { return {nounAt(np.noun).feminine, np.plural}; }

std::string_view adjectiveForm(const Adjective &adjective, Agreement agreement, bool beforeVowel)
{
    if (agreement.plural)
        return agreement.feminine ? adjective.fp : adjective.mp;
    if (agreement.feminine)
        return adjective.fs;
    return beforeVowel && adjective.msBeforeVowel ? adjective.msBeforeVowel : adjective.ms;
}

std::string_view frenchNoun(const SimpleNp &np)
{
    const Noun &noun = nounAt(np.noun);
    return np.plural ? noun.frPlural : noun.fr;
}

/// le/la/les are left unelided here; the final pass writes "l'".
std::string_view frenchDeterminer(Determiner determiner, Agreement agreement, std::string_view next,
                                  bool hasPreAdjective)
{
    const bool vowel = startsWithFrenchVowel(next);
    switch (determiner) {
    case Determiner::The: return agreement.plural ? "les" : (agreement.feminine ? "la" : "le");
    case Determiner::A:
        // "des chats" but "de grands chats"
        if (agreement.plural)
            return hasPreAdjective ? "de" : "des";
        return agreement.feminine ? "une" : "un";
    case Determiner::My:
        if (agreement.plural)
            return "mes";
        return agreement.feminine && !vowel ? "ma" : "mon"; // "mon école"
    case Determiner::Our: return agreement.plural ? "nos" : "notre";
    case Determiner::This:
        if (agreement.plural)
            return "ces";
        return agreement.feminine ? "cette" : (vowel ? "cet" : "ce");
    }
    return "le";
}

/// French simple NP: det [pre-adjective] noun [post-adjective].
void writeFrench(PairDraft &draft, const SimpleNp &np, const SimpleNpIndices &at, Determiner determiner,
                 int determinerLink)
{
    const Agreement agreement = agreementOf(np);
    const std::string_view noun = frenchNoun(np);
    std::string_view pre;
    if (np.preAdjective >= 0)
        pre = adjectiveForm(adjectiveAt(np.preAdjective), agreement, startsWithFrenchVowel(noun));
    draft.fr(frenchDeterminer(determiner, agreement, pre.empty() ? noun : pre, !pre.empty()), {determinerLink});
    if (!pre.empty())
        draft.fr(pre, {at.preAdjective});
    draft.fr(noun, {at.noun});
    if (np.postAdjective >= 0)
        draft.fr(adjectiveForm(adjectiveAt(np.postAdjective), agreement, false), {at.postAdjective});
}

void writeFrench(PairDraft &draft, const NounPhrase &np, const NpIndices &at)
{
    const SimpleNp &head = np.head;
    if (np.modifier == NpModifier::Possessor) {
        // "the cat's mat": "'s" acts as the mat's determiner and as "de"
        writeFrench(draft, head, at.head, Determiner::The, at.link);
    } else {
        writeFrench(draft, head, at.head, head.determiner, at.head.determiner);
    }
    if (np.modifier == NpModifier::None)
        return;
    draft.fr("de", {at.link});
    writeFrench(draft, np.dependent, at.dependent, np.dependent.determiner, at.dependent.determiner);
}

/// Past participle agreeing with the subject (être verbs only).
std::string participle(const Verb &verb, Agreement agreement)
{
    std::string form = verb.frParticiple;
    if (verb.auxiliary != Auxiliary::Etre)
        return form;
    if (agreement.feminine)
        form += 'e';
    if (agreement.plural && form.back() != 's' && form.back() != 'x')
        form += 's';
    return form;
}

void writeFrenchCopula(PairDraft &draft, const Derivation &d, const ClauseIndices &at)
{
    const bool plural = d.subject.head.plural;
    const bool past = d.tense == Tense::Past;
    if (d.negated)
        draft.fr("ne", {at.negation});
    draft.fr(past ? (plural ? "étaient" : "était") : (plural ? "sont" : "est"), {at.auxiliary});
    if (d.negated)
        draft.fr("pas", {at.negation});
}

/// ne [se] finite pas [participle]. The finite word links to "does"/"did"
/// when negated, else to the English verb (which then links to every French
/// piece of the verb group: "sat" -> s' est assis).
void writeFrenchVerbGroup(PairDraft &draft, const Derivation &d, const ClauseIndices &at)
{
    const Verb &verb = verbAt(d.verb);
    const Agreement agreement = agreementOf(d.subject.head);
    const int finiteLink = d.negated ? at.auxiliary : at.verb;
    // "talk to": "to" translates as the object's "à", not as part of the verb
    const int particle = verb.frObjectPreposition ? -1 : at.particle;
    const bool past = d.tense == Tense::Past;
    if (d.negated)
        draft.fr("ne", {at.negation});
    if (verb.pronominal)
        draft.fr("se", {at.verb});
    if (!past) {
        draft.fr(agreement.plural ? verb.fr3pl : verb.fr3sg, {at.verb, particle, finiteLink});
    } else if (verb.auxiliary == Auxiliary::Avoir) {
        draft.fr(agreement.plural ? "ont" : "a", {finiteLink});
    } else {
        draft.fr(agreement.plural ? "sont" : "est", {finiteLink});
    }
    if (d.negated)
        draft.fr("pas", {at.negation});
    if (past)
        draft.fr(participle(verb, agreement), {at.verb, particle});
}

void writeFrenchPreposition(PairDraft &draft, int preposition, const std::vector<int> &at)
{
    std::string_view words = prepositionAt(preposition).fr;
    while (!words.empty()) {
        const std::size_t space = words.find(' ');
        draft.fr(words.substr(0, space), at); // phrase-level: every word to every word
        words = space == std::string_view::npos ? std::string_view() : words.substr(space + 1);
    }
}

void writeFrench(PairDraft &draft, const Derivation &d, const ClauseIndices &at)
{
    writeFrench(draft, d.subject, at.subject);
    if (d.frame == Frame::Verb)
        writeFrenchVerbGroup(draft, d, at);
    else
        writeFrenchCopula(draft, d, at);
    if (d.frame == Frame::CopulaAdjective) {
        const Agreement agreement = agreementOf(d.subject.head);
        draft.fr(adjectiveForm(adjectiveAt(d.predicateAdjective), agreement, false), {at.predicate});
    }
    if (d.frame == Frame::Verb && d.hasObject) {
        if (const char *marker = verbAt(d.verb).frObjectPreposition)
            draft.fr(marker, {at.particle >= 0 ? at.particle : at.verb});
        writeFrench(draft, d.object, at.object);
    }
    if (d.preposition >= 0) {
        writeFrenchPreposition(draft, d.preposition, at.preposition);
        writeFrench(draft, d.prepositionObject, at.prepositionObject);
    }
}

// ---- French elision and contraction ---------------------------------------

/// le/la -> l' before a vowel. Runs before contraction so that "de" + "le" +
/// "arbre" gives "de l'arbre", not "du arbre".
void elideArticles(std::vector<FrenchToken> &tokens)
{
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        std::string &text = tokens[i].text;
        if ((text == "le" || text == "la") && startsWithFrenchVowel(tokens[i + 1].text))
            text = "l'";
    }
}

/// de/à + le/les -> du/des/au/aux; the fused token keeps both tokens' links.
void contract(std::vector<FrenchToken> &tokens)
{
    std::vector<FrenchToken> out;
    out.reserve(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        FrenchToken token = std::move(tokens[i]);
        const bool preposition = token.text == "de" || token.text == "à";
        if (preposition && i + 1 < tokens.size() && (tokens[i + 1].text == "le" || tokens[i + 1].text == "les")) {
            const bool plural = tokens[i + 1].text == "les";
            token.text = token.text == "de" ? (plural ? "des" : "du") : (plural ? "aux" : "au");
            token.links.add(tokens[i + 1].links);
            ++i;
        }
        out.push_back(std::move(token));
    }
    tokens = std::move(out);
}

/// de/ne/se -> d'/n'/s' before a vowel ("d'un", "n'a", "s'est").
void elideClitics(std::vector<FrenchToken> &tokens)
{
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        std::string &text = tokens[i].text;
        if ((text == "de" || text == "ne" || text == "se") && startsWithFrenchVowel(tokens[i + 1].text))
            text = std::string(1, text.front()) + "'";
    }
}

SentencePair finish(PairDraft &&draft)
{
    elideArticles(draft.french);
    contract(draft.french);
    elideClitics(draft.french);
    SentencePair pair;
    pair.sourceTokens = std::move(draft.english);
    pair.targetTokens.reserve(draft.french.size());
    pair.alignment.reserve(draft.french.size() + 8);
    for (std::size_t j = 0; j < draft.french.size(); ++j) {
        for (int i : draft.french[j].links)
            pair.alignment.emplace_back(i, static_cast<int>(j));
        pair.targetTokens.push_back(std::move(draft.french[j].text));
    }
    std::sort(pair.alignment.begin(), pair.alignment.end());
    pair.alignment.erase(std::unique(pair.alignment.begin(), pair.alignment.end()), pair.alignment.end());
    pair.source = joinWordTokens(pair.sourceTokens);
    pair.target = joinWordTokens(pair.targetTokens);
    pair.hasAlignment = true;
    return pair;
}

// ---- sampling --------------------------------------------------------------

/// Which indefinite determiners a position allows. Negated direct objects
/// take none ("ne mange pas de pomme" is a different construction), and
/// after "de" an indefinite plural would give "de des".
enum class Indefinites { None, SingularOnly, All };

int pickNoun(std::mt19937 &rng, unsigned kinds)
{
    const int count = static_cast<int>(enFrNouns().size());
    for (;;) {
        const int index = uniformInt(rng, count);
        if (nounAt(index).kinds & kinds)
            return index;
    }
}

/// An adjective fitting the noun, at the given position; -1 if none found.
int pickAdjective(std::mt19937 &rng, unsigned nounKinds, bool beforeNoun)
{
    const int count = static_cast<int>(enFrAdjectives().size());
    for (int attempt = 0; attempt < 64; ++attempt) {
        const int index = uniformInt(rng, count);
        const Adjective &adjective = adjectiveAt(index);
        if (adjective.beforeNoun == beforeNoun && (adjective.kinds & nounKinds))
            return index;
    }
    return -1;
}

Determiner pickDeterminer(std::mt19937 &rng, bool plural, Indefinites indefinites)
{
    const int r = uniformInt(rng, 100);
    const bool indefiniteOk = indefinites == Indefinites::All || (indefinites == Indefinites::SingularOnly && !plural);
    if (r < 50 || (r < 70 && !indefiniteOk))
        return Determiner::The;
    if (r < 70)
        return Determiner::A;
    if (r < 82)
        return Determiner::My;
    if (r < 90)
        return Determiner::Our;
    return Determiner::This;
}

SimpleNp randomSimpleNp(std::mt19937 &rng, unsigned kinds, Indefinites indefinites, bool allowPlural = true)
{
    SimpleNp np;
    np.noun = pickNoun(rng, kinds);
    np.plural = allowPlural && chance(rng, 40);
    np.determiner = pickDeterminer(rng, np.plural, indefinites);
    const unsigned nounKinds = nounAt(np.noun).kinds;
    const int r = uniformInt(rng, 100);
    if (r >= 60 && r < 78) {
        np.postAdjective = pickAdjective(rng, nounKinds, false);
    } else if (r >= 78 && r < 90) {
        np.preAdjective = pickAdjective(rng, nounKinds, true);
    } else if (r >= 90) {
        np.preAdjective = pickAdjective(rng, nounKinds, true);
        np.postAdjective = pickAdjective(rng, nounKinds, false);
    }
    return np;
}

/// Whether "X's <noun>" reads naturally: any object or place, and among
/// people and animals only nouns naming a relation ("the cat's friend", not
/// "the tiger's elephant").
bool canBePossessed(const Noun &noun)
{
    if (noun.kinds != Animate)
        return true;
    static constexpr std::array<std::string_view, 7> kRelational = {"friend", "brother", "sister", "neighbour",
                                                                    "baby", "teacher", "doctor"};
    return std::find(kRelational.begin(), kRelational.end(), noun.en) != kRelational.end();
}

NounPhrase randomNp(std::mt19937 &rng, unsigned kinds, Indefinites indefinites)
{
    NounPhrase np;
    np.head = randomSimpleNp(rng, kinds, indefinites);
    const int r = uniformInt(rng, 100);
    if (r < 10 && canBePossessed(nounAt(np.head.noun))) {
        // Possessors are singular: "the cats' mat" tokenizes ambiguously.
        np.modifier = NpModifier::Possessor;
        np.dependent = randomSimpleNp(rng, Animate, Indefinites::SingularOnly, false);
    } else if (r < 16 && (nounAt(np.head.noun).kinds & (Thing | Place | Openable | Surface))) {
        np.modifier = NpModifier::Of;
        np.dependent = randomSimpleNp(rng, Animate | Place, Indefinites::SingularOnly);
    }
    return np;
}

int pickPreposition(std::mt19937 &rng, unsigned mask)
{
    assert(mask != 0);
    const int count = static_cast<int>(enFrPrepositions().size());
    for (;;) {
        const int index = uniformInt(rng, count);
        if (mask & (1u << index))
            return index;
    }
}

void addRandomPp(std::mt19937 &rng, Derivation &d, unsigned mask)
{
    d.preposition = pickPreposition(rng, mask);
    d.prepositionObject = randomNp(rng, prepositionAt(d.preposition).objectKinds, Indefinites::SingularOnly);
}

/// Verb classes are drawn with fixed weights so that the rarer
/// constructions (être, pronominal) still appear thousands of times in train.
int pickVerb(std::mt19937 &rng)
{
    const int r = uniformInt(rng, 100);
    const int count = static_cast<int>(enFrVerbs().size());
    for (;;) {
        const Verb &verb = verbAt(uniformInt(rng, count));
        const bool transitive = verb.objectKinds != 0;
        const bool etre = verb.auxiliary == Auxiliary::Etre;
        const bool match = r < 50   ? transitive
                           : r < 65 ? !transitive && !etre
                           : r < 82 ? etre && !verb.pronominal
                                    : verb.pronominal;
        if (match)
            return static_cast<int>(&verb - enFrVerbs().data());
    }
}

void fillVerbFrame(std::mt19937 &rng, Derivation &d)
{
    d.verb = pickVerb(rng);
    const Verb &verb = verbAt(d.verb);
    if (verb.objectKinds != 0) {
        d.hasObject = true;
        d.object = randomNp(rng, verb.objectKinds, d.negated ? Indefinites::None : Indefinites::All);
    }
    const int ppPercent = verb.pronominal ? 60 : (verb.auxiliary == Auxiliary::Etre ? 70 : 35);
    if (verb.prepositions != 0 && chance(rng, ppPercent))
        addRandomPp(rng, d, verb.prepositions);
}

Derivation sampleDerivation(std::mt19937 &rng)
{
    Derivation d;
    d.subject = randomNp(rng, Animate, Indefinites::All);
    d.tense = chance(rng, 50) ? Tense::Past : Tense::Present;
    d.negated = chance(rng, 25);
    const int r = uniformInt(rng, 100);
    if (r < 10) {
        d.frame = Frame::CopulaAdjective;
        d.predicateAdjective = pickAdjective(rng, Animate, chance(rng, 30));
        if (d.predicateAdjective < 0)
            d.predicateAdjective = findAdjective("happy");
    } else if (r < 20) {
        d.frame = Frame::CopulaLocation;
        addRandomPp(rng, d, PrepLocativeWith);
    } else {
        fillVerbFrame(rng, d);
    }
    return d;
}

bool lengthOk(const SentencePair &pair)
{
    const int n = static_cast<int>(pair.sourceTokens.size());
    return n >= kMinSourceTokens && n <= kMaxSourceTokens;
}

template <typename Lexicon>
int findIn(const Lexicon &entries, std::string_view english)
{
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (english == entries[i].en)
            return static_cast<int>(i);
    }
    return -1;
}

} // namespace

SentencePair realiseEnFr(const Derivation &derivation)
{
    PairDraft draft;
    const ClauseIndices at = writeEnglish(draft, derivation);
    writeFrench(draft, derivation, at);
    return finish(std::move(draft));
}

Derivation randomEnFrDerivation(std::mt19937 &rng)
{
    for (;;) {
        Derivation d = sampleDerivation(rng);
        if (lengthOk(realiseEnFr(d)))
            return d;
    }
}

Derivation enFrSeedDerivation()
{
    Derivation d;
    d.subject.head = simpleNp("cat");
    d.verb = findVerb("sit");
    d.tense = Tense::Past;
    d.preposition = findPreposition("on");
    d.prepositionObject.head = simpleNp("mat");
    return d;
}

int findNoun(std::string_view english) { return findIn(enFrNouns(), english); }
int findAdjective(std::string_view english) { return findIn(enFrAdjectives(), english); }
int findPreposition(std::string_view english) { return findIn(enFrPrepositions(), english); }

int findVerb(std::string_view english, std::string_view particle)
{
    const auto verbs = enFrVerbs();
    for (std::size_t i = 0; i < verbs.size(); ++i) {
        const std::string_view own = verbs[i].enParticle ? verbs[i].enParticle : "";
        if (english == verbs[i].en && particle == own)
            return static_cast<int>(i);
    }
    return -1;
}

EnFrLexiconCounts enFrLexiconCounts()
{
    EnFrLexiconCounts counts;
    counts.nouns = static_cast<int>(enFrNouns().size());
    counts.adjectives = static_cast<int>(enFrAdjectives().size());
    counts.verbs = static_cast<int>(enFrVerbs().size());
    counts.prepositions = static_cast<int>(enFrPrepositions().size());
    counts.determiners = 5; // the, a (some), my, our, this (these)
    return counts;
}

SimpleNp simpleNp(std::string_view noun, bool plural, Determiner determiner, std::string_view adjective)
{
    SimpleNp np;
    np.noun = findNoun(noun);
    assert(np.noun >= 0);
    np.plural = plural;
    np.determiner = determiner;
    if (!adjective.empty()) {
        const int index = findAdjective(adjective);
        assert(index >= 0);
        (adjectiveAt(index).beforeNoun ? np.preAdjective : np.postAdjective) = index;
    }
    return np;
}

} // namespace detail

SentencePair enFrSeedPair()
{
    return detail::realiseEnFr(detail::enFrSeedDerivation());
}

TaskSplits makeEnFrTask(const TaskOptions &options)
{
    std::mt19937 rng(options.seed);
    auto next = [&rng] {
        for (;;) {
            SentencePair pair = detail::realiseEnFr(detail::sampleDerivation(rng));
            if (detail::lengthOk(pair))
                return pair;
        }
    };
    return detail::drawSplits(options, next, {enFrSeedPair().source});
}

} // namespace alignscope
