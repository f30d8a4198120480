// Hugging Face tokenizers: parity with transformers' slow tokenizers on the
// fixtures tests/interop/make_hf_tokenizer_fixtures.py wrote (ids, pieces,
// text_target ids, decode), spans, words, display, and broken files.

#include "alignscope/hftokenizer.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>

using namespace alignscope;
using json = nlohmann::json;

namespace {

const std::string kFixtures = ALIGNSCOPE_TEST_DATA_DIR "/hf/tokenizers/";
const char *const kNames[] = {"t5-unigram-nfkc", "t5-bpe", "marian-unigram", "marian-bpe-bytes", "bart-bytebpe",
                              "gpt2-bytebpe"};

struct Fixture {
    json expected;
    std::unique_ptr<HfTokenizer> tokenizer;
    std::string error;
};

/// Each fixture folder loaded once.
const Fixture &fixture(const std::string &name)
{
    static std::map<std::string, Fixture> cache;
    auto it = cache.find(name);
    if (it != cache.end())
        return it->second;
    Fixture f;
    std::ifstream in(kFixtures + name + "/expected.json");
    f.expected = json::parse(in);
    auto loaded = loadHfTokenizer(kFixtures + name, f.expected["model_type"].get<std::string>());
    if (loaded)
        f.tokenizer = std::move(*loaded);
    else
        f.error = loaded.error().message;
    return cache.emplace(name, std::move(f)).first->second;
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

QString show(const std::vector<int> &ids)
{
    QStringList out;
    for (const int id : ids)
        out << QString::number(id);
    return out.join(' ');
}

QString show(const json &ids)
{
    return show(ids.get<std::vector<int>>());
}

void writeFile(const std::string &path, const std::string &bytes)
{
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

class TestHfTokenizer : public QObject {
    Q_OBJECT

private slots:
    void testLoads_data();
    void testLoads();
    void testParity_data();
    void testParity();
    void testDecodeIds_data();
    void testDecodeIds();
    void testSpans_data();
    void testSpans();
    void testWords_data();
    void testWords();
    void testDisplay_data();
    void testDisplay();
    void testInvalidUtf8();
    void testLongParagraph();
    void testBrokenFiles_data();
    void testBrokenFiles();
};

void TestHfTokenizer::testLoads_data()
{
    QTest::addColumn<QString>("name");
    for (const char *name : kNames)
        QTest::newRow(name) << name;
}

void TestHfTokenizer::testLoads()
{
    QFETCH(QString, name);
    const Fixture &f = fixture(name.toStdString());
    QVERIFY2(f.tokenizer, f.error.c_str());
    const auto &e = f.expected;
    QCOMPARE(f.tokenizer->size(), e["size"].get<int>());
    const auto s = f.tokenizer->specials();
    auto id = [&](const char *key) { return e["specials"][key].is_null() ? -1 : e["specials"][key].get<int>(); };
    QCOMPARE(s.pad, id("pad"));
    QCOMPARE(s.bos, id("bos"));
    QCOMPARE(s.eos, id("eos"));
    QCOMPARE(s.unk, id("unk"));
    for (const auto &[key, piece] : e["pieces"].items()) { // convert_ids_to_tokens and back
        QCOMPARE(q(f.tokenizer->piece(std::stoi(key))), q(piece.get<std::string>()));
        QCOMPARE(f.tokenizer->id(piece.get<std::string>()), e["size"].get<int>() > 0 ? f.tokenizer->id(piece.get<std::string>()) : -1);
    }
    QCOMPARE(q(f.tokenizer->piece(-1)), QString());
    QCOMPARE(q(f.tokenizer->piece(1 << 20)), QString());
    QCOMPARE(f.tokenizer->id("no such piece \u2603"), s.unk);
}

void TestHfTokenizer::testParity_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("index");
    for (const char *name : kNames) {
        const auto &cases = fixture(name).expected["cases"];
        for (size_t i = 0; i < cases.size(); ++i)
            QTest::addRow("%s %zu %s", name, i, cases[i]["text"].get<std::string>().substr(0, 24).c_str()) << name << int(i);
    }
}

void TestHfTokenizer::testParity()
{
    QFETCH(QString, name);
    QFETCH(int, index);
    const Fixture &f = fixture(name.toStdString());
    QVERIFY2(f.tokenizer, f.error.c_str());
    const auto &c = f.expected["cases"][size_t(index)];
    const std::string text = c["text"];
    auto encoded = f.tokenizer->encode(text);
    QVERIFY2(encoded.ok(), encoded.ok() ? "" : encoded.error().message.c_str());
    QCOMPARE(show(encoded->ids), show(c["input_ids"]));
    QCOMPARE(encoded->pieces, c["tokens"].get<std::vector<std::string>>());
    auto target = f.tokenizer->encodeTarget(text);
    QVERIFY(target.ok());
    QCOMPARE(show(target->ids), show(c["target_ids"]));
    QCOMPARE(target->pieces, c["target_tokens"].get<std::vector<std::string>>());
    QCOMPARE(q(f.tokenizer->decode(encoded->ids, true)), q(c["decode_skip"]));
    QCOMPARE(q(f.tokenizer->decode(encoded->ids, false)), q(c["decode_keep"]));
    QCOMPARE(q(f.tokenizer->decode(target->ids, true)), q(c["target_decode_skip"]));
}

void TestHfTokenizer::testDecodeIds_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("index");
    for (const char *name : kNames) {
        const auto &decodes = fixture(name).expected["decodes"];
        for (size_t i = 0; i < decodes.size(); ++i)
            QTest::addRow("%s %zu", name, i) << name << int(i);
    }
}

void TestHfTokenizer::testDecodeIds()
{
    QFETCH(QString, name);
    QFETCH(int, index);
    const Fixture &f = fixture(name.toStdString());
    QVERIFY2(f.tokenizer, f.error.c_str());
    const auto &d = f.expected["decodes"][size_t(index)];
    const auto ids = d["ids"].get<std::vector<int>>();
    QCOMPARE(q(f.tokenizer->decode(ids, true)), q(d["skip"]));
    QCOMPARE(q(f.tokenizer->decode(ids, false)), q(d["keep"]));
}

void TestHfTokenizer::testSpans_data()
{
    testParity_data();
}

void TestHfTokenizer::testSpans()
{
    // Each typed piece covers the text it came from: byte-level pieces are
    // exactly their bytes; SentencePiece pieces (identity normalisation) are
    // their text with spaces as "▁", plus the prefix "▁" at a word's start.
    QFETCH(QString, name);
    QFETCH(int, index);
    const Fixture &f = fixture(name.toStdString());
    QVERIFY2(f.tokenizer, f.error.c_str());
    const std::string text = f.expected["cases"][size_t(index)]["text"];
    const auto t = f.tokenizer->encode(text);
    QVERIFY(t.ok());
    QCOMPARE(t->spans.size(), t->ids.size());
    const bool byteLevel = name.contains("bytebpe"), identity = !name.contains("nfkc");
    int lastBegin = 0;
    for (size_t i = 0; i < t->ids.size(); ++i) {
        const TextSpan s = t->spans[i];
        if (!s.typed()) {
            QVERIFY2(t->special[i], t->pieces[i].c_str()); // only added specials are untyped
            continue;
        }
        QVERIFY(s.begin >= lastBegin && s.end >= s.begin && size_t(s.end) <= text.size());
        lastBegin = s.begin;
        const std::string typed = text.substr(size_t(s.begin), size_t(s.end - s.begin));
        if (t->special[i] || t->ids[i] == f.tokenizer->specials().unk)
            continue;
        if (byteLevel) {
            // The piece's own bytes (clean-up may drop the space of " ."; a
            // partial character decodes to U+FFFD).
            const QString decoded = q(f.tokenizer->decode({t->ids[i]}, false));
            if (!decoded.contains(QChar(0xFFFD)))
                QVERIFY2(decoded == q(typed) || " " + decoded == q(typed), qPrintable(decoded + " vs " + q(typed)));
        } else if (identity && !t->pieces[i].starts_with("<0x")) {
            // Runs of spaces become one "▁"; the first word gets a prefix "▁".
            QString piece = q(t->pieces[i]), spaced = q(typed);
            piece.remove(QChar(0x2581));
            spaced.remove(' ').remove(QChar(0x2581)); // a typed "▁" is a space to SentencePiece
            QCOMPARE(piece, spaced);
        }
    }
}

void TestHfTokenizer::testWords_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("words"); // per piece, its word
    QTest::newRow("bart") << "bart-bytebpe" << "the lighthouse keeper" << "0 1 2 3 4";
    QTest::newRow("bart mask") << "bart-bytebpe" << "Hello <mask> world" << "0 1 1 1 1 2 3 3 3 3 3 4";
    QTest::newRow("t5 sentinel") << "t5-unigram-nfkc" << "a <extra_id_0> b" << "0 1 2 3";
    QTest::newRow("marian code") << "marian-unigram" << ">>fr<< the house" << "0 1 2 2 2 2 3";
}

