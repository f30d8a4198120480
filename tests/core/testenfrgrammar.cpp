// EN->FR synchronous grammar: determinism, splits, the held-out seed pair,
// alignment validity over thousands of pairs, agreement with the project
// tokenizer, and specific constructions with their gold links.

#include "alignscope/tasks.h"
#include "alignscope/tokenizer.h"
#include "data/enfrgrammar_p.h"

#include <QtTest>

#include <functional>
#include <map>
#include <set>
#include <string>

using namespace alignscope;
using namespace alignscope::detail;

namespace {

/// "0-0 1-2" (source-target), the order realiseEnFr sorts links in.
QString pharaoh(const Alignment &links)
{
    QStringList parts;
    for (const auto &[s, t] : links)
        parts << QStringLiteral("%1-%2").arg(s).arg(t);
    return parts.join(QLatin1Char(' '));
}

TaskOptions options(unsigned seed, int train, int dev, int test)
{
    TaskOptions o;
    o.seed = seed;
    o.trainSize = train;
    o.devSize = dev;
    o.testSize = test;
    return o;
}

std::vector<const SentencePair *> allPairs(const TaskSplits &splits)
{
    std::vector<const SentencePair *> pairs;
    for (const Corpus *c : {&splits.train, &splits.dev, &splits.test})
        for (const auto &p : c->pairs)
            pairs.push_back(&p);
    return pairs;
}

bool sameCorpus(const Corpus &a, const Corpus &b)
{
    if (a.pairs.size() != b.pairs.size())
        return false;
    for (std::size_t i = 0; i < a.pairs.size(); ++i) {
        const auto &x = a.pairs[i];
        const auto &y = b.pairs[i];
        if (x.source != y.source || x.target != y.target || x.alignment != y.alignment)
            return false;
    }
    return true;
}

// ---- hand-built derivations, one per construction under test ----------------

Derivation clause(SimpleNp subject, std::string_view verb, Tense tense, bool negated = false,
                  std::string_view particle = {})
{
    Derivation d;
    d.subject.head = subject;
    d.verb = findVerb(verb, particle);
    d.tense = tense;
    d.negated = negated;
    return d;
}

Derivation withObject(Derivation d, NounPhrase object)
{
    d.hasObject = true;
    d.object = object;
    return d;
}

Derivation withPp(Derivation d, std::string_view preposition, NounPhrase object)
{
    d.preposition = findPreposition(preposition);
    d.prepositionObject = object;
    return d;
}

NounPhrase np(SimpleNp head) { return NounPhrase{head, NpModifier::None, {}}; }
NounPhrase possessive(SimpleNp owner, SimpleNp owned) { return NounPhrase{owned, NpModifier::Possessor, owner}; }
NounPhrase ofNp(SimpleNp head, SimpleNp dependent) { return NounPhrase{head, NpModifier::Of, dependent}; }

Derivation copulaAdjective(SimpleNp subject, std::string_view adjective, Tense tense, bool negated)
{
    Derivation d;
    d.subject.head = subject;
    d.frame = Frame::CopulaAdjective;
    d.predicateAdjective = findAdjective(adjective);
    d.tense = tense;
    d.negated = negated;
    return d;
}

Derivation copulaLocation(SimpleNp subject, std::string_view preposition, SimpleNp object)
{
    Derivation d;
    d.subject.head = subject;
    d.frame = Frame::CopulaLocation;
    return withPp(d, preposition, np(object));
}

const std::map<QString, std::function<Derivation()>> &constructions()
{
    using D = Determiner;
    const auto past = Tense::Past;
    const auto present = Tense::Present;
    static const std::map<QString, std::function<Derivation()>> cases = {
        {"seed", [] { return enFrSeedDerivation(); }},
        {"black cat", [=] { return clause(simpleNp("cat", false, D::The, "black"), "sleep", present); }},
        {"did not eat", [=] { return withObject(clause(simpleNp("dog"), "eat", past, true), np(simpleNp("apple"))); }},
        {"possessive", [=] { return withObject(clause(simpleNp("boy"), "take", past), possessive(simpleNp("cat"), simpleNp("mat"))); }},
        {"of the", [=] { return withObject(clause(simpleNp("girl"), "open", past), ofNp(simpleNp("door"), simpleNp("garden"))); }},
        {"plural sat", [=] { return clause(simpleNp("cat", true), "sit", past); }},
        {"feminine plural sat", [=] { return withPp(clause(simpleNp("girl", true), "sit", past), "on", np(simpleNp("chair"))); }},
        {"elision", [=] { return withObject(clause(simpleNp("man"), "see", present), np(simpleNp("tree"))); }},
        {"present negation n'", [=] { return withObject(clause(simpleNp("boy"), "like", present, true), np(simpleNp("apple"))); }},
        {"plural negation ne", [=] { return withObject(clause(simpleNp("cat", true), "eat", present, true), np(simpleNp("cake"))); }},
        {"to the -> au", [=] { return withPp(clause(simpleNp("woman"), "go", past), "to", np(simpleNp("park"))); }},
        {"to the -> a l'", [=] { return withPp(clause(simpleNp("boy", true), "go", past), "to", np(simpleNp("school"))); }},
        {"to the -> aux", [=] { return withPp(clause(simpleNp("girl"), "go", past), "to", np(simpleNp("shop", true))); }},
        {"near the -> pres du", [=] { return withPp(clause(simpleNp("dog"), "sleep", present), "near", np(simpleNp("bed"))); }},
        {"an old man", [=] { return clause(simpleNp("man", false, D::A, "old"), "sit", past); }},
        {"big black cats", [=] {
             SimpleNp cats = simpleNp("cat", true, D::The, "big");
             cats.postAdjective = findAdjective("black");
             return copulaAdjective(cats, "happy", present, false);
         }},
        {"did not sit", [=] { return clause(simpleNp("cat"), "sit", past, true); }},
        {"look at", [=] { return withObject(clause(simpleNp("girl"), "look", present, false, "at"), np(simpleNp("bird"))); }},
        {"some big dogs", [=] { return withObject(clause(simpleNp("dog", true, D::A, "big"), "eat", past), np(simpleNp("bread"))); }},
        {"in front of", [=] { return copulaLocation(simpleNp("cat"), "in front of", simpleNp("house")); }},
        {"mon ecole", [=] { return withObject(clause(simpleNp("teacher"), "visit", past), np(simpleNp("school", false, D::My))); }},
        {"cet homme", [=] { return copulaAdjective(simpleNp("man", false, D::This), "happy", past, true); }},
        {"d'une", [=] { return withObject(clause(simpleNp("boy"), "find", past), possessive(simpleNp("girl", false, D::A), simpleNp("key"))); }},
        {"next to the -> a cote des", [=] { return withPp(clause(simpleNp("dog"), "stop", past), "next to", np(simpleNp("car", true))); }},
        {"came from the -> du", [=] { return withPp(clause(simpleNp("woman", true), "come", past), "from", np(simpleNp("garden"))); }},
        {"does not sit", [=] { return withPp(clause(simpleNp("baker"), "sit", present, true), "under", np(simpleNp("stone", true))); }},
    };
    return cases;
}

} // namespace

