// Corpus readers: TSV with Pharaoh alignments, eng-fra.txt, bad lines,
// line endings, and the Pharaoh parser itself.

#include "alignscope/corpus.h"

#include <QtTest>

#include <QTemporaryDir>

#include <fstream>

using namespace alignscope;

namespace {

const QString kDataDir = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/corpora");

QString joined(const std::vector<std::string> &tokens)
{
    QStringList list;
    for (const auto &t : tokens)
        list << QString::fromStdString(t);
    return list.join(' ');
}

/// Writes `content` byte for byte to a file in `dir` and returns its path.
std::string writeFile(const QTemporaryDir &dir, const QByteArray &content)
{
    const std::string path = dir.filePath("corpus.tsv").toStdString();
    std::ofstream(path, std::ios::binary) << content.toStdString();
    return path;
}

} // namespace

class TestCorpus : public QObject {
    Q_OBJECT

private slots:
    void testValidTsv();
    void testBadLines_data();
    void testBadLines();
    void testLineEndings_data();
    void testLineEndings();
    void testLongLine();
    void testEngFra_data();
    void testEngFra();
    void testMissingFile_data();
    void testMissingFile();
    void testParsePharaoh_data();
    void testParsePharaoh();
    void testFormatPharaoh();
};

void TestCorpus::testValidTsv()
{
    const auto corpus = readTsvCorpus((kDataDir + "/sample.tsv").toStdString());
    QVERIFY2(corpus.ok(), corpus.ok() ? "" : corpus.error().message.c_str());
    QCOMPARE(corpus->pairs.size(), size_t(3));
    QCOMPARE(corpus->badLines, 0);
    QCOMPARE(QString::fromStdString(corpus->summary()), "3 pairs");

    const SentencePair &first = corpus->pairs[0];
    QCOMPARE(QString::fromStdString(first.source), "le chat s'est assis.");
    QCOMPARE(joined(first.sourceTokens), "le chat s' est assis .");
    QCOMPARE(joined(first.targetTokens), "the cat sat down .");
    QVERIFY(first.hasAlignment);
    // Index 5 of the source is the "." that only exists after tokenisation.
    QCOMPARE(first.alignment, (Alignment{{0, 0}, {1, 1}, {2, 2}, {3, 2}, {4, 2}, {4, 3}, {5, 4}}));

    QCOMPARE(joined(corpus->pairs[1].sourceTokens), "j' aime l' été !");
    QVERIFY(!corpus->pairs[2].hasAlignment);
    QVERIFY(corpus->pairs[2].alignment.empty());
}

void TestCorpus::testBadLines_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("pairs");
    QTest::addColumn<QString>("summary");

    const QByteArray good = "le chat\tthe cat\t0-0 1-1\n";
    QTest::newRow("missing tab") << good + "no tab here\n" << 1
                                 << "1 pair, 1 bad line skipped (first: 2: no tab between source and target)";
    QTest::newRow("empty source") << good + "\tthe cat\n" << 1
                                  << "1 pair, 1 bad line skipped (first: 2: empty source sentence)";
    QTest::newRow("empty target") << good + "\n" + "le chat\t  \n" << 1
                                  << "1 pair, 1 bad line skipped (first: 3: empty target sentence)";
    QTest::newRow("only control chars") << good + "\x01\x02\tthe cat\n" << 1
                                        << "1 pair, 1 bad line skipped (first: 2: source sentence has no tokens)";
    QTest::newRow("invalid UTF-8") << QByteArray("bad \xff\tx\n") + good << 1
                                   << "1 pair, 1 bad line skipped (first: 1: source: invalid UTF-8 at byte 4)";
    QTest::newRow("bad alignment syntax")
        << good + "le chat\tthe cat\t0-0 1-x\n" << 1
        << "1 pair, 1 bad line skipped (first: 2: bad alignment pair '1-x' (expected source-target, e.g. 0-1))";
    QTest::newRow("alignment out of range")
        << good + "le chat\tthe cat\t0-0 2-1\n" << 1
        << "1 pair, 1 bad line skipped (first: 2: alignment pair '2-1' out of range (source has 2 tokens, target 2))";
    QTest::newRow("too many fields")
        << good + "a\tb\tc\td\n" << 1
        << "1 pair, 1 bad line skipped (first: 2: too many tab-separated fields (expected source, target and "
           "an optional alignment))";
    QTest::newRow("only five line numbers reported")
        << "x\n" + good + "\ny\n\tz\nz\t\nw\t0\t0-9\nv\n" + good << 2
        << "2 pairs, 6 bad lines skipped (first: 1, 4, 5, 6, 7: no tab between source and target)";
    QTest::newRow("trailing tab means no alignment") << QByteArray("le chat\tthe cat\t\n") << 1 << "1 pair";
    QTest::newRow("empty file") << QByteArray() << 0 << "0 pairs";
}

