// Hugging Face VisionEncoderDecoder folders (ViT + GPT-2) against
// transformers v4.36.2 itself (tests/data/vision/vit-gpt2, made by
// make_vision_fixtures.py): config.json read into the spec, the picture's
// pixel values within 1e-5, ViT's output, and the greedy caption with the KV
// cache from either weight file: tokens identical, every layer's and head's
// cross-attention and the log-probabilities within 1e-4 at every step.

#include "alignscope/decode.h"
#include "alignscope/huggingface.h"
#include "alignscope/image.h"
#include "common/clirun.h"
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
    void testSpecRoundTrip();
    void testConfigRefused_data();
    void testConfigRefused();
    void testDecode_data();
    void testDecode();
    void testCliImage();
    void testCliRefusals_data();
    void testCliRefusals();
};

namespace {

const fs::path kFolder = ALIGNSCOPE_TEST_DATA_DIR "/vision/vit-gpt2";
constexpr double kTolerance = 1e-4;

json readJson(const fs::path &path)
{
    return testing::readJson(path.string());
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

void TestVisionParity::testSpecRoundTrip()
{
    // A model file's alignscope.config keeps the image encoder's fields (written only when set).
    const std::vector<char> config = testing::readBytes((kFolder / "config.json").string());
    auto c = hf::parseConfig(std::string(config.begin(), config.end()), "");
    QVERIFY(c);
    TransformerFileConfig file;
    file.spec = c->spec;
    auto back = transformerConfigFromJson(transformerConfigToJson(file));
    QVERIFY2(back, back ? "" : back.error().message.c_str());
    const TransformerSpec &s = back->spec;
    QCOMPARE(s.patchSize, 8);
    QCOMPARE(s.imageWidth, 32);
    QCOMPARE(s.encoderDModel, 24);
    QCOMPARE(s.encoderHeads, 3);
    QCOMPARE(s.encoderFfn, 40);
    QCOMPARE(s.encoderEps, 1e-12);
    QVERIFY(s.encoderActivation == TransformerSpec::Activation::GeluErf);
    QVERIFY(transformerConfigToJson(TransformerFileConfig{}).find("image") == std::string::npos);
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

void TestVisionParity::testCliImage()
{
    const json expected = readJson(kFolder / "expected.json");
    const QString model = QString::fromStdString(kFolder.string());
    const QString png = QString::fromStdString((kFolder / "picture.png").string());
    // The CLI decodes the PNG itself: the same caption as transformers gave for load_image(picture.png).
    auto r = testing::runCli({"translate", "--model", model, "--image", png});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QCOMPARE(r.out, QByteArray::fromStdString(expected["decoded_text"].get<std::string>() + "\n"));
    r = testing::runCli({"translate", "--model", model, "--image", png, "--json"});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    const json trace = json::parse(r.out.toStdString());
    const json &source = trace["source"];
    QCOMPARE(source["kind"].get<std::string>(), std::string("image"));
    QCOMPARE(source["grid"], json::array({4, 4}));
    QCOMPARE(source["extra_before"].get<int>(), 1);
    QCOMPARE(source["image_size"], json::array({32, 32}));
    QCOMPARE(source["boxes"].size(), size_t(17));
    QCOMPARE(source["boxes"][7], json::array({16, 8, 8, 8}));
    QCOMPARE(trace["source_tokens"][0].get<std::string>(), std::string("[CLS]"));
    QCOMPARE(trace["steps"].size(), expected["generated_ids"].size());
    for (size_t t = 0; t < trace["steps"].size(); ++t)
        QCOMPARE(trace["steps"][t]["token_id"].get<int>(), expected["generated_ids"][t].get<int>());
    QCOMPARE(trace["steps"][2]["cross_attention"][1][3].size(), size_t(17));
    // A JPEG opens too (libjpeg-turbo, as Pillow's decoder).
    r = testing::runCli({"translate", "--model", model, "--image", QString::fromStdString((kFolder / "picture.jpg").string())});
    QVERIFY2(r.code == 0 && !r.out.isEmpty(), qPrintable(testing::describe(r)));
    r = testing::runCli({"inspect", model});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QVERIFY2(r.out.contains("VisionEncoderDecoderModel") && r.out.contains("ViT") && r.out.contains("GPT-2"),
             r.out.constData());
}

void TestVisionParity::testCliRefusals_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("says");
    const QString model = QString::fromStdString(kFolder.string());
    const QString hostile = ALIGNSCOPE_TEST_DATA_DIR "/vision/hostile/";
    const QString png = QString::fromStdString((kFolder / "picture.png").string());
    QTest::newRow("100000 x 100000 header") << QStringList{"--model", model, "--image", hostile + "huge.png"} << 3
                                            << "claims 100000 x 100000";
    QTest::newRow("truncated PNG") << QStringList{"--model", model, "--image", hostile + "truncated.png"} << 3
                                   << "cut short";
    QTest::newRow("truncated JPEG") << QStringList{"--model", model, "--image", hostile + "truncated.jpg"} << 3
                                    << "cut short";
    QTest::newRow("text named .png") << QStringList{"--model", model, "--image", model + "/vocab.json"} << 3
                                     << "not a PNG or JPEG";
    QTest::newRow("missing file") << QStringList{"--model", model, "--image", hostile + "absent.png"} << 3
                                  << "cannot open";
    QTest::newRow("a sentence too") << QStringList{"--model", model, "--image", png, "a cat"} << 2 << "not both";
    QTest::newRow("text to an image model") << QStringList{"--model", model, "a cat"} << 2 << "--image";
    QTest::newRow("an image to a text model") << QStringList{"--model", "additive", "--image", png} << 2
                                              << "does not read images";
}

void TestVisionParity::testCliRefusals()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, says);
    // "text named .png": a non-image under an image's name.
    QTemporaryDir tmp;
    for (QString &a : args)
        if (a.endsWith("/vocab.json")) {
            const QString renamed = tmp.path() + "/vocab.png";
            QVERIFY(QFile::copy(a, renamed));
            a = renamed;
        }
    const auto r = testing::runCli(QStringList{"translate"} + args);
    QVERIFY2(r.code == code, qPrintable(testing::describe(r)));
    QVERIFY2(r.out.isEmpty(), r.out.constData());
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.contains(says.toUtf8()), r.err.constData());
}

QTEST_APPLESS_MAIN(TestVisionParity)
#include "testvisionparity.moc"
