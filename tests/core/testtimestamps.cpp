// Word timestamps (core/src/speech): dynamic time warping and the median
// filter by hand and against transformers v4.36.2's own functions, token
// times of the tiny Whisper fixture against generate(return_token_timestamps=True)
// (tests/data/hf/whisper/tiny/timestamps.json, made by
// tests/interop/make_whisper_timestamp_fixtures.py), and Whisper's word
// grouping on a decode built by hand.

#include "alignscope/audio.h"
#include "alignscope/decode.h"
#include "alignscope/huggingface.h"
#include "alignscope/timestamps.h"
#include "common/fixturefiles.h"
#include "speech/dtw_p.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <filesystem>

using namespace alignscope;
using json = nlohmann::json;
namespace fs = std::filesystem;

class TestTimestamps : public QObject {
    Q_OBJECT

private slots:
    void testWarpingByHand();
    void testWarpingAsTransformers();
    void testMedianFilter();
    void testTokenTimesAsTransformers();
    void testDefaultHeads();
    void testWords();
    void testCropAndOffset();
    void testRefusals();
};

namespace {

const fs::path kFolder = ALIGNSCOPE_TEST_DATA_DIR "/hf/whisper/tiny";

json readJson(const fs::path &path)
{
    return testing::readJson(path.string());
}

MatrixX<double> matrixOf(const json &rows)
{
    MatrixX<double> m(Eigen::Index(rows.size()), Eigen::Index(rows[0].size()));
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            m(i, j) = rows[size_t(i)][size_t(j)].get<double>();
    return m;
}

/// A decode built by hand over an audio source of `columns` columns (hop
/// 0.02 s): step t puts its weight on columns [blocks[t], blocks[t + 1]) in
/// each of 2 layers x 2 heads. Pieces "<|..|>" are specials (they decode to
/// nothing), "<eos>" ends it.
DecodeTrace speechTrace(const std::vector<std::string> &pieces, const std::vector<int> &blocks, int columns)
{
    DecodeTrace tr;
    tr.description.layers = 2;
    tr.description.heads = 2;
    tr.source.kind = SourceKind::Audio;
    tr.source.hopSeconds = 0.02;
    for (int j = 0; j < columns; ++j) {
        tr.source.labels.push_back(std::to_string(j));
        tr.source.flags.push_back(0);
    }
    tr.eosId = 2;
    tr.detokenizer = [](const std::vector<std::string> &ps) {
        std::string text;
        for (const std::string &p : ps)
            if (!p.starts_with("<|") && p != "<eos>")
                text += p;
        return text;
    };
    for (size_t t = 0; t < pieces.size(); ++t) {
        DecodeNode node;
        node.step = int(t);
        node.parent = int(t) - 1;
        node.token = pieces[t];
        node.tokenId = pieces[t] == "<eos>" ? 2 : 10 + int(t);
        node.logProb = std::log(t % 2 ? 0.5f : 0.25f);
        node.cross.layers = 2;
        node.cross.heads = 2;
        node.cross.weights = Matrix::Constant(4, columns, 0.001f);
        node.cross.weights.middleCols(blocks[t], blocks[t + 1] - blocks[t]).setConstant(1.0f);
        node.cross.scores = node.cross.weights;
        tr.nodes.push_back(std::move(node));
    }
    tr.hypotheses.push_back({int(pieces.size()) - 1, 0.0, 0.0});
    return tr;
}

} // namespace

void TestTimestamps::testWarpingByHand()
{
    // All costs equal: at (1, 1) every way ties and the path comes from the left, as in the references.
    const auto flat = speech::dynamicTimeWarping(MatrixX<double>::Zero(2, 2));
    QCOMPARE(flat.rows, (std::vector<int>{0, 1, 1}));
    QCOMPARE(flat.columns, (std::vector<int>{0, 0, 1}));
    // A cheap staircase is followed: row 0 over columns 0-1, row 1 over 2, row 2 over 3-4.
    MatrixX<double> stairs = MatrixX<double>::Ones(3, 5);
    stairs(0, 0) = stairs(0, 1) = stairs(1, 2) = stairs(2, 3) = stairs(2, 4) = -1;
    const auto path = speech::dynamicTimeWarping(stairs);
    QCOMPARE(path.rows, (std::vector<int>{0, 0, 1, 2, 2}));
    QCOMPARE(path.columns, (std::vector<int>{0, 1, 2, 3, 4}));
    QCOMPARE(speech::rowStarts(path), (std::vector<int>{0, 2, 3}));
}