class TestEnFrGrammar : public QObject {
    Q_OBJECT

private slots:
    void testDeterminism_data();
    void testDeterminism();
    void testSizes_data();
    void testSizes();
    void testDisjointAndSeedHeldOut_data();
    void testDisjointAndSeedHeldOut();
    void testSeedPair();
    void testAlignmentValidity_data();
    void testAlignmentValidity();
    void testFrenchSurface_data();
    void testFrenchSurface();
    void testMatchesProjectTokenizer();
    void testConstructions_data();
    void testConstructions();
    void testConstructionsFrequentInTrain();
    void testLexiconSize();
};

void TestEnFrGrammar::testDeterminism_data()
{
    QTest::addColumn<uint>("seedA");
    QTest::addColumn<uint>("seedB");
    QTest::addColumn<bool>("same");
    QTest::newRow("same seed 1") << 1u << 1u << true;
    QTest::newRow("same seed 42") << 42u << 42u << true;
    QTest::newRow("seeds 1 and 2") << 1u << 2u << false;
    QTest::newRow("seeds 7 and 8") << 7u << 8u << false;
}

void TestEnFrGrammar::testDeterminism()
{
    QFETCH(uint, seedA);
    QFETCH(uint, seedB);
    QFETCH(bool, same);
    const TaskSplits a = makeEnFrTask(options(seedA, 2000, 100, 100));
    const TaskSplits b = makeEnFrTask(options(seedB, 2000, 100, 100));
    QCOMPARE(sameCorpus(a.train, b.train), same);
    QCOMPARE(sameCorpus(a.dev, b.dev), same);
    QCOMPARE(sameCorpus(a.test, b.test), same);
}