void TestCorpus::testBadLines()
{
    QFETCH(QByteArray, content);
    QFETCH(int, pairs);
    QFETCH(QString, summary);

    QTemporaryDir dir;
    const auto corpus = readTsvCorpus(writeFile(dir, content));
    QVERIFY(corpus.ok());
    QCOMPARE(int(corpus->pairs.size()), pairs);
    QCOMPARE(QString::fromStdString(corpus->summary()), summary);
    QVERIFY(corpus->badLineNumbers.size() <= 5);
}

void TestCorpus::testLineEndings_data()
{
    QTest::addColumn<QByteArray>("content");

    QTest::newRow("LF") << QByteArray("le chat\tthe cat\t0-0 1-1\nil dort\the sleeps\n");
    QTest::newRow("CRLF") << QByteArray("le chat\tthe cat\t0-0 1-1\r\nil dort\the sleeps\r\n");
    QTest::newRow("BOM + CRLF") << QByteArray("\xEF\xBB\xBFle chat\tthe cat\t0-0 1-1\r\nil dort\the sleeps\r\n");
    QTest::newRow("no final newline") << QByteArray("le chat\tthe cat\t0-0 1-1\nil dort\the sleeps");
    QTest::newRow("blank lines") << QByteArray("\n\r\nle chat\tthe cat\t0-0 1-1\n   \n\nil dort\the sleeps\n\n");
}

void TestCorpus::testLineEndings()
{
    QFETCH(QByteArray, content);

    QTemporaryDir dir;
    const auto corpus = readTsvCorpus(writeFile(dir, content));
    QVERIFY(corpus.ok());
    QCOMPARE(QString::fromStdString(corpus->summary()), "2 pairs");
    QCOMPARE(QString::fromStdString(corpus->pairs[0].source), "le chat");
    QCOMPARE(joined(corpus->pairs[0].targetTokens), "the cat");
    QCOMPARE(corpus->pairs[0].alignment, (Alignment{{0, 0}, {1, 1}}));
    QCOMPARE(QString::fromStdString(corpus->pairs[1].target), "he sleeps");
}

void TestCorpus::testLongLine()
{
    QByteArray source;
    for (int i = 0; i < 100000; ++i)
        source += "mot ";
    QTemporaryDir dir;
    const auto corpus = readTsvCorpus(writeFile(dir, source + "\tword\n" + "a\tb\n"));
    QVERIFY(corpus.ok());
    QCOMPARE(corpus->pairs.size(), size_t(2));
    QCOMPARE(corpus->pairs[0].sourceTokens.size(), size_t(100000));
}

void TestCorpus::testEngFra_data()
{
    QTest::addColumn<bool>("englishFirst");
    QTest::addColumn<QStringList>("sources");
    QTest::addColumn<QStringList>("targets");

    const QStringList english{"go .", "i 'm ok .", "who 's there ?"};
    const QStringList french{"va !", "je vais bien .", "qui est là ?"};
    QTest::newRow("english to french") << true << english << french;
    QTest::newRow("french to english") << false << french << english;
}

