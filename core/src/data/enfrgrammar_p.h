#pragma once
// The EN->FR synchronous grammar: a derivation (which lemmas, which
// construction) is realised into an English sentence, its French
// translation and the gold word alignment in one pass, so the three can
// never disagree. makeEnFrTask() samples derivations; tests build them by
// hand to pin down specific constructions.

#include "alignscope/corpus.h"

#include <random>
#include <string_view>

namespace alignscope::detail {

/// English determiner; the plural of A is "some", of This is "these".
enum class Determiner { The, A, My, Our, This };

/// [det] [pre-noun adjective] [post-noun adjective] noun, in English order.
struct SimpleNp {
    int noun = -1;
    bool plural = false;
    Determiner determiner = Determiner::The;
    int preAdjective = -1;  ///< an Adjective with beforeNoun, or -1
    int postAdjective = -1; ///< an Adjective without beforeNoun, or -1
};

enum class NpModifier {
    None,
    Possessor, ///< "the cat's mat" -> "le tapis du chat"; head determiner unused
    Of,        ///< "the door of the house" -> "la porte de la maison"
};

struct NounPhrase {
    SimpleNp head;
    NpModifier modifier = NpModifier::None;
    SimpleNp dependent; ///< the possessor or the "of" complement
};

enum class Tense { Present, Past };

enum class Frame {
    Verb,             ///< subject verb [object] [PP]
    CopulaAdjective,  ///< "the cat is black"
    CopulaLocation,   ///< "the cat is on the mat"
};

struct Derivation {
    NounPhrase subject;
    Frame frame = Frame::Verb;
    int verb = -1; ///< Frame::Verb only
    Tense tense = Tense::Present;
    bool negated = false;
    bool hasObject = false; ///< required exactly for transitive verbs
    NounPhrase object;
    int predicateAdjective = -1; ///< Frame::CopulaAdjective only
    int preposition = -1;        ///< -1 for no PP; required by CopulaLocation
    NounPhrase prepositionObject;
};

/// Realises a derivation: tokens, detokenized text and gold alignment.
SentencePair realiseEnFr(const Derivation &derivation);
/// Samples a derivation with 3..14 English tokens.
Derivation randomEnFrDerivation(std::mt19937 &rng);
/// The derivation of "the cat sat on the mat".
Derivation enFrSeedDerivation();

/// Lexicon indices by English form (verbs may need the particle: "look",
/// "at"); -1 when absent.
int findNoun(std::string_view english);
int findAdjective(std::string_view english);
int findVerb(std::string_view english, std::string_view particle = {});
int findPreposition(std::string_view english);

struct EnFrLexiconCounts {
    int nouns = 0;
    int adjectives = 0;
    int verbs = 0;
    int prepositions = 0;
    int determiners = 0;
    int total() const { return nouns + adjectives + verbs + prepositions + determiners; }
};
EnFrLexiconCounts enFrLexiconCounts();

/// A SimpleNp from English lemmas, for tests and the seed derivation.
SimpleNp simpleNp(std::string_view noun, bool plural = false, Determiner determiner = Determiner::The,
                  std::string_view adjective = {});

} // namespace alignscope::detail