void TestEnFrGrammar::testSizes_data()
{
    QTest::addColumn<int>("train");
    QTest::addColumn<int>("dev");
    QTest::addColumn<int>("test");
    QTest::newRow("defaults") << 20000 << 500 << 500;
    QTest::newRow("small") << 100 << 10 << 20;
    QTest::newRow("empty train") << 0 << 50 << 50;
    QTest::newRow("40k") << 40000 << 1000 << 1000;
}

void TestEnFrGrammar::testSizes()
{
    QFETCH(int, train);
    QFETCH(int, dev);
    QFETCH(int, test);
    const TaskSplits splits = makeEnFrTask(options(3, train, dev, test));
    QCOMPARE(int(splits.train.pairs.size()), train);
    QCOMPARE(int(splits.dev.pairs.size()), dev);
    QCOMPARE(int(splits.test.pairs.size()), test);
}

void TestEnFrGrammar::testDisjointAndSeedHeldOut_data()
{
    QTest::addColumn<uint>("seed");
    QTest::newRow("seed 1") << 1u;
    QTest::newRow("seed 2") << 2u;
    QTest::newRow("seed 99") << 99u;
}

void TestEnFrGrammar::testDisjointAndSeedHeldOut()
{
    QFETCH(uint, seed);
    const TaskSplits splits = makeEnFrTask(options(seed, 30000, 1000, 1000));
    const SentencePair seedPair = enFrSeedPair();
    std::set<std::string> sources;
    for (const SentencePair *p : allPairs(splits)) {
        QVERIFY2(sources.insert(p->source).second, p->source.c_str());
        QVERIFY(p->source != seedPair.source);
        QVERIFY(p->target != seedPair.target);
    }
}

void TestEnFrGrammar::testSeedPair()
{
    const SentencePair seed = enFrSeedPair();
    QCOMPARE(QString::fromStdString(seed.source), QStringLiteral("the cat sat on the mat"));
    QCOMPARE(QString::fromStdString(seed.target), QStringLiteral("le chat s'est assis sur le tapis"));
    const std::vector<std::string> target = {"le", "chat", "s'", "est", "assis", "sur", "le", "tapis"};
    QVERIFY(seed.targetTokens == target);
    QVERIFY(seed.hasAlignment);
    QCOMPARE(pharaoh(seed.alignment), QStringLiteral("0-0 1-1 2-2 2-3 2-4 3-5 4-6 5-7"));
    // The grammar produces it: the seed derivation is an ordinary derivation.
    const SentencePair produced = realiseEnFr(enFrSeedDerivation());
    QCOMPARE(produced.source, seed.source);
    QCOMPARE(produced.alignment, seed.alignment);
}

void TestEnFrGrammar::testAlignmentValidity_data()
{
    QTest::addColumn<uint>("seed");
    QTest::newRow("seed 1") << 1u;
    QTest::newRow("seed 5") << 5u;
    QTest::newRow("seed 123") << 123u;
}

void TestEnFrGrammar::testAlignmentValidity()
{
    QFETCH(uint, seed);
    const TaskSplits splits = makeEnFrTask(options(seed, 5000, 500, 500));
    for (const SentencePair *p : allPairs(splits)) {
        const int n = int(p->sourceTokens.size());
        const int m = int(p->targetTokens.size());
        QVERIFY2(n >= 3 && n <= 14, p->source.c_str());
        QVERIFY(p->hasAlignment);
        std::vector<bool> targetAligned(std::size_t(m), false);
        for (const auto &[s, t] : p->alignment) {
            QVERIFY2(s >= 0 && s < n && t >= 0 && t < m, p->source.c_str());
            targetAligned[std::size_t(t)] = true;
        }
        for (int t = 0; t < m; ++t)
            QVERIFY2(targetAligned[std::size_t(t)], (p->source + " | " + p->target).c_str());
    }
}

void TestEnFrGrammar::testFrenchSurface_data()
{
    QTest::addColumn<bool>("english");
    QTest::addColumn<QString>("forbidden");
    QTest::newRow("de le") << false << "de le";
    QTest::newRow("de les") << false << "de les";
    QTest::newRow("à le") << false << "à le";
    QTest::newRow("à les") << false << "à les";
    QTest::newRow("de des") << false << "de des";
    QTest::newRow("le before vowel") << false << "le a";
    QTest::newRow("la before vowel") << false << "la é";
    QTest::newRow("ne before a") << false << "ne a";
    QTest::newRow("ne before est") << false << "ne est";
    QTest::newRow("se before est") << false << "se est";
    QTest::newRow("de before un") << false << "de un";
    QTest::newRow("le before h") << false << "le h";
    QTest::newRow("ma before vowel") << false << "ma é";
    QTest::newRow("ce before vowel") << false << "ce a";
    QTest::newRow("english a before a") << true << "a a";
    QTest::newRow("english a before e") << true << "a e";
    QTest::newRow("english a before o") << true << "a o";
    QTest::newRow("english an before b") << true << "an b";
    QTest::newRow("english an before h") << true << "an h";
}

