// Hugging Face Whisper folders against transformers v4.36.2 itself
// (tests/data/hf/whisper/tiny, made by make_whisper_model_fixtures.py): the
// WhisperTokenizer's ids and decoded text, config.json and
// generation_config.json read as generate() reads them, and (once the
// model runs) the greedy decode of the fixture's clip: tokens identical,
// every layer's and head's cross-attention and the log-probabilities within
// 1e-4 at every step.

#include "alignscope/audio.h"
#include "alignscope/decode.h"
#include "alignscope/hftokenizer.h"
#include "alignscope/huggingface.h"
#include "alignscope/timestamps.h"
#include "common/clirun.h"
#include "hf/hfconfig_p.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace alignscope;
using json = nlohmann::json;
namespace fs = std::filesystem;

class TestWhisperParity : public QObject {
    Q_OBJECT

private slots:
    void testTokenizerEncode();
    void testTokenizerDecode();
    void testConfig();
    void testAbsurdConfigRefused();
    void testLanguageAndTask();
    void testDecode_data();
    void testDecode();
    void testTimestampTokens();
    void testCliAudio();
    void testCliTimestamps();
    void testCliRefusals_data();
    void testCliRefusals();
};

namespace {

const fs::path kFolder = ALIGNSCOPE_TEST_DATA_DIR "/hf/whisper/tiny";

json readJson(const fs::path &path)
{
    std::ifstream in(path);
    return in ? json::parse(in) : json();
}

std::string readText(const fs::path &path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

constexpr double kTolerance = 1e-4;

/// A copy of the fixture folder without `drop` (to open the other weight format).
fs::path copyWithout(const QTemporaryDir &tmp, const std::string &drop)
{
    const fs::path to = fs::path(tmp.path().toStdString()) / "tiny";
    fs::create_directories(to);
    for (const auto &entry : fs::directory_iterator(kFolder))
        if (entry.path().filename() != drop)
            fs::copy_file(entry.path(), to / entry.path().filename(), fs::copy_options::overwrite_existing);
    return to;
}

/// expected-cross-attention.f32: [step][layer][head][source] little-endian float32.
std::vector<float> readFloats(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<float> out(bytes.size() / 4);
    std::memcpy(out.data(), bytes.data(), out.size() * 4);
    return out;
}

std::unique_ptr<HfTokenizer> tokenizer()
{
    auto loaded = loadHfTokenizer(kFolder.string(), "whisper");
    if (!loaded)
        qFatal("%s", loaded.error().message.c_str());
    return std::move(loaded.value());
}

} // namespace

void TestWhisperParity::testTokenizerEncode()
{
    const auto tok = tokenizer();
    const json expected = readJson(kFolder / "expected.json");
    QCOMPARE(tok->size(), expected["vocab_size"].get<int>());
    for (const json &c : expected["tokenizer"]["encode"]) {
        const auto coded = tok->encode(c["text"].get<std::string>());
        QVERIFY(coded);
        QCOMPARE(coded->ids, c["ids"].get<std::vector<int>>());
    }
}

void TestWhisperParity::testTokenizerDecode()
{
    const auto tok = tokenizer();
    const json expected = readJson(kFolder / "expected.json");
    for (const json &c : expected["tokenizer"]["decode"])
        QCOMPARE(tok->decode(c["ids"].get<std::vector<int>>(), c["skip_special"].get<bool>()),
                 c["text"].get<std::string>());
    for (const json &c : expected["cases"]) {
        std::vector<int> ids{expected["decoder_start_token_id"].get<int>()};
        for (int id : c["generated_ids"])
            ids.push_back(id);
        QCOMPARE(tok->decode(ids, true), c["decoded_text"].get<std::string>());
        QCOMPARE(tok->decode(ids, false), c["decoded_with_specials"].get<std::string>());
    }
    // Specials of the framing: <|endoftext|> is bos, eos and unk; <|startoftranscript|> and the languages are special.
    const auto s = tok->specials();
    QCOMPARE(s.eos, expected["eos_token_id"].get<int>());
    QVERIFY(tok->isSpecial(expected["decoder_start_token_id"].get<int>()));
    QVERIFY(tok->isSpecial(tok->id("<|fr|>")));
    QVERIFY(!tok->isSpecial(tok->id("<|1.24|>")));
}

void TestWhisperParity::testConfig()
{
    auto parsed = hf::parseConfig(readText(kFolder / "config.json"), readText(kFolder / "generation_config.json"));
    QVERIFY2(parsed, parsed ? "" : parsed.error().message.c_str());
    const hf::ModelConfig &c = parsed.value();
    QCOMPARE(c.family, hf::Family::Whisper);
    QCOMPARE(c.spec.melBins, 80);
    QCOMPARE(c.spec.sourcePositions, 1500);
    QCOMPARE(c.spec.maxPositions, 448);
    QCOMPARE(c.spec.dModel, 32);
    QVERIFY(c.spec.preNorm && !c.spec.keyBias && !c.spec.outputBias && c.spec.tiedOutput);
    const auto tok = tokenizer();
    QCOMPARE(c.decoderStart, tok->id("<|startoftranscript|>"));
    // config.json's forced ids win over generation_config.json's, as in generate().
    QCOMPARE(c.whisper.forcedPrompt, (std::vector<int>{tok->id("<|en|>"), tok->id("<|transcribe|>"),
                                                        tok->id("<|notimestamps|>")}));
    QCOMPARE(c.whisper.beginSuppressed, (std::vector<int>{tok->id("\u0120"), tok->id("<|endoftext|>")}));
    QCOMPARE(c.whisper.languages.at("<|fr|>"), tok->id("<|fr|>"));
    QCOMPARE(c.whisper.tasks.at("translate"), tok->id("<|translate|>"));
    QCOMPARE(c.whisper.noTimestamps, tok->id("<|notimestamps|>"));
    QCOMPARE(c.whisper.alignmentHeads.size(), size_t(3));
    QCOMPARE(c.generation.maxLength, 11); // max_length 12 counts the start token
    QCOMPARE(c.generation.suppressed.size(), size_t(22));

    // Without config.json's forced ids, generation_config.json's (1, None), (2, <|transcribe|>).
    json config = readJson(kFolder / "config.json");
    config.erase("forced_decoder_ids");
    auto own = hf::parseConfig(config.dump(), readText(kFolder / "generation_config.json"));
    QVERIFY(own);
    QCOMPARE(own->whisper.forcedPrompt, (std::vector<int>{-1, tok->id("<|transcribe|>")}));
    // whisper-tiny's real defaults when generation_config.json says nothing of length.
    json generation = readJson(kFolder / "generation_config.json");
    generation["max_length"] = 448;
    auto real = hf::parseConfig(config.dump(), generation.dump());
    QVERIFY(real);
    QCOMPARE(real->generation.maxLength, 447);
}

void TestWhisperParity::testAbsurdConfigRefused()
{
    json config = readJson(kFolder / "config.json");
    const auto refused = [&](const char *key, long long value) {
        json c = config;
        c[key] = value;
        auto parsed = hf::parseConfig(c.dump(), "");
        return !parsed && parsed.error().kind == ErrorKind::BadFile &&
               parsed.error().message.find(key) != std::string::npos;
    };
    QVERIFY(refused("num_mel_bins", 1 << 20));
    QVERIFY(refused("max_source_positions", 1LL << 40));
    QVERIFY(refused("max_target_positions", -1));
    QVERIFY(refused("d_model", 1 << 20));
    json c = config;
    c["forced_decoder_ids"] = json::array({json::array({1, 1 << 30})});
    QVERIFY(!hf::parseConfig(c.dump(), ""));
}

void TestWhisperParity::testLanguageAndTask()
{
    auto parsed = hf::parseConfig(readText(kFolder / "config.json"), readText(kFolder / "generation_config.json"));
    QVERIFY(parsed);
    const hf::WhisperGeneration &w = parsed->whisper;
    // Each fixture case's generate(language=, task=) prompt, as transformers forced it (null: the model's choice).
    const json expected = readJson(kFolder / "expected.json");
    for (const json &c : expected["cases"]) {
        const json &kw = c["generate_kwargs"];
        auto prompt = hf::whisperPrompt(w, kw.value("language", ""), kw.value("task", ""));
        QVERIFY2(prompt, c["name"].get<std::string>().c_str());
        std::vector<int> want;
        for (const json &id : c["prompt"])
            want.push_back(id.is_null() ? -1 : id.get<int>());
        QCOMPARE(prompt.value(), want);
    }
    const auto tok = tokenizer();
    auto es = hf::whisperPrompt(w, "<|es|>", "");
    QVERIFY(es);
    QCOMPARE(es->front(), tok->id("<|es|>"));
    auto castilian = hf::whisperPrompt(w, "Castilian", "translate");
    QVERIFY(castilian);
    QCOMPARE(castilian.value(), (std::vector<int>{tok->id("<|es|>"), tok->id("<|translate|>"), tok->id("<|notimestamps|>")}));
    auto unknown = hf::whisperPrompt(w, "klingon", "");
    QVERIFY(!unknown && unknown.error().kind == ErrorKind::Usage);
    QVERIFY(unknown.error().message.find("klingon") != std::string::npos);
    QVERIFY(unknown.error().message.find("fr") != std::string::npos); // names what the model knows
    auto japanese = hf::whisperPrompt(w, "ja", ""); // a Whisper language this folder's lang_to_id lacks
    QVERIFY(!japanese);
    auto task = hf::whisperPrompt(w, "", "summarise");
    QVERIFY(!task && task.error().message.find("transcribe, translate") != std::string::npos);
}

void TestWhisperParity::testDecode_data()
{
    QTest::addColumn<QString>("drop");
    QTest::newRow("model.safetensors") << "pytorch_model.bin";
    QTest::newRow("pytorch_model.bin") << "model.safetensors";
}

void TestWhisperParity::testDecode()
{
    QFETCH(QString, drop);
    QTemporaryDir tmp;
    const fs::path folder = copyWithout(tmp, drop.toStdString());
    auto opened = openHuggingFaceModel(folder.string());
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    const TransformerModel &model = *opened.value();
    QVERIFY(model.description().sourceKind == SourceKind::Audio);
    QCOMPARE(model.description().alignmentHeads, (std::vector<std::pair<int, int>>{{1, 0}, {1, 2}, {1, 3}}));
    auto clip = readAudio((kFolder / "audio.wav").string());
    QVERIFY(clip);
    auto source = model.prepareAudio(clip->samples);
    QVERIFY2(source, source ? "" : source.error().message.c_str());
    const json expected = readJson(kFolder / "expected.json");
    const int n = expected["source_positions"].get<int>(), L = expected["layers"].get<int>(),
              H = expected["heads"].get<int>();
    QVERIFY(source->axis.kind == SourceKind::Audio);
    QCOMPARE(source->axis.size(), n);
    QCOMPARE(source->axis.hopSeconds, 0.02);
    QCOMPARE(source->axis.labels[62], std::string("1.24 s"));
    QCOMPARE(source->axis.spectrogram.rows(), Eigen::Index(80));
    QCOMPARE(source->axis.spectrogram.cols(), Eigen::Index(3000));
    QVERIFY(!model.prepareSource("the lamp at dusk")); // an audio model given text

    const std::vector<float> cross = readFloats(kFolder / "expected-cross-attention.f32");
    double worstCross = 0, worstLogProb = 0;
    for (const json &c : expected["cases"]) {
        const std::string name = c["name"];
        // generate(language=, task=)'s decode: the same ids.
        DecodeOptions options;
        const json &kw = c["generate_kwargs"];
        if (kw.contains("language") || kw.contains("task")) {
            auto prompt = model.decoderPrompt(kw.value("language", ""), kw.value("task", ""));
            QVERIFY(prompt);
            options.forcedPrompt = prompt.value();
        }
        // generate(suppress_tokens=, begin_suppress_tokens=): the settings a generation_config.json may hold.
        TransformerModel decoder(model);
        GenerationDefaults g = decoder.generation();
        if (kw.contains("suppress_tokens")) {
            g.suppressed = kw["suppress_tokens"].get<std::vector<int>>();
            g.beginSuppressed = kw["begin_suppress_tokens"].get<std::vector<int>>();
            QVERIFY(g.suppressed != model.generation().suppressed);
        }
        decoder.setGeneration(g);
        auto trace = translateSource(decoder, source.value(), options);
        QVERIFY2(trace, name.c_str());
        std::vector<int> ids;
        for (int node : trace->bestPath())
            ids.push_back(trace->nodes[size_t(node)].tokenId);
        QVERIFY2(ids == c["generated_ids"].get<std::vector<int>>(), name.c_str());
        QCOMPARE(trace->translation(trace->bestPath()), c["decoded_text"].get<std::string>());

        // Each step fed transformers' token: log-probabilities of the raw logits, and (default case) every
        // layer's and head's cross-attention row.
        const auto memory = model.encode(source.value());
        DecoderStatePtr state = model.initialState(*memory);
        const json &steps = c["steps"];
        for (size_t t = 0; t < steps.size(); ++t) {
            const StepOutput out = model.step(*memory, *state, steps[t]["input_token_id"].get<int>(), int(t));
            const std::vector<double> want = steps[t]["log_probs"].get<std::vector<double>>();
            QCOMPARE(out.logProbs.size(), Eigen::Index(want.size()));
            for (size_t v = 0; v < want.size(); ++v)
                worstLogProb = std::max(worstLogProb, std::abs(double(out.logProbs[Eigen::Index(v)]) - want[v]));
            if (name == "default") {
                QCOMPARE(out.cross.layers, L);
                QCOMPARE(out.cross.heads, H);
                for (int l = 0; l < L; ++l)
                    for (int h = 0; h < H; ++h)
                        for (int j = 0; j < n; ++j) {
                            const float w = cross[((t * size_t(L) + size_t(l)) * size_t(H) + size_t(h)) * size_t(n) + size_t(j)];
                            worstCross = std::max(worstCross, std::abs(double(out.cross.weights(out.cross.rowOf(l, h), j)) - w));
                            // The decode's own trace holds the same rows.
                            QCOMPARE(trace->nodes[t].cross.weights(out.cross.rowOf(l, h), j), out.cross.weights(out.cross.rowOf(l, h), j));
                        }
            }
            state = out.next;
        }
    }
    qInfo("max |diff|: cross-attention %.3g, log-probabilities %.3g", worstCross, worstLogProb);
    QVERIFY2(worstCross < kTolerance, qPrintable(QString::number(worstCross)));
    QVERIFY2(worstLogProb < kTolerance, qPrintable(QString::number(worstLogProb)));
}

// generate(return_timestamps=True) (timestamp-tokens.json, made by
// make_whisper_timestamp_token_fixtures.py): greedy and beam, the ids it
// returns (WhisperTimeStampLogitsProcessor's rules), the text and the
// tokenizer's offsets as segments.
void TestWhisperParity::testTimestampTokens()
{
    auto opened = openHuggingFaceModel(kFolder.string());
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    const TransformerModel &model = *opened.value();
    const json expected = readJson(kFolder / "timestamp-tokens.json");
    QCOMPARE(model.generation().noTimestamps + 1, expected["timestamp_begin"].get<int>());
    QCOMPARE(model.generation().maxInitialTimestamp, expected["max_initial_timestamp_index"].get<int>());
    auto clip = readAudio((kFolder / "audio.wav").string());
    QVERIFY(clip);
    auto source = model.prepareAudio(clip->samples);
    QVERIFY(source);
    for (const json &c : expected["cases"]) {
        const std::string name = c["name"];
        const json &kw = c["generate_kwargs"];
        DecodeOptions options;
        options.timestamps = true;
        options.maxLength = kw["max_length"].get<int>() - 1; // max_length counts <|startoftranscript|>
        options.beamWidth = kw.value("num_beams", 1);
        if (kw.contains("language") || kw.contains("task")) {
            auto prompt = model.decoderPrompt(kw.value("language", ""), kw.value("task", ""));
            QVERIFY(prompt);
            options.forcedPrompt = prompt.value();
        }
        auto trace = translateSource(model, source.value(), options);
        QVERIFY2(trace, name.c_str());
        QCOMPARE(trace->timestampBegin, expected["timestamp_begin"].get<int>());
        const std::vector<int> path = trace->bestPath();
        std::vector<int> ids{model.targetSpecials().sos}; // generate()'s sequences start with it
        for (int node : path)
            ids.push_back(trace->nodes[size_t(node)].tokenId);
        QVERIFY2(ids == c["ids"].get<std::vector<int>>(), name.c_str());
        QCOMPARE(trace->translation(path), c["decoded_text"].get<std::string>());
        const std::vector<TimedSegment> segments = timestampSegments(trace.value(), path);
        QCOMPARE(segments.size(), c["offsets"].size());
        for (size_t i = 0; i < segments.size(); ++i) {
            const json &o = c["offsets"][i];
            QCOMPARE(segments[i].text, o["text"].get<std::string>());
            QVERIFY(std::abs(segments[i].start - o["start"].get<double>()) < 1e-9);
            QVERIFY(std::abs(segments[i].end - o["end"].get<double>()) < 1e-9);
            QVERIFY(segments[i].firstStep < segments[i].lastStep);
        }
    }
    // Without the option the same clip keeps <|notimestamps|> in its prompt and emits no timestamps.
    auto plain = translateSource(model, source.value(), {});
    QVERIFY(plain);
    for (int node : plain->bestPath())
        QVERIFY(plain->nodes[size_t(node)].tokenId < plain->timestampBegin);
    QVERIFY(timestampSegments(plain.value(), plain->bestPath()).empty());
}

void TestWhisperParity::testCliAudio()
{
    const json expected = readJson(kFolder / "expected.json");
    const QString model = QString::fromStdString(kFolder.string());
    const QString audio = QString::fromStdString((kFolder / "audio.wav").string());
    auto text = [&](const json &c) { return QByteArray::fromStdString(c["decoded_text"].get<std::string>() + "\n"); };
    auto r = testing::runCli({"translate", "--model", model, "--audio", audio});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QCOMPARE(r.out, text(expected["cases"][0]));
    r = testing::runCli({"translate", "--model", model, "--audio", audio, "--language", "fr", "--task", "translate"});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QCOMPARE(r.out, text(expected["cases"][1]));
    // --prefix forces the transcript's start after Whisper's own prompt (language, task, no timestamps).
    for (const int c : {0, 1}) {
        QStringList args{"translate", "--model", model, "--audio", audio, "--prefix", "ab", "--json"};
        if (c == 1)
            args << "--language" << "fr" << "--task" << "translate";
        r = testing::runCli(args);
        QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
        const json forced = json::parse(r.out.toStdString());
        const json &ids = expected["cases"][size_t(c)]["generated_ids"];
        for (size_t t = 0; t < 3; ++t) // the prompt, as without a prefix
            QCOMPARE(forced["steps"][t]["token_id"].get<int>(), ids[t].get<int>());
        QCOMPARE(forced["steps"][3]["token"].get<std::string>(), std::string("a"));
        QCOMPARE(forced["steps"][4]["token"].get<std::string>(), std::string("b"));
        QVERIFY(forced["steps"][3]["forced"].get<bool>() && forced["steps"][4]["forced"].get<bool>());
    }
    r = testing::runCli({"translate", "--model", model, "--audio", audio, "--prefix", "ab"});
    QVERIFY2(r.code == 0 && r.out.startsWith("ab"), qPrintable(testing::describe(r)));
    // compare --target forces a whole transcript on every model, after the same prompt.
    r = testing::runCli({"compare", "--models", model, model, "--audio", audio, "--target", "ab", "--json"});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    const json compared = json::parse(r.out.toStdString());
    QCOMPARE(compared.size(), size_t(2));
    for (const json &row : compared) {
        QCOMPARE(row["summary"]["translation"].get<std::string>(), std::string("ab"));
        const json &steps = row["trace"]["steps"];
        const json &ids = expected["cases"][0]["generated_ids"];
        for (size_t t = 0; t < 3; ++t)
            QCOMPARE(steps[t]["token_id"].get<int>(), ids[t].get<int>());
        QVERIFY(steps.back()["forced"].get<bool>()); // to the end: <|endoftext|>
        QCOMPARE(steps.size(), size_t(6));
    }
    r = testing::runCli({"translate", "--model", model, "--audio", audio, "--beam", "3"}); // beams keep the prompt
    QVERIFY2(r.code == 0 && !r.out.isEmpty(), qPrintable(testing::describe(r)));
    r = testing::runCli({"translate", "--model", model, "--audio", audio, "--json"});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    const json trace = json::parse(r.out.toStdString());
    QCOMPARE(trace["source"]["kind"].get<std::string>(), std::string("audio"));
    QCOMPARE(trace["source"]["hop_seconds"].get<double>(), 0.02);
    QCOMPARE(trace["source_tokens"].size(), size_t(1500));
    const json &c = expected["cases"][0];
    QCOMPARE(trace["steps"].size(), c["generated_ids"].size());
    for (size_t t = 0; t < trace["steps"].size(); ++t)
        QCOMPARE(trace["steps"][t]["token_id"].get<int>(), c["generated_ids"][t].get<int>());
    const json &ca = trace["steps"][3]["cross_attention"];
    QCOMPARE(ca.size(), size_t(2));
    QCOMPARE(ca[0].size(), size_t(4));
    QCOMPARE(ca[0][0].size(), size_t(1500));
    QVERIFY(trace["steps"][1]["forced"].get<bool>()); // <|transcribe|>, forced though suppressed
    QVERIFY(trace["steps"][1]["log_prob"].is_number());
}

// translate --timestamps: openai/whisper's segment lines, the trace JSON's
// segments (the tokenizer's offsets), subtitles cut at the model's times.
void TestWhisperParity::testCliTimestamps()
{
    const json expected = readJson(kFolder / "timestamp-tokens.json");
    const json &c = expected["cases"][0]; // greedy, max_length 40
    QCOMPARE(c["offsets"].size(), size_t(1));
    const json &o = c["offsets"][0];
    const QString model = QString::fromStdString(kFolder.string());
    const QString audio = QString::fromStdString((kFolder / "audio.wav").string());
    const QStringList base{"translate", "--model", model, "--audio", audio, "--timestamps", "--max-length", "39"};
    auto r = testing::runCli(base);
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    const QStringList lines = QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2); // the segment, then the text after its closing time, to the clip's end (2.5 s)
    QCOMPARE(lines[0], "[00:00.020 --> 00:01.620] " + QString::fromStdString(o["text"].get<std::string>()).trimmed());
    QVERIFY2(lines[1].startsWith("[00:01.620 --> 00:02.500] "), qPrintable(lines[1]));
    r = testing::runCli(QStringList(base) << "--json");
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    const json j = json::parse(r.out.toStdString());
    QCOMPARE(j["segments"].size(), size_t(1));
    QCOMPARE(j["segments"][0]["text"], o["text"]);
    QCOMPARE(j["segments"][0]["start"].get<double>(), o["start"].get<double>());
    QCOMPARE(j["segments"][0]["end"].get<double>(), o["end"].get<double>());
    QCOMPARE(j["target_tokens"][2].get<std::string>(), std::string("<|0.02|>"));
    // Subtitles: the folder's 11-token limit leaves one opening time; its text runs to the clip's end.
    r = testing::runCli({"export", "--model", model, "--audio", audio, "--timestamps", "--format", "srt"});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QVERIFY2(r.out.startsWith("1\n00:00:00,020 --> 00:00:02,500\n"), r.out.constData());
    // Models without timestamp tokens, and text, are refused with the reason.
    r = testing::runCli({"translate", "--model", "speech", "--audio", audio, "--timestamps"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("no timestamp tokens"));
    r = testing::runCli({"translate", "--model", model, "--timestamps", "the lamp"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--audio"));
}

void TestWhisperParity::testCliRefusals_data()
{
    QTest::addColumn<QString>("config");   // a key of config.json set to an absurd value ("" : the fixture's)
    QTest::addColumn<QStringList>("args"); // after translate --model FOLDER; AUDIO is the fixture's clip
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("says");
    QTest::newRow("audio model given text") << "" << QStringList{"the lamp at dusk"} << 2 << "--audio";
    QTest::newRow("sentence and audio") << "" << QStringList{"--audio", "AUDIO", "the lamp"} << 2 << "not both";
    QTest::newRow("not audio") << "" << QStringList{"--audio", ALIGNSCOPE_TEST_DATA_DIR "/audio/not-audio.wav"} << 3
                               << "not-audio.wav";
    QTest::newRow("missing clip") << "" << QStringList{"--audio", "/nonexistent/clip.wav"} << 3 << "clip.wav";
    QTest::newRow("unknown language") << "" << QStringList{"--audio", "AUDIO", "--language", "klingon"} << 2
                                      << "klingon";
    QTest::newRow("prefix with a clip of two windows") << "" << QStringList{"--audio", "LONG", "--prefix", "the"} << 2
                                                       << "2 windows";
    QTest::newRow("unknown task") << "" << QStringList{"--audio", "AUDIO", "--task", "summarise"} << 2 << "summarise";
    QTest::newRow("absurd mel bins") << "num_mel_bins" << QStringList{"--audio", "AUDIO"} << 3 << "num_mel_bins";
    QTest::newRow("absurd source positions") << "max_source_positions" << QStringList{"--audio", "AUDIO"} << 3
                                             << "max_source_positions";
    QTest::newRow("absurd width") << "d_model" << QStringList{"--audio", "AUDIO"} << 3 << "d_model";
    QTest::newRow("features of another window") << "preprocessor" << QStringList{"--audio", "AUDIO"} << 3
                                                << "preprocessor_config.json";
    QTest::newRow("weights of another model") << "conv" << QStringList{"--audio", "AUDIO"} << 3 << "has no tensor";
    QTest::newRow("text model given audio") << "bart" << QStringList{"--audio", "AUDIO"} << 2 << "reads text";
    QTest::newRow("text model given a language") << "bart" << QStringList{"--language", "fr", "the heron"} << 2
                                                 << "--language";
}

void TestWhisperParity::testCliRefusals()
{
    QFETCH(QString, config);
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, says);
    QTemporaryDir tmp;
    fs::path folder = kFolder;
    if (config == "bart") {
        folder = fs::path(ALIGNSCOPE_TEST_DATA_DIR) / "hf" / "models" / "bart";
    } else if (config == "preprocessor") { // 10 s windows: 1000 frames where the encoder reads 3000
        folder = copyWithout(tmp, "pytorch_model.bin");
        json c = readJson(folder / "preprocessor_config.json");
        c["chunk_length"] = 10;
        c.erase("n_samples");
        c.erase("nb_max_frames");
        std::ofstream(folder / "preprocessor_config.json") << c.dump();
    } else if (config == "conv") { // a config.json that is not this folder's: no conv1 in the weights
        folder = copyWithout(tmp, "model.safetensors");
        fs::copy_file(fs::path(ALIGNSCOPE_TEST_DATA_DIR) / "hf" / "models" / "bart" / "pytorch_model.bin",
                      folder / "pytorch_model.bin", fs::copy_options::overwrite_existing);
    } else if (!config.isEmpty()) {
        folder = copyWithout(tmp, "pytorch_model.bin");
        json c = readJson(folder / "config.json");
        c[config.toStdString()] = 1LL << 40;
        std::ofstream(folder / "config.json") << c.dump();
    }
    QStringList all{"translate", "--model", QString::fromStdString(folder.string())};
    const QString longClip = tmp.filePath("45-seconds.wav");
    if (args.contains("LONG")) { // 45 s of silence, 16-bit mono: two 30 s windows
        const std::uint32_t bytes = 16000 * 45 * 2;
        std::ofstream wav(longClip.toStdString(), std::ios::binary);
        auto u32 = [&](std::uint32_t v) { wav.write(reinterpret_cast<const char *>(&v), 4); };
        auto u16 = [&](std::uint16_t v) { wav.write(reinterpret_cast<const char *>(&v), 2); };
        wav << "RIFF";
        u32(36 + bytes);
        wav << "WAVEfmt ";
        u32(16), u16(1), u16(1), u32(16000), u32(32000), u16(2), u16(16);
        wav << "data";
        u32(bytes);
        wav << std::string(bytes, '\0');
    }
    for (const QString &a : args)
        all << (a == "AUDIO" ? QString::fromStdString((kFolder / "audio.wav").string()) : a == "LONG" ? longClip : a);
    const auto r = testing::runCli(all);
    QVERIFY2(r.code == code, qPrintable(testing::describe(r)));
    QVERIFY2(r.err.count('\n') == 1 && r.err.contains(says.toUtf8()), qPrintable(testing::describe(r)));
    QVERIFY(r.out.isEmpty());
}

QTEST_APPLESS_MAIN(TestWhisperParity)
#include "testwhisperparity.moc"
