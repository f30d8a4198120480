// Tokenizer: word and character modes, normalisation, errors, round trips.

#include "alignscope/tokenizer.h"

#include <QtTest>

using namespace alignscope;

namespace {

QStringList toQt(const std::vector<std::string> &tokens)
{
    QStringList list;
    for (const auto &t : tokens)
        list << QString::fromStdString(t);
    return list;
}

std::vector<std::string> toStd(const QStringList &list)
{
    std::vector<std::string> tokens;
    for (const auto &t : list)
        tokens.push_back(t.toStdString());
    return tokens;
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    void testWords_data();
    void testWords();
    void testCharacters_data();
    void testCharacters();
    void testInvalidUtf8_data();
    void testInvalidUtf8();
    void testDetokenize_data();
    void testDetokenize();
    void testSpans_data();
    void testSpans();
    void testRoundTrip_data();
    void testRoundTrip();
};

void TestTokenizer::testWords_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("lowercase");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("english sentence") << QByteArray("The cat sat on the mat.") << true
                                      << QStringList{"the", "cat", "sat", "on", "the", "mat", "."};
    QTest::newRow("keep case") << QByteArray("The Cat") << false << QStringList{"The", "Cat"};
    QTest::newRow("elision s'") << QByteArray("le chat s'est assis") << true
                                << QStringList{"le", "chat", "s'", "est", "assis"};
    QTest::newRow("elision l' d' j'") << QByteArray("l'homme d'abord j'ai") << true
                                      << QStringList{"l'", "homme", "d'", "abord", "j'", "ai"};
    QTest::newRow("elision qu' jusqu' lorsqu' puisqu'")
        << QByteArray("qu'il jusqu'ici lorsqu'on puisqu'elle") << true
        << QStringList{"qu'", "il", "jusqu'", "ici", "lorsqu'", "on", "puisqu'", "elle"};
    QTest::newRow("elision m' n' t' c'") << QByteArray("m'a n'est t'aime c'est") << true
                                         << QStringList{"m'", "a", "n'", "est", "t'", "aime", "c'", "est"};
    QTest::newRow("typographic apostrophe") << QByteArray("l\u2019homme s\u2019est") << true
                                            << QStringList{"l'", "homme", "s'", "est"};
    QTest::newRow("elision keeps case") << QByteArray("L'Homme") << false << QStringList{"L'", "Homme"};
    QTest::newRow("elision before accented letter") << QByteArray("jusqu'à l'été") << true
                                                    << QStringList{"jusqu'", "à", "l'", "été"};
    QTest::newRow("no elision inside word") << QByteArray("aujourd'hui") << true << QStringList{"aujourd'hui"};
    QTest::newRow("english 's") << QByteArray("the cat's toy") << true << QStringList{"the", "cat", "'s", "toy"};
    QTest::newRow("english n't") << QByteArray("I didn't go") << true << QStringList{"i", "did", "n't", "go"};
    QTest::newRow("punctuation") << QByteArray("Oui, non! Quoi? (bon); fin: « là »") << true
                                 << QStringList{"oui", ",", "non", "!", "quoi", "?", "(", "bon", ")", ";",
                                                "fin", ":", "«", "là", "»"};
    QTest::newRow("double quotes") << QByteArray("say \"hi\"") << true << QStringList{"say", "\"", "hi", "\""};
    QTest::newRow("numbers stay whole") << QByteArray("3.5 1,000 2021-03-03 end.") << true
                                        << QStringList{"3.5", "1,000", "2021-03-03", "end", "."};
    QTest::newRow("hyphenated word") << QByteArray("peut-être") << true << QStringList{"peut-être"};
    QTest::newRow("NFC combining accent") << QByteArray("e\xcc\x81t\xc3\xa9") << true << QStringList{"été"};
    QTest::newRow("lowercase accented capital") << QByteArray("École ÉTÉ") << true << QStringList{"école", "été"};
    QTest::newRow("lowercase decomposed capital") << QByteArray("E\xcc\x81" "cole") << true
                                                  << QStringList{"école"};
    QTest::newRow("control chars are spaces") << QByteArray("a\x01" "b\tc\r\nd") << true
                                              << QStringList{"a", "b", "c", "d"};
    QTest::newRow("whitespace only") << QByteArray(" \t\n ") << true << QStringList{};
    QTest::newRow("empty") << QByteArray("") << true << QStringList{};
    QTest::newRow("no-break space separates") << QByteArray("a\xc2\xa0" "b") << true << QStringList{"a", "b"};
}

void TestTokenizer::testWords()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, lowercase);
    QFETCH(QStringList, expected);

    TokenizerOptions options;
    options.lowercase = lowercase;
    const auto tokens = tokenize(text.toStdString(), options);
    QVERIFY2(tokens.ok(), tokens.ok() ? "" : tokens.error().message.c_str());
    QCOMPARE(toQt(*tokens), expected);
}

void TestTokenizer::testCharacters_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("word") << QByteArray("Été") << QStringList{"é", "t", "é"};
    QTest::newRow("spaces collapse") << QByteArray("  a  b\t c ") << QStringList{"a", "▁", "b", "▁", "c"};
    QTest::newRow("punctuation kept") << QByteArray("s'est.") << QStringList{"s", "'", "e", "s", "t", "."};
    QTest::newRow("NFC") << QByteArray("e\xcc\x81") << QStringList{"é"};
}

void TestTokenizer::testCharacters()
{
    QFETCH(QByteArray, text);
    QFETCH(QStringList, expected);

    const TokenizerOptions options{TokenizerMode::Character, true};
    const auto tokens = tokenize(text.toStdString(), options);
    QVERIFY(tokens.ok());
    QCOMPARE(toQt(*tokens), expected);
}

