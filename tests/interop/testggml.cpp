// whisper.cpp model files (tests/data/ggml/tiny, made by make_ggml_fixtures.py with whisper.cpp's own
// convert-h5-to-ggml.py from a tiny Hugging Face Whisper) against transformers v4.36.2 on the folder they
// were converted from: the float16 and float32 files decode the fixture clip to the same ids, every
// layer's and head's cross-attention and the chosen tokens' log-probabilities within 1e-4 at every step,
// and the features (with the file's mel filters) within 1e-4 of WhisperFeatureExtractor's with those
// filters. Hostile files (wrong magic, truncated, absurd sizes, types it does not read) are refused in one line.

#include "alignscope/audio.h"
#include "alignscope/decode.h"
#include "alignscope/ggml.h"
#include "alignscope/hftokenizer.h"
#include "alignscope/logmel.h"
#include "alignscope/model.h"
#include "common/clirun.h"
#include "common/fixturefiles.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace alignscope;
using json = nlohmann::json;
namespace fs = std::filesystem;

class TestGgml : public QObject {
    Q_OBJECT

private slots:
    void testHeader();
    void testDecode_data();
    void testDecode();
    void testFeatures();
    void testTokenizer();
    void testCli();
    void testRefusals_data();
    void testRefusals();
    void testQuantised_data();
    void testQuantised();
};

namespace {

const fs::path kFolder = ALIGNSCOPE_TEST_DATA_DIR "/ggml/tiny";
constexpr double kTolerance = 1e-4;

std::shared_ptr<TransformerModel> open(const std::string &file)
{
    auto opened = openModel((kFolder / file).string()); // the path every --model and File ▸ Open model takes
    if (!opened)
        qFatal("%s", opened.error().message.c_str());
    auto model = std::dynamic_pointer_cast<const TransformerModel>(opened.value());
    if (!model)
        qFatal("%s did not open as a TransformerModel", file.c_str());
    return std::const_pointer_cast<TransformerModel>(model);
}

std::string fileBytes(const fs::path &path)
{
    const std::vector<char> b = testing::readBytes(path.string());
    return std::string(b.begin(), b.end());
}

Result<GgmlWhisperFile> parse(const std::string &bytes)
{
    std::istringstream in(bytes);
    return parseGgmlWhisper(in, bytes.size(), "test.bin");
}

void putInt(std::string &bytes, size_t at, std::int32_t v)
{
    for (int i = 0; i < 4; ++i)
        bytes[at + size_t(i)] = char((std::uint32_t(v) >> (8 * i)) & 0xff);
}

} // namespace

void TestGgml::testHeader()
{
    const json expected = testing::readJson((kFolder / "expected.json").string());
    for (const char *file : {"ggml-tiny-f16.bin", "ggml-tiny-f32.bin"}) {
        auto f = parse(fileBytes(kFolder / file));
        QVERIFY2(f, f ? "" : f.error().message.c_str());
        QCOMPARE(f->nVocab, expected["n_vocab"].get<int>());
        QCOMPARE(f->nAudioState, expected["d_model"].get<int>());
        QCOMPARE(f->nAudioHead, expected["heads"].get<int>());
        QCOMPARE(f->nTextLayer, expected["layers"].get<int>());
        QCOMPARE(int(f->tokens.size()), expected["vocabulary_in_file"].get<int>());
        QCOMPARE(f->eot(), expected["eot"].get<int>());
        QCOMPARE(f->sot(), expected["sot"].get<int>());
        QCOMPARE(f->firstAfterLanguages() + 1, expected["transcribe"].get<int>());
        QCOMPARE(f->firstAfterLanguages() + 5, expected["notimestamps"].get<int>());
        // The f16 file keeps the vectors, conv biases and position tables in float32, as the converter writes.
        int halves = 0;
        for (const auto &t : f->tensors)
            halves += t.type == 1;
        if (std::string(file).find("f16") != std::string::npos) {
            QVERIFY(halves > 0);
            for (const auto &t : f->tensors)
                if (t.shape.size() == 1 || t.name.find("positional") != std::string::npos)
                    QCOMPARE(t.type, 0);
        } else {
            QCOMPARE(halves, 0);
        }
    }
}

void TestGgml::testDecode_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("f16") << "ggml-tiny-f16.bin";
    QTest::newRow("f32") << "ggml-tiny-f32.bin";
}

