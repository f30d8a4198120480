// The CLI with --audio (issue #20), run as a process on the tiny Whisper
// fixture: translate's words in the trace JSON, long clips as one trace per
// window, export --format srt|vtt with segment and word timing, export and
// compare reading a clip, and the refusals (one line; a clip over the length
// limit exits 3).

#include "common/clirun.h"
#include "common/wavfile.h"

#include <nlohmann/json.hpp>

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace alignscope::testing;
using json = nlohmann::json;

class TestCliSpeech : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testWordsInJson();
    void testLongClip();
    void testSubtitles_data();
    void testSubtitles();
    void testExportAndCompareAudio();
    void testRefusals_data();
    void testRefusals();
    void testBenchFolder();

private:
    QTemporaryDir m_tmp;
    QString m_long; // 65 s: the fixture's clip repeated
};

namespace {

const QString kFolder = ALIGNSCOPE_TEST_DATA_DIR "/hf/whisper/tiny";
const QString kClip = kFolder + "/audio.wav";

QByteArray wav(const QByteArray &pcm, int rate, int bits)
{
    return wavFile(pcm, rate, bits);
}

json parse(const QByteArray &bytes)
{
    return json::parse(bytes.toStdString(), nullptr, false);
}

} // namespace

void TestCliSpeech::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QFile f(kClip);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    const int data = int(bytes.indexOf("data"));
    QVERIFY(data > 0);
    const QByteArray pcm = bytes.mid(data + 8); // 16-bit mono at 16 kHz
    QByteArray longPcm;
    while (longPcm.size() < 65 * 16000 * 2)
        longPcm += pcm;
    m_long = m_tmp.filePath("long.wav");
    QVERIFY(writeFile(m_long, wav(longPcm.left(65 * 16000 * 2), 16000, 16)));
}

void TestCliSpeech::testWordsInJson()
{
    const CliRun text = runCli({"translate", "--model", kFolder, "--audio", kClip});
    QVERIFY2(text.code == 0, qPrintable(describe(text)));
    const CliRun r = runCli({"translate", "--model", kFolder, "--audio", kClip, "--json"});
    QVERIFY2(r.code == 0, qPrintable(describe(r)));
    const json j = parse(r.out);
    QVERIFY(j.is_object());
    QCOMPARE(QByteArray::fromStdString(j["translation"].get<std::string>() + "\n"), text.out); // fields unchanged
    QCOMPARE(j["source"]["kind"].get<std::string>(), std::string("audio"));
    QCOMPARE(j["source"]["audio_columns"].get<int>(), 125); // 2.5 s
    QCOMPARE(j["timestamp_heads"], json::parse("[[2,1],[2,3],[2,4]]")); // the folder's alignment_heads, 1-based
    QVERIFY(j["words"].is_array() && !j["words"].empty());
    std::string joined;
    double previous = 0;
    for (const json &w : j["words"]) {
        const double start = w["start"], end = w["end"];
        QVERIFY(start >= previous - 1e-9 && start <= end && end <= 2.5 + 1e-9);
        previous = start;
        joined += w["word"].get<std::string>();
        QVERIFY(!w["steps"].empty());
    }
    QCOMPARE(joined, j["translation"].get<std::string>()); // the words spell the transcript
}

void TestCliSpeech::testLongClip()
{
    const CliRun text = runCli({"translate", "--model", kFolder, "--audio", m_long});
    QVERIFY2(text.code == 0, qPrintable(describe(text)));
    QCOMPARE(text.out.count('\n'), 1);
    const CliRun r = runCli({"translate", "--model", kFolder, "--audio", m_long, "--json"});
    QVERIFY2(r.code == 0, qPrintable(describe(r)));
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3); // one trace per window, one per line
    std::string joined;
    for (int k = 0; k < lines.size(); ++k) {
        const json j = parse(lines[k]);
        QVERIFY(j.is_object());
        QCOMPARE(j["window"]["index"].get<int>(), k);
        QCOMPARE(j["window"]["count"].get<int>(), 3);
        QCOMPARE(j["window"]["offset_seconds"].get<double>(), 30.0 * k);
        QCOMPARE(j["window"]["seconds"].get<double>(), k < 2 ? 30.0 : 5.0);
        QCOMPARE(j["source"]["first_frame_seconds"].get<double>(), 30.0 * k);
        for (const json &w : j["words"])
            QVERIFY(w["start"].get<double>() >= 30.0 * k && w["end"].get<double>() <= 30.0 * k + 30.0 + 1e-9);
        joined += j["translation"].get<std::string>();
    }
    QCOMPARE(QByteArray::fromStdString(joined + "\n"), text.out); // the text is the windows' texts run on
}