void TestHfTokenizer::testWords()
{
    QFETCH(QString, name);
    QFETCH(QString, text);
    QFETCH(QString, words);
    const Fixture &f = fixture(name.toStdString());
    QVERIFY2(f.tokenizer, f.error.c_str());
    const auto t = f.tokenizer->encode(text.toStdString());
    QVERIFY(t.ok());
    QCOMPARE(show(t->words), words);
}

void TestHfTokenizer::testDisplay_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("piece");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("wordStart");
    QTest::newRow("Ġthe") << "bart-bytebpe" << "Ġthe" << "the" << true;
    QTest::newRow("ll") << "bart-bytebpe" << "ll" << "ll" << false;
    QTest::newRow("é bytes") << "bart-bytebpe" << "Ã©" << "é" << false;
    QTest::newRow("stray byte") << "bart-bytebpe" << "â" << "<0xE2>" << false;
    QTest::newRow("newline") << "bart-bytebpe" << "Ċ" << "\n" << false;
    QTest::newRow("lone Ġ") << "bart-bytebpe" << "Ġ" << "Ġ" << true;
    QTest::newRow("<s>") << "bart-bytebpe" << "<s>" << "<s>" << true;
    QTest::newRow("▁the") << "t5-unigram-nfkc" << "▁the" << "the" << true;
    QTest::newRow("lone ▁") << "t5-unigram-nfkc" << "▁" << "▁" << true;
    QTest::newRow("sentinel") << "t5-unigram-nfkc" << "<extra_id_0>" << "<extra_id_0>" << true;
    QTest::newRow("byte fallback") << "marian-bpe-bytes" << "<0xE2>" << "<0xE2>" << false;
    QTest::newRow("language code") << "marian-unigram" << ">>fr<<" << ">>fr<<" << true;
}

