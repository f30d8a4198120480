// alignscope-cli as a user runs it: init + translate --json, and the exit
// codes and one-line errors of DESIGN.md (0 ok, 2 usage, 3 bad file,
// 4 bad sentence).

#include "common/clirun.h"

#include <QtTest>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace {

using alignscope::testing::describe;
using alignscope::testing::runCli;
using alignscope::testing::writeFile;
using Outcome = alignscope::testing::CliRun;

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testTranslateJson();
    void testTranslatePlain();
    void testErrors_data();
    void testErrors();
    void testTrainSnapshots();
    void testImportTutorialVocabularies();
    void testOpenPyTorchCheckpointDirectly();
    void testCheckpointWithoutVocabulary();
    void testLegacyPairsMaxLengthFromCheckpoint();
    void testImportWithoutArch();
    void testExportCompareData();
    void testTransformerInitTranslate();
    void testTranslateIntervention();
    void testEvalHeadImportance();

private:
    QTemporaryDir m_dir;
    QString m_model;
};

void TestCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const Outcome o = alignscope::testing::initTinyModel(m_dir.path(), &m_model);
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY(o.err.isEmpty());
    QVERIFY(QFile::exists(m_model));

    // Files the error cases open.
    QVERIFY(writeFile(m_dir.filePath("garbage.safetensors"), QByteArray("this is not a safetensors file\n")));
    QVERIFY(writeFile(m_dir.filePath("empty.safetensors"), QByteArray()));
    QVERIFY(QDir(m_dir.path()).mkdir("folder.safetensors"));
}

void TestCli::testTranslateJson()
{
    const Outcome o = runCli({"translate", "--model", m_model, "--json", "The cat sat on the mat"});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY(o.err.isEmpty());
    const auto j = nlohmann::json::parse(o.out.toStdString(), nullptr, false);
    QVERIFY2(!j.is_discarded() && j.is_object(), o.out.constData());
    const auto &source = j.at("source_tokens");
    const std::vector<std::string> tokens = {"the", "cat", "sat", "on", "the", "mat", "<eos>"};
    QCOMPARE(source.get<std::vector<std::string>>(), tokens);
    QCOMPARE(j.at("scorer").get<std::string>(), std::string("additive"));
    QVERIFY(j.at("model").is_string());
    QVERIFY(j.at("translation").is_string());
    QVERIFY(j.at("target_tokens").is_array());
    const auto &steps = j.at("steps");
    QVERIFY(steps.is_array() && !steps.empty());
    for (const auto &s : steps) {
        const auto &w = s.at("weights");
        QCOMPARE(w.size(), source.size());
        double sum = 0.0;
        for (const auto &x : w) {
            QVERIFY(x.is_number());
            QVERIFY(x.get<double>() >= 0.0);
            sum += x.get<double>();
        }
        QVERIFY2(std::abs(sum - 1.0) < 1e-5, qPrintable(QString::number(sum, 'g', 10)));
        QCOMPARE(s.at("scores").size(), source.size());
        QCOMPARE(s.at("context").size(), size_t(16)); // bigru, hidden 8: [fwd; bwd]
        QVERIFY(s.at("token").is_string());
        QVERIFY(s.at("topk").is_array() && !s.at("topk").empty());
        // An RNN's attention is 1 layer x 1 head: cross_attention[0][0] is `weights`.
        QVERIFY(s.at("token_id").is_number_integer());
        QCOMPARE(s.at("cross_attention").size(), size_t(1));
        QCOMPARE(s.at("cross_attention").at(0).size(), size_t(1));
        QCOMPARE(s.at("cross_attention").at(0).at(0), w);
    }
    QCOMPARE(j.at("architecture").get<std::string>(), std::string("rnn"));
    QCOMPARE(j.at("layers").get<int>(), 1);
    QCOMPARE(j.at("heads").get<int>(), 1);
    QCOMPARE(j.at("source").at("kind").get<std::string>(), std::string("text"));
    QCOMPARE(j.at("source").at("spans").at(1), nlohmann::json::array({4, 7})); // "cat" in "The cat sat …"

    // --layer 1 --head mean|max|1 are that one row, and say so.
    for (const char *head : {"mean", "max", "1"}) {
        const Outcome h = runCli({"translate", "--model", m_model, "--json", "--layer", "1", "--head", head,
                                  "The cat sat on the mat"});
        QVERIFY2(h.code == 0, qPrintable(describe(h)));
        const auto k = nlohmann::json::parse(h.out.toStdString());
        QCOMPARE(k.at("steps"), j.at("steps"));
        QCOMPARE(k.at("selection").at("head").get<std::string>(), std::string(head));
    }
}