// No token pair of one side starts with a forbidden pair: the second token
// only needs to start with the given letters.
void TestEnFrGrammar::testFrenchSurface()
{
    QFETCH(bool, english);
    QFETCH(QString, forbidden);
    const QStringList parts = forbidden.split(QLatin1Char(' '));
    const std::string first = parts[0].toStdString();
    const std::string second = parts[1].toStdString();
    const TaskSplits splits = makeEnFrTask(options(11, 20000, 0, 0));
    for (const SentencePair &p : splits.train.pairs) {
        const auto &tokens = english ? p.sourceTokens : p.targetTokens;
        for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
            const bool hit = tokens[i] == first && tokens[i + 1].starts_with(second);
            QVERIFY2(!hit, (p.source + " | " + p.target).c_str());
        }
    }
}

void TestEnFrGrammar::testMatchesProjectTokenizer()
{
    const TaskSplits splits = makeEnFrTask(options(2, 3000, 0, 0));
    std::vector<SentencePair> pairs = splits.train.pairs;
    pairs.push_back(enFrSeedPair());
    for (const SentencePair &p : pairs) {
        const auto source = tokenize(p.source);
        const auto target = tokenize(p.target);
        QVERIFY(source.ok() && target.ok());
        QVERIFY2(*source == p.sourceTokens, p.source.c_str());
        QVERIFY2(*target == p.targetTokens, p.target.c_str());
        QCOMPARE(detokenize(p.targetTokens), p.target);
    }
}

void TestEnFrGrammar::testConstructions_data()
{
    QTest::addColumn<QString>("construction");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("links");
    // clang-format off
    QTest::newRow("seed") << "seed" << "the cat sat on the mat" << "le chat s'est assis sur le tapis" << "0-0 1-1 2-2 2-3 2-4 3-5 4-6 5-7";
    QTest::newRow("black cat") << "black cat" << "the black cat sleeps" << "le chat noir dort" << "0-0 1-2 2-1 3-3";
    QTest::newRow("did not eat") << "did not eat" << "the dog did not eat the apple" << "le chien n'a pas mangé la pomme" << "0-0 1-1 2-3 3-2 3-4 4-5 5-6 6-7";
    QTest::newRow("possessive") << "possessive" << "the boy took the cat's mat" << "le garçon a pris le tapis du chat" << "0-0 1-1 2-2 2-3 3-6 4-7 5-4 5-6 6-5";
    QTest::newRow("of the") << "of the" << "the girl opened the door of the garden" << "la fille a ouvert la porte du jardin" << "0-0 1-1 2-2 2-3 3-4 4-5 5-6 6-6 7-7";
    QTest::newRow("plural sat") << "plural sat" << "the cats sat" << "les chats se sont assis" << "0-0 1-1 2-2 2-3 2-4";
    QTest::newRow("feminine plural sat") << "feminine plural sat" << "the girls sat on the chair" << "les filles se sont assises sur la chaise" << "0-0 1-1 2-2 2-3 2-4 3-5 4-6 5-7";
    QTest::newRow("elision") << "elision" << "the man sees the tree" << "l'homme voit l'arbre" << "0-0 1-1 2-2 3-3 4-4";
    QTest::newRow("present negation n'") << "present negation n'" << "the boy does not like the apple" << "le garçon n'aime pas la pomme" << "0-0 1-1 2-3 3-2 3-4 4-3 5-5 6-6";
    QTest::newRow("plural negation ne") << "plural negation ne" << "the cats do not eat the cake" << "les chats ne mangent pas le gâteau" << "0-0 1-1 2-3 3-2 3-4 4-3 5-5 6-6";
    QTest::newRow("to the -> au") << "to the -> au" << "the woman went to the park" << "la femme est allée au parc" << "0-0 1-1 2-2 2-3 3-4 4-4 5-5";
    QTest::newRow("to the -> a l'") << "to the -> a l'" << "the boys went to the school" << "les garçons sont allés à l'école" << "0-0 1-1 2-2 2-3 3-4 4-5 5-6";
    QTest::newRow("to the -> aux") << "to the -> aux" << "the girl went to the shops" << "la fille est allée aux magasins" << "0-0 1-1 2-2 2-3 3-4 4-4 5-5";
    QTest::newRow("near the -> pres du") << "near the -> pres du" << "the dog sleeps near the bed" << "le chien dort près du lit" << "0-0 1-1 2-2 3-3 3-4 4-4 5-5";
    QTest::newRow("an old man") << "an old man" << "an old man sat" << "un vieil homme s'est assis" << "0-0 1-1 2-2 3-3 3-4 3-5";
    QTest::newRow("big black cats") << "big black cats" << "the big black cats are happy" << "les grands chats noirs sont heureux" << "0-0 1-1 2-3 3-2 4-4 5-5";
    QTest::newRow("did not sit") << "did not sit" << "the cat did not sit" << "le chat ne s'est pas assis" << "0-0 1-1 2-4 3-2 3-5 4-3 4-6";
    QTest::newRow("look at") << "look at" << "the girl looks at the bird" << "la fille regarde l'oiseau" << "0-0 1-1 2-2 3-2 4-3 5-4";
    QTest::newRow("some big dogs") << "some big dogs" << "some big dogs ate the bread" << "de grands chiens ont mangé le pain" << "0-0 1-1 2-2 3-3 3-4 4-5 5-6";
    QTest::newRow("in front of") << "in front of" << "the cat is in front of the house" << "le chat est devant la maison" << "0-0 1-1 2-2 3-3 4-3 5-3 6-4 7-5";
    QTest::newRow("mon ecole") << "mon ecole" << "the teacher visited my school" << "le professeur a visité mon école" << "0-0 1-1 2-2 2-3 3-4 4-5";
    QTest::newRow("cet homme") << "cet homme" << "this man was not happy" << "cet homme n'était pas heureux" << "0-0 1-1 2-3 3-2 3-4 4-5";
    QTest::newRow("d'une") << "d'une" << "the boy found a girl's key" << "le garçon a trouvé la clé d'une fille" << "0-0 1-1 2-2 2-3 3-7 4-8 5-4 5-6 6-5";
    QTest::newRow("next to the -> a cote des") << "next to the -> a cote des" << "the dog stopped next to the cars" << "le chien s'est arrêté à côté des voitures" << "0-0 1-1 2-2 2-3 2-4 3-5 3-6 3-7 4-5 4-6 4-7 5-7 6-8";
    QTest::newRow("came from the -> du") << "came from the -> du" << "the women came from the garden" << "les femmes sont venues du jardin" << "0-0 1-1 2-2 2-3 3-4 4-4 5-5";
    QTest::newRow("does not sit") << "does not sit" << "the baker does not sit under the stones" << "le boulanger ne s'assoit pas sous les pierres" << "0-0 1-1 2-4 3-2 3-5 4-3 4-4 5-6 6-7 7-8";
    // clang-format on
}

