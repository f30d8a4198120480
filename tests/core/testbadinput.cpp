// The bad-input matrix of issue #10: careless sentences and hostile or
// damaged files each give one clear line (and the right exit code or error
// kind), never a crash. Cases covered elsewhere are not repeated here:
// config/tensor shape mismatches (testmodelfile), corpus lines with control
// characters or invalid UTF-8 (testcorpus), malformed safetensors headers
// (testsafetensors), tokenizer UTF-8 errors (testtokenizer).

#include "common/clirun.h"
#include "alignscope/decode.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/safetensors.h"

#include <QtTest>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <cstring>
#include <limits>

using namespace alignscope;

namespace {

using alignscope::testing::describe;
using alignscope::testing::runCli;
using alignscope::testing::writeFile;
using Outcome = alignscope::testing::CliRun;

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

Vocabulary vocab(const std::vector<std::string> &tokens)
{
    return Vocabulary::fromTokens(tokens, "test").value();
}

/// A small untrained model: it may never emit <eos>, so decoding runs to the length guard.
RnnModel tinyModel()
{
    ModelConfig c;
    const auto e = parseEncoderKind("bigru").value();
    c.encoder.cell = e.cell;
    c.encoder.bidirectional = e.bidirectional;
    c.encoder.embedding = 8;
    c.encoder.hidden = 8;
    c.decoder.cell = e.cell;
    c.decoder.embedding = 8;
    c.decoder.hidden = c.encoder.stateSize();
    c.decoder.kind = DecoderKind::Bahdanau;
    c.attention.scorer = ScorerKind::Additive;
    c.attention.dimension = 8;
    return RnnModel::initialise(c, vocab({"<pad>", "<sos>", "<eos>", "<unk>", "the", "cat", "sat", "on", "mat"}),
                             vocab({"<pad>", "<sos>", "<eos>", "<unk>", "le", "chat", "est", "assis", "sur", "tapis"}),
                             3u);
}

/// Overwrites element `index` of tensor `name` in a saved F32 file with `value`.
bool poke(const std::string &path, const std::string &name, std::size_t index, float value)
{
    auto file = SafetensorsFile::open(path);
    if (!file || !file->find(name))
        return false;
    const std::uint64_t begin = file->find(name)->begin;
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadWrite))
        return false;
    std::uint64_t headerLength = 0;
    if (f.read(reinterpret_cast<char *>(&headerLength), 8) != 8) // little-endian host
        return false;
    char bytes[4];
    std::memcpy(bytes, &value, 4);
    return f.seek(qint64(8 + headerLength + begin + 4 * index)) && f.write(bytes, 4) == 4;
}

} // namespace

class TestBadInput : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testCliErrors_data();
    void testCliErrors();
    void testCliDecodes_data();
    void testCliDecodes();
    void testInvalidUtf8Sentence();
    void testNonFiniteWeights_data();
    void testNonFiniteWeights();
    void testLongSentence();
    void testSaveWhereNothingCanBeWritten();
    void testStrayTempFileAfterKilledWrite();

private:
    QTemporaryDir m_dir;
    QString m_model;
};

void TestBadInput::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_model = m_dir.filePath("model.safetensors");
    QVERIFY(tinyModel().save(m_model.toStdString()).ok());
    QVERIFY(writeFile(m_dir.filePath("empty.safetensors"), QByteArray()));
    QVERIFY(QDir(m_dir.path()).mkdir("folder.safetensors"));
}

