// Hugging Face VisionEncoderDecoder folders (ViT + GPT-2) against
// transformers v4.36.2 itself (tests/data/vision/vit-gpt2, made by
// make_vision_fixtures.py): config.json read into the spec, the picture's
// pixel values within 1e-5, ViT's output, and the greedy caption with the KV
// cache from either weight file: tokens identical, every layer's and head's
// cross-attention and the log-probabilities within 1e-4 at every step.

#include "alignscope/decode.h"
#include "alignscope/huggingface.h"
#include "alignscope/image.h"
#include "common/fixturefiles.h"
#include "hf/hfconfig_p.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <filesystem>

using namespace alignscope;
using json = nlohmann::json;
namespace fs = std::filesystem;

class TestVisionParity : public QObject {
    Q_OBJECT

private slots:
    void testConfig();
    void testConfigRefused_data();
    void testConfigRefused();
    void testDecode_data();
    void testDecode();
};

namespace {

const fs::path kFolder = ALIGNSCOPE_TEST_DATA_DIR "/vision/vit-gpt2";
constexpr double kTolerance = 1e-4;

json readJson(const fs::path &path)
{
    const std::vector<char> text = testing::readBytes(path.string());
    return json::parse(text.begin(), text.end(), nullptr, false);
}

/// The fixture's picture as transformers' load_image gives it.
RgbImage fixturePicture()
{
    const std::vector<char> bytes = testing::readBytes((kFolder / "picture.rgb").string());
    return RgbImage{45, 37, std::vector<std::uint8_t>(bytes.begin(), bytes.end())};
}

/// The fixture folder without one of its files (a weight file), in `tmp`.
fs::path copyWithout(const QTemporaryDir &tmp, const std::string &drop)
{
    const fs::path out = fs::path(tmp.path().toStdString()) / "vit-gpt2";
    fs::create_directories(out);
    for (const auto &entry : fs::directory_iterator(kFolder))
        if (entry.path().filename() != drop)
            fs::copy_file(entry.path(), out / entry.path().filename());
    return out;
}

} // namespace

void TestVisionParity::testConfig()
{
    const std::vector<char> config = testing::readBytes((kFolder / "config.json").string());
    const std::vector<char> generation = testing::readBytes((kFolder / "generation_config.json").string());
    auto c = hf::parseConfig(std::string(config.begin(), config.end()), std::string(generation.begin(), generation.end()));
    QVERIFY2(c, c ? "" : c.error().message.c_str());
    const TransformerSpec &s = c->spec;
    QVERIFY(c->family == hf::Family::VisionEncoderDecoder);
    QCOMPARE(c->tokenizerType, std::string("gpt2"));
    QCOMPARE(s.patchSize, 8);
    QCOMPARE(s.imageHeight, 32);
    QCOMPARE(s.patches(), 16);
    QCOMPARE(s.sourcePositions, 17);
    QCOMPARE(s.encoderWidth(), 24);
    QCOMPARE(s.encoderHeads, 3);
    QCOMPARE(s.encoderFfn, 40);
    QCOMPARE(s.encoderEps, 1e-12);
    QVERIFY(s.encoderActivation == TransformerSpec::Activation::GeluErf);
    QCOMPARE(s.dModel, 32);
    QCOMPARE(s.heads, 4);
    QCOMPARE(s.ffn, 128); // n_inner null: 4 · n_embd
    QVERIFY(s.activation == TransformerSpec::Activation::GeluTanh);
    QCOMPARE(s.eps, 1e-5);
    QVERIFY(s.tiedOutput && s.preNorm && !s.outputBias);
    const json expected = readJson(kFolder / "expected.json");
    QCOMPARE(c->decoderStart, expected["decoder_start_token_id"].get<int>());
    QCOMPARE(c->generation.maxLength, 8);
}

void TestVisionParity::testConfigRefused_data()
{
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("says");
    QTest::newRow("another encoder") << R"({"encoder": {"model_type": "deit"}})" << "deit";
    QTest::newRow("no cross-attention") << R"({"decoder": {"add_cross_attention": false}})" << "add_cross_attention";
    QTest::newRow("patches do not tile") << R"({"encoder": {"image_size": 30}})" << "patches of 8";
    QTest::newRow("grey ViT") << R"({"encoder": {"num_channels": 1}})" << "num_channels";
    QTest::newRow("huge picture") << R"({"encoder": {"image_size": 100000}})" << "image_size";
    QTest::newRow("unknown activation") << R"({"decoder": {"activation_function": "mish"}})" << "mish";
}

void TestVisionParity::testConfigRefused()
{
    QFETCH(QString, edit);
    QFETCH(QString, says);
    json config = readJson(kFolder / "config.json");
    config.merge_patch(json::parse(edit.toStdString()));
    auto c = hf::parseConfig(config.dump(), "");
    QVERIFY(!c);
    QCOMPARE(c.error().kind, ErrorKind::BadFile);
    QVERIFY2(QString::fromStdString(c.error().message).contains(says), c.error().message.c_str());
}

void TestVisionParity::testDecode_data()
{
    QTest::addColumn<QString>("drop");
    QTest::newRow("model.safetensors") << "pytorch_model.bin";
    QTest::newRow("pytorch_model.bin") << "model.safetensors";
}

