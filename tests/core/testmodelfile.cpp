// RnnModel files (model/modelfile.cpp): save/load round trips for every
// scorer, and each way a file can be wrong reported with its own message
// naming the file and the field.

#include "alignscope/decode.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/safetensors.h"
#include "alignscope/transformer.h"

#include <QtTest>

#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <functional>

using namespace alignscope;

namespace {

Vocabulary vocab(const std::vector<std::string> &tokens)
{
    return Vocabulary::fromTokens(tokens, "test").value();
}

RnnModel tinyModel(ScorerKind scorer, LocalMode local, const QString &encoder)
{
    ModelConfig c;
    const auto e = parseEncoderKind(encoder.toStdString()).value();
    c.encoder.cell = e.cell;
    c.encoder.bidirectional = e.bidirectional;
    c.encoder.embedding = 5;
    c.encoder.hidden = 6;
    c.decoder.cell = e.cell;
    c.decoder.embedding = 5;
    c.decoder.hidden = c.encoder.stateSize();
    c.attention.scorer = scorer;
    c.attention.local = local;
    c.attention.dimension = 7;
    c.attention.maxSourceLength = 9;
    const bool bahdanau = scorer == ScorerKind::Additive || scorer == ScorerKind::Location;
    c.decoder.kind = bahdanau ? DecoderKind::Bahdanau : DecoderKind::Luong;
    return RnnModel::initialise(c, vocab({"<pad>", "<sos>", "<eos>", "<unk>", "the", "cat", "sat"}),
                             vocab({"<pad>", "<sos>", "<eos>", "<unk>", "le", "chat", "assis", "sur"}), 42u);
}

/// The tensors RnnModel::save writes (PyTorch layout: biases 1-D).
std::map<std::string, FloatTensor> tensorsOf(const RnnModel &m)
{
    std::map<std::string, FloatTensor> out;
    for (const auto &[name, value] : m.parameters()) {
        FloatTensor t;
        const bool bias = name.rfind(".bias") != std::string::npos || name.find(".bias_") != std::string::npos;
        t.shape = bias ? std::vector<std::int64_t>{value.cols()} : std::vector<std::int64_t>{value.rows(), value.cols()};
        t.data.assign(value.data(), value.data() + value.size());
        out.emplace(name, std::move(t));
    }
    return out;
}

std::map<std::string, std::string> metadataOf(const RnnModel &m)
{
    return {{"alignscope.config", configToJson(m.config())},
            {"alignscope.source_vocab", nlohmann::json(m.sourceVocab().tokens()).dump()},
            {"alignscope.target_vocab", nlohmann::json(m.targetVocab().tokens()).dump()}};
}

std::string editConfig(const RnnModel &m, const std::function<void(nlohmann::json &)> &edit)
{
    nlohmann::json j = nlohmann::json::parse(configToJson(m.config()));
    edit(j);
    return j.dump();
}

enum class Damage {
    NoConfig,
    ConfigNotJson,
    UnknownScorer,
    FormatVersion2,
    VocabularyNotArray,
    TensorMissing,
    TensorWrongShape,
    DotSizeMismatch,
    VocabularyTooSmall,
};

} // namespace

class TestModelFile : public QObject {
    Q_OBJECT

private slots:
    void testRoundTrip_data();
    void testRoundTrip();
    void testFileLayout();
    void testLoadErrors_data();
    void testLoadErrors();
    void testMissingFile();
    void testConfigOfWrongTypes_data();
    void testConfigOfWrongTypes();
};

void TestModelFile::testRoundTrip_data()
{
    QTest::addColumn<int>("scorer");
    QTest::addColumn<int>("local");
    QTest::addColumn<QString>("encoder");
    QTest::newRow("additive") << int(ScorerKind::Additive) << int(LocalMode::None) << "bigru";
    QTest::newRow("dot") << int(ScorerKind::Dot) << int(LocalMode::None) << "gru";
    QTest::newRow("general") << int(ScorerKind::General) << int(LocalMode::None) << "gru";
    QTest::newRow("scaled-dot") << int(ScorerKind::ScaledDot) << int(LocalMode::None) << "bigru";
    QTest::newRow("concat") << int(ScorerKind::Concat) << int(LocalMode::None) << "lstm";
    QTest::newRow("location") << int(ScorerKind::Location) << int(LocalMode::None) << "gru";
    QTest::newRow("general+local-p") << int(ScorerKind::General) << int(LocalMode::Predictive) << "gru";
    QTest::newRow("dot+local-m") << int(ScorerKind::Dot) << int(LocalMode::Monotonic) << "bilstm";
}