void TestTimestamps::testWarpingAsTransformers()
{
    const json fixture = readJson(kFolder / "timestamps.json");
    QVERIFY(!fixture["dtw"].empty());
    for (const json &c : fixture["dtw"]) {
        const auto path = speech::dynamicTimeWarping(matrixOf(c["matrix"]));
        QCOMPARE(path.rows, c["text_indices"].get<std::vector<int>>());
        QCOMPARE(path.columns, c["time_indices"].get<std::vector<int>>());
    }
}

void TestTimestamps::testMedianFilter()
{
    // Reflected edges: 1 5 2 8 3 is read as 5 1 5 2 8 3 8.
    Matrix x(1, 5);
    x << 1, 5, 2, 8, 3;
    Matrix want(1, 5);
    want << 5, 2, 5, 3, 8;
    QCOMPARE(speech::medianFilterRows(x, 3), want);
    const json fixture = readJson(kFolder / "timestamps.json");
    for (const json &c : fixture["median"]) {
        for (size_t b = 0; b < c["input"].size(); ++b) {
            const Matrix got = speech::medianFilterRows(matrixOf(c["input"][b]).cast<float>(), c["width"].get<int>());
            const Matrix expected = matrixOf(c["output"][b]).cast<float>();
            QCOMPARE(got.rows(), expected.rows());
            QCOMPARE(got.cols(), expected.cols());
            QVERIFY((got - expected).cwiseAbs().maxCoeff() == 0.0f);
        }
    }
}

void TestTimestamps::testTokenTimesAsTransformers()
{
    auto opened = openHuggingFaceModel(kFolder.string());
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    const TransformerModel &model = *opened.value();
    auto clip = readAudio((kFolder / "audio.wav").string());
    QVERIFY(clip);
    auto source = model.prepareAudio(clip->samples);
    QVERIFY(source);
    const json fixture = readJson(kFolder / "timestamps.json");
    QCOMPARE(source->axis.audioColumns, fixture["samples"].get<int>() / 160 / 2); // num_frames // 2
    double worst = 0;
    int tokens = 0;
    for (const json &c : fixture["cases"]) {
        const std::string name = c["name"];
        const json &kw = c["generate_kwargs"];
        DecodeOptions options;
        if (kw.contains("language") || kw.contains("task")) {
            auto prompt = model.decoderPrompt(kw.value("language", ""), kw.value("task", ""));
            QVERIFY(prompt);
            options.forcedPrompt = prompt.value();
        }
        if (kw.contains("max_length"))
            options.maxLength = kw["max_length"].get<int>() - 1; // generate() counts <|startoftranscript|>
        auto trace = translateSource(model, source.value(), options);
        QVERIFY2(trace, name.c_str());
        const auto path = trace->bestPath();
        const std::vector<int> ids = c["ids"];
        QCOMPARE(int(path.size()) + 1, int(ids.size()));
        for (size_t t = 0; t < path.size(); ++t)
            QCOMPARE(trace->nodes[size_t(path[t])].tokenId, ids[t + 1]);

        TimestampOptions opts;
        opts.cropToClip = !c["num_frames"].is_null();
        for (const json &h : c["alignment_heads"])
            opts.heads.emplace_back(h[0].get<int>(), h[1].get<int>());
        auto times = wordTimestamps(trace.value(), path, opts);
        QVERIFY2(times, name.c_str());
        QCOMPARE(times->tokens.size(), path.size());
        // token_timestamps[k] (k >= 1) is when step k - 1's token starts; [0] is <|startoftranscript|>'s 0.
        const std::vector<double> want = c["token_timestamps"];
        for (size_t t = 0; t < path.size(); ++t) {
            const TimedToken &tok = times->tokens[t];
            QCOMPARE(tok.column, int(std::lround(want[t + 1] / 0.02)));
            worst = std::max(worst, std::abs(tok.start - want[t + 1]));
            ++tokens;
        }
    }
    qInfo("token timestamps of %d tokens in %d cases: max |diff| %.3g s against transformers", tokens,
          int(fixture["cases"].size()), worst);
    QVERIFY(worst <= 1e-4);
}

void TestTimestamps::testDefaultHeads()
{
    ModelDescription d;
    d.layers = 4;
    d.heads = 2;
    QCOMPARE(timestampHeads(d), (std::vector<std::pair<int, int>>{{2, 0}, {2, 1}, {3, 0}, {3, 1}}));
    d.alignmentHeads = {{3, 1}};
    QCOMPARE(timestampHeads(d), d.alignmentHeads);
}

