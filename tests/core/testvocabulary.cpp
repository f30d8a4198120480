// Vocabulary: building, the special-token layout, reading files, encoding.

#include "alignscope/vocabulary.h"

#include <QtTest>

#include <QTemporaryDir>

#include <fstream>

using namespace alignscope;

namespace {

QStringList toQt(const std::vector<std::string> &tokens)
{
    QStringList list;
    for (const auto &t : tokens)
        list << QString::fromStdString(t);
    return list;
}

std::vector<std::vector<std::string>> sentences(const QStringList &lines)
{
    std::vector<std::vector<std::string>> out;
    for (const auto &line : lines) {
        std::vector<std::string> tokens;
        for (const auto &t : line.split(' ', Qt::SkipEmptyParts))
            tokens.push_back(t.toStdString());
        out.push_back(tokens);
    }
    return out;
}

} // namespace

class TestVocabulary : public QObject {
    Q_OBJECT

private slots:
    void testBuild_data();
    void testBuild();
    void testSpecials();
    void testFromTokensErrors_data();
    void testFromTokensErrors();
    void testReadFile_data();
    void testReadFile();
    void testReadFileErrors_data();
    void testReadFileErrors();
    void testEncodeOov();
};

void TestVocabulary::testBuild_data()
{
    QTest::addColumn<QStringList>("corpus");
    QTest::addColumn<int>("minCount");
    QTest::addColumn<int>("maxSize");
    QTest::addColumn<QStringList>("expected");

    const QStringList corpus{"the cat sat", "the dog sat", "a cat the"};
    const QStringList specials{"<pad>", "<sos>", "<eos>", "<unk>"};
    QTest::newRow("by count, ties by first appearance")
        << corpus << 1 << 0 << specials + QStringList{"the", "cat", "sat", "dog", "a"};
    QTest::newRow("min count 2") << corpus << 2 << 0 << specials + QStringList{"the", "cat", "sat"};
    QTest::newRow("min count 4 leaves specials") << corpus << 4 << 0 << specials;
    QTest::newRow("max size 6") << corpus << 1 << 6 << specials + QStringList{"the", "cat"};
    QTest::newRow("max size below specials") << corpus << 1 << 2 << specials;
    QTest::newRow("special tokens in text not counted")
        << QStringList{"<unk> x <pad> x"} << 1 << 0 << specials + QStringList{"x"};
    QTest::newRow("empty corpus") << QStringList{} << 1 << 0 << specials;
}

void TestVocabulary::testBuild()
{
    QFETCH(QStringList, corpus);
    QFETCH(int, minCount);
    QFETCH(int, maxSize);
    QFETCH(QStringList, expected);

    const Vocabulary vocab = Vocabulary::build(sentences(corpus), minCount, maxSize);
    QCOMPARE(toQt(vocab.tokens()), expected);
    for (int i = 0; i < vocab.size(); ++i)
        QCOMPARE(vocab.id(vocab.token(i)), i);
}

void TestVocabulary::testSpecials()
{
    const Vocabulary vocab = Vocabulary::build(sentences({"le chat"}));
    QCOMPARE(vocab.specials().pad, 0);
    QCOMPARE(vocab.specials().sos, 1);
    QCOMPARE(vocab.specials().eos, 2);
    QCOMPARE(vocab.specials().unk, 3);
    QCOMPARE(vocab.id("<eos>"), 2);
    for (int id = 0; id < 4; ++id)
        QVERIFY(vocab.isSpecial(id));
    QVERIFY(!vocab.isSpecial(4));
    QVERIFY(!vocab.isSpecial(-1));
    QVERIFY(vocab.contains("chat"));
    QCOMPARE(vocab.id("chien"), 3);

    // An imported vocabulary without an unknown token answers -1.
    const Vocabulary imported({"[PAD]", "x"}, SpecialIds{0, -1, -1, -1});
    QCOMPARE(imported.id("y"), -1);
    QVERIFY(imported.isSpecial(0));
    QVERIFY(!imported.isSpecial(1));
}

void TestVocabulary::testFromTokensErrors_data()
{
    QTest::addColumn<QStringList>("tokens");
    QTest::addColumn<QString>("message");

    QTest::newRow("too short") << QStringList{"<pad>", "<sos>"}
                               << "model.json: vocabulary has 2 tokens; it must start with <pad>, <sos>, <eos>, <unk>";
    QTest::newRow("wrong special") << QStringList{"<pad>", "<sos>", "<unk>", "<eos>"}
                                   << "model.json: index 2 is '<unk>', expected <eos> (AlignScope vocabularies "
                                      "start with <pad>, <sos>, <eos>, <unk>)";
    QTest::newRow("duplicate") << QStringList{"<pad>", "<sos>", "<eos>", "<unk>", "a", "b", "a"}
                               << "model.json: index 6 repeats token 'a' (first at index 4)";
    QTest::newRow("empty token") << QStringList{"<pad>", "<sos>", "<eos>", "<unk>", "a", ""}
                                 << "model.json: index 5 is an empty token";
}