void TestVisionParity::testDecode()
{
    QFETCH(QString, drop);
    QTemporaryDir tmp;
    auto opened = openHuggingFaceModel(copyWithout(tmp, drop.toStdString()).string());
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    const TransformerModel &model = *opened.value();
    QVERIFY(model.description().sourceKind == SourceKind::Image);
    QVERIFY(!model.prepareSource("a picture")); // an image model given text
    QVERIFY(!model.prepareAudio(std::vector<float>(16000))); // and audio
    const json expected = readJson(kFolder / "expected.json");

    // The picture as the model sees it.
    auto source = model.prepareImage(fixturePicture());
    QVERIFY2(source, source ? "" : source.error().message.c_str());
    const SourceAxis &axis = source->axis;
    QVERIFY(axis.kind == SourceKind::Image);
    QCOMPARE(axis.size(), 17);
    QCOMPARE(axis.labels[0], std::string("[CLS]"));
    QVERIFY(axis.has(0, SourceAxis::Extra) && !axis.has(1, SourceAxis::Extra));
    QCOMPARE(axis.labels[7], std::string("patch 1,2"));
    QCOMPARE(axis.gridRows, 4);
    QCOMPARE(axis.gridColumns, 4);
    QCOMPARE(axis.extraBefore, 1);
    QCOMPARE(axis.patchCell(7), std::make_pair(1, 2));
    QCOMPARE(axis.boxes[7].x, 16);
    QCOMPARE(axis.boxes[7].y, 8);
    QCOMPARE(axis.boxes[7].width, 8);
    QCOMPARE(axis.boxes[0].width, 0);
    QCOMPARE(axis.image.width, 32);
    QCOMPARE(axis.image.height, 32);
    auto processor = readImageProcessorConfig((kFolder / "preprocessor_config.json").string());
    QVERIFY(processor);
    const Matrix pixels = pixelValues(fixturePicture(), processor.value()).values;
    const Matrix want = testing::readF32((kFolder / "pixel-values.f32").string(), 3, 32 * 32);
    QCOMPARE(want.size(), pixels.size());
    const double pixelDiff = (want - pixels).cwiseAbs().maxCoeff();
    // Feature row 6 (column 7 after [CLS]) is patch (1, 2): its channel 1, row 3, column 5 is pixel
    // (8 + 3, 16 + 5) of the green plane.
    QCOMPARE(source->features.rows(), Eigen::Index(16));
    QCOMPARE(source->features(6, 64 + 3 * 8 + 5), pixels(1, (8 + 3) * 32 + 16 + 5));

    // The greedy caption, as generate() with generation_config.json's max_length.
    auto trace = translateSource(model, source.value(), DecodeOptions{});
    QVERIFY(trace);
    std::vector<int> ids;
    for (int node : trace->bestPath())
        ids.push_back(trace->nodes[size_t(node)].tokenId);
    QCOMPARE(ids, expected["generated_ids"].get<std::vector<int>>());
    QCOMPARE(trace->translation(trace->bestPath()), expected["decoded_text"].get<std::string>());

    // ViT's output, then each step fed transformers' token.
    const auto memory = model.encode(source.value());
    const std::vector<std::vector<float>> states = expected["encoder_last_hidden_state"];
    double stateDiff = 0, crossDiff = 0, logProbDiff = 0;
    QCOMPARE(memory->states.rows(), Eigen::Index(states.size()));
    for (size_t j = 0; j < states.size(); ++j)
        for (size_t k = 0; k < states[j].size(); ++k)
            stateDiff = std::max(stateDiff, std::abs(double(memory->states(Eigen::Index(j), Eigen::Index(k))) - states[j][k]));
    QCOMPARE(memory->selfAttention.heads, 3);
    DecoderStatePtr state = model.initialState(*memory);
    for (const json &step : expected["steps"]) {
        const int t = step["step"];
        const StepOutput out = model.step(*memory, *state, step["input_token_id"].get<int>(), t);
        const std::vector<double> logProbs = step["log_probs"];
        QCOMPARE(out.logProbs.size(), Eigen::Index(logProbs.size()));
        for (size_t v = 0; v < logProbs.size(); ++v)
            logProbDiff = std::max(logProbDiff, std::abs(double(out.logProbs[Eigen::Index(v)]) - logProbs[v]));
        const std::vector<std::vector<std::vector<double>>> cross = step["cross_attention"]; // [layer][head][source]
        QCOMPARE(out.cross.layers, int(cross.size()));
        QCOMPARE(out.cross.heads, int(cross[0].size()));
        for (size_t l = 0; l < cross.size(); ++l)
            for (size_t h = 0; h < cross[l].size(); ++h)
                for (size_t j = 0; j < cross[l][h].size(); ++j)
                    crossDiff = std::max(crossDiff, std::abs(double(out.cross.weights(out.cross.rowOf(int(l), int(h)),
                                                                                      Eigen::Index(j))) - cross[l][h][j]));
        state = out.next;
    }
    qInfo("max |diff|: pixel values %.3g, ViT output %.3g, cross-attention %.3g, log-probabilities %.3g", pixelDiff,
          stateDiff, crossDiff, logProbDiff);
    QVERIFY2(pixelDiff <= 1e-5, qPrintable(QString::number(pixelDiff)));
    QVERIFY2(stateDiff < kTolerance, qPrintable(QString::number(stateDiff)));
    QVERIFY2(crossDiff < kTolerance, qPrintable(QString::number(crossDiff)));
    QVERIFY2(logProbDiff < kTolerance, qPrintable(QString::number(logProbDiff)));
}

QTEST_APPLESS_MAIN(TestVisionParity)
#include "testvisionparity.moc"