void TestEnFrGrammar::testConstructions()
{
    QFETCH(QString, construction);
    QFETCH(QString, source);
    QFETCH(QString, target);
    QFETCH(QString, links);
    const auto it = constructions().find(construction);
    QVERIFY2(it != constructions().end(), qPrintable(construction));
    const SentencePair pair = realiseEnFr(it->second());
    QCOMPARE(QString::fromStdString(pair.source), source);
    QCOMPARE(QString::fromStdString(pair.target), target);
    QCOMPARE(pharaoh(pair.alignment), links);
}

// Every construction must be common in train for a small model to learn it.
void TestEnFrGrammar::testConstructionsFrequentInTrain()
{
    const TaskSplits splits = makeEnFrTask(options(1, 20000, 0, 0));
    std::map<std::string, int> counts;
    for (const SentencePair &p : splits.train.pairs) {
        std::set<std::string> seen(p.targetTokens.begin(), p.targetTokens.end());
        seen.insert(p.sourceTokens.begin(), p.sourceTokens.end());
        for (const auto &token : seen)
            ++counts[token];
    }
    for (const char *marker : {"n'", "ne", "pas", "s'", "se", "est", "sont", "a", "ont", "du", "des", "au", "aux",
                               "l'", "d'", "'s", "of", "did", "does", "do", "was", "were", "some", "de"})
        QVERIFY2(counts[marker] >= 150, marker);
}

void TestEnFrGrammar::testLexiconSize()
{
    const EnFrLexiconCounts counts = enFrLexiconCounts();
    QVERIFY(counts.nouns >= 70);
    QVERIFY(counts.adjectives >= 20);
    QVERIFY(counts.verbs >= 30);
    QVERIFY(counts.prepositions >= 6);
    QVERIFY(counts.total() >= 150);
}

QTEST_APPLESS_MAIN(TestEnFrGrammar)
#include "testenfrgrammar.moc"
