// Speech models trained here (issue #20): a speech corpus is a manifest of
// clips and transcripts, AlignScope's own front end reads a clip at its own
// length, a Transformer with an audio encoder learns from the clips, its
// model file keeps the front end, `task` prints the pairs a synthesis script
// speaks, and the bundled `speech` model keeps its model card's promises:
// the seed sentence spoken by espeak-ng is transcribed exactly, and the
// attention's peak moves forward through the frames as the words go by.

#include "alignscope/audio.h"
#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/recipes.h"
#include "alignscope/timestamps.h"
#include "alignscope/train.h"

#include "common/clirun.h"
#include "common/tonecorpus.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <numbers>

using namespace alignscope;
using alignscope::testing::CliRun;
using alignscope::testing::runCli;
using nlohmann::json;

namespace {

const QString kSeedClip = ALIGNSCOPE_TEST_DATA_DIR "/audio/the-cat-sat-on-the-mat.wav";

void writeWav(const QString &path, const std::vector<float> &samples)
{
    QVERIFY(testing::writeWav(path, samples));
}

std::vector<float> spoken(const std::vector<std::string> &words)
{
    return testing::spokenTones(words);
}

QString writeToneCorpus(const QTemporaryDir &dir, int count)
{
    return testing::writeToneCorpus(dir.path(), count);
}

/// The greedy transcript of a clip, with its trace (the encoder's self-attention kept, as the window asks).
DecodeTrace transcribe(const Seq2Seq &model, const std::vector<float> &samples)
{
    auto source = model.prepareAudio(samples);
    if (!source)
        qFatal("prepareAudio: %s", source.error().message.c_str());
    DecodeOptions options;
    options.encoderSelfAttention = true;
    auto trace = translateSource(model, std::move(source).value(), options);
    if (!trace)
        qFatal("decode: %s", trace.error().message.c_str());
    return std::move(trace).value();
}

std::string_view stripped(std::string_view s)
{
    return s.starts_with(' ') ? s.substr(1) : s;
}

std::string joined(const std::vector<std::string> &words)
{
    std::string s;
    for (const std::string &w : words)
        s += (s.empty() ? "" : " ") + w;
    return s;
}

} // namespace