void TestCli::testTranslatePlain()
{
    const Outcome o = runCli({"translate", "--model", m_model, "--beam", "3", "the cat"});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY(o.err.isEmpty());
    QVERIFY(o.out.endsWith('\n'));
    QCOMPARE(o.out.count('\n'), 1);
}

void TestCli::testErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    // "@" stands for the valid model, "%" for the temporary folder.
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << 2;
    QTest::newRow("missing --model") << QStringList{"translate", "the cat"} << 2;
    QTest::newRow("bad --beam (word)") << QStringList{"translate", "--model", "@", "--beam", "wide", "the cat"} << 2;
    QTest::newRow("bad --beam (0)") << QStringList{"translate", "--model", "@", "--beam", "0", "the cat"} << 2;
    QTest::newRow("--beam without value") << QStringList{"translate", "--model", "@", "the cat", "--beam"} << 2;
    QTest::newRow("unknown option") << QStringList{"translate", "--model", "@", "--colour", "red", "the cat"} << 2;
    QTest::newRow("no sentence") << QStringList{"translate", "--model", "@"} << 2;
    QTest::newRow("missing model file") << QStringList{"translate", "--model", "%/absent.safetensors", "the cat"} << 3;
    QTest::newRow("--layer past an RNN's one") << QStringList{"translate", "--model", "@", "--layer", "2", "the cat"} << 2;
    QTest::newRow("--head past an RNN's one") << QStringList{"translate", "--model", "@", "--head", "2", "the cat"} << 2;
    QTest::newRow("--head word") << QStringList{"translate", "--model", "@", "--head", "all", "the cat"} << 2;
    QTest::newRow("--edit-attention step 0") << QStringList{"translate", "--model", "@", "--edit-attention", "0:1", "the cat"} << 2;
    QTest::newRow("--edit-attention past the source")
        << QStringList{"translate", "--model", "@", "--edit-attention", "1:9", "the cat"} << 2;
    QTest::newRow("--drop-source word") << QStringList{"translate", "--model", "@", "--drop-source", "cat", "the cat"} << 2;
    QTest::newRow("--drop-source every position")
        << QStringList{"translate", "--model", "@", "--drop-source", "0", "--drop-source", "1", "--drop-source", "2", "the cat"} << 2;
    QTest::newRow("--ablate-heads past an RNN's one")
        << QStringList{"translate", "--model", "@", "--ablate-heads", "1:2", "the cat"} << 2;
    QTest::newRow("export --layer 0") << QStringList{"export", "--model", "@", "--format", "csv", "--layer", "0", "the cat"} << 2;
    QTest::newRow("compare --head 3") << QStringList{"compare", "--models", "@", "@", "--head", "3", "the cat"} << 2;
    QTest::newRow("garbage file") << QStringList{"translate", "--model", "%/garbage.safetensors", "the cat"} << 3;
    QTest::newRow("0-byte file") << QStringList{"translate", "--model", "%/empty.safetensors", "the cat"} << 3;
    QTest::newRow("directory") << QStringList{"translate", "--model", "%/folder.safetensors", "the cat"} << 3;
    QTest::newRow("empty sentence") << QStringList{"translate", "--model", "@", ""} << 4;
    QTest::newRow("whitespace sentence") << QStringList{"translate", "--model", "@", "  \t "} << 4;
    QTest::newRow("init: missing vocabulary")
        << QStringList{"init", "--encoder", "gru", "--decoder", "luong", "--scorer", "dot", "--source-vocab",
                       "%/none.vocab", "--target-vocab", "%/none.vocab", "--out", "%/x.safetensors"}
        << 3;
    QTest::newRow("init: a scorer for a Transformer")
        << QStringList{"init", "--encoder", "transformer", "--scorer", "dot", "--source-vocab", "%/source.vocab",
                       "--target-vocab", "%/target.vocab", "--out", "%/x.safetensors"}
        << 2;
    QTest::newRow("init: heads for an RNN")
        << QStringList{"init", "--encoder", "gru", "--decoder", "luong", "--scorer", "dot", "--heads", "4",
                       "--source-vocab", "%/source.vocab", "--target-vocab", "%/target.vocab", "--out", "%/x.safetensors"}
        << 2;
    QTest::newRow("train: a decoder for a Transformer")
        << QStringList{"train", "--task", "en-fr", "--encoder", "transformer", "--decoder", "luong", "--out",
                       "%/x.safetensors"}
        << 2;
    QTest::newRow("init: unknown scorer")
        << QStringList{"init", "--encoder", "gru", "--decoder", "luong", "--scorer", "cosine", "--source-vocab",
                       "%/source.vocab", "--target-vocab", "%/target.vocab", "--out", "%/x.safetensors"}
        << 2;
    QTest::newRow("train: --snapshots without --watch")
        << QStringList{"train", "--task", "en-fr", "--epochs", "1", "--out", "%/t.safetensors", "--snapshots",
                       "%/snaps"}
        << 2;
    QTest::newRow("train: --watch without --snapshots")
        << QStringList{"train", "--task", "en-fr", "--epochs", "1", "--out", "%/t.safetensors", "--watch", "the cat"}
        << 2;
    // "$/" stands for tests/data/pytorch/.
    QTest::newRow("import: legacy checkpoint as pytorch-tutorial")
        << QStringList{"import", "--arch", "pytorch-tutorial", "--checkpoint", "$/legacy_h16.pt", "--pairs",
                       "$/eng-fra-mini.txt", "--out", "%/x.safetensors"}
        << 3;
    QTest::newRow("import: --pairs vocabulary disagrees with the embedding")
        << QStringList{"import", "--arch", "pytorch-tutorial-legacy", "--checkpoint", "$/legacy_h16.pt", "--pairs",
                       "$/eng-fra-mini.txt", "--out", "%/x.safetensors"}
        << 3;
    QTest::newRow("import: --pairs with --source-vocab")
        << QStringList{"import", "--arch", "pytorch-tutorial", "--checkpoint", "$/tutorial_pairs_h8.pt", "--pairs",
                       "$/eng-fra-mini.txt", "--source-vocab", "%/source.vocab", "--out", "%/x.safetensors"}
        << 2;
    QTest::newRow("import: --pairs for the chatbot")
        << QStringList{"import", "--arch", "pytorch-chatbot", "--checkpoint", "$/chatbot_dot_h8_l1.pt", "--pairs",
                       "$/eng-fra-mini.txt", "--out", "%/x.safetensors"}
        << 2;
    QTest::newRow("import: voc_dict smaller than the embedding")
        << QStringList{"import", "--arch", "pytorch-chatbot", "--checkpoint",
                       "$/chatbot_voc_general_h10_l2_trimmed_voc.pt", "--out", "%/x.safetensors"}
        << 3;
    QTest::newRow("train: the import-only decoder")
        << QStringList{"train", "--task", "en-fr", "--epochs", "1", "--decoder", "tutorial-legacy", "--out",
                       "%/t.safetensors"}
        << 2;
    QTest::newRow("translate: a checkpoint without vocabulary")
        << QStringList{"translate", "--model", "$/tutorial_h7.pt", "the cat"} << 3;
    QTest::newRow("translate: a lone decoder state_dict")
        << QStringList{"translate", "--model", "$/tutorial_h7_decoder.pt", "the cat"} << 3;
    QTest::newRow("inspect: a lone encoder state_dict") << QStringList{"inspect", "$/tutorial_h7_encoder.pt"} << 3;
    QTest::newRow("train: unknown snapshot format")
        << QStringList{"train", "--task", "en-fr", "--epochs", "1", "--out", "%/t.safetensors", "--watch", "the cat",
                       "--snapshots", "%/snaps", "--snapshot-format", "gif"}
        << 2;
}

