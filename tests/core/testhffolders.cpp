// Hostile and broken Hugging Face folders: each is refused with one line
// that names what is wrong (BadFile, exit 3 in the CLI), before anything
// large is allocated, and nothing outside the folder is read. The folders
// are copies of the parity fixtures (tests/data/hf/models) with one thing
// broken.

#include "alignscope/huggingface.h"
#include "common/clirun.h"
#include "hf/hfconfig_p.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace alignscope;
using json = nlohmann::json;
namespace fs = std::filesystem;

class TestHfFolders : public QObject {
    Q_OBJECT

private slots:
    void testRefused_data();
    void testRefused();
    void testConfigDefaults();
    void testCache();
    void testProgressAndCancel();
    void testCliExitCode();
};

namespace {

const fs::path kFixtures = ALIGNSCOPE_TEST_DATA_DIR "/hf/models";

json readJson(const fs::path &path)
{
    std::ifstream in(path);
    return json::parse(in);
}

void writeText(const fs::path &path, const std::string &text) { std::ofstream(path, std::ios::binary) << text; }

fs::path copyOf(const QTemporaryDir &tmp, const std::string &fixture)
{
    const fs::path to = fs::path(tmp.path().toStdString()) / fixture;
    fs::create_directories(to);
    for (const auto &e : fs::directory_iterator(kFixtures / fixture))
        fs::copy_file(e.path(), to / e.path().filename());
    return to;
}

void editConfig(const fs::path &folder, const std::function<void(json &)> &edit)
{
    json c = readJson(folder / "config.json");
    edit(c);
    writeText(folder / "config.json", c.dump());
}

/// One broken folder: which fixture, what to break, and what the error must say.
struct Case {
    const char *name;
    const char *fixture;
    std::function<void(const fs::path &)> breakIt;
    const char *says;
};

std::vector<Case> cases()
{
    auto config = [](std::function<void(json &)> edit) {
        return [edit](const fs::path &f) { editConfig(f, edit); };
    };
    auto writeIndex = [](const json &weightMap) {
        return [weightMap](const fs::path &f) {
            writeText(f / "model.safetensors.index.json", json{{"metadata", json::object()}, {"weight_map", weightMap}}.dump());
        };
    };
    return {
        {"unknown model type", "t5-relu-tied", config([](json &c) { c["model_type"] = "gpt_neo"; }),
         "model_type \"gpt_neo\""},
        {"config not json", "t5-relu-tied", [](const fs::path &f) { writeText(f / "config.json", "{\"model_type\": "); },
         "config.json is not a JSON object"},
        {"absurd d_model", "t5-relu-tied", config([](json &c) { c["d_model"] = 1000000000000LL; }), "d_model is 1000000000000"},
        {"negative layers", "bart", config([](json &c) { c["encoder_layers"] = -3; }), "encoder_layers is -3"},
        {"absurd vocabulary", "marian", config([](json &c) { c["vocab_size"] = 1LL << 40; }), "vocab_size is"},
        {"billions of parameters", "t5-relu-tied",
         config([](json &c) { c["d_model"] = 16384; c["d_ff"] = 65536; c["num_layers"] = 64; c["d_kv"] = 4096; c["num_heads"] = 64; }),
         "billion parameters"},
        {"wrong type", "bart", config([](json &c) { c["d_model"] = "wide"; }), "d_model must be an integer"},
        {"unknown activation", "marian", config([](json &c) { c["activation_function"] = "mish"; }), "activation_function \"mish\""},
        {"missing tensor", "t5-relu-tied", config([](json &c) { c["num_layers"] = 3; }), "has no tensor \"encoder.block.2.layer."},
        {"shape disagrees", "bart", config([](json &c) { c["encoder_ffn_dim"] = 41; c["decoder_ffn_dim"] = 41; }),
         "config.json and the weights disagree"},
        {"no weights", "t5-relu-tied",
         [](const fs::path &f) { fs::remove(f / "model.safetensors"); fs::remove(f / "pytorch_model.bin"); }, "has no weights"},
        {"no tokenizer", "t5-relu-tied", [](const fs::path &f) { fs::remove(f / "spiece.model"); }, "spiece.model"},
        {"start token outside vocabulary", "bart",
         [](const fs::path &f) {
             json g = readJson(f / "generation_config.json");
             g["decoder_start_token_id"] = 100000;
             writeText(f / "generation_config.json", g.dump());
         },
         "outside the vocabulary"},
        {"shard climbs out", "t5-relu-tied-sharded", writeIndex({{"shared.weight", "../model-00001-of-00006.safetensors"}}),
         "not a file name inside the folder"},
        {"shard absolute", "t5-relu-tied-sharded", writeIndex({{"shared.weight", "/etc/passwd"}}),
         "not a file name inside the folder"},
        {"shard missing", "t5-relu-tied-sharded",
         [](const fs::path &f) { fs::remove(f / "model-00003-of-00006.safetensors"); }, "model-00003-of-00006.safetensors\", which is missing"},
        {"shard link leads out", "t5-relu-tied-sharded",
         [](const fs::path &f) {
             const fs::path outside = f.parent_path() / "outside.safetensors";
             fs::rename(f / "model-00002-of-00006.safetensors", outside);
             fs::create_symlink(outside, f / "model-00002-of-00006.safetensors");
         },
         "a link that leads out of the folder"},
        {"shards overlap", "t5-relu-tied-sharded",
         [](const fs::path &f) {
             json index = readJson(f / "model.safetensors.index.json");
             fs::copy_file(f / "model-00001-of-00006.safetensors", f / "copy.safetensors");
             index["weight_map"]["extra.weight"] = "copy.safetensors";
             writeText(f / "model.safetensors.index.json", index.dump());
         },
         "the shards overlap"},
        {"index lies", "t5-relu-tied-sharded",
         [](const fs::path &f) {
             json index = readJson(f / "model.safetensors.index.json");
             index["weight_map"]["shared.weight"] = "model-00006-of-00006.safetensors";
             index["weight_map"]["ghost.weight"] = "model-00006-of-00006.safetensors";
             writeText(f / "model.safetensors.index.json", index.dump());
         },
         "does not hold it"},
        {"index not json", "t5-relu-tied-sharded", [](const fs::path &f) { writeText(f / "model.safetensors.index.json", "[1,2"); },
         "is not a shard index"},
        {"truncated weights", "marian",
         [](const fs::path &f) { fs::resize_file(f / "model.safetensors", fs::file_size(f / "model.safetensors") / 2); },
         "model.safetensors"},
    };
}

} // namespace

