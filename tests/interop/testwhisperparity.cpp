// Hugging Face Whisper folders against transformers v4.36.2 itself
// (tests/data/hf/whisper/tiny, made by make_whisper_model_fixtures.py): the
// WhisperTokenizer's ids and decoded text, config.json and
// generation_config.json read as generate() reads them, and (once the
// model runs) the greedy decode of the fixture's clip: tokens identical,
// every layer's and head's cross-attention and the log-probabilities within
// 1e-4 at every step.

#include "alignscope/hftokenizer.h"
#include "hf/hfconfig_p.h"

#include <nlohmann/json.hpp>

#include <QtTest>

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

QTEST_APPLESS_MAIN(TestWhisperParity)
#include "testwhisperparity.moc"
