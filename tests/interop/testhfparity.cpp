// Hugging Face folders against transformers v4.36.2 itself: tiny random T5
// (v1.0 and v1.1 layouts), BART and Marian models written by save_pretrained
// (tests/data/hf/models, made by make_hf_model_fixtures.py), opened from
// model.safetensors, pytorch_model.bin, shards, float16 and bfloat16: the
// same input ids, the same greedy tokens, log-probabilities and every layer's
// and head's cross-attention within 1e-4, the same decoded text, and the
// same tokens as generate() under generation_config.json's settings.

#include "alignscope/decode.h"
#include "alignscope/huggingface.h"
#include "alignscope/hftokenizer.h"
#include "alignscope/model.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace alignscope;
using json = nlohmann::json;
namespace fs = std::filesystem;

class TestHfParity : public QObject {
    Q_OBJECT

private slots:
    void testDecode_data();
    void testDecode();
    void testGenerate_data();
    void testGenerate();
    void testOpenModelTakesFolders();
    void testReadableTokens();
};

namespace {

const fs::path kFixtures = ALIGNSCOPE_TEST_DATA_DIR "/hf/models";
constexpr double kTolerance = 1e-4;

json readJson(const fs::path &path)
{
    std::ifstream in(path);
    return in ? json::parse(in) : json();
}

std::vector<std::string> fixtureNames()
{
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(kFixtures))
        if (fs::exists(entry.path() / "expected.json"))
            names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

/// A copy of a fixture folder without `drop` (to open the other weight format), plus `generation` merged into
/// its generation_config.json.
fs::path copyFolder(const QTemporaryDir &tmp, const std::string &name, const std::string &drop,
                    const json &generation = json())
{
    const fs::path to = fs::path(tmp.path().toStdString()) / name;
    fs::create_directories(to);
    for (const auto &entry : fs::directory_iterator(kFixtures / name))
        if (entry.path().filename() != drop)
            fs::copy_file(entry.path(), to / entry.path().filename(), fs::copy_options::overwrite_existing);
    if (drop == "tokenizer metadata") {
        // A folder from before transformers 4.34 (as t5-small and bart-base on the Hub): no
        // added_tokens_decoder, no special_tokens_map.json or added_tokens.json; the classes' defaults apply.
        const json old = name.rfind("t5", 0) == 0 ? json{{"extra_ids", 4}} : json::object();
        std::ofstream(to / "tokenizer_config.json") << old.dump();
        fs::remove(to / "special_tokens_map.json");
        fs::remove(to / "added_tokens.json");
    }
    if (!generation.is_null()) {
        json g = readJson(to / "generation_config.json");
        if (generation.contains("max_new_tokens"))
            g.erase("max_length");
        g.update(generation);
        std::ofstream(to / "generation_config.json") << g.dump();
    }
    return to;
}

double maxDifference(const Eigen::Ref<const RowVector> &ours, const json &theirs)
{
    if (ours.size() != Eigen::Index(theirs.size()))
        return 1e300;
    double d = 0;
    for (Eigen::Index i = 0; i < ours.size(); ++i) {
        const double a = ours[i], b = theirs[size_t(i)].get<double>();
        if (std::isinf(a) && std::isinf(b) && a == b)
            continue;
        d = std::max(d, std::abs(a - b));
    }
    return d;
}

} // namespace

void TestHfParity::testDecode_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("drop");
    for (const std::string &name : fixtureNames()) {
        QTest::newRow(name.c_str()) << QString::fromStdString(name) << QString();
        if (fs::exists(kFixtures / name / "pytorch_model.bin") && fs::exists(kFixtures / name / "model.safetensors"))
            QTest::newRow((name + " (pytorch_model.bin)").c_str()) << QString::fromStdString(name)
                                                                   << QStringLiteral("model.safetensors");
        if (name == "bart" || name == "marian" || name == "t5-relu-tied") // one per family
            QTest::newRow((name + " (old tokenizer metadata)").c_str()) << QString::fromStdString(name)
                                                                        << QStringLiteral("tokenizer metadata");
    }
}