class TestSpeechModel : public QObject {
    Q_OBJECT

private slots:
    void testManifest()
    {
        QTemporaryDir dir;
        writeWav(dir.filePath(QStringLiteral("a.wav")), spoken({"low"}));
        QFile f(dir.filePath(QStringLiteral("m.tsv")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("a.wav\tLow tone\n"                                  // relative to the manifest
                + dir.filePath(QStringLiteral("a.wav")).toUtf8() + "\tlow\n" // absolute
                "missing.wav\tlow\n"
                "a.wav\n"
                "a.wav\tlow\textra\n"
                "\n"
                "a.wav\t   \n");
        f.close();
        auto corpus = readAudioTsvCorpus(f.fileName().toStdString());
        QVERIFY(corpus.ok());
        QCOMPARE(corpus->pairs.size(), size_t(2));
        QCOMPARE(corpus->pairs[0].audio, dir.filePath(QStringLiteral("a.wav")).toStdString());
        QCOMPARE(corpus->pairs[0].targetTokens, (std::vector<std::string>{"low", "tone"}));
        QVERIFY(corpus->pairs[0].sourceTokens.empty());
        QCOMPARE(corpus->badLines, 4);
        QCOMPARE(corpus->badLineNumbers, (std::vector<int>{3, 4, 5, 7}));
        QVERIFY2(corpus->badLineReason.find("no such audio file") != std::string::npos, corpus->badLineReason.c_str());
        QVERIFY(!readAudioTsvCorpus(dir.filePath(QStringLiteral("none.tsv")).toStdString()).ok());
    }

    void testFrontEndReadsTheClipAtItsOwnLength()
    {
        const WhisperFeatureConfig c = speechFeatureConfig();
        QVERIFY(!c.padToChunk);
        const Matrix filters = melFilterBank(c);
        std::vector<float> clip(12345, 0.1f);
        QCOMPARE(logMelSpectrogram(clip, c, filters).cols(), Eigen::Index(12345 / c.hopLength));
        QCOMPARE(logMelSpectrogram(std::vector<float>(10, 0.1f), c, filters).cols(), Eigen::Index(c.nFft / c.hopLength));
        QCOMPARE(logMelSpectrogram(std::vector<float>(size_t(c.nSamples()) + 999, 0.1f), c, filters).cols(),
                 Eigen::Index(c.nbMaxFrames()));
        // Whisper's own still pads every clip to the window.
        WhisperFeatureConfig whisper;
        QCOMPARE(logMelSpectrogram(clip, whisper, melFilterBank(whisper)).cols(), Eigen::Index(3000));
        // The config round-trips through the JSON a model file keeps.
        auto back = parsePreprocessorConfig(preprocessorConfigToJson(c), "test");
        QVERIFY(back.ok());
        QCOMPARE(back->featureSize, 40);
        QCOMPARE(back->padToChunk, false);
        QCOMPARE(back->chunkLength, c.chunkLength);
        QVERIFY(parsePreprocessorConfig(preprocessorConfigToJson(whisper), "test")->padToChunk);
        QVERIFY(!parsePreprocessorConfig(R"({"pad_to_chunk": 1})", "test").ok());
    }

    void testTinyTrainingLearnsTonesAndSavesItsFrontEnd()
    {
        QTemporaryDir dir;
        TaskRequest request;
        request.name = writeToneCorpus(dir, 240).toStdString();
        request.format = "audio-tsv";
        auto task = prepareTask(request);
        QVERIFY(task.ok() && task->audio);
        QCOMPARE(task->splits.train.pairs.size(), size_t(216));
        TransformerSpec base;
        base.dModel = 32;
        base.ffn = 64;
        base.encoderLayers = base.decoderLayers = 1;
        auto spec = audioEncoderSpec(base, *task->audio);
        QVERIFY(spec.ok());
        QCOMPARE(spec->melBins, 40);
        QCOMPARE(spec->encoderPositions(), 500); // 10 s of 20 ms encoder frames
        TransformerModel model = makeTransformerForCorpus(spec.value(), task->splits.train, 1);
        model.setAudioFrontEnd(*task->audio);
        QVERIFY(model.description().sourceKind == SourceKind::Audio);
        const double before = evaluate(model, task->splits.dev, 0).loss;
        TrainOptions o = transformerTrainDefaults();
        o.epochs = 12;
        o.batchSize = 16;
        o.warmupSteps = 20;
        o.learningRate = 3e-3f;
        o.threads = 2;
        o.evalSentences = 0;
        auto summary = Trainer(model, task->splits.train, task->splits.dev, o).run();
        QVERIFY(summary.ok());
        const EvalMetrics after = evaluate(model, task->splits.dev, -1);
        qInfo("tones: dev loss %.3f -> %.3f, exact match %.0f%%", before, after.loss, 100.0 * after.exactMatch);
        QVERIFY2(after.loss < 0.5 * before, qPrintable(QString("dev loss %1 -> %2").arg(before).arg(after.loss)));

        // The model file keeps the front end: a loaded model hears a clip as this one does, at its own length.
        const std::string path = dir.filePath(QStringLiteral("tones.safetensors")).toStdString();
        QVERIFY(model.save(path).ok());
        auto loaded = openModel(path);
        QVERIFY(loaded.ok());
        QVERIFY((*loaded)->description().sourceKind == SourceKind::Audio);
        const std::vector<float> clip = spoken({"high", "low"});
        auto mine = model.prepareAudio(clip), theirs = (*loaded)->prepareAudio(clip);
        QVERIFY(mine.ok() && theirs.ok());
        QCOMPARE(theirs->features, mine->features);
        QCOMPARE(theirs->axis.size(), int((clip.size() / 160 + 1) / 2));
        QCOMPARE(theirs->axis.audioColumns, theirs->axis.size());
        // It transcribes what the saved one does, and stops within its decoder's positions.
        const DecodeTrace t = transcribe(**loaded, clip);
        QCOMPARE(joined(t.targetTokens(t.bestPath())), joined(transcribe(model, clip).targetTokens(transcribe(model, clip).bestPath())));
        QVERIFY(int(t.bestPath().size()) <= spec->maxPositions);
        // Word timestamps: each whole-word token is a word of its own (the word detokenizer puts the spaces).
        const DecodeTrace three = transcribe(model, spoken({"low", "mid", "high"}));
        const std::vector<std::string> heardWords = three.targetTokens(three.bestPath());
        QVERIFY2(heardWords.size() >= 2, joined(heardWords).c_str());
        auto timed = wordTimestamps(three, three.bestPath());
        QVERIFY(timed.ok());
        QCOMPARE(timed->words.size(), heardWords.size());
        for (size_t i = 0; i < heardWords.size(); ++i) {
            QCOMPARE(std::string(stripped(timed->words[i].text)), heardWords[i]);
            QVERIFY(i == 0 || timed->words[i].start >= timed->words[i - 1].end - 1e-9);
        }
        // A speech model refuses a text task and a sentence; a text model a speech corpus.
        QVERIFY(!evaluate(**loaded, makeDatesTask({1, 10, 5, 5}).dev, {}).ok());
        QVERIFY(!(*loaded)->prepareSource("low high").ok());
        auto text = openModel("transformer");
        if (text)
            QVERIFY(!evaluate(**text, task->splits.dev, {}).ok());
    }

    void testCliTaskAndTrain()
    {
        // `task` prints the split train reads, one pair per line.
        const CliRun pairs = runCli({"task", "--task", "dates", "--train-size", "10", "--split", "train"});
        QCOMPARE(pairs.code, 0);
        TaskRequest dates;
        dates.name = "dates";
        dates.trainSize = 10;
        auto task = prepareTask(dates);
        QVERIFY(task.ok());
        QString expected;
        for (const SentencePair &p : task->splits.train.pairs)
            expected += QString::fromStdString(p.source + '\t' + p.target + '\n');
        QCOMPARE(QString::fromUtf8(pairs.out), expected);
        QCOMPARE(runCli({"task", "--task", "scenes"}).code, 2);
        QCOMPARE(runCli({"task", "--split", "all"}).code, 2);

        // train --format audio-tsv writes a speech model that translate --audio uses.
        QTemporaryDir dir;
        const QString manifest = writeToneCorpus(dir, 40);
        const QString out = dir.filePath(QStringLiteral("tones.safetensors"));
        const CliRun trained = runCli({"train", "--task", manifest, "--format", "audio-tsv", "--layers", "1",
                                          "--d-model", "16", "--ffn", "32", "--heads", "2", "--epochs", "1",
                                          "--out", out});
        QVERIFY2(trained.code == 0, trained.err.constData());
        const QString clip = dir.filePath(QStringLiteral("clips/t0.wav"));
        const CliRun heard = runCli({"translate", "--model", out, "--audio", clip, "--json"});
        QVERIFY2(heard.code == 0, heard.err.constData());
        const json trace = json::parse(heard.out.toStdString(), nullptr, false);
        QCOMPARE(trace["source"]["kind"], "audio");
        // Word timestamps: every whole-word token is a word of its own (its detokenizer joins them with spaces).
        QCOMPARE(trace["words"].size(), trace["target_tokens"].size());
        for (size_t i = 0; i < trace["words"].size(); ++i)
            QCOMPARE(std::string(stripped(trace["words"][i]["word"].get<std::string>())),
                     trace["target_tokens"][i].get<std::string>());
        QCOMPARE(runCli({"train", "--task", manifest, "--format", "audio-tsv", "--encoder", "gru", "--out", out}).code, 2);
        QCOMPARE(runCli({"translate", "--model", out, "low"}).code, 2);
    }

    void testBundledModelTranscribesTheSeedSentence()
    {
        auto model = openModel("speech");
        if (!model)
            QSKIP("the bundled speech model is not installed");
        const auto audio = bundledModelNames(SourceKind::Audio);
        QVERIFY(std::find(audio.begin(), audio.end(), "speech") != audio.end());
        auto clip = readAudio(kSeedClip.toStdString());
        QVERIFY(clip.ok());
        const DecodeTrace trace = transcribe(*model.value(), clip->samples);
        const std::vector<int> path = trace.bestPath();
        std::vector<std::string> words = trace.targetTokens(path);
        QCOMPARE(joined(words), std::string("the cat sat on the mat"));
        // The peak of the last layer's mean cross-attention moves forward with the words.
        const Matrix w = trace.weightMatrix(path); // (steps, frames)
        std::vector<Eigen::Index> peaks;
        for (size_t t = 0; t < words.size(); ++t) {
            Eigen::Index at = 0;
            w.row(Eigen::Index(t)).maxCoeff(&at);
            peaks.push_back(at);
        }
        QString shown;
        for (Eigen::Index p : peaks)
            shown += QString::number(p) + ' ';
        qInfo("speech: peaks at encoder frames %s(20 ms each)", qPrintable(shown));
        for (size_t t = 1; t < peaks.size(); ++t)
            QVERIFY2(peaks[t] > peaks[t - 1], qPrintable(shown));
        // A clip this short keeps the encoder's own attention, frames over frames, as a sentence's does.
        QCOMPARE(trace.encoderSelf.layers, 2);
        QCOMPARE(trace.encoderSelf.weights.size(), size_t(2 * 4));
        QCOMPARE(trace.encoderSelf.weights.front().rows(), Eigen::Index(trace.source.size()));
        QCOMPARE(trace.encoderSelf.weights.front().cols(), Eigen::Index(trace.source.size()));

        // A clip longer than its 10 s window is heard window by window, the windows' words joined by spaces.
        QTemporaryDir dir;
        std::vector<float> longer;
        for (int i = 0; i < 12; ++i)
            longer.insert(longer.end(), clip->samples.begin(), clip->samples.end());
        const QString longClip = dir.filePath(QStringLiteral("long.wav"));
        writeWav(longClip, longer);
        const CliRun text = runCli({"translate", "--model", "speech", "--audio", longClip});
        const CliRun traces = runCli({"translate", "--model", "speech", "--audio", longClip, "--json"});
        QVERIFY2(text.code == 0 && traces.code == 0, text.err.constData());
        QStringList windows; // each window's own transcript
        for (const QByteArray &line : traces.out.split('\n'))
            if (!line.isEmpty()) {
                const json window = json::parse(line.toStdString());
                windows << QString::fromStdString(window["translation"].get<std::string>());
            }
        QVERIFY2(windows.size() == 2 && !windows.contains(QString()), qPrintable(windows.join('|')));
        QCOMPARE(QString::fromUtf8(text.out), windows.join(' ') + '\n');
    }
};

QTEST_APPLESS_MAIN(TestSpeechModel)
#include "testspeechmodel.moc"