void TestCliSpeech::testSubtitles_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("timing");
    QTest::newRow("srt") << "srt" << "segment";
    QTest::newRow("vtt") << "vtt" << "segment";
    QTest::newRow("srt word") << "srt" << "word";
    QTest::newRow("vtt word") << "vtt" << "word";
}

void TestCliSpeech::testSubtitles()
{
    QFETCH(QString, format);
    QFETCH(QString, timing);
    const QString out = m_tmp.filePath("long." + format);
    const CliRun r = runCli({"export", "--model", kFolder, "--format", format, "--audio", m_long, "--subtitle-timing",
                             timing, "--out", out});
    QVERIFY2(r.code == 0, qPrintable(describe(r)));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(f.readAll());
    QVERIFY(format == "vtt" ? text.startsWith("WEBVTT\n\n") : text.startsWith("1\n"));
    const QString sep = format == "vtt" ? "\\." : ",";
    const QRegularExpression cue("(\\d\\d):(\\d\\d):(\\d\\d)" + sep + "(\\d\\d\\d) --> (\\d\\d):(\\d\\d):(\\d\\d)" + sep + "(\\d\\d\\d)\n");
    int cues = 0;
    double last = 0;
    for (auto it = cue.globalMatch(text); it.hasNext(); ++cues) {
        const auto m = it.next();
        last = m.captured(5).toInt() * 3600 + m.captured(6).toInt() * 60 + m.captured(7).toInt() + m.captured(8).toInt() / 1000.0;
    }
    QVERIFY(cues > 0);
    QVERIFY(last > 60.0 && last <= 65.0); // the last window's words, in clip time
    // Word timing: a cue per word of the transcript's words (every window's).
    if (timing == "word") {
        int words = 0;
        const CliRun j = runCli({"translate", "--model", kFolder, "--audio", m_long, "--json"});
        for (const QByteArray &line : j.out.trimmed().split('\n')) {
            const json window = parse(line);
            for (const json &w : window["words"])
                words += QString::fromStdString(w["word"]).trimmed().isEmpty() ? 0 : 1;
        }
        QCOMPARE(cues, words);
    }
    // To standard output without --out.
    const CliRun stdoutRun = runCli({"export", "--model", kFolder, "--format", format, "--audio", kClip});
    QVERIFY2(stdoutRun.code == 0 && !stdoutRun.out.isEmpty(), qPrintable(describe(stdoutRun)));
}

void TestCliSpeech::testExportAndCompareAudio()
{
    const CliRun e = runCli({"export", "--model", kFolder, "--format", "json", "--audio", kClip});
    QVERIFY2(e.code == 0, qPrintable(describe(e)));
    const json j = parse(e.out);
    QVERIFY(j.is_object());
    QCOMPARE(j["source"]["kind"].get<std::string>(), std::string("audio"));
    QVERIFY(j["words"].is_array());
    const CliRun c = runCli({"compare", "--models", kFolder, kFolder, "--audio", kClip, "--json"});
    QVERIFY2(c.code == 0, qPrintable(describe(c)));
    const json cj = parse(c.out);
    QVERIFY(cj.is_array() && cj.size() == 2);
    QCOMPARE(cj[0]["trace"]["translation"], cj[1]["trace"]["translation"]);
    QCOMPARE(cj[0]["trace"]["translation"], j["translation"]);
}