void TestVocabulary::testFromTokensErrors()
{
    QFETCH(QStringList, tokens);
    QFETCH(QString, message);

    std::vector<std::string> list;
    for (const auto &t : tokens)
        list.push_back(t.toStdString());
    const auto vocab = Vocabulary::fromTokens(list, "model.json");
    QVERIFY(!vocab.ok());
    QCOMPARE(vocab.error().kind, ErrorKind::BadFile);
    QCOMPARE(QString::fromStdString(vocab.error().message), message);
}

void TestVocabulary::testReadFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QStringList>("expected");

    const QStringList specials{"<pad>", "<sos>", "<eos>", "<unk>"};
    QTest::newRow("LF") << QByteArray("<pad>\n<sos>\n<eos>\n<unk>\nle\nchat\n") << specials + QStringList{"le", "chat"};
    QTest::newRow("CRLF") << QByteArray("<pad>\r\n<sos>\r\n<eos>\r\n<unk>\r\nété\r\n") << specials + QStringList{"été"};
    QTest::newRow("no final newline") << QByteArray("<pad>\n<sos>\n<eos>\n<unk>\nx") << specials + QStringList{"x"};
    QTest::newRow("BOM") << QByteArray("\xEF\xBB\xBF<pad>\n<sos>\n<eos>\n<unk>\n") << specials;
}

void TestVocabulary::testReadFile()
{
    QFETCH(QByteArray, content);
    QFETCH(QStringList, expected);

    QTemporaryDir dir;
    const std::string path = dir.filePath("vocab.txt").toStdString();
    std::ofstream(path, std::ios::binary) << content.toStdString();
    const auto vocab = Vocabulary::readFile(path);
    QVERIFY2(vocab.ok(), vocab.ok() ? "" : vocab.error().message.c_str());
    QCOMPARE(toQt(vocab->tokens()), expected);
}

void TestVocabulary::testReadFileErrors_data()
{
    QTest::addColumn<QString>("name");        // file created in a temporary dir; "" = the dir itself
    QTest::addColumn<bool>("create");         // false: the path does not exist or is the dir
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message");     // expected message, "%1" = the path

    QTest::newRow("missing") << "absent.txt" << false << QByteArray() << "cannot read vocabulary '%1': no such file";
    QTest::newRow("directory") << "" << false << QByteArray()
                               << "cannot read vocabulary '%1': it is a directory, expected a file";
    QTest::newRow("empty file") << "empty.txt" << true << QByteArray("")
                                << "vocabulary '%1' is empty; expected one token per line";
    QTest::newRow("blank line") << "blank.txt" << true << QByteArray("<pad>\n<sos>\n<eos>\n<unk>\na\n\nb\n")
                                << "%1: line 6 is an empty token";
    QTest::newRow("duplicate line") << "dup.txt" << true << QByteArray("<pad>\n<sos>\n<eos>\n<unk>\na\r\na\r\n")
                                    << "%1: line 6 repeats token 'a' (first at line 5)";
    QTest::newRow("no specials") << "plain.txt" << true << QByteArray("a\nb\nc\nd\n")
                                 << "%1: line 1 is 'a', expected <pad> (AlignScope vocabularies start with "
                                    "<pad>, <sos>, <eos>, <unk>)";
}

void TestVocabulary::testReadFileErrors()
{
    QFETCH(QString, name);
    QFETCH(bool, create);
    QFETCH(QByteArray, content);
    QFETCH(QString, message);

    QTemporaryDir dir;
    const QString path = name.isEmpty() ? dir.path() : dir.filePath(name);
    if (create)
        std::ofstream(path.toStdString(), std::ios::binary) << content.toStdString();
    const auto vocab = Vocabulary::readFile(path.toStdString());
    QVERIFY(!vocab.ok());
    QCOMPARE(vocab.error().kind, ErrorKind::BadFile);
    QCOMPARE(QString::fromStdString(vocab.error().message), message.arg(path));
}

void TestVocabulary::testEncodeOov()
{
    const Vocabulary vocab = Vocabulary::build(sentences({"le chat dort"}));
    std::vector<int> oov;
    const auto ids = vocab.encode({"le", "chien", "dort", "bien"}, &oov);
    QCOMPARE(ids, (std::vector<int>{4, 3, 6, 3}));
    QCOMPARE(oov, (std::vector<int>{1, 3}));
    QCOMPARE(vocab.encode({"chat"}), std::vector<int>{5}); // no oov list is fine
}

QTEST_APPLESS_MAIN(TestVocabulary)
#include "testvocabulary.moc"