void TestModelFile::testRoundTrip()
{
    QFETCH(int, scorer);
    QFETCH(int, local);
    QFETCH(QString, encoder);
    const RnnModel original = tinyModel(static_cast<ScorerKind>(scorer), static_cast<LocalMode>(local), encoder);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("model.safetensors").toStdString();
    QVERIFY(original.save(path).ok());
    auto loaded = RnnModel::load(path);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
    const RnnModel &m = loaded.value();

    QCOMPARE(configToJson(m.config()), configToJson(original.config()));
    QCOMPARE(m.sourceVocab().tokens(), original.sourceVocab().tokens());
    QCOMPARE(m.targetVocab().tokens(), original.targetVocab().tokens());
    QCOMPARE(m.name(), std::string("model"));
    QCOMPARE(m.parameters().size(), original.parameters().size());
    for (const auto &[name, value] : original.parameters()) {
        const auto it = m.parameters().find(name);
        QVERIFY2(it != m.parameters().end(), name.c_str());
        QCOMPARE(it->second.rows(), value.rows());
        QCOMPARE(it->second.cols(), value.cols());
        QVERIFY2(it->second == value, name.c_str()); // bit-identical floats
    }

    DecodeOptions o;
    o.beamWidth = 2;
    const auto a = translate(original, "the cat sat", o);
    const auto b = translate(m, "the cat sat", o);
    QVERIFY(a.ok() && b.ok());
    QCOMPARE(a->nodes.size(), b->nodes.size());
    for (size_t i = 0; i < a->nodes.size(); ++i) {
        QCOMPARE(a->nodes[i].tokenId, b->nodes[i].tokenId);
        QCOMPARE(a->nodes[i].parent, b->nodes[i].parent);
        QCOMPARE(a->nodes[i].logProb, b->nodes[i].logProb);
        QVERIFY(a->nodes[i].weights() == b->nodes[i].weights());
    }
}

void TestModelFile::testFileLayout()
{
    // PyTorch's layout: biases 1-D, weights [out, in]; the three metadata keys.
    const RnnModel m = tinyModel(ScorerKind::Additive, LocalMode::None, "gru");
    QTemporaryDir dir;
    const std::string path = dir.filePath("m.safetensors").toStdString();
    QVERIFY(m.save(path).ok());
    auto f = SafetensorsFile::open(path);
    QVERIFY(f.ok());
    const TensorInfo *bias = f->find("decoder.out.bias");
    QVERIFY(bias);
    QCOMPARE(bias->shape, std::vector<std::int64_t>{8});
    const TensorInfo *gru = f->find("encoder.rnn.weight_ih_l0");
    QVERIFY(gru);
    QCOMPARE(gru->shape, (std::vector<std::int64_t>{3 * 6, 5}));
    QCOMPARE(f->find("encoder.rnn.bias_hh_l0")->shape, std::vector<std::int64_t>{3 * 6});
    const auto &meta = f->metadata();
    for (const char *key : {"alignscope.config", "alignscope.source_vocab", "alignscope.target_vocab"})
        QVERIFY2(meta.count(key), key);
    QCOMPARE(nlohmann::json::parse(meta.at("alignscope.target_vocab")).get<std::vector<std::string>>(),
             m.targetVocab().tokens());
    QCOMPARE(int(f->tensors().size()), int(m.parameters().size()));
}

void TestModelFile::testLoadErrors_data()
{
    QTest::addColumn<int>("damage");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing alignscope.config") << int(Damage::NoConfig) << "metadata has no \"alignscope.config\"";
    QTest::newRow("config not JSON") << int(Damage::ConfigNotJson) << "alignscope.config is not a JSON object";
    QTest::newRow("unknown scorer") << int(Damage::UnknownScorer) << "attention.scorer: unknown scorer \"cosine\"";
    QTest::newRow("format_version 2") << int(Damage::FormatVersion2)
                                      << "format_version 2 is newer than this AlignScope understands";
    QTest::newRow("vocabulary not an array") << int(Damage::VocabularyNotArray)
                                             << "\"alignscope.source_vocab\" must be a non-empty JSON array";
    QTest::newRow("tensor missing") << int(Damage::TensorMissing)
                                    << "tensor \"decoder.out.bias\" is missing; the config needs it with shape [1, 8]";
    QTest::newRow("tensor wrong shape") << int(Damage::TensorWrongShape)
                                        << "tensor \"decoder.embedding.weight\" has shape [8, 4] but the config "
                                           "needs [8, 5]";
    QTest::newRow("dot with mismatched sizes") << int(Damage::DotSizeMismatch)
                                               << "dot attention needs the decoder hidden size (5) to equal the "
                                                  "encoder state size (6)";
    QTest::newRow("special id outside vocabulary") << int(Damage::VocabularyTooSmall)
                                                   << "special token id 2 is outside \"alignscope.target_vocab\"";
}