void TestCliSpeech::testRefusals_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("srt without audio") << QStringList{"export", "--model", kFolder, "--format", "srt", "hello"} << 2
                                       << "give --audio FILE";
    QTest::newRow("bad timing") << QStringList{"export", "--model", kFolder, "--format", "vtt", "--audio", kClip,
                                               "--subtitle-timing", "line"} << 2 << "word or segment";
    QTest::newRow("timing without subtitles") << QStringList{"export", "--model", kFolder, "--format", "json", "--audio",
                                                             kClip, "--subtitle-timing", "word"} << 2 << "srt or vtt";
    QTest::newRow("compare, long clip") << QStringList{"compare", "--models", kFolder, "--audio", "LONG"} << 2
                                        << "one window of 30.0 s";
    QTest::newRow("export json, long clip") << QStringList{"export", "--model", kFolder, "--format", "json", "--audio", "LONG"}
                                            << 2 << "one window of 30.0 s";
    QTest::newRow("srt of a text model") << QStringList{"export", "--model", "additive", "--format", "srt", "--audio", kClip}
                                         << 2 << "reads text, not audio";
    QTest::newRow("over the limit") << QStringList{"translate", "--model", kFolder, "--audio", "HOURS"} << 3
                                    << "longer than the 2.0 h";
    QTest::newRow("srt over the limit") << QStringList{"export", "--model", kFolder, "--format", "srt", "--audio", "HOURS"}
                                        << 3 << "longer than the 2.0 h";
}

void TestCliSpeech::testRefusals()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, message);
    if (args.contains("HOURS")) {
        // 2 h 10 s at 1 kHz, 8 bits: 7.2 MB that decode to 2 h of sound, over readAudio's limit.
        const QString hours = m_tmp.filePath("hours.wav");
        if (!QFile::exists(hours))
            QVERIFY(writeFile(hours, wav(QByteArray(7210 * 1000, char(128)), 1000, 8)));
        args.replaceInStrings("HOURS", hours);
    }
    args.replaceInStrings("LONG", m_long);
    const CliRun r = runCli(args);
    QVERIFY2(r.code == code, qPrintable(describe(r)));
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.contains(message.toUtf8()), qPrintable(describe(r)));
    QVERIFY(r.out.isEmpty());
}

void TestCliSpeech::testBenchFolder()
{
    // bench --section folder: each timed run of the steps comes right after
    // its own reading of the read bandwidth, and is compared with that run's
    // floor; the weights a step streams were asked into 2 MB pages first.
    const CliRun r = runCli({"bench", "--section", "folder", "--model", kFolder, "--steps", "3", "--repeat", "3", "--json"});
    QVERIFY2(r.code == 0, qPrintable(describe(r)));
    const json j = parse(r.out);
    QVERIFY2(j.contains("folder") && !j["folder"].contains("error"), r.out.constData());
    const json &f = j["folder"];
    QCOMPARE(f["steps"].get<double>(), 3.0);
    for (const char *key : {"open_ms", "encode_30s_ms", "per_token_ms", "per_token_ms_1_thread", "read_bandwidth_gb_s",
                            "read_bandwidth_gb_s_4k_pages", "read_bandwidth_gb_s_2m_pages", "step_weight_bytes",
                            "floor_ms_per_token", "per_token_over_floor"})
        QVERIFY2(f.contains(key) && f[key].get<double>() > 0, key);
    QVERIFY(f.contains("large_pages_wait_ms") && f.contains("large_page_bytes"));
    QCOMPARE(f["per_token_over_floor_runs"].size(), size_t(3));
    // The cached keys and values a step reads besides the weights: this folder's
    // 2 decoder layers' cross keys and values of 1500 frames at width 32, and
    // their self-attention caches of 1..3 positions (2 on average), in float32.
    QCOMPARE(f["step_cache_bytes"].get<double>(), 2 * 2 * (1500.0 + 2.0) * 32 * 4);
    QVERIFY(f["per_token_over_floor_with_cache"].get<double>() < f["per_token_over_floor"].get<double>());
    // Each run's floor takes the better page size: the medians never fall below either's.
    QVERIFY(f["read_bandwidth_gb_s"].get<double>() >= f["read_bandwidth_gb_s_4k_pages"].get<double>());
    QVERIFY(f["read_bandwidth_gb_s"].get<double>() >= f["read_bandwidth_gb_s_2m_pages"].get<double>());
}

QTEST_MAIN(TestCliSpeech)
#include "testclispeech.moc"
