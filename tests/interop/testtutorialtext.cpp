// The PyTorch tutorials' text handling reproduced: normalizeString of the
// 2023+ and pre-2023 translation tutorials and of the chatbot tutorial, and
// the translation tutorial's vocabularies rebuilt from eng-fra.txt. The
// expected values are Python's own output (tests/data/pytorch/normalize.json
// and eng_fra_pairs.json, written by make_tutorial_fixtures.py).

#include "alignscope/pytorch.h"
#include "alignscope/tokenizer.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

using namespace alignscope;
using nlohmann::json;

namespace {

std::string dataDir() { return std::string(ALIGNSCOPE_TEST_DATA_DIR) + "/pytorch/"; }

json readJson(const std::string &name)
{
    std::ifstream in(dataDir() + name);
    return in ? json::parse(in, nullptr, false) : json();
}

TokenizerMode modeOf(const std::string &arch)
{
    return arch == "pytorch-tutorial"          ? TokenizerMode::TutorialNormalize
           : arch == "pytorch-tutorial-legacy" ? TokenizerMode::LegacyTutorialNormalize
                                               : TokenizerMode::ChatbotNormalize;
}

} // namespace

class TestTutorialText : public QObject {
    Q_OBJECT

private slots:
    void testNormalizeMatchesPython_data()
    {
        QTest::addColumn<QString>("arch");
        for (const char *arch : {"pytorch-tutorial", "pytorch-tutorial-legacy", "pytorch-chatbot"})
            QTest::newRow(arch) << arch;
    }
    void testNormalizeMatchesPython()
    {
        QFETCH(QString, arch);
        const json cases = readJson("normalize.json");
        QVERIFY2(cases.is_array() && cases.size() > 10, "normalize.json missing");
        const TokenizerMode mode = modeOf(arch.toStdString());
        for (const json &c : cases) {
            const std::string input = c["input"].get<std::string>();
            const std::string expected = c[arch.toStdString()].get<std::string>();
            auto got = normalizeTutorialString(input, mode);
            QVERIFY(got.ok());
            QVERIFY2(got.value() == expected, qPrintable(QString::fromStdString("\"" + input + "\" gave \"" +
                                                                                 got.value() + "\", Python \"" +
                                                                                 expected + "\"")));
            // The tokenizer of an imported model is the tutorial's split(' ').
            auto tokens = tokenize(input, TokenizerOptions{mode, true});
            QVERIFY(tokens.ok());
            QCOMPARE(tokens.value(), expected.empty() ? std::vector<std::string>{} : splitOnSpace(expected));
            QCOMPARE(detokenize(tokens.value(), TokenizerOptions{mode, true}), expected);
        }
    }

    void testInvalidUtf8IsBadInput()
    {
        auto r = normalizeTutorialString("caf\xc3", TokenizerMode::TutorialNormalize);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::BadInput);
        QCOMPARE(r.error().message, std::string("invalid UTF-8 at byte 3"));
    }

    void testSplitOnSpaceKeepsEmptyPieces()
    {
        QCOMPARE(splitOnSpace(" a  b "), (std::vector<std::string>{"", "a", "", "b", ""}));
        QCOMPARE(splitOnSpace(""), std::vector<std::string>{""});
    }

    void testPairsVocabularyMatchesPython_data()
    {
        QTest::addColumn<int>("index");
        const json all = readJson("eng_fra_pairs.json");
        for (size_t i = 0; i < all.size(); ++i)
            QTest::newRow(qPrintable(QString::fromStdString(all[i]["arch"].get<std::string>()) + " max " +
                                     QString::number(all[i]["max_length"].get<int>()) +
                                     (all[i]["reverse"].get<bool>() ? " reverse" : " no-reverse")))
                << int(i);
    }
    void testPairsVocabularyMatchesPython()
    {
        QFETCH(int, index);
        const json e = readJson("eng_fra_pairs.json")[size_t(index)];
        TutorialPairsOptions o;
        o.maxLength = e["max_length"].get<int>();
        o.reverse = e["reverse"].get<bool>();
        o.normalize = modeOf(e["arch"].get<std::string>());
        auto v = readTutorialPairs(dataDir() + "eng-fra-mini.txt", o);
        if (e["kept"].get<int>() == 0) {
            // Without reverse filterPair tests the French side for English prefixes: nothing is kept.
            QVERIFY(!v.ok());
            QVERIFY2(v.error().message.find("no pair passes the tutorial's filter") != std::string::npos,
                     v.error().message.c_str());
            return;
        }
        QVERIFY2(v.ok(), v.ok() ? "" : v.error().message.c_str());
        QCOMPARE(v->pairsRead, e["read"].get<int>());
        QCOMPARE(v->pairsKept, e["kept"].get<int>());
        QCOMPARE(v->source, e["source"].get<std::vector<std::string>>());
        QCOMPARE(v->target, e["target"].get<std::vector<std::string>>());
    }

    void testPairsFileErrors()
    {
        const std::string path = QDir::temp().filePath("alignscope_pairs.txt").toStdString();
        std::ofstream(path) << "I am here.\tJe suis ici.\nno tab on this line\n";
        auto v = readTutorialPairs(path, {});
        QVERIFY(!v.ok());
        QCOMPARE(v.error().kind, ErrorKind::BadFile);
        QCOMPARE(v.error().message, path + ": line 2 has no tab; each line must be \"English<TAB>French\"");
        std::remove(path.c_str());
        auto missing = readTutorialPairs(path, {});
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().message, path + ": cannot open the pairs file");
    }
};

QTEST_APPLESS_MAIN(TestTutorialText)
#include "testtutorialtext.moc"