void TestCorpus::testEngFra()
{
    QFETCH(bool, englishFirst);
    QFETCH(QStringList, sources);
    QFETCH(QStringList, targets);

    const auto direction = englishFirst ? EngFraDirection::EnglishToFrench : EngFraDirection::FrenchToEnglish;
    const auto corpus = readEngFraCorpus((kDataDir + "/eng-fra-sample.txt").toStdString(), direction);
    QVERIFY(corpus.ok());
    QCOMPARE(corpus->badLines, 0);
    QCOMPARE(int(corpus->pairs.size()), int(sources.size()));
    for (int i = 0; i < sources.size(); ++i) {
        const SentencePair &pair = corpus->pairs[size_t(i)];
        QCOMPARE(joined(pair.sourceTokens), sources[i]);
        QCOMPARE(joined(pair.targetTokens), targets[i]);
        QVERIFY(!pair.hasAlignment);
        // The attribution column is dropped, not glued to the French side.
        QVERIFY(!QString::fromStdString(pair.source + pair.target).contains("CC-BY"));
    }
}

void TestCorpus::testMissingFile_data()
{
    QTest::addColumn<bool>("directory");
    QTest::addColumn<QString>("message");

    QTest::newRow("missing") << false << "cannot read corpus '%1': no such file";
    QTest::newRow("directory") << true << "cannot read corpus '%1': it is a directory, expected a file";
}

void TestCorpus::testMissingFile()
{
    QFETCH(bool, directory);
    QFETCH(QString, message);

    QTemporaryDir dir;
    const QString path = directory ? dir.path() : dir.filePath("absent.tsv");
    for (const auto &corpus : {readTsvCorpus(path.toStdString()),
                               readEngFraCorpus(path.toStdString(), EngFraDirection::EnglishToFrench)}) {
        QVERIFY(!corpus.ok());
        QCOMPARE(corpus.error().kind, ErrorKind::BadFile);
        QCOMPARE(QString::fromStdString(corpus.error().message), message.arg(path));
    }
}

void TestCorpus::testParsePharaoh_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // formatted back, or the error message

    QTest::newRow("simple") << "0-0 1-2 2-1" << "0-0 1-2 2-1";
    QTest::newRow("extra spaces") << "  0-0\t 2-3  " << "0-0 2-3";
    QTest::newRow("empty") << "" << "";
    QTest::newRow("possible link") << "0-0 1?2" << "bad alignment pair '1?2' (expected source-target, e.g. 0-1)";
    QTest::newRow("missing target") << "0-" << "bad alignment pair '0-' (expected source-target, e.g. 0-1)";
    QTest::newRow("negative") << "-1-0" << "bad alignment pair '-1-0' (expected source-target, e.g. 0-1)";
    QTest::newRow("three parts") << "1-2-3" << "bad alignment pair '1-2-3' (expected source-target, e.g. 0-1)";
    QTest::newRow("overflow") << "99999999999-0"
                              << "bad alignment pair '99999999999-0' (expected source-target, e.g. 0-1)";
    QTest::newRow("source out of range") << "3-0" << "alignment pair '3-0' out of range (source has 3 tokens, target 4)";
    QTest::newRow("target out of range") << "0-4" << "alignment pair '0-4' out of range (source has 3 tokens, target 4)";
}

void TestCorpus::testParsePharaoh()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);

    const auto links = parsePharaoh(text.toStdString(), 3, 4);
    const QString got = QString::fromStdString(links.ok() ? formatPharaoh(*links) : links.error().message);
    QCOMPARE(got, expected);
}

void TestCorpus::testFormatPharaoh()
{
    QCOMPARE(QString::fromStdString(formatPharaoh({})), "");
    QCOMPARE(QString::fromStdString(formatPharaoh({{2, 0}, {10, 11}})), "2-0 10-11");
}

QTEST_APPLESS_MAIN(TestCorpus)
#include "testcorpus.moc"
