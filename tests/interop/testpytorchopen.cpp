// Opening PyTorch checkpoints as models without `import` (RnnModel::load ->
// openPyTorchModel): what a file holds is told from its keys, vocabularies
// come from voc_dict or from STEM.source-vocab.json + STEM.target-vocab.json,
// and the model equals the one `import` builds from the same inputs.

#include "alignscope/rnnmodel.h"
#include "alignscope/pytorch.h"
#include "alignscope/safetensors.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <QFile>
#include <QTemporaryDir>

#include <fstream>
#include <optional>
#include <string>

using namespace alignscope;

namespace {

std::string dataDir() { return std::string(ALIGNSCOPE_TEST_DATA_DIR) + "/pytorch/"; }

const std::vector<std::string> kSource = {"SOS", "EOS", "je", "suis", "tu", "es", "il", "est", "au", "cafe", "en", "retard"};
const std::vector<std::string> kTarget = {"SOS", "EOS", "i", "am", "you", "are", "he", "is", "at", "late", "cafe"};

void writeJsonArray(const std::string &path, const std::vector<std::string> &tokens)
{
    std::ofstream out(path);
    out << "[";
    for (size_t i = 0; i < tokens.size(); ++i)
        out << (i ? ", " : "") << '"' << tokens[i] << '"';
    out << "]";
}

/// Same config, vocabularies and parameters (the name follows the file).
void compareModels(const RnnModel &a, const RnnModel &b)
{
    QCOMPARE(configToJson(a.config()), configToJson(b.config()));
    QCOMPARE(a.sourceVocab().tokens(), b.sourceVocab().tokens());
    QCOMPARE(a.targetVocab().tokens(), b.targetVocab().tokens());
    QCOMPARE(a.parameters().size(), b.parameters().size());
    for (const auto &[name, m] : a.parameters()) {
        const auto it = b.parameters().find(name);
        QVERIFY2(it != b.parameters().end(), name.c_str());
        QVERIFY2(m == it->second, name.c_str());
    }
}

} // namespace