void TestGgml::testDecode()
{
    QFETCH(QString, file);
    const auto model = open(file.toStdString());
    const json expected = testing::readJson((kFolder / "expected.json").string());
    QVERIFY(model->description().sourceKind == SourceKind::Audio);
    QVERIFY(model->description().summary.find("whisper.cpp file") != std::string::npos);
    auto clip = readAudio((kFolder / "audio.wav").string());
    QVERIFY(clip);
    auto source = model->prepareAudio(clip->samples);
    QVERIFY2(source, source ? "" : source.error().message.c_str());
    const std::vector<int> want = expected["generated_ids"].get<std::vector<int>>();

    // whisper.cpp's defaults as the model's own generation settings: transformers' ids under the same rules.
    DecodeOptions options;
    options.maxLength = int(want.size());
    auto trace = translateSource(*model, source.value(), options);
    QVERIFY(trace);
    std::vector<int> ids;
    for (int node : trace->bestPath())
        ids.push_back(trace->nodes[size_t(node)].tokenId);
    QCOMPARE(ids, want);
    QCOMPARE(trace->translation(trace->bestPath()), expected["text"].get<std::string>());

    const int n = 1500, L = expected["layers"].get<int>(), H = expected["heads"].get<int>();
    const std::vector<char> bytes = testing::readBytes((kFolder / "expected-cross-attention.f32").string());
    std::vector<float> cross(bytes.size() / 4);
    std::memcpy(cross.data(), bytes.data(), cross.size() * 4);
    QCOMPARE(cross.size(), want.size() * size_t(L * H * n));
    const auto memory = model->encode(source.value());
    DecoderStatePtr state = model->initialState(*memory);
    double worstCross = 0, worstLogProb = 0;
    const json &steps = expected["steps"];
    for (size_t t = 0; t < steps.size(); ++t) {
        const StepOutput out = model->step(*memory, *state, steps[t]["input_token_id"].get<int>(), int(t));
        const int chosen = steps[t]["token_id"].get<int>();
        worstLogProb = std::max(worstLogProb, std::abs(double(out.logProbs[chosen]) - steps[t]["log_prob"].get<double>()));
        QCOMPARE(out.cross.layers, L);
        QCOMPARE(out.cross.heads, H);
        for (int l = 0; l < L; ++l)
            for (int h = 0; h < H; ++h)
                for (int j = 0; j < n; ++j) {
                    const float w = cross[((t * size_t(L) + size_t(l)) * size_t(H) + size_t(h)) * size_t(n) + size_t(j)];
                    worstCross = std::max(worstCross, std::abs(double(out.cross.weights(out.cross.rowOf(l, h), j)) - w));
                }
        state = out.next;
    }
    qInfo("%s: max |diff| cross-attention %.3g, log-probabilities %.3g", qPrintable(file), worstCross, worstLogProb);
    QVERIFY2(worstCross < kTolerance, qPrintable(QString::number(worstCross)));
    QVERIFY2(worstLogProb < kTolerance, qPrintable(QString::number(worstLogProb)));
}

void TestGgml::testFeatures()
{
    const auto model = open("ggml-tiny-f16.bin");
    auto clip = readAudio((kFolder / "audio.wav").string());
    QVERIFY(clip);
    auto source = model->prepareAudio(clip->samples);
    QVERIFY(source);
    const Matrix want = testing::readF32((kFolder / "expected-features.f32").string(), 80, 3000);
    QCOMPARE(want.rows(), Eigen::Index(80));
    QCOMPARE(source->features.rows(), want.rows());
    QCOMPARE(source->features.cols(), want.cols());
    const double worst = (source->features - want).cwiseAbs().maxCoeff();
    qInfo("features with the file's mel filters: max |diff| %.3g", worst);
    QVERIFY(worst < kTolerance);
    // The file's filters (openai/whisper's mel_filters.npz) are transformers' Slaney filters to float32 rounding.
    auto f = parse(fileBytes(kFolder / "ggml-tiny-f16.bin"));
    QVERIFY(f);
    const Matrix computed = melFilterBank(WhisperFeatureConfig{});
    QCOMPARE(computed.rows(), Eigen::Index(f->filterMels));
    QCOMPARE(computed.cols(), Eigen::Index(f->filterBins));
    double filterDiff = 0;
    for (int m = 0; m < f->filterMels; ++m)
        for (int b = 0; b < f->filterBins; ++b)
            filterDiff = std::max(filterDiff, std::abs(double(computed(m, b)) - f->filters[size_t(m * f->filterBins + b)]));
    qInfo("file's mel filters vs computed Slaney filters: max |diff| %.3g", filterDiff);
    QVERIFY(filterDiff < 1e-6);
}