void TestCli::testErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    for (QString &a : args) {
        if (a == "@")
            a = m_model;
        else if (a.startsWith("%/"))
            a = m_dir.filePath(a.mid(2));
        else if (a.startsWith("$/"))
            a = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/pytorch/") + a.mid(2);
    }
    const Outcome o = runCli(args);
    QVERIFY2(o.code == code, qPrintable(describe(o)));
    // Exactly one line on stderr, prefixed with the program's name.
    QVERIFY2(o.err.startsWith("alignscope-cli: "), qPrintable(describe(o)));
    QVERIFY2(o.err.endsWith('\n') && o.err.count('\n') == 1, qPrintable(describe(o)));
    QVERIFY2(o.err.size() > int(sizeof("alignscope-cli: ")), qPrintable(describe(o)));
    QVERIFY2(o.out.isEmpty(), qPrintable(describe(o)));
}

void TestCli::testTrainSnapshots()
{
    // A tiny EN->FR run: one trace of the watched sentence per epoch.
    const QString snaps = m_dir.filePath("snapshots");
    const Outcome o = runCli({"train", "--task", "en-fr", "--train-size", "100", "--dev-size", "10", "--test-size",
                              "5", "--epochs", "2", "--hidden", "8", "--embedding", "8", "--eval-sentences", "5",
                              "--out", m_dir.filePath("watched.safetensors"), "--watch", "The cat sat on the mat",
                              "--snapshots", snaps});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QCOMPARE(QDir(snaps).entryList(QDir::Files, QDir::Name), QStringList({"epoch-001.json", "epoch-002.json"}));
    const std::vector<std::string> tokens = {"the", "cat", "sat", "on", "the", "mat", "<eos>"};
    for (const QString &name : {QString("epoch-001.json"), QString("epoch-002.json")}) {
        QFile f(QDir(snaps).filePath(name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto j = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
        QVERIFY2(!j.is_discarded() && j.is_object(), qPrintable(name));
        QCOMPARE(j.at("source_tokens").get<std::vector<std::string>>(), tokens);
        const auto &steps = j.at("steps");
        QVERIFY(steps.is_array() && !steps.empty());
        for (const auto &step : steps)
            QCOMPARE(step.at("weights").size(), tokens.size());
    }
}

void TestCli::testImportTutorialVocabularies()
{
    // --pairs: the translation tutorial's vocabularies from eng-fra.txt, and its normalizeString on typed text.
    const QString data = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/pytorch/");
    const QString out = m_dir.filePath("pairs.safetensors");
    Outcome o = runCli({"import", "--arch", "pytorch-tutorial", "--checkpoint", data + "tutorial_pairs_h8.pt",
                        "--pairs", data + "eng-fra-mini.txt", "--out", out});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    o = runCli({"translate", "--model", out, "--json", "  Tu es en retard !"});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    const auto j = nlohmann::json::parse(o.out.toStdString(), nullptr, false);
    QCOMPARE(j.at("source_tokens").get<std::vector<std::string>>(),
             (std::vector<std::string>{"tu", "es", "en", "retard", "!", "EOS"}));
    // The chatbot's full checkpoint brings its own vocabulary (voc_dict).
    o = runCli({"import", "--arch", "pytorch-chatbot", "--checkpoint", data + "chatbot_voc_general_h10_l2.pt", "--out",
                m_dir.filePath("voc.safetensors")});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    o = runCli({"translate", "--model", m_dir.filePath("voc.safetensors"), "--json", "Where is the CAFÉ?"});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    const auto k = nlohmann::json::parse(o.out.toStdString(), nullptr, false);
    QCOMPARE(k.at("source_tokens").get<std::vector<std::string>>(),
             (std::vector<std::string>{"where", "is", "the", "cafe", "?", "EOS"}));
}

namespace {

nlohmann::json traceWithoutName(const Outcome &o)
{
    auto j = nlohmann::json::parse(o.out.toStdString(), nullptr, false);
    if (j.is_object())
        j.erase("model");
    return j;
}

} // namespace

// --model FILE.pt without `import`: the same trace as the model import
// writes, vocabulary from voc_dict or from STEM.source-vocab.json +
// STEM.target-vocab.json beside the checkpoint.
void TestCli::testOpenPyTorchCheckpointDirectly()
{
    const QString data = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/pytorch/");
    const QString sentence = QStringLiteral("Where is the CAFÉ?");
    Outcome direct = runCli({"translate", "--model", data + "chatbot_voc_general_h10_l2.pt", "--json", sentence});
    QVERIFY2(direct.code == 0, qPrintable(describe(direct)));
    Outcome imported = runCli({"translate", "--model", data + "chatbot_voc_general_h10_l2_exported.safetensors",
                               "--json", sentence});
    QVERIFY2(imported.code == 0, qPrintable(describe(imported)));
    QCOMPARE(traceWithoutName(direct), traceWithoutName(imported));

    // The 2023+ tutorial has no voc_dict: sidecar files named after the checkpoint.
    const QString checkpoint = m_dir.filePath("tutorial.pt");
    QVERIFY(QFile::copy(data + "tutorial_h16.pt", checkpoint));
    const QByteArray source = R"(["SOS", "EOS", "je", "suis", "tu", "es", "il", "est", "au", "cafe", "en", "retard"])";
    const QByteArray target = R"(["SOS", "EOS", "i", "am", "you", "are", "he", "is", "at", "late", "cafe"])";
    QVERIFY(writeFile(m_dir.filePath("tutorial.source-vocab.json"), source));
    QVERIFY(writeFile(m_dir.filePath("tutorial.target-vocab.json"), target));
    const QString french = QStringLiteral("Il est au CAFÉ");
    direct = runCli({"translate", "--model", checkpoint, "--json", french});
    QVERIFY2(direct.code == 0, qPrintable(describe(direct)));
    const QString out = m_dir.filePath("tutorial-imported.safetensors");
    imported = runCli({"import", "--arch", "pytorch-tutorial", "--checkpoint", checkpoint, "--source-vocab",
                       m_dir.filePath("tutorial.source-vocab.json"), "--target-vocab",
                       m_dir.filePath("tutorial.target-vocab.json"), "--out", out});
    QVERIFY2(imported.code == 0, qPrintable(describe(imported)));
    imported = runCli({"translate", "--model", out, "--json", french});
    QCOMPARE(traceWithoutName(direct), traceWithoutName(imported));
    QCOMPARE(traceWithoutName(direct).at("source_tokens").get<std::vector<std::string>>(),
             (std::vector<std::string>{"il", "est", "au", "cafe", "EOS"}));

    // The other commands taking a model read checkpoints the same way.
    Outcome o = runCli({"inspect", checkpoint});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY2(o.out.contains("encoder.embedding.weight float32 [12, 16]"), qPrintable(describe(o)));
    o = runCli({"compare", "--models", checkpoint, out, "--json", french});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    o = runCli({"export", "--model", checkpoint, "--format", "json", french});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QCOMPARE(traceWithoutName(o).at("steps"), traceWithoutName(direct).at("steps"));
}

// No voc_dict and no sidecars: one line naming both files to add, or `import`.
void TestCli::testCheckpointWithoutVocabulary()
{
    const QString data = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/pytorch/");
    const QString checkpoint = m_dir.filePath("novocab.pt");
    QVERIFY(QFile::copy(data + "tutorial_h7.pt", checkpoint));
    Outcome o = runCli({"translate", "--model", checkpoint, "the cat"});
    QCOMPARE(o.code, 3);
    QVERIFY2(o.err.count('\n') == 1, qPrintable(describe(o)));
    for (const QString &part : {m_dir.filePath("novocab.source-vocab.json"), m_dir.filePath("novocab.target-vocab.json"),
                                QStringLiteral("alignscope-cli import --arch pytorch-tutorial --checkpoint")})
        QVERIFY2(o.err.contains(part.toUtf8()), qPrintable(describe(o)));
    // Only one of the two files: the message says which one it found.
    QVERIFY(writeFile(m_dir.filePath("novocab.source-vocab.json"), R"(["SOS", "EOS"])"));
    o = runCli({"translate", "--model", checkpoint, "the cat"});
    QCOMPARE(o.code, 3);
    QVERIFY2(o.err.contains("but not the target file"), qPrintable(describe(o)));
    // A lone decoder names the import that joins it with its encoder.
    o = runCli({"translate", "--model", data + "tutorial_h7_decoder.pt", "the cat"});
    QCOMPARE(o.code, 3);
    QVERIFY2(o.err.contains("lone decoder") && o.err.contains("--encoder ENCODER.pt --decoder"), qPrintable(describe(o)));
}

// --pairs for the pre-2023 tutorial filters with the decoder's own MAX_LENGTH
// (13 slots here) unless --max-length says otherwise. The mini pairs file
// keeps a pair of 10-12 words only at 13, which the vocabulary sizes in the
// (expected) size error show.
void TestCli::testLegacyPairsMaxLengthFromCheckpoint()
{
    const QString data = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/pytorch/");
    const QStringList base{"import", "--arch", "pytorch-tutorial-legacy", "--encoder",
                           data + "legacy_h7_len13_encoder.pt", "--decoder", data + "legacy_h7_len13_decoder.pt",
                           "--pairs", data + "eng-fra-mini.txt", "--out", m_dir.filePath("len13.safetensors")};
    const Outcome byDefault = runCli(base);
    const Outcome thirteen = runCli(base + QStringList{"--max-length", "13"});
    const Outcome ten = runCli(base + QStringList{"--max-length", "10"});
    for (const Outcome *o : {&byDefault, &thirteen, &ten})
        QVERIFY2(o->code == 3 && o->err.contains("vocabulary has"), qPrintable(describe(*o)));
    QCOMPARE(byDefault.err, thirteen.err);
    QVERIFY(byDefault.err != ten.err);
}

// Without --arch, import tells the tutorial from the decoder's keys: the
// same model as with --arch for all three tutorials; a file that is none
// of them is refused with a pointer to --arch.
void TestCli::testImportWithoutArch()
{
    const QString data = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/pytorch/");
    // The pre-2023 fixture's vocabularies, as the JSON files import takes.
    std::ifstream fixture((data + "legacy_h16.json").toStdString());
    const auto legacy = nlohmann::json::parse(fixture);
    const QString sourceVocab = m_dir.filePath("legacy-source.json"), targetVocab = m_dir.filePath("legacy-target.json");
    std::ofstream(sourceVocab.toStdString()) << legacy.at("source_vocab").dump();
    std::ofstream(targetVocab.toStdString()) << legacy.at("target_vocab").dump();
    struct Case {
        QString arch;
        QStringList files;
        QString sentence;
    };
    const std::vector<Case> cases = {
        {"pytorch-tutorial", {"--checkpoint", data + "tutorial_pairs_h8.pt", "--pairs", data + "eng-fra-mini.txt"},
         "tu es en retard"},
        {"pytorch-tutorial-legacy",
         {"--checkpoint", data + "legacy_h16.pt", "--source-vocab", sourceVocab, "--target-vocab", targetVocab},
         QString()}, // its words (w0, w1, ...) hold digits, which the tutorial's normalizeString drops
        {"pytorch-chatbot", {"--checkpoint", data + "chatbot_voc_general_h10_l2.pt"}, "where is the cafe"},
    };
    for (const Case &c : cases) {
        const QString named = m_dir.filePath("named.safetensors"), detected = m_dir.filePath("detected.safetensors");
        const Outcome withArch = runCli(QStringList{"import", "--arch", c.arch} + c.files + QStringList{"--out", named});
        const Outcome without = runCli(QStringList{"import"} + c.files + QStringList{"--out", detected});
        QVERIFY2(withArch.code == 0, qPrintable(describe(withArch)));
        QVERIFY2(without.code == 0, qPrintable(describe(without)));
        QCOMPARE(QString(without.out).replace(detected, named), withArch.out);
        const Outcome shownA = runCli({"inspect", named}), shownB = runCli({"inspect", detected});
        QVERIFY2(shownA.code == 0, qPrintable(describe(shownA)));
        QCOMPARE(QString(shownB.out).replace(detected, named), shownA.out);
        if (c.sentence.isEmpty())
            continue;
        const Outcome a = runCli({"translate", "--model", named, "--json", c.sentence});
        const Outcome b = runCli({"translate", "--model", detected, "--json", c.sentence});
        QVERIFY2(a.code == 0, qPrintable(describe(a)));
        QCOMPARE(traceWithoutName(b), traceWithoutName(a));
    }
    // A file that is none of them: exit 3, one line, --arch named.
    const QString never = m_dir.filePath("never.safetensors");
    Outcome o = runCli({"import", "--checkpoint", data + "malformed/evil_global.pt", "--out", never});
    QVERIFY2(o.code == 3 && o.err.count('\n') == 1, qPrintable(describe(o)));
    o = runCli({"import", "--checkpoint", data + "malformed/legacy_decoder.pt", "--out", never});
    QVERIFY2(o.code == 3 && o.err.contains("--arch") && o.err.count('\n') == 1, qPrintable(describe(o)));
    // An encoder alone: import it with its decoder.
    o = runCli({"import", "--checkpoint", data + "tutorial_h16_encoder.pt", "--out", never});
    QVERIFY2(o.code == 3 && o.err.contains("--encoder") && o.err.count('\n') == 1, qPrintable(describe(o)));
    // A model AlignScope wrote needs no import, with or without --arch.
    for (const QStringList &arch : {QStringList{}, QStringList{"--arch", "pytorch-chatbot"}}) {
        o = runCli(QStringList{"import"} + arch +
                   QStringList{"--checkpoint", m_dir.filePath("named.safetensors"), "--out", never});
        QVERIFY2(o.code == 3 && o.err.contains("already an AlignScope model") && o.err.count('\n') == 1,
                 qPrintable(describe(o)));
    }
    QVERIFY(!QFileInfo::exists(never));
}

// `export --view compare` as data: one JSON array holding each model's trace
// (the same trace `export --format json` writes for that model alone), and
// one file per model for the line formats.
void TestCli::testExportCompareData()
{
    const QString sentence = QStringLiteral("the cat sat on the mat");
    Outcome o = runCli({"export", "--view", "compare", "--format", "json", "--models", "additive", "dot", sentence});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    const auto all = nlohmann::json::parse(o.out.toStdString(), nullptr, false);
    QVERIFY(all.is_array());
    QCOMPARE(all.size(), std::size_t(2));
    for (const auto &[index, name] : {std::pair{0, "additive"}, std::pair{1, "dot"}}) {
        QCOMPARE(all[index].at("model").get<std::string>(), std::string(name));
        const Outcome alone = runCli({"export", "--model", name, "--format", "json", sentence});
        QVERIFY2(alone.code == 0, qPrintable(describe(alone)));
        QCOMPARE(all[index].at("trace"), nlohmann::json::parse(alone.out.toStdString()));
    }

    const QString csv = m_dir.filePath("cat.csv");
    o = runCli({"export", "--view", "compare", "--format", "csv", "--out", csv, "--models", "additive", m_model, sentence});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY(!QFile::exists(csv));
    for (const QString &name : {QStringLiteral("cat.additive.csv"), QStringLiteral("cat.model.csv")}) {
        QFile f(m_dir.filePath(name));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(name));
        QVERIFY(f.readLine().startsWith(","));
    }
    o = runCli({"export", "--view", "compare", "--format", "pharaoh", "--models", "additive", "dot", sentence});
    QCOMPARE(o.code, 2);
    QVERIFY2(o.err.contains("one file per model"), qPrintable(describe(o)));
    o = runCli({"export", "--view", "lines", "--format", "csv", "--model", "additive", sentence});
    QCOMPARE(o.code, 2);
}

// `init --encoder transformer` writes a model that translate, inspect and
// export open; the trace holds every layer's and head's cross-attention.
void TestCli::testTransformerInitTranslate()
{
    const QString model = m_dir.filePath("transformer.safetensors");
    const Outcome made = runCli({"init", "--encoder", "transformer", "--layers", "2", "--heads", "4", "--d-model", "16",
                                 "--positions", "relative", "--norm-kind", "rms", "--activation", "gelu-tanh",
                                 "--gated-ffn", "--source-vocab", m_dir.filePath("source.vocab"), "--target-vocab",
                                 m_dir.filePath("target.vocab"), "--out", model});
    QVERIFY2(made.code == 0, qPrintable(describe(made)));
    const Outcome shown = runCli({"inspect", model});
    QVERIFY2(shown.code == 0, qPrintable(describe(shown)));
    QVERIFY(shown.out.contains("architecture: transformer"));
    QVERIFY(shown.out.contains("cross-attention: 2 layer(s) x 4 head(s)"));
    const Outcome o = runCli({"translate", "--model", model, "--json", "--layer", "1", "--head", "3", "the cat sat"});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    const auto j = nlohmann::json::parse(o.out.toStdString());
    QCOMPARE(j.at("architecture").get<std::string>(), std::string("transformer"));
    QCOMPARE(j.at("layers").get<int>(), 2);
    QCOMPARE(j.at("heads").get<int>(), 4);
    for (const auto &step : j.at("steps")) {
        QCOMPARE(step.at("cross_attention").size(), size_t(2));
        QCOMPARE(step.at("cross_attention").at(0).size(), size_t(4));
        QCOMPARE(step.at("weights"), step.at("cross_attention").at(0).at(2)); // layer 1, head 3
        QVERIFY(step.contains("self_attention"));
    }
    QCOMPARE(runCli({"translate", "--model", model, "--head", "5", "the cat"}).code, 2);
    const Outcome odd = runCli({"init", "--encoder", "transformer", "--heads", "3", "--d-model", "16", "--source-vocab",
                                m_dir.filePath("source.vocab"), "--target-vocab", m_dir.filePath("target.vocab"),
                                "--out", m_dir.filePath("odd.safetensors")});
    QCOMPARE(odd.code, 2);
    QVERIFY2(odd.err.contains("divisible"), odd.err.constData());
    QVERIFY(!QFile::exists(m_dir.filePath("odd.safetensors")));
}

// The bundled Transformer with one edit and one ablated head: the JSON
// marks the edited step and records the intervention; the translation moves.
void TestCli::testTranslateIntervention()
{
    const Outcome own = runCli({"translate", "--model", "transformer", "The cat sat on the mat"});
    QVERIFY2(own.code == 0, qPrintable(describe(own)));
    const Outcome o = runCli({"translate", "--model", "transformer", "--json", "--edit-attention", "2:0",
                              "--ablate-heads", "2:*", "--drop-source", "5", "The cat sat on the mat"});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    const auto j = nlohmann::json::parse(o.out.toStdString());
    QCOMPARE(j["steps"][0]["edited"].get<bool>(), true); // the drop reshapes every step
    QCOMPARE(j["steps"][1]["edited"].get<bool>(), true);
    // Every head of every layer on position 0, with the row's whole mass (its softmax's float sum: 1 within rounding).
    QVERIFY(std::abs(j["steps"][1]["cross_attention"][0][0][0].get<double>() - 1.0) < 1e-6);
    QCOMPARE(j["steps"][1]["cross_attention"][0][0][1].get<double>(), 0.0);
    QCOMPARE(j["intervention"]["edits"][0]["step"].get<int>(), 2);
    QCOMPARE(j["intervention"]["dropped_source"][0].get<int>(), 5);
    QCOMPARE(j["intervention"]["ablated_heads"][0].get<std::string>(), std::string("2:*"));
    QVERIFY(QByteArray::fromStdString(j["translation"].get<std::string>()) + "\n" != own.out);
}

// eval --head-importance --json: a layers × heads grid of log-P falls
// beside the per-head AER; a whole layer off costs more than its least head.
void TestCli::testEvalHeadImportance()
{
    const Outcome o = runCli({"eval", "--model", "transformer", "--task", "en-fr", "--limit", "5", "--per-head",
                              "--head-importance", "--json"});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    const auto j = nlohmann::json::parse(o.out.toStdString());
    const auto &h = j.at("head_importance");
    QCOMPARE(h.at("sentences").get<int>(), 5);
    QCOMPARE(h.at("drop").size(), j.at("per_head").at("aer").size());
    QCOMPARE(h.at("drop").at(0).size(), size_t(h.at("heads").get<int>()));
    double least = 1e9;
    for (const auto &v : h.at("drop").at(0))
        least = std::min(least, v.get<double>());
    QVERIFY(h.at("layer_drop").at(0).get<double>() > least);
    QVERIFY(h.at("most_important").at("layer").get<int>() >= 1);
}

QTEST_APPLESS_MAIN(TestCli)
#include "testcli.moc"