void TestBadInput::testCliErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message"); // the whole stderr line; "%" is the temporary folder
    // "@" stands for the valid model, "%" for the temporary folder.
    QTest::newRow("empty sentence") << QStringList{"translate", "--model", "@", ""} << 4
                                    << "the sentence is empty: type at least one word";
    QTest::newRow("only whitespace") << QStringList{"translate", "--model", "@", " \t  \n"} << 4
                                     << "the sentence is empty: type at least one word";
    QTest::newRow("only control characters") << QStringList{"translate", "--model", "@", "\x01\x02\x1b"} << 4
                                             << "the sentence is empty: type at least one word";
    QTest::newRow("0-byte model file") << QStringList{"translate", "--model", "%/empty.safetensors", "the cat"} << 3
                                       << "%/empty.safetensors: file is empty (0 bytes); not a safetensors file";
    QTest::newRow("directory as model")
        << QStringList{"translate", "--model", "%/folder.safetensors", "the cat"} << 3
        << "%/folder.safetensors: is a folder without config.json, not a Hugging Face model folder; choose a model "
           "file (.safetensors, .pt) or a folder with config.json";
}

void TestBadInput::testCliErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, message);
    for (QString &a : args) {
        if (a == "@")
            a = m_model;
        else if (a.startsWith("%/"))
            a = m_dir.filePath(a.mid(2));
    }
    const Outcome o = runCli(args);
    QVERIFY2(o.code == code, qPrintable(describe(o)));
    QCOMPARE(QString::fromUtf8(o.err), "alignscope-cli: " + message.replace("%", m_dir.path()) + "\n");
    QVERIFY2(o.out.isEmpty(), qPrintable(describe(o)));
}

void TestBadInput::testCliDecodes_data()
{
    QTest::addColumn<QString>("sentence");
    QTest::addColumn<QStringList>("sourceTokens"); // without the <eos> the encoder appends
    QTest::addColumn<QList<int>>("oov");
    QTest::newRow("only punctuation") << "?!..." << QStringList{"?", "!", ".", ".", "."} << QList<int>{0, 1, 2, 3, 4};
    QTest::newRow("every word out of vocabulary") << "xyzzy plugh" << QStringList{"xyzzy", "plugh"}
                                                  << QList<int>{0, 1};
    QTest::newRow("control characters between words") << "the\x01" "cat\x7f\x1bsat" << QStringList{"the", "cat", "sat"}
                                                      << QList<int>{};
}

// Odd but valid sentences decode: unknown tokens become <unk> (and are
// reported as OOV positions), control characters separate words.
void TestBadInput::testCliDecodes()
{
    QFETCH(QString, sentence);
    QFETCH(QStringList, sourceTokens);
    QFETCH(QList<int>, oov);
    const Outcome o = runCli({"translate", "--model", m_model, "--json", sentence});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY(o.err.isEmpty());
    const auto j = nlohmann::json::parse(o.out.toStdString(), nullptr, false);
    QVERIFY2(j.is_object(), o.out.constData());
    QStringList tokens;
    for (const auto &t : j.at("source_tokens"))
        tokens << QString::fromStdString(t.get<std::string>());
    QCOMPARE(tokens, sourceTokens + QStringList{"<eos>"});
    QList<int> positions;
    for (const auto &p : j.at("oov_positions"))
        positions << p.get<int>();
    QCOMPARE(positions, oov);
    QVERIFY(!j.at("steps").empty());
}

void TestBadInput::testInvalidUtf8Sentence()
{
    const RnnModel m = tinyModel();
    const auto trace = translate(m, "the \xff cat", {});
    QVERIFY(!trace.ok());
    QCOMPARE(trace.error().kind, ErrorKind::BadInput);
    QCOMPARE(trace.error().message, std::string("the sentence is not valid text: invalid UTF-8 at byte 4"));
}

void TestBadInput::testNonFiniteWeights_data()
{
    QTest::addColumn<float>("value");
    QTest::addColumn<QString>("what");
    QTest::newRow("NaN") << std::numeric_limits<float>::quiet_NaN() << "NaN";
    QTest::newRow("+Inf") << std::numeric_limits<float>::infinity() << "+Inf";
    QTest::newRow("-Inf") << -std::numeric_limits<float>::infinity() << "-Inf";
}

