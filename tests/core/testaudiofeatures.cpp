// Whisper's log-mel front end against transformers 4.36.2's
// WhisperFeatureExtractor: every value of the features and the mel filters of
// tests/data/audio/features/* (made by
// tests/interop/make_whisper_feature_fixtures.py; the stereo 44.1 kHz one
// through the reader's mixing and libsoxr) within 1e-4; padding and
// trimming; preprocessor_config.json read and refused as transformers would.

#include "alignscope/audio.h"
#include "alignscope/logmel.h"

#include <QTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace alignscope;

class TestAudioFeatures : public QObject {
    Q_OBJECT

private slots:
    void testParity_data();
    void testParity();
    void testPadAndTrim();
    void testConfigDefaults();
    void testConfigRefused_data();
    void testConfigRefused();
};

namespace {

const std::string kDir = ALIGNSCOPE_TEST_DATA_DIR "/audio/features/";

/// A fixture's little-endian float32, row-major (rows, cols) file.
Matrix readF32(const std::string &path, Eigen::Index rows, Eigen::Index cols)
{
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    Matrix m(rows, cols);
    if (bytes.size() != std::size_t(m.size()) * 4)
        return Matrix();
    std::memcpy(m.data(), bytes.data(), bytes.size()); // x86-64 and aarch64 are little-endian like the file
    return m;
}

} // namespace

void TestAudioFeatures::testParity_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<int>("mels");
    QTest::addColumn<int>("frames");
    QTest::newRow("2.5 s chirp, 80 mels, padded to 30 s") << "chirp-80mel-30s" << 80 << 3000;
    QTest::newRow("12 s tones, 128 mels, trimmed to 10 s") << "tones-128mel-10s" << 128 << 1000;
    // transformers takes 16 kHz mono: the script mixed and resampled with libsoxr as the reader does.
    QTest::newRow("1.5 s stereo at 44.1 kHz, 80 mels") << "stereo44k-80mel-30s" << 80 << 3000;
}

void TestAudioFeatures::testParity()
{
    QFETCH(QString, fixture);
    QFETCH(int, mels);
    QFETCH(int, frames);
    const std::string dir = kDir + fixture.toStdString() + "/";
    const auto config = readPreprocessorConfig(dir + "preprocessor_config.json");
    QVERIFY2(config.ok(), config.ok() ? "" : config.error().message.c_str());
    QCOMPARE(config->featureSize, mels);
    QCOMPARE(config->nbMaxFrames(), frames);
    const auto clip = readAudio(dir + "audio.wav");
    QVERIFY(clip.ok());

    const Matrix filters = melFilterBank(*config);
    const Matrix expectedFilters = readF32(dir + "mel_filters.f32", mels, config->frequencyBins());
    QCOMPARE(expectedFilters.rows(), filters.rows());
    const float filterDiff = (filters - expectedFilters).cwiseAbs().maxCoeff();
    QVERIFY2(filterDiff <= 1e-7f * expectedFilters.cwiseAbs().maxCoeff(), std::to_string(filterDiff).c_str());

    const Matrix features = logMelSpectrogram(clip->samples, *config, filters);
    const Matrix expected = readF32(dir + "features.f32", mels, frames);
    QCOMPARE(features.rows(), Eigen::Index(mels));
    QCOMPARE(features.cols(), Eigen::Index(frames));
    QCOMPARE(expected.rows(), Eigen::Index(mels));
    Eigen::Index m = 0, t = 0;
    const float diff = (features - expected).cwiseAbs().maxCoeff(&m, &t);
    qInfo("%s: max |diff| %.3g at (mel %ld, frame %ld) over %ld values", qPrintable(fixture), double(diff), long(m),
          long(t), long(features.size()));
    QVERIFY2(diff <= 1e-4f, std::to_string(diff).c_str());
}