void TestHfTokenizer::testDisplay()
{
    QFETCH(QString, name);
    QFETCH(QString, piece);
    QFETCH(QString, text);
    QFETCH(bool, wordStart);
    const Fixture &f = fixture(name.toStdString());
    QVERIFY2(f.tokenizer, f.error.c_str());
    const int id = f.tokenizer->id(piece.toStdString());
    QCOMPARE(q(f.tokenizer->piece(id)), piece);
    const auto d = f.tokenizer->display(id);
    QCOMPARE(q(d.text), text);
    QCOMPARE(d.wordStart, wordStart);
}

void TestHfTokenizer::testInvalidUtf8()
{
    for (const char *name : kNames) {
        const Fixture &f = fixture(name);
        QVERIFY2(f.tokenizer, f.error.c_str());
        const auto t = f.tokenizer->encode("ok \xC3\x28 bad");
        QVERIFY(!t.ok());
        QCOMPARE(t.error().kind, ErrorKind::BadInput);
        QCOMPARE(q(t.error().message), QString("invalid UTF-8 at byte 3"));
    }
}

void TestHfTokenizer::testLongParagraph()
{
    // 1,000 words, many of them unseen: BPE and SentencePiece stay quick.
    std::string text;
    for (int i = 0; i < 1000; ++i)
        text += (i % 7 ? "the lighthouse keeper " : "unseenwordnumber") + std::to_string(i * 7919) + " ";
    for (const char *name : kNames) {
        const Fixture &f = fixture(name);
        QVERIFY2(f.tokenizer, f.error.c_str());
        const auto t = f.tokenizer->encode(text);
        QVERIFY(t.ok());
        QVERIFY(t->ids.size() > 1000);
        QVERIFY(!f.tokenizer->decode(t->ids).empty());
    }
}