void TestModelFile::testLoadErrors()
{
    QFETCH(int, damage);
    QFETCH(QString, message);
    const RnnModel m = tinyModel(ScorerKind::Dot, LocalMode::None, "gru");
    auto tensors = tensorsOf(m);
    auto meta = metadataOf(m);
    switch (static_cast<Damage>(damage)) {
    case Damage::NoConfig:
        meta.erase("alignscope.config");
        break;
    case Damage::ConfigNotJson:
        meta["alignscope.config"] = "{\"encoder\": ";
        break;
    case Damage::UnknownScorer:
        meta["alignscope.config"] = editConfig(m, [](auto &j) { j["attention"]["scorer"] = "cosine"; });
        break;
    case Damage::FormatVersion2:
        meta["alignscope.config"] = editConfig(m, [](auto &j) { j["format_version"] = 2; });
        break;
    case Damage::VocabularyNotArray:
        meta["alignscope.source_vocab"] = "{\"the\": 4}";
        break;
    case Damage::TensorMissing:
        tensors.erase("decoder.out.bias");
        break;
    case Damage::TensorWrongShape: {
        FloatTensor &t = tensors.at("decoder.embedding.weight");
        t.shape = {8, 4};
        t.data.resize(32);
        break;
    }
    case Damage::DotSizeMismatch:
        meta["alignscope.config"] = editConfig(m, [](auto &j) { j["decoder"]["hidden"] = 5; });
        break;
    case Damage::VocabularyTooSmall:
        meta["alignscope.target_vocab"] = "[\"<pad>\", \"<sos>\"]";
        break;
    }
    QTemporaryDir dir;
    const std::string path = dir.filePath("broken.safetensors").toStdString();
    QVERIFY(writeSafetensors(path, tensors, meta).ok());
    const auto loaded = RnnModel::load(path);
    QVERIFY(!loaded.ok());
    QCOMPARE(loaded.error().kind, ErrorKind::BadFile);
    const QString got = QString::fromStdString(loaded.error().message);
    // One line that starts with the file's path and says what is wrong.
    QVERIFY2(got.startsWith(QString::fromStdString(path) + ": "), qPrintable(got));
    QVERIFY2(got.contains(message), qPrintable(got));
    QVERIFY2(!got.contains('\n'), qPrintable(got));
}

void TestModelFile::testMissingFile()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("absent.safetensors").toStdString();
    const auto loaded = RnnModel::load(path);
    QVERIFY(!loaded.ok());
    QCOMPARE(loaded.error().kind, ErrorKind::BadFile);
    QVERIFY(QString::fromStdString(loaded.error().message).contains(QString::fromStdString(path)));
}

void TestModelFile::testConfigOfWrongTypes_data()
{
    QTest::addColumn<QString>("config");
    // A section that is not an object, a string that is a number: each is
    // one error line, never an exception (found by fuzz_safetensors).
    QTest::newRow("special is a number") << R"({"special": 0.1})";
    QTest::newRow("special.source is a list") << R"({"special": {"source": [1, 2]}})";
    QTest::newRow("tokenizer is a string") << R"({"tokenizer": "word"})";
    QTest::newRow("architecture is a number") << R"({"architecture": 5, "transformer": {}})";
    QTest::newRow("transformer with special a number")
        << R"({"architecture": "transformer", "transformer": {"heads": 2, "d_model": 8}, "special": 3})";
    QTest::newRow("transformer with tokenizer.target true")
        << R"({"architecture": "transformer", "transformer": {"heads": 2, "d_model": 8}, "tokenizer": {"target": true}})";
}

void TestModelFile::testConfigOfWrongTypes()
{
    QFETCH(QString, config);
    const std::string text = config.toStdString();
    const bool transformer = isTransformerConfig(text);
    const auto rnn = configFromJson(text);
    const auto t = transformerConfigFromJson(text);
    QVERIFY(!rnn || !t); // a file is at most one of the two
    if (text.find("\"special\": 0.1") != std::string::npos || text.find("\"tokenizer\": \"word\"") != std::string::npos ||
        text.find("[1, 2]") != std::string::npos) {
        QVERIFY(!rnn);
        QVERIFY2(rnn.error().message.find("must be an object") != std::string::npos, rnn.error().message.c_str());
    }
    if (transformer) {
        QVERIFY(!t);
        QVERIFY2(t.error().message.find("must be an object") != std::string::npos, t.error().message.c_str());
    }
}

QTEST_APPLESS_MAIN(TestModelFile)
#include "testmodelfile.moc"