void TestGgml::testTokenizer()
{
    const auto model = open("ggml-tiny-f32.bin");
    const HfTokenizer *tok = model->tokenizer();
    QVERIFY(tok);
    const json expected = testing::readJson((kFolder / "expected.json").string());
    QCOMPARE(tok->specials().eos, expected["eot"].get<int>());
    QCOMPARE(tok->id("<|startoftranscript|>"), expected["sot"].get<int>());
    QCOMPARE(tok->id("<|transcribe|>"), expected["transcribe"].get<int>());
    QCOMPARE(tok->id("<|notimestamps|>"), expected["notimestamps"].get<int>());
    QCOMPARE(tok->id("<|0.00|>"), expected["notimestamps"].get<int>() + 1);
    QCOMPARE(tok->id("<|fr|>"), expected["sot"].get<int>() + 7);
    QVERIFY(tok->isSpecial(expected["sot"].get<int>()));
    QVERIFY(!tok->isSpecial(tok->id("<|1.24|>")));
    // Merges come from the vocabulary's order (the concatenation's id ranks a pair): the BPE's words are whole.
    const std::string text = "the lighthouse keeper lit the lamp";
    auto coded = tok->encode(text);
    QVERIFY(coded);
    std::vector<int> words;
    for (size_t i = 2; i + 1 < coded->ids.size(); ++i) // past <|startoftranscript|> <|notimestamps|>, before <|endoftext|>
        words.push_back(coded->ids[i]);
    QVERIFY(words.size() < 12); // 34 bytes; unmerged they would be 34 ids
    for (int id : words)
        QVERIFY(id >= 256 || tok->piece(id).size() <= 2);
    QCOMPARE(tok->decode(words), text);
    // The prompt whisper.cpp uses, and --language / --task on a multilingual file.
    auto prompt = model->decoderPrompt("fr", "translate");
    QVERIFY(prompt);
    QCOMPARE(prompt.value(), (std::vector<int>{tok->id("<|fr|>"), tok->id("<|translate|>"), tok->id("<|notimestamps|>")}));
    QVERIFY(!model->decoderPrompt("klingon", ""));
}

void TestGgml::testCli()
{
    for (const char *file : {"ggml-tiny-f16.bin", "ggml-tiny-f32.bin"}) {
        const QString model = QString::fromStdString((kFolder / file).string());
        auto r = testing::runCli({"inspect", model});
        QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
        QVERIFY(r.out.contains(std::string(file).find("f16") != std::string::npos ? "whisper.cpp file (float16)"
                                                                                  : "whisper.cpp file (float32)"));
        QVERIFY(r.out.contains("decoder.layers.0.cross.q.weight"));
    }
}

void TestGgml::testRefusals_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("message");
    QTest::newRow("magic") << "magic" << "no ggml magic";
    QTest::newRow("header cut") << "cut:20" << "truncated";
    QTest::newRow("filters cut") << "cut:2000" << "truncated";
    QTest::newRow("tensor cut") << "cut:-100" << "truncated";
    QTest::newRow("n_vocab absurd") << "int:4:2147483647" << "n_vocab";
    QTest::newRow("n_mels absurd") << "int:40:-5" << "n_mels";
    QTest::newRow("ftype not read") << "int:44:5" << "ftype 5 is a whisper.cpp file type AlignScope does not read";
    QTest::newRow("tensor type not read") << "ttype:5" << "ggml type 5";
    QTest::newRow("quantised rows not whole blocks") << "ttype:8" << "not whole blocks of 32";
    QTest::newRow("filters beyond the file") << "int:52:16384" << "truncated";
    QTest::newRow("vocabulary beyond its rows") << "vocab:1000000" << "vocabulary";
    QTest::newRow("token length absurd") << "token:2147483647" << "token 0";
}