void TestHfTokenizer::testBrokenFiles_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("file");     // replaced (or removed when bytes is empty)
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");  // the error's message contains this
    QTest::newRow("no spiece.model") << "t5-bpe" << "spiece.model" << QByteArray() << "spiece.model: cannot open";
    QTest::newRow("garbage spiece.model") << "t5-bpe" << "spiece.model" << QByteArray("\x0a\xff\xff\xff\x0fgarbage", 12)
                                          << "spiece.model: not a SentencePiece model";
    QTest::newRow("text spiece.model") << "t5-bpe" << "spiece.model" << QByteArray("hello world\n")
                                       << "spiece.model: not a SentencePiece model";
    QTest::newRow("config not json") << "t5-bpe" << "tokenizer_config.json" << QByteArray("{\"eos_token\": ")
                                     << "tokenizer_config.json: not valid JSON";
    QTest::newRow("config a list") << "t5-bpe" << "tokenizer_config.json" << QByteArray("[1, 2]")
                                   << "tokenizer_config.json: expected a JSON object";
    QTest::newRow("bad added id") << "t5-bpe" << "tokenizer_config.json"
                                  << QByteArray("{\"added_tokens_decoder\": {\"-3\": {\"content\": \"x\"}}}")
                                  << "tokenizer_config.json: \"added_tokens_decoder\" has no valid token id";
    QTest::newRow("eos a number") << "t5-bpe" << "tokenizer_config.json" << QByteArray("{\"eos_token\": 7}")
                                  << "\"eos_token\" must be a string";
    QTest::newRow("extra ids disagree") << "t5-bpe" << "tokenizer_config.json"
                                        << QByteArray("{\"extra_ids\": 3, \"additional_special_tokens\": [\"<extra_id_0>\"]}")
                                        << "extra_ids (3)";
    QTest::newRow("no vocab.json") << "bart-bytebpe" << "vocab.json" << QByteArray() << "vocab.json: cannot open";
    QTest::newRow("vocab a list") << "bart-bytebpe" << "vocab.json" << QByteArray("[\"a\"]")
                                  << "vocab.json: expected a JSON object of token -> id";
    QTest::newRow("vocab negative id") << "bart-bytebpe" << "vocab.json" << QByteArray("{\"a\": -1}")
                                       << "the id of \"a\" is not a whole number";
    QTest::newRow("vocab absurd id") << "bart-bytebpe" << "vocab.json" << QByteArray("{\"a\": 99999999999}")
                                     << "the id of \"a\" is not a whole number";
    QTest::newRow("vocab float id") << "bart-bytebpe" << "vocab.json" << QByteArray("{\"a\": 1.5}")
                                    << "the id of \"a\"";
    QTest::newRow("merges not utf-8") << "bart-bytebpe" << "merges.txt" << QByteArray("#version\n\xff\xfe a\n")
                                      << "merges.txt: invalid UTF-8 at byte 9";
    QTest::newRow("merges garbage") << "bart-bytebpe" << "merges.txt" << QByteArray("#version\na b\nx y z\n")
                                    << "merges.txt: line 3 is not a merge";
    QTest::newRow("no merges.txt") << "gpt2-bytebpe" << "merges.txt" << QByteArray() << "merges.txt: cannot open";
    QTest::newRow("marian no unk") << "marian-unigram" << "vocab.json" << QByteArray("{\"</s>\": 0, \"<pad>\": 1}")
                                   << "vocab.json: has no \"<unk>\" token";
    QTest::newRow("no target.spm") << "marian-unigram" << "target.spm" << QByteArray() << "target.spm: cannot open";
}

void TestHfTokenizer::testBrokenFiles()
{
    QFETCH(QString, fixture);
    QFETCH(QString, file);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string folder = dir.path().toStdString();
    for (const auto &entry : std::filesystem::directory_iterator(kFixtures + fixture.toStdString()))
        std::filesystem::copy_file(entry.path(), folder + "/" + entry.path().filename().string());
    const std::string path = folder + "/" + file.toStdString();
    if (bytes.isEmpty())
        std::filesystem::remove(path);
    else
        writeFile(path, bytes.toStdString());
    const std::string modelType = json::parse(readFile(folder + "/config.json"))["model_type"];
    const auto loaded = loadHfTokenizer(folder, modelType);
    QVERIFY(!loaded.ok());
    QCOMPARE(loaded.error().kind, ErrorKind::BadFile);
    QVERIFY2(q(loaded.error().message).contains(message), loaded.error().message.c_str());
    QVERIFY(loaded.error().message.find('\n') == std::string::npos);
    QVERIFY(q(loaded.error().message).startsWith(q(folder)));
}

QTEST_APPLESS_MAIN(TestHfTokenizer)
#include "testhftokenizer.moc"