void TestAudioFeatures::testPadAndTrim()
{
    WhisperFeatureConfig c;
    c.chunkLength = 1;
    std::vector<float> x(20000);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = float(0.3 * std::sin(0.05 * double(i)) + 0.1 * std::sin(0.31 * double(i)));
    const Matrix filters = melFilterBank(c);
    const Matrix trimmed = logMelSpectrogram(x, c, filters);
    QCOMPARE(trimmed.rows(), Eigen::Index(80));
    QCOMPARE(trimmed.cols(), Eigen::Index(100));
    // What lies past n_samples does not count.
    const Matrix exact = logMelSpectrogram(std::span(x.data(), 16000), c, filters);
    QCOMPARE(trimmed, exact);
    // Padding is with padding_value: an explicit tail of zeros changes nothing.
    std::vector<float> shortClip(x.begin(), x.begin() + 8000);
    const Matrix padded = logMelSpectrogram(shortClip, c, filters);
    shortClip.resize(16000, 0.0f);
    QCOMPARE(logMelSpectrogram(shortClip, c, filters), padded);
    // Silence: everything sits at the floor log10(1e-10) = -10, i.e. (-10 + 4) / 4.
    const Matrix silent = logMelSpectrogram({}, c, filters);
    QCOMPARE(silent.maxCoeff(), -1.5f);
    QCOMPARE(silent.minCoeff(), -1.5f);
}

void TestAudioFeatures::testConfigDefaults()
{
    const auto c = parsePreprocessorConfig("{}", "preprocessor_config.json");
    QVERIFY(c.ok());
    QCOMPARE(c->featureSize, 80);
    QCOMPARE(c->samplingRate, 16000);
    QCOMPARE(c->nSamples(), std::int64_t(480000));
    QCOMPARE(c->nbMaxFrames(), std::int64_t(3000));
    QCOMPARE(c->frequencyBins(), 201);
    const auto large = parsePreprocessorConfig(R"({"feature_size": 128, "padding_value": 0.0, "n_samples": 480000,
        "nb_max_frames": 3000, "feature_extractor_type": "WhisperFeatureExtractor", "processor_class": "WhisperProcessor"})",
                                               "p.json");
    QVERIFY(large.ok());
    QCOMPARE(large->featureSize, 128);
}

void TestAudioFeatures::testConfigRefused_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("says");
    QTest::newRow("not json") << "{feature_size: 80" << "is not a JSON object";
    QTest::newRow("array") << "[80]" << "is not a JSON object";
    QTest::newRow("other extractor") << R"({"feature_extractor_type": "Speech2TextFeatureExtractor"})"
                                     << "is not WhisperFeatureExtractor";
    QTest::newRow("string size") << R"({"feature_size": "80"})" << "feature_size is not a whole number";
    QTest::newRow("fractional") << R"({"hop_length": 160.5})" << "hop_length is not a whole number";
    QTest::newRow("zero mels") << R"({"feature_size": 0})" << "feature_size = 0 is outside 1..512";
    QTest::newRow("huge mels") << R"({"feature_size": 1e12})" << "feature_size = 1000000000000.0 is outside";
    QTest::newRow("negative rate") << R"({"sampling_rate": -16000})" << "sampling_rate = -16000 is outside";
    QTest::newRow("hop beyond n_fft") << R"({"hop_length": 401})" << "hop_length = 401 is outside 1..400";
    QTest::newRow("hours of chunk") << R"({"chunk_length": 600, "sampling_rate": 192000})" << "at most 16777216";
    QTest::newRow("too many values") << R"({"feature_size": 512, "hop_length": 1, "chunk_length": 60})"
                                     << "more than the 67108864";
    QTest::newRow("n_samples lies") << R"({"n_samples": 1})" << "n_samples = 1 disagrees";
    QTest::newRow("nb_max_frames lies") << R"({"nb_max_frames": 3001})" << "nb_max_frames = 3001 disagrees";
    QTest::newRow("infinite padding") << R"({"padding_value": 1e300})" << "padding_value is not a finite number";
}

void TestAudioFeatures::testConfigRefused()
{
    QFETCH(QString, json);
    QFETCH(QString, says);
    const auto c = parsePreprocessorConfig(json.toStdString(), "preprocessor_config.json");
    QVERIFY(!c.ok());
    QCOMPARE(int(c.error().kind), int(ErrorKind::BadFile));
    QVERIFY2(c.error().message.rfind("preprocessor_config.json", 0) == 0, c.error().message.c_str());
    QVERIFY2(c.error().message.find(says.toStdString()) != std::string::npos, c.error().message.c_str());
}

QTEST_APPLESS_MAIN(TestAudioFeatures)
#include "testaudiofeatures.moc"