class TestPyTorchOpen : public QObject {
    Q_OBJECT

private slots:
    void testDetectContents_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("modules");
        QTest::addColumn<int>("architecture"); // -1: unknown
        using M = PyTorchContents::Modules;
        const int tutorial = int(PyTorchArchitecture::Tutorial), legacy = int(PyTorchArchitecture::TutorialLegacy),
                  chatbot = int(PyTorchArchitecture::Chatbot);
        QTest::newRow("2023+ tutorial, one file") << "tutorial_h16.pt" << int(M::Both) << tutorial;
        QTest::newRow("pre-2023 tutorial, one file") << "legacy_h16.pt" << int(M::Both) << legacy;
        QTest::newRow("chatbot en/de") << "chatbot_dot_h8_l1.pt" << int(M::Both) << chatbot;
        QTest::newRow("chatbot with voc_dict") << "chatbot_voc_general_h10_l2.pt" << int(M::Both) << chatbot;
        QTest::newRow("lone 2023+ decoder") << "tutorial_h16_decoder.pt" << int(M::DecoderOnly) << tutorial;
        QTest::newRow("lone legacy decoder") << "legacy_h7_len13_decoder.pt" << int(M::DecoderOnly) << legacy;
        QTest::newRow("lone encoder") << "tutorial_h16_encoder.pt" << int(M::EncoderOnly) << -1;
        QTest::newRow("lone encoder, safetensors") << "tutorial_h16_encoder.safetensors" << int(M::EncoderOnly) << -1;
    }

    void testDetectContents()
    {
        QFETCH(QString, file);
        QFETCH(int, modules);
        QFETCH(int, architecture);
        auto f = PyTorchCheckpoint::open(dataDir() + file.toStdString());
        QVERIFY2(f, f ? "" : f.error().message.c_str());
        const PyTorchContents c = detectPyTorchContents(f.value());
        QCOMPARE(int(c.modules), modules);
        QCOMPARE(c.architecture ? int(*c.architecture) : -1, architecture);
    }

    void testLegacySlotCount()
    {
        for (const auto &[file, count] : {std::pair{"legacy_h16.pt", std::optional<int>(10)},
                                          std::pair{"legacy_h7_len13_decoder.pt", std::optional<int>(13)},
                                          std::pair{"tutorial_h16.pt", std::optional<int>()}}) {
            auto f = PyTorchCheckpoint::open(dataDir() + file);
            QVERIFY(f);
            QCOMPARE(legacySlotCount(f.value()), count);
        }
    }

    void testSidecarPaths()
    {
        const auto [source, target] = sidecarVocabularyPaths("/models/run 3/checkpoint.pt");
        QCOMPARE(source, std::string("/models/run 3/checkpoint.source-vocab.json"));
        QCOMPARE(target, std::string("/models/run 3/checkpoint.target-vocab.json"));
    }

    // The chatbot's own checkpoint: voc_dict gives the vocabulary; the model is
    // the one tools/export_pytorch.py and `import` write.
    void testVocDictCheckpointOpens()
    {
        auto direct = RnnModel::load(dataDir() + "chatbot_voc_general_h10_l2.pt");
        QVERIFY2(direct, direct ? "" : direct.error().message.c_str());
        auto imported = RnnModel::load(dataDir() + "chatbot_voc_general_h10_l2_exported.safetensors");
        QVERIFY(imported);
        compareModels(direct.value(), imported.value());
        QCOMPARE(direct->name(), std::string("chatbot_voc_general_h10_l2"));
    }

    // A .pt and the same state_dict as safetensors (no alignscope metadata),
    // each with sidecar vocabularies, open as the model `import` builds.
    void testSidecarVocabulariesAndSafetensorsStateDict()
    {
        QTemporaryDir dir;
        const std::string pt = dir.filePath("run.pt").toStdString();
        QVERIFY(QFile::copy(QString::fromStdString(dataDir() + "legacy_h16.pt"), QString::fromStdString(pt)));
        auto checkpoint = PyTorchCheckpoint::open(pt);
        QVERIFY(checkpoint);
        std::map<std::string, FloatTensor> tensors;
        for (const auto &t : checkpoint->tensors())
            tensors.emplace(t.name, checkpoint->read(t.name).value());
        const std::string st = dir.filePath("state.safetensors").toStdString();
        QVERIFY(writeSafetensors(st, tensors, {}));
        for (const std::string &path : {pt, st}) {
            const auto [source, target] = sidecarVocabularyPaths(path);
            writeJsonArray(source, kSource);
            writeJsonArray(target, kTarget);
        }
        PyTorchImportOptions o;
        o.architecture = PyTorchArchitecture::TutorialLegacy;
        o.checkpoint = pt;
        o.sourceTokens = kSource;
        o.targetTokens = kTarget;
        auto imported = importPyTorch(o);
        QVERIFY(imported);
        for (const std::string &path : {pt, st}) {
            auto direct = RnnModel::load(path);
            QVERIFY2(direct, direct ? "" : direct.error().message.c_str());
            compareModels(direct.value(), imported.value());
        }
    }

    // The chatbot fixtures' voc_dict lists only PAD/SOS/EOS: files beside the checkpoint take its place.
    void testSidecarsReplaceUnreadableVocDict()
    {
        QTemporaryDir dir;
        const std::string pt = dir.filePath("chatbot.pt").toStdString();
        QVERIFY(QFile::copy(QString::fromStdString(dataDir() + "chatbot_dot_h8_l1.pt"), QString::fromStdString(pt)));
        std::ifstream in(dataDir() + "chatbot_dot_h8_l1.json");
        const auto f = nlohmann::json::parse(in);
        PyTorchImportOptions o;
        o.architecture = PyTorchArchitecture::Chatbot;
        o.checkpoint = pt;
        o.sourceTokens = f["source_vocab"].get<std::vector<std::string>>();
        o.targetTokens = f["target_vocab"].get<std::vector<std::string>>();
        const auto [source, target] = sidecarVocabularyPaths(pt);
        writeJsonArray(source, o.sourceTokens);
        writeJsonArray(target, o.targetTokens);
        auto imported = importPyTorch(o);
        QVERIFY(imported);
        auto direct = RnnModel::load(pt);
        QVERIFY2(direct, direct ? "" : direct.error().message.c_str());
        compareModels(direct.value(), imported.value());
    }

    void testErrorsSayWhatToDo_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("parts");
        QTest::newRow("no vocabulary") << "tutorial_h7.pt"
                                       << QStringList{"tutorial_h7.source-vocab.json", "tutorial_h7.target-vocab.json",
                                                      "--arch pytorch-tutorial --checkpoint", "--pairs eng-fra.txt"};
        QTest::newRow("chatbot with a broken voc_dict") << "chatbot_dot_h8_l1.pt"
                                                        << QStringList{"index2word holds 3 words",
                                                                       "chatbot_dot_h8_l1.source-vocab.json"};
        QTest::newRow("lone decoder") << "tutorial_h16_decoder.pt"
                                      << QStringList{"lone decoder", "two files",
                                                     "--arch pytorch-tutorial --encoder ENCODER.pt --decoder"};
        QTest::newRow("lone legacy decoder") << "legacy_h7_len13_decoder.pt"
                                             << QStringList{"lone decoder", "--arch pytorch-tutorial-legacy"};
        QTest::newRow("lone encoder") << "tutorial_h16_encoder.safetensors"
                                      << QStringList{"lone encoder", "--decoder DECODER.pt"};
    }

    void testErrorsSayWhatToDo()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, parts);
        QTemporaryDir dir; // a copy, so no sidecar of a neighbour is found
        const QString path = dir.filePath(file);
        QVERIFY(QFile::copy(QString::fromStdString(dataDir()) + file, path));
        auto model = RnnModel::load(path.toStdString());
        QVERIFY(!model);
        QCOMPARE(model.error().kind, ErrorKind::BadFile);
        const QString message = QString::fromStdString(model.error().message);
        QVERIFY2(message.startsWith(path) && !message.contains('\n'), qPrintable(message));
        for (const QString &part : parts)
            QVERIFY2(message.contains(part), qPrintable(message + " lacks " + part));
    }

    // An AlignScope model missing only its config is still reported as a damaged model file.
    void testDamagedAlignScopeModelIsNotTakenForPyTorch()
    {
        QTemporaryDir dir;
        auto file = SafetensorsFile::open(dataDir() + "legacy_h16_exported.safetensors");
        QVERIFY(file);
        std::map<std::string, FloatTensor> tensors;
        for (const auto &t : file->tensors())
            tensors.emplace(t.name, file->read(t.name).value());
        auto meta = file->metadata();
        meta.erase("alignscope.config");
        const std::string path = dir.filePath("damaged.safetensors").toStdString();
        QVERIFY(writeSafetensors(path, tensors, meta));
        auto model = RnnModel::load(path);
        QVERIFY(!model);
        QVERIFY2(model.error().message.find("metadata has no \"alignscope.config\"") != std::string::npos,
                 model.error().message.c_str());
    }
};

QTEST_APPLESS_MAIN(TestPyTorchOpen)
#include "testpytorchopen.moc"