void TestHfFolders::testRefused_data()
{
    QTest::addColumn<int>("index");
    const auto all = cases();
    for (size_t i = 0; i < all.size(); ++i)
        QTest::newRow(all[i].name) << int(i);
}

void TestHfFolders::testRefused()
{
    QFETCH(int, index);
    const Case c = cases()[size_t(index)];
    QTemporaryDir tmp;
    const fs::path folder = copyOf(tmp, c.fixture);
    c.breakIt(folder);
    auto opened = openHuggingFaceModel(folder.string());
    QVERIFY(!opened);
    const std::string &message = opened.error().message;
    QVERIFY2(message.find(c.says) != std::string::npos, message.c_str());
    QVERIFY2(message.find('\n') == std::string::npos, "one line");
    QCOMPARE(int(opened.error().kind), int(ErrorKind::BadFile));
}

void TestHfFolders::testConfigDefaults()
{
    // Absent fields take transformers' defaults: t5-small's sizes, a tied output, the pad token as start.
    auto t5 = hf::parseConfig(R"({"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]})", "");
    QVERIFY(t5);
    QCOMPARE(t5->spec.dModel, 512);
    QCOMPARE(t5->spec.headSize(), 64);
    QCOMPARE(t5->spec.ffn, 2048);
    QCOMPARE(t5->spec.heads, 8);
    QVERIFY(t5->spec.tiedOutput && t5->spec.rescaleTiedOutput);
    QCOMPARE(t5->decoderStart, 0);
    QCOMPARE(t5->generation.maxLength, 19); // max_length 20 counts the start token
    // flan-t5: gated-gelu means the tanh form; tie_word_embeddings false unties.
    auto flan = hf::parseConfig(R"({"model_type": "t5", "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false})", "");
    QVERIFY(flan);
    QVERIFY(flan->spec.gatedFeedForward && !flan->spec.tiedOutput);
    QCOMPARE(int(flan->spec.activation), int(TransformerSpec::Activation::GeluTanh));
    // BART: offset-2 learned positions, forced EOS at the length limit; generation_config.json wins over config.json.
    auto bart = hf::parseConfig(R"({"model_type": "bart", "max_length": 50, "num_beams": 4, "forced_bos_token_id": 0})",
                                R"({"max_length": 30, "no_repeat_ngram_size": 3, "forced_eos_token_id": 2})");
    QVERIFY(bart);
    QCOMPARE(bart->spec.positionOffset, 2);
    QVERIFY(bart->spec.embeddingNorm && !bart->spec.preNorm);
    QCOMPARE(bart->generation.maxLength, 29);
    QCOMPARE(bart->generation.beams, 1);
    QCOMPARE(bart->generation.noRepeatNgram, 3);
    QCOMPARE(bart->generation.forcedLast, 2);
    QCOMPARE(bart->generation.forcedFirst, -1);
    // Without generation_config.json, config.json's settings are the generation's.
    auto old = hf::parseConfig(R"({"model_type": "bart", "max_length": 50, "num_beams": 4, "forced_bos_token_id": 0})", "");
    QVERIFY(old);
    QCOMPARE(old->generation.beams, 4);
    QCOMPARE(old->generation.maxLength, 49);
    QCOMPARE(old->generation.forcedFirst, 0);
    QCOMPARE(old->generation.forcedLast, 2);
    // Marian: sin|cos halves, the pad token starts the decoder.
    auto marian = hf::parseConfig(R"({"model_type": "marian", "vocab_size": 100, "pad_token_id": 99, "decoder_start_token_id": 99, "eos_token_id": 0})", "");
    QVERIFY(marian);
    QCOMPARE(int(marian->spec.sinusoidalLayout), int(TransformerSpec::SinusoidalLayout::Halves));
    QCOMPARE(marian->decoderStart, 99);
    // opus-mt's generation config bans <pad> by bad_words_ids; min_length counts the start token.
    auto opus = hf::parseConfig(R"({"model_type": "marian", "vocab_size": 100, "pad_token_id": 99, "decoder_start_token_id": 99})",
                                R"({"bad_words_ids": [[99]], "min_length": 3})");
    QVERIFY(opus);
    QCOMPARE(opus->generation.badWords, (std::vector<std::vector<int>>{{99}}));
    QCOMPARE(opus->generation.minLength, 2);
    auto broken = hf::parseConfig(R"({"model_type": "marian"})", R"({"bad_words_ids": [[]]})");
    QVERIFY(!broken);
    QVERIFY2(broken.error().message.find("bad_words_ids") != std::string::npos, broken.error().message.c_str());
}