void TestGgml::testRefusals()
{
    QFETCH(QString, change);
    QFETCH(QString, message);
    std::string bytes = fileBytes(kFolder / "ggml-tiny-f16.bin");
    QVERIFY(bytes.size() > 1000);
    auto f = parse(bytes);
    QVERIFY(f);
    const size_t vocabAt = 56 + size_t(f->filterMels) * size_t(f->filterBins) * 4; // magic, 11 fields, 2 sizes, filters
    const QStringList parts = change.split(':');
    if (parts[0] == "magic")
        bytes[0] = 'X';
    else if (parts[0] == "cut")
        bytes.resize(parts[1].toLongLong() < 0 ? bytes.size() + size_t(parts[1].toLongLong()) : size_t(parts[1].toLongLong()));
    else if (parts[0] == "int")
        putInt(bytes, size_t(parts[1].toInt()), std::int32_t(parts[2].toLongLong()));
    else if (parts[0] == "vocab")
        putInt(bytes, vocabAt, parts[1].toInt());
    else if (parts[0] == "token")
        putInt(bytes, vocabAt + 4, std::int32_t(parts[1].toLongLong()));
    else if (parts[0] == "ttype") { // the last tensor's type: n_dims, name length, type, sizes, name, then its data
        const auto &t = f->tensors.back();
        putInt(bytes, size_t(t.offset) - t.name.size() - 4 * (t.shape.size() + 1), parts[1].toInt());
    }
    auto refused = parse(bytes);
    QVERIFY(!refused);
    QCOMPARE(refused.error().kind, ErrorKind::BadFile);
    QVERIFY2(refused.error().message.find(message.toStdString()) != std::string::npos, refused.error().message.c_str());
    QVERIFY(refused.error().message.find('\n') == std::string::npos);

    // The CLI: one line, exit 3.
    QTemporaryDir tmp;
    const QString path = tmp.filePath("ggml-bad.bin");
    std::ofstream(path.toStdString(), std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    auto r = testing::runCli({"inspect", path});
    QCOMPARE(r.code, 3);
    QCOMPARE(r.err.count('\n'), 1);
}

void TestGgml::testQuantised_data()
{
    QTest::addColumn<QString>("file");
    for (const char *type : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0"})
        QTest::newRow(type) << QStringLiteral("ggml-%1.bin").arg(QLatin1String(type));
}

void TestGgml::testQuantised()
{
    // Files quantised by whisper.cpp's own tool; expected.json holds what ggml's own
    // dequantize_row_* make of every quantised tensor (make_ggml_quant_fixtures.py).
    QFETCH(QString, file);
    const fs::path folder = fs::path(ALIGNSCOPE_TEST_DATA_DIR) / "ggml" / "quant";
    const fs::path path = folder / file.toStdString();
    const auto expected = nlohmann::json::parse(fileBytes(folder / "expected.json"))["files"][file.toStdString()];
    QVERIFY(!expected.empty());
    const std::string bytes = fileBytes(path);
    auto f = parse(bytes);
    QVERIFY2(f, f ? "" : f.error().message.c_str());
    int checked = 0;
    for (const auto &t : f->tensors) {
        if (t.type < 2)
            continue;
        const auto &want = expected.at(t.name);
        QCOMPARE(t.type, want["type"].get<int>());
        std::uint64_t elements = 1;
        for (auto d : t.shape)
            elements *= std::uint64_t(d);
        QCOMPARE(elements, want["elements"].get<std::uint64_t>());
        std::vector<float> values(elements);
        ggmlToFloat(t.type, reinterpret_cast<const unsigned char *>(bytes.data()) + t.offset, elements, values.data());
        double sum = 0.0, squares = 0.0;
        for (float v : values) {
            sum += v;
            squares += double(v) * v;
        }
        QVERIFY2(std::abs(sum - want["sum"].get<double>()) <= 1e-9 * std::max(1.0, squares), t.name.c_str());
        QVERIFY2(std::abs(squares - want["sum_of_squares"].get<double>()) <= 1e-9 * squares, t.name.c_str());
        const auto step = want["step"].get<std::uint64_t>();
        for (size_t i = 0; i < want["values"].size(); ++i) { // equal to ggml's, within float rounding of d·q + m
            const double w = want["values"][i].get<double>();
            QVERIFY2(std::abs(values[i * step] - w) <= 1e-6 * std::max(1.0, std::abs(w)), t.name.c_str());
        }
        ++checked;
    }
    QCOMPARE(checked, int(expected.size()));
    // The file opens as a model and transcribes the fixture clip.
    auto opened = openModel(path.string());
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    auto clip = readAudio((kFolder / "audio.wav").string());
    QVERIFY(clip);
    auto source = (*opened)->prepareAudio(clip->samples);
    QVERIFY(source);
    auto trace = translateSource(**opened, std::move(source).value());
    QVERIFY2(trace, trace ? "" : trace.error().message.c_str());
    QVERIFY(!trace->bestPath().empty());
    auto r = testing::runCli({"inspect", QString::fromStdString(path.string())});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QVERIFY(r.out.contains(QStringLiteral("whisper.cpp file (%1, quantised)").arg(file.mid(5, 4)).toUtf8()));
    // Cut inside its quantised blocks: refused in one line.
    auto cut = parse(bytes.substr(0, bytes.size() - 7));
    QVERIFY(!cut);
    QVERIFY(cut.error().message.find("truncated") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestGgml)
#include "testggml.moc"
