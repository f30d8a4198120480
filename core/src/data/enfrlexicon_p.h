#pragma once
// The EN->FR lexicon behind the synchronous grammar (enfrgrammar.cpp).
// Plain tables of string literals: every surface form is spelled out, so an
// irregular plural or participle is data, not a rule with exceptions.
//
// French words starting with "h" are all mute-h words ("l'homme",
// "l'hôtel"): the grammar elides before any vowel or "h", so aspirated-h
// nouns ("le hibou") must not be added without a flag.

#include <span>

namespace alignscope::detail {

/// Semantic classes, used only to keep sentences sensible ("eat" takes food,
/// "on" takes a surface). A noun may be in several.
enum NounKind : unsigned {
    Animate = 1u << 0,
    Thing = 1u << 1,
    Place = 1u << 2,
    Surface = 1u << 3,  ///< things one can sit or put something on
    Food = 1u << 4,
    Openable = 1u << 5, ///< doors, boxes, bags: open/close/fill, "in"
    Readable = 1u << 6,
    AnyKind = 0x7fu,
};

struct Noun {
    const char *en;
    const char *enPlural;
    const char *fr;
    const char *frPlural;
    bool feminine;
    unsigned kinds;
};

struct Adjective {
    const char *en;
    const char *ms; ///< masculine singular, then fs, mp, fp
    const char *fs;
    const char *mp;
    const char *fp;
    bool beforeNoun;            ///< "grand chat" rather than "chat noir"
    unsigned kinds;             ///< nouns it sensibly modifies
    const char *msBeforeVowel;  ///< "vieil arbre"; nullptr when same as ms
};

/// Which prepositions a verb (or the copula) accepts, by Preposition index.
enum PrepositionBit : unsigned {
    PrepOn = 1u << 0,
    PrepUnder = 1u << 1,
    PrepIn = 1u << 2,
    PrepNear = 1u << 3,
    PrepWith = 1u << 4,
    PrepBehind = 1u << 5,
    PrepInFrontOf = 1u << 6,
    PrepNextTo = 1u << 7,
    PrepTo = 1u << 8,
    PrepFrom = 1u << 9,
    PrepAt = 1u << 10,
    PrepLocative = PrepOn | PrepUnder | PrepIn | PrepNear | PrepBehind | PrepInFrontOf | PrepNextTo,
    PrepLocativeWith = PrepLocative | PrepWith,
};

struct Preposition {
    const char *en; ///< may be several words: "in front of"
    const char *fr; ///< may be several words: "près de"
    unsigned objectKinds;
};

enum class Auxiliary { Avoir, Etre };

struct Verb {
    const char *en;         ///< base form ("eat"), also present plural
    const char *en3sg;      ///< "eats"
    const char *enPast;     ///< "ate"
    const char *enParticle; ///< "at" in "look at"; nullptr if none
    const char *fr3sg;      ///< "mange"; pronominal verbs without "se"
    const char *fr3pl;      ///< "mangent"
    const char *frParticiple; ///< masculine singular: "mangé", "assis"
    Auxiliary auxiliary;
    bool pronominal;        ///< "s'asseoir": "se" before the verb
    unsigned objectKinds;   ///< 0 for intransitive verbs
    unsigned prepositions;  ///< PrepositionBit mask of optional PPs
    /// "à" when French marks the object with a preposition English lacks or
    /// spells differently: "talks to the dog" -> "parle au chien".
    const char *frObjectPreposition = nullptr;
};

std::span<const Noun> enFrNouns();
std::span<const Adjective> enFrAdjectives();
std::span<const Verb> enFrVerbs();
std::span<const Preposition> enFrPrepositions();

} // namespace alignscope::detail