void TestHfFolders::testCache()
{
    // The Hub cache's layout: models--org--name/snapshots/REV with refs/main naming the current one.
    QTemporaryDir tmp;
    const fs::path hub(tmp.path().toStdString());
    for (const char *rev : {"aaaa", "bbbb"}) {
        const fs::path snap = hub / "models--someone--tiny-marian" / "snapshots" / rev;
        fs::create_directories(snap);
        for (const auto &e : fs::directory_iterator(kFixtures / "marian"))
            fs::copy_file(e.path(), snap / e.path().filename());
    }
    fs::create_directories(hub / "models--someone--tiny-marian" / "refs");
    writeText(hub / "models--someone--tiny-marian" / "refs" / "main", "bbbb");
    fs::create_directories(hub / "datasets--someone--data" / "snapshots" / "cccc");
    fs::create_directories(hub / "models--x--incomplete" / "snapshots" / "dddd"); // no config.json
    const auto found = listHuggingFaceCache(hub.string());
    QCOMPARE(found.size(), size_t(2));
    QCOMPARE(found[0].repository, std::string("someone/tiny-marian"));
    QCOMPARE(found[0].revision, std::string("bbbb"));
    QVERIFY(found[0].current && !found[1].current);
    QVERIFY(openHuggingFaceModel(found[0].path));
    qputenv("HF_HUB_CACHE", tmp.path().toUtf8());
    QCOMPARE(huggingFaceCacheDir(), hub.string());
    qunsetenv("HF_HUB_CACHE");
}

void TestHfFolders::testProgressAndCancel()
{
    std::vector<double> seen;
    HuggingFaceOpenOptions options;
    options.progress = [&](double f) { seen.push_back(f); };
    QVERIFY(openHuggingFaceModel((kFixtures / "bart").string(), options));
    QVERIFY(!seen.empty());
    QVERIFY(std::is_sorted(seen.begin(), seen.end()));
    QCOMPARE(seen.back(), 1.0);
    std::atomic<bool> cancel{true};
    options.cancel = &cancel;
    auto cancelled = openHuggingFaceModel((kFixtures / "bart").string(), options);
    QVERIFY(!cancelled);
    QCOMPARE(int(cancelled.error().kind), int(ErrorKind::Cancelled));
}

void TestHfFolders::testCliExitCode()
{
    QTemporaryDir tmp;
    const fs::path folder = copyOf(tmp, "bart");
    editConfig(folder, [](json &c) { c["model_type"] = "bert"; });
    const auto r = testing::runCli({"translate", "--model", QString::fromStdString(folder.string()), "the heron"});
    QCOMPARE(r.code, 3);
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY(r.err.contains("model_type \"bert\""));
    const auto ok = testing::runCli({"translate", "--model", QString::fromStdString((kFixtures / "bart").string()), "the heron"});
    QVERIFY2(ok.code == 0, qPrintable(testing::describe(ok)));
}

QTEST_APPLESS_MAIN(TestHfFolders)
#include "testhffolders.moc"