void TestHfParity::testDecode()
{
    QFETCH(QString, name);
    QFETCH(QString, drop);
    const json e = readJson(kFixtures / name.toStdString() / "expected.json");
    QTemporaryDir tmp;
    const fs::path folder = drop.isEmpty() ? kFixtures / name.toStdString()
                                           : copyFolder(tmp, name.toStdString(), drop.toStdString());
    auto opened = openHuggingFaceModel(folder.string());
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    const TransformerModel &model = *opened.value();
    QCOMPARE(QString::fromStdString(model.description().architecture).isEmpty(), false);

    // The typed text becomes transformers' ids and pieces.
    auto source = model.prepareSource(e.at("source_text").get<std::string>());
    QVERIFY2(source, source ? "" : source.error().message.c_str());
    QCOMPARE(source->axis.ids, e.at("input_ids").get<std::vector<int>>());
    QCOMPARE(source->axis.labels, e.at("source_tokens").get<std::vector<std::string>>());

    const json &steps = e.at("steps");
    DecodeOptions options;
    options.maxLength = int(steps.size());
    DecodeSession session(model, std::move(source.value()), options);
    QVERIFY(session.run());
    const DecodeTrace &trace = session.trace();
    QCOMPARE(trace.nodes.size(), steps.size());

    // The encoder's output.
    const json &states = e.at("encoder_last_hidden_state");
    QCOMPARE(size_t(trace.encoderStates.rows()), states.size());
    double worstState = 0;
    for (size_t j = 0; j < states.size(); ++j)
        worstState = std::max(worstState, maxDifference(trace.encoderStates.row(Eigen::Index(j)), states[j]));
    QVERIFY2(worstState <= kTolerance, qPrintable(QStringLiteral("encoder states differ by %1").arg(worstState)));

    // Every step: the token, the log-probabilities, every layer's and head's cross-attention.
    double worstLogProb = 0, worstAttention = 0;
    for (size_t t = 0; t < steps.size(); ++t) {
        const DecodeNode &node = trace.nodes[t];
        QCOMPARE(node.tokenId, steps[t].at("token_id").get<int>());
        QCOMPARE(node.token, e.at("generated_tokens")[t].get<std::string>());
        const json &lp = steps[t].at("log_probs");
        worstLogProb = std::max(worstLogProb, std::abs(double(node.logProb) - lp[size_t(node.tokenId)].get<double>()));
        for (const auto &k : node.topk)
            worstLogProb = std::max(worstLogProb, std::abs(std::log(double(k.prob)) - lp[size_t(k.id)].get<double>()));
        const json &cross = steps[t].at("cross_attention");
        QCOMPARE(size_t(node.cross.layers), cross.size());
        QCOMPARE(size_t(node.cross.heads), cross[0].size());
        for (int l = 0; l < node.cross.layers; ++l)
            for (int h = 0; h < node.cross.heads; ++h)
                worstAttention = std::max(worstAttention, maxDifference(node.cross.weights.row(node.cross.rowOf(l, h)),
                                                                        cross[size_t(l)][size_t(h)]));
    }
    QVERIFY2(worstLogProb <= kTolerance, qPrintable(QStringLiteral("log-probabilities differ by %1").arg(worstLogProb)));
    QVERIFY2(worstAttention <= kTolerance, qPrintable(QStringLiteral("cross-attention differs by %1").arg(worstAttention)));

    // The generated ids become the text transformers' decode gives.
    std::vector<std::string> tokens;
    for (const DecodeNode &n : trace.nodes)
        tokens.push_back(n.token);
    QCOMPARE(trace.detokenizer(tokens), e.at("decoded_text").get<std::string>());
}

void TestHfParity::testGenerate_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("index");
    for (const std::string &name : fixtureNames()) {
        const json e = readJson(kFixtures / name / "expected.json");
        for (size_t i = 0; i < e.at("generate").size(); ++i)
            QTest::newRow((name + " " + e.at("generate")[i].at("settings").dump()).c_str())
                << QString::fromStdString(name) << int(i);
    }
}

void TestHfParity::testGenerate()
{
    QFETCH(QString, name);
    QFETCH(int, index);
    const json e = readJson(kFixtures / name.toStdString() / "expected.json");
    const json &c = e.at("generate")[size_t(index)];
    // The settings go where a user's folder has them: generation_config.json.
    QTemporaryDir tmp;
    const fs::path folder = copyFolder(tmp, name.toStdString(), "", c.at("settings"));
    auto opened = openHuggingFaceModel(folder.string());
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    const TransformerModel &model = *opened.value();
    const GenerationDefaults g = model.generation();
    DecodeOptions options;
    options.beamWidth = g.beams;
    options.lengthPenalty = g.lengthPenalty;
    auto trace = translate(model, e.at("source_text").get<std::string>(), options);
    QVERIFY2(trace, trace ? "" : trace.error().message.c_str());
    std::vector<int> ids;
    for (int node : trace->bestPath())
        ids.push_back(trace->nodes[size_t(node)].tokenId);
    QCOMPARE(ids, c.at("tokens").get<std::vector<int>>());
}

void TestHfParity::testOpenModelTakesFolders()
{
    // --model FOLDER goes through openModel like every other model.
    auto model = openModel((kFixtures / "marian").string());
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    QCOMPARE(model.value()->description().architecture, std::string("marian"));
    QCOMPARE(model.value()->name(), std::string("marian"));
    auto plain = openModel(ALIGNSCOPE_TEST_DATA_DIR "/hf");
    QVERIFY(!plain);
    QCOMPARE(plain.error().kind, ErrorKind::BadFile);
}

void TestHfParity::testReadableTokens()
{
    // Byte-level pieces read as words with a "▁" word-start mark; the source knows its words.
    auto model = openHuggingFaceModel((kFixtures / "bart").string());
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    auto source = model.value()->prepareSource("the heron waited");
    QVERIFY(source);
    QCOMPARE(source->axis.labels, (std::vector<std::string>{"<s>", "the", "\u0120her", "on", "\u0120waited", "</s>"}));
    QCOMPARE(source->axis.words, (std::vector<int>{0, 1, 2, 2, 3, 4}));
    QVERIFY(source->axis.isSpecial(0) && source->axis.isSpecial(5) && !source->axis.isSpecial(1));
    const auto display = model.value()->tokenDisplay();
    QVERIFY(display);
    QCOMPARE(display("\u0120her"), std::string("\u2581her"));
    QCOMPARE(display("on"), std::string("on"));
    QCOMPARE(display("</s>"), std::string("</s>"));
    // Through a trace, as the views read it.
    auto trace = translate(*model.value(), "the heron waited");
    QVERIFY(trace);
    QCOMPARE(trace->readable("\u0120waited"), std::string("\u2581waited"));
}

QTEST_APPLESS_MAIN(TestHfParity)
#include "testhfparity.moc"