void TestTokenizer::testInvalidUtf8_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("message");

    QTest::newRow("lone continuation") << QByteArray("ab\x80") << "invalid UTF-8 at byte 2";
    QTest::newRow("0xff") << QByteArray("\xff") << "invalid UTF-8 at byte 0";
    QTest::newRow("truncated sequence") << QByteArray("caf\xc3") << "invalid UTF-8 at byte 3";
    QTest::newRow("overlong slash") << QByteArray("x\xc0\xaf") << "invalid UTF-8 at byte 1";
    QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << "invalid UTF-8 at byte 0";
}

void TestTokenizer::testInvalidUtf8()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, message);

    for (const auto mode : {TokenizerMode::Word, TokenizerMode::Character}) {
        const auto tokens = tokenize(text.toStdString(), {mode, true});
        QVERIFY(!tokens.ok());
        QCOMPARE(tokens.error().kind, ErrorKind::BadInput);
        QCOMPARE(QString::fromStdString(tokens.error().message), message);
    }
}

void TestTokenizer::testDetokenize_data()
{
    QTest::addColumn<QStringList>("tokens");
    QTest::addColumn<bool>("characters");
    QTest::addColumn<QString>("expected");

    QTest::newRow("elision") << QStringList{"il", "s'", "est", "assis"} << false << "il s'est assis";
    QTest::newRow("closing punctuation") << QStringList{"oui", ",", "non", "!", "quoi", "?", "fin", "."} << false
                                         << "oui, non! quoi? fin.";
    QTest::newRow("brackets and guillemets") << QStringList{"(", "a", ")", "«", "b", "»"} << false << "(a) «b»";
    QTest::newRow("clitics") << QStringList{"did", "n't", "the", "cat", "'s"} << false << "didn't the cat's";
    QTest::newRow("quotes alternate") << QStringList{"say", "\"", "hi", "\"", "."} << false << "say \"hi\".";
    QTest::newRow("empty") << QStringList{} << false << "";
    QTest::newRow("characters") << QStringList{"l", "e", "▁", "c", "h", "a", "t"} << true << "le chat";
}

void TestTokenizer::testDetokenize()
{
    QFETCH(QStringList, tokens);
    QFETCH(bool, characters);
    QFETCH(QString, expected);

    const TokenizerOptions options{characters ? TokenizerMode::Character : TokenizerMode::Word, true};
    QCOMPARE(QString::fromStdString(detokenize(toStd(tokens), options)), expected);
}

void TestTokenizer::testRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("characters");

    QTest::newRow("french") << "le chat s'est assis sur le tapis" << false;
    QTest::newRow("french punctuation") << "qu'est-ce que c'est? l'homme, jusqu'à demain." << false;
    QTest::newRow("english") << "the cat didn't sit on the dog's mat." << false;
    QTest::newRow("numbers") << "il a 3.5 ans (le 2021-03-03)!" << false;
    QTest::newRow("characters") << "le chat s'est assis." << true;
}

void TestTokenizer::testRoundTrip()
{
    QFETCH(QString, text);
    QFETCH(bool, characters);

    const TokenizerOptions options{characters ? TokenizerMode::Character : TokenizerMode::Word, true};
    const auto tokens = tokenize(text.toStdString(), options);
    QVERIFY(tokens.ok());
    QCOMPARE(QString::fromStdString(detokenize(*tokens, options)), text);
}

// Each token's bytes in the typed text, through lowercasing, NFC, the
// typographic apostrophe, elisions, character mode's "▁" and the
// tutorials' ASCII folding: what the sentence field underlines.
void TestTokenizer::testSpans_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QStringList>("typed"); // the text under each token's span
    QTest::newRow("words") << "The Cat sat." << int(TokenizerMode::Word)
                           << QStringList{"The", "Cat", "sat", "."};
    QTest::newRow("elision") << "L’homme s'est assis" << int(TokenizerMode::Word)
                             << QStringList{"L’", "homme", "s'", "est", "assis"};
    QTest::newRow("decomposed é") << "Cafe\u0301 noir" /* e + combining acute */ << int(TokenizerMode::Word)
                                  << QStringList{"Cafe\u0301", "noir"};
    QTest::newRow("characters") << "ab c" << int(TokenizerMode::Character) << QStringList{"a", "b", " ", "c"};
    QTest::newRow("tutorial") << "Il est  en retard!" << int(TokenizerMode::TutorialNormalize)
                              << QStringList{"Il", "est", "en", "retard", "!"};
    QTest::newRow("tutorial accents") << "Ça été." << int(TokenizerMode::LegacyTutorialNormalize)
                                      << QStringList{"Ça", "été", "."};
}

void TestTokenizer::testSpans()
{
    QFETCH(QString, text);
    QFETCH(int, mode);
    QFETCH(QStringList, typed);
    const TokenizerOptions options{TokenizerMode(mode), true};
    const std::string utf8 = text.toStdString();
    const auto tokens = tokenize(utf8, options);
    QVERIFY(tokens);
    const auto spans = locateTokens(utf8, tokens.value(), options);
    QCOMPARE(int(spans.size()), int(tokens->size()));
    QStringList got;
    for (const TextSpan &span : spans)
        got << (span.typed() ? QString::fromStdString(utf8.substr(size_t(span.begin), size_t(span.end - span.begin)))
                             : QStringLiteral("(untyped)"));
    QCOMPARE(got, typed);
}

QTEST_APPLESS_MAIN(TestTokenizer)
#include "testtokenizer.moc"