void TestTimestamps::testWords()
{
    // Column blocks of 10 (0.2 s) per step; "yes" is 60 columns long.
    const DecodeTrace tr = speechTrace({"<|en|>", " Hello", ",", " wor", "ld", "!", " (", "yes", ")", "<eos>"},
                                       {0, 10, 20, 30, 40, 50, 60, 70, 130, 140, 150}, 150);
    auto times = wordTimestamps(tr, tr.bestPath());
    QVERIFY2(times, times ? "" : times.error().message.c_str());
    QCOMPARE(times->heads, (std::vector<std::pair<int, int>>{{1, 0}, {1, 1}})); // no alignment heads: the upper half
    const std::vector<int> starts{0, 10, 20, 30, 40, 50, 60, 70, 130, 140};
    for (size_t t = 0; t < starts.size(); ++t) {
        QCOMPARE(times->tokens[t].column, starts[t]);
        QCOMPARE(times->tokens[t].start, starts[t] * 0.02);
    }
    QVERIFY(times->tokens[0].special && times->tokens[9].special && !times->tokens[1].special);
    QCOMPARE(times->tokens[9].end, 150 * 0.02);
    QCOMPARE(times->tokens[3].probability, 0.5f);
    // " Hello" "," " wor|ld" "!" " (|yes" ")": closing marks join the word before; " (yes" follows a
    // sentence end and is longer than twice the median word (0.2 s), so it starts 0.4 s before its end.
    QCOMPARE(times->words.size(), size_t(3));
    QCOMPARE(times->words[0].text, std::string(" Hello,"));
    QCOMPARE(times->words[1].text, std::string(" world!"));
    QCOMPARE(times->words[2].text, std::string(" (yes)"));
    QCOMPARE(times->words[1].tokens, (std::vector<int>{3, 4, 5}));
    QVERIFY(std::abs(times->words[0].start - 0.2) < 1e-12 && std::abs(times->words[0].end - 0.4) < 1e-12);
    QVERIFY(std::abs(times->words[1].start - 0.6) < 1e-12 && std::abs(times->words[1].end - 1.0) < 1e-12);
    QVERIFY(std::abs(times->words[2].start - 2.2) < 1e-12 && std::abs(times->words[2].end - 2.6) < 1e-12);
    QCOMPARE(times->words[1].probability, (0.5f + 0.25f) / 2); // " wor", "ld"

    // An opening quote with a space joins the word after it; zh is split per character.
    const DecodeTrace quote = speechTrace({" said", " \"", " Hi", "<eos>"}, {0, 10, 20, 30, 40}, 40);
    auto q = wordTimestamps(quote, quote.bestPath());
    QVERIFY(q);
    QCOMPARE(q->words.size(), size_t(2));
    QCOMPARE(q->words[1].text, std::string(" \" Hi"));
    QCOMPARE(q->words[1].start, 0.4); // " Hi"'s own start
    const DecodeTrace zh = speechTrace({"<|zh|>", "\xE4\xBD\xA0", "\xE5\xA5\xBD", "<eos>"}, {0, 10, 20, 30, 40}, 40);
    auto z = wordTimestamps(zh, zh.bestPath());
    QVERIFY(z);
    QCOMPARE(z->words.size(), size_t(2));
}

void TestTimestamps::testCropAndOffset()
{
    DecodeTrace tr = speechTrace({" a", " b", "<eos>"}, {0, 10, 20, 30}, 60);
    tr.source.audioColumns = 30; // the clip fills 30 columns, the rest is padding
    tr.source.firstFrameSeconds = 30.0; // the second window of a long clip
    auto cropped = wordTimestamps(tr, tr.bestPath());
    QVERIFY(cropped);
    QCOMPARE(cropped->tokens.back().end, 30.0 + 30 * 0.02);
    QCOMPARE(cropped->words[1].start, 30.0 + 10 * 0.02);
    TimestampOptions all;
    all.cropToClip = false;
    auto whole = wordTimestamps(tr, tr.bestPath(), all);
    QVERIFY(whole);
    QCOMPARE(whole->tokens.back().end, 30.0 + 60 * 0.02);
}

void TestTimestamps::testRefusals()
{
    DecodeTrace tr = speechTrace({" a", "<eos>"}, {0, 10, 20}, 20);
    TimestampOptions bad;
    bad.heads = {{2, 0}};
    auto outside = wordTimestamps(tr, tr.bestPath(), bad);
    QVERIFY(!outside && outside.error().kind == ErrorKind::Usage);
    bad.heads.clear();
    bad.medianFilterWidth = 4;
    QVERIFY(!wordTimestamps(tr, tr.bestPath(), bad));
    tr.source.kind = SourceKind::Text;
    auto text = wordTimestamps(tr, tr.bestPath());
    QVERIFY(!text && text.error().message.find("audio") != std::string::npos);
    auto empty = wordTimestamps(speechTrace({" a", "<eos>"}, {0, 10, 20}, 20), {});
    QVERIFY(empty && empty->tokens.empty() && empty->words.empty());
}

QTEST_APPLESS_MAIN(TestTimestamps)
#include "testtimestamps.moc"