// Weights that are not finite are refused at load, naming the tensor, and
// the CLI exits with 3 (bad file) before decoding anything.
void TestBadInput::testNonFiniteWeights()
{
    QFETCH(float, value);
    QFETCH(QString, what);
    QTemporaryDir dir;
    const std::string path = dir.filePath("diverged.safetensors").toStdString();
    QVERIFY(tinyModel().save(path).ok());
    QVERIFY(poke(path, "decoder.out.bias", 2, value));
    const std::string expected = path + ": tensor \"decoder.out.bias\": value at flat index 2 is " + what.toStdString()
        + "; the weights are corrupt (did training diverge?)";
    const auto loaded = RnnModel::load(path);
    QVERIFY(!loaded.ok());
    QCOMPARE(loaded.error().kind, ErrorKind::BadFile);
    QCOMPARE(loaded.error().message, expected);
    const Outcome o = runCli({"translate", "--model", QString::fromStdString(path), "the cat"});
    QVERIFY2(o.code == 3, qPrintable(describe(o)));
    QCOMPARE(o.err.toStdString(), "alignscope-cli: " + expected + "\n");
}

// 10,000 tokens through the CLI: the length guard (2n + 10, at most 1000
// steps) keeps time and memory bounded even for a model that never emits <eos>.
void TestBadInput::testLongSentence()
{
    QStringList words;
    const QStringList cycle{"the", "cat", "sat", "on", "mat"};
    for (int i = 0; i < 10000; ++i)
        words << cycle[i % cycle.size()];
    QElapsedTimer timer;
    timer.start();
    const Outcome o = runCli({"translate", "--model", m_model, words.join(' ')}, 300000);
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY(o.err.isEmpty());
    QVERIFY(o.out.endsWith('\n'));
    const int outputTokens = int(o.out.trimmed().split(' ').size());
    QVERIFY2(outputTokens >= 1 && outputTokens <= 1000, qPrintable(QString::number(outputTokens)));
    qInfo("10,000-token sentence: %d output tokens in %lld ms", outputTokens, timer.elapsed());
}

// Tests run as root, for whom chmod'ed folders stay writable; /proc refuses
// new files to everyone. /proc/version plays the previous file: it must be
// unchanged after the failed save.
void TestBadInput::testSaveWhereNothingCanBeWritten()
{
    const QByteArray before = readFile("/proc/version");
    QVERIFY(!before.isEmpty());
    const auto saved = tinyModel().save("/proc/version");
    QVERIFY(!saved.ok());
    QCOMPARE(saved.error().kind, ErrorKind::Internal);
    QCOMPARE(saved.error().message,
             std::string("/proc/version: cannot save: cannot create a temporary file in /proc: No such file or directory"));
    QCOMPARE(readFile("/proc/version"), before);
}

// A save killed between creating its temporary file and the rename leaves
// "<name>.tmp-XXXXXX" beside the checkpoint: loading must still read the
// previous checkpoint, and the next save must succeed beside the stray file.
void TestBadInput::testStrayTempFileAfterKilledWrite()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("run.ckpt");
    const RnnModel m = tinyModel();
    QVERIFY(m.save(path.toStdString()).ok());
    const QByteArray previous = readFile(path);
    const QString stray = path + ".tmp-k1ll3d";
    QVERIFY(writeFile(stray, previous.left(previous.size() / 2)));

    auto loaded = RnnModel::load(path.toStdString());
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
    QCOMPARE(loaded->parameters().size(), m.parameters().size());
    for (const auto &[name, value] : m.parameters())
        QVERIFY2(loaded->parameters().at(name) == value, name.c_str());

    QVERIFY(m.save(path.toStdString()).ok());
    QCOMPARE(readFile(path), previous);
    QVERIFY(QFile::exists(stray)); // not ours to delete: another process may own it
    const auto strayLoad = RnnModel::load(stray.toStdString());
    QVERIFY(!strayLoad.ok());
    QCOMPARE(strayLoad.error().kind, ErrorKind::BadFile);
}

QTEST_APPLESS_MAIN(TestBadInput)
#include "testbadinput.moc"
