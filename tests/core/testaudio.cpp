// Audio in: each format decodes to a 16 kHz mono clip with the right length,
// loudness and pitch; the resampler keeps length, energy and frequency; and
// hostile files (tests/data/audio, made by make_audio_fixtures.py, plus
// truncations and byte flips of a good file made here) are refused in one
// line naming the file, never a crash.

#include "alignscope/audio.h"

#include <QTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numbers>
#include <random>

using namespace alignscope;

class TestAudio : public QObject {
    Q_OBJECT

private slots:
    void testFormats_data();
    void testFormats();
    void testMemoryMatchesFile();
    void testResampler_data();
    void testResampler();
    void testHostile_data();
    void testHostile();
    void testTooLong();
    void testNonFinite();
    void testEveryTruncation();
    void testTruncatedMp3();
    void testUnknownLength();
    void testByteFlips();
    void testResamplesToNothing();
};

namespace {

const std::string kDir = ALIGNSCOPE_TEST_DATA_DIR "/audio/";

std::vector<std::uint8_t> readBytes(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double rms(std::span<const float> x)
{
    double sum = 0;
    for (float v : x)
        sum += double(v) * v;
    return x.empty() ? 0.0 : std::sqrt(sum / double(x.size()));
}

/// The amplitude of the `hz` component of `x` at `rate` (Goertzel).
double amplitudeAt(std::span<const float> x, double hz, int rate)
{
    const double w = 2 * std::numbers::pi * hz / rate;
    double re = 0, im = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        re += x[i] * std::cos(w * double(i));
        im -= x[i] * std::sin(w * double(i));
    }
    return 2 * std::hypot(re, im) / double(x.size());
}

/// A WAV header + data in memory: PCM 16-bit (format 1) or IEEE float (3).
std::vector<std::uint8_t> wavBytes(int format, int channels, int rate, const std::vector<std::uint8_t> &data)
{
    const int bits = format == 3 ? 32 : 16;
    std::vector<std::uint8_t> out;
    auto put = [&](std::uint32_t v, int bytes) {
        for (int i = 0; i < bytes; ++i)
            out.push_back(std::uint8_t(v >> (8 * i)));
    };
    auto tag = [&](const char *t) {
        for (int i = 0; i < 4; ++i)
            out.push_back(std::uint8_t(t[i]));
    };
    tag("RIFF");
    put(std::uint32_t(36 + data.size()), 4);
    tag("WAVE");
    tag("fmt ");
    put(16, 4);
    put(std::uint32_t(format), 2);
    put(std::uint32_t(channels), 2);
    put(std::uint32_t(rate), 4);
    put(std::uint32_t(rate * channels * bits / 8), 4);
    put(std::uint32_t(channels * bits / 8), 2);
    put(std::uint32_t(bits), 2);
    tag("data");
    put(std::uint32_t(data.size()), 4);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

/// A refusal is one line that starts with the input's label.
void checkRefusal(const Result<AudioClip> &r, const std::string &label)
{
    QVERIFY(!r.ok());
    QCOMPARE(int(r.error().kind), int(ErrorKind::BadFile));
    QVERIFY2(r.error().message.rfind(label + ": ", 0) == 0, r.error().message.c_str());
    QVERIFY2(r.error().message.find('\n') == std::string::npos, r.error().message.c_str());
}

} // namespace

void TestAudio::testFormats_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("rate");
    QTest::addColumn<int>("channels");
    QTest::addColumn<double>("expectedRms");
    QTest::addColumn<int>("lengthSlack"); // lossy codecs pad with their encoder delay
    // A 440 Hz tone of 0.5 s at amplitude 0.5 (rms 0.354); the stereo file mixes to 0.4 (rms 0.283).
    QTest::newRow("wav 16 kHz") << "tone-16k-mono.wav" << 16000 << 1 << 0.3536 << 0;
    QTest::newRow("wav 44.1 kHz stereo") << "tone-44k-stereo.wav" << 44100 << 2 << 0.2828 << 1;
    QTest::newRow("flac 22.05 kHz") << "tone-22k.flac" << 22050 << 1 << 0.3536 << 1;
    QTest::newRow("ogg vorbis 48 kHz") << "tone-48k.ogg" << 48000 << 1 << 0.3536 << 1;
    QTest::newRow("ogg opus 48 kHz") << "tone-48k.opus" << 48000 << 1 << 0.3536 << 1;
    QTest::newRow("mp3 44.1 kHz") << "tone-44k.mp3" << 44100 << 1 << 0.3536 << 1200;
}

void TestAudio::testFormats()
{
    QFETCH(QString, file);
    QFETCH(int, rate);
    QFETCH(int, channels);
    QFETCH(double, expectedRms);
    QFETCH(int, lengthSlack);
    const auto clip = readAudio(kDir + file.toStdString());
    QVERIFY2(clip.ok(), clip.ok() ? "" : clip.error().message.c_str());
    QCOMPARE(clip->rate, kAudioRate);
    QCOMPARE(clip->originalRate, rate);
    QCOMPARE(clip->originalChannels, channels);
    QVERIFY(std::abs(clip->seconds() - 0.5) < 0.08);
    QVERIFY2(std::abs(int(clip->samples.size()) - 8000) <= lengthSlack, std::to_string(clip->samples.size()).c_str());
    // Loudness and pitch survive decoding, mixing and resampling (edges skipped: lossy codecs fade in).
    const std::span<const float> middle(clip->samples.data() + 1600, 4800);
    QVERIFY2(std::abs(rms(middle) - expectedRms) < 0.02, std::to_string(rms(middle)).c_str());
    QVERIFY(amplitudeAt(middle, 440, kAudioRate) > 0.9 * expectedRms * std::numbers::sqrt2);
    QVERIFY(amplitudeAt(middle, 1000, kAudioRate) < 0.02);
}

void TestAudio::testMemoryMatchesFile()
{
    for (const char *name : {"tone-44k-stereo.wav", "tone-22k.flac", "tone-48k.ogg", "tone-44k.mp3"}) {
        const auto file = readAudio(kDir + name);
        const auto memory = readAudioFromMemory(readBytes(kDir + name), name);
        QVERIFY(file.ok() && memory.ok());
        QCOMPARE(memory->samples, file->samples);
        QCOMPARE(memory->originalFrames, file->originalFrames);
    }
}

void TestAudio::testResampler_data()
{
    QTest::addColumn<int>("from");
    QTest::addColumn<double>("hz");
    QTest::newRow("44.1 kHz, 1 kHz tone") << 44100 << 1000.0;
    QTest::newRow("48 kHz, 5 kHz tone") << 48000 << 5000.0;
    QTest::newRow("8 kHz, 300 Hz tone") << 8000 << 300.0;
    QTest::newRow("22.05 kHz, 7 kHz tone") << 22050 << 7000.0;
}

void TestAudio::testResampler()
{
    QFETCH(int, from);
    QFETCH(double, hz);
    std::vector<float> x(std::size_t(2 * from)); // 2 s
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = float(0.5 * std::sin(2 * std::numbers::pi * hz * double(i) / from));
    const std::vector<float> y = resampleMono(x, from, kAudioRate);
    QVERIFY2(std::abs(int(y.size()) - 2 * kAudioRate) <= 1, std::to_string(y.size()).c_str());
    const std::span<const float> middle(y.data() + 4000, 24000);
    QVERIFY(std::abs(rms(middle) - 0.5 / std::numbers::sqrt2) < 0.005);
    QVERIFY(std::abs(amplitudeAt(middle, hz, kAudioRate) - 0.5) < 0.01);
    QVERIFY(amplitudeAt(middle, hz * 1.2, kAudioRate) < 0.005);
    // Equal rates copy the samples bit for bit.
    QCOMPARE(resampleMono(x, from, from), x);
}

void TestAudio::testHostile_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("says");
    QTest::newRow("text renamed .wav") << "not-audio.wav" << "not audio AlignScope can read";
    QTest::newRow("zero frames") << "zero-length.wav" << "no audio (zero length)";
    QTest::newRow("truncated flac") << "truncated.flac" << "truncated";
    QTest::newRow("data chunk longer than the file") << "data-longer-than-file.wav" << "truncated: the header promises 1.00 s";
    QTest::newRow("header claims 10 hours") << "claims-10-hours.wav" << "promises 10.0 h";
    QTest::newRow("3 Hz") << "rate-3hz.wav" << "sample rate 3 Hz is outside";
    QTest::newRow("4 GHz (overflows the header's int)") << "rate-4ghz.wav" << "not audio AlignScope can read";
    QTest::newRow("5000 channels") << "channels-5000.wav" << "Too many channels";
    QTest::newRow("missing") << "no-such-file.wav" << "no such file";
    QTest::newRow("a folder") << "features" << "not a regular file";
}

void TestAudio::testHostile()
{
    QFETCH(QString, file);
    QFETCH(QString, says);
    const std::string path = kDir + file.toStdString();
    const auto clip = readAudio(path);
    checkRefusal(clip, path);
    QVERIFY2(clip.error().message.find(says.toStdString()) != std::string::npos, clip.error().message.c_str());
}

void TestAudio::testTooLong()
{
    AudioLimits limits;
    limits.maxSeconds = 0.25;
    const std::string path = kDir + "tone-22k.flac";
    const auto clip = readAudio(path, limits);
    checkRefusal(clip, path);
    QVERIFY2(clip.error().message.find("longer than the 0.25 s AlignScope opens") != std::string::npos,
             clip.error().message.c_str());
    limits.maxChannels = 1;
    checkRefusal(readAudio(kDir + "tone-44k-stereo.wav", limits), kDir + "tone-44k-stereo.wav");
}

void TestAudio::testNonFinite()
{
    std::vector<float> samples(800, 0.25f);
    samples[400] = std::numeric_limits<float>::quiet_NaN();
    std::vector<std::uint8_t> data(samples.size() * 4);
    std::memcpy(data.data(), samples.data(), data.size());
    const auto clip = readAudioFromMemory(wavBytes(3, 1, 8000, data), "nan.wav");
    checkRefusal(clip, "nan.wav");
    QVERIFY(clip.error().message.find("NaN or infinite") != std::string::npos);
    samples[400] = 0.5f; // the same file without the NaN reads
    std::memcpy(data.data(), samples.data(), data.size());
    QVERIFY(readAudioFromMemory(wavBytes(3, 1, 8000, data), "float.wav").ok());
}

// Every prefix of a good WAV and FLAC: either a clip or one line, never a crash.
void TestAudio::testEveryTruncation()
{
    for (const char *name : {"tone-16k-mono.wav", "tone-22k.flac"}) {
        const std::vector<std::uint8_t> bytes = readBytes(kDir + name);
        for (std::size_t n = 0; n < bytes.size(); n += n < 128 ? 1 : 97) {
            const auto clip = readAudioFromMemory(std::span(bytes.data(), n), name);
            if (!clip.ok())
                checkRefusal(clip, name);
            else
                QVERIFY(!clip->samples.empty());
        }
    }
}

// An MP3's length is only mpg123's estimate, so a cut MP3 gives the part that is there.
void TestAudio::testTruncatedMp3()
{
    std::vector<std::uint8_t> bytes = readBytes(kDir + "tone-44k.mp3");
    bytes.resize(2000);
    const auto clip = readAudioFromMemory(bytes, "cut.mp3");
    QVERIFY2(clip.ok(), clip.ok() ? "" : clip.error().message.c_str());
    QVERIFY(clip->samples.size() > 2000 && clip->samples.size() < 6000);
}

// Recorders that never learnt the length write 0xFFFFFFFF as the data size;
// such a WAV is read to its end, not called truncated.
void TestAudio::testUnknownLength()
{
    std::vector<std::uint8_t> pcm(1600);
    for (std::size_t i = 0; i < pcm.size(); i += 2)
        pcm[i + 1] = std::uint8_t(i % 64); // a sawtooth, high byte
    std::vector<std::uint8_t> bytes = wavBytes(1, 1, 8000, pcm);
    std::fill(bytes.begin() + 40, bytes.begin() + 44, 0xFF); // the data chunk's length
    const auto clip = readAudioFromMemory(bytes, "recording.wav");
    QVERIFY2(clip.ok(), clip.ok() ? "" : clip.error().message.c_str());
    QCOMPARE(clip->originalFrames, std::int64_t(800));
    // A header promising 1600 bytes followed by none is cut short, not empty.
    std::vector<std::uint8_t> header = wavBytes(1, 1, 8000, pcm);
    header.resize(44);
    const auto cut = readAudioFromMemory(header, "cut.wav");
    checkRefusal(cut, "cut.wav");
    QVERIFY2(cut.error().message.find("ends before any") != std::string::npos, cut.error().message.c_str());
}

// Random bytes overwritten in a good WAV header and FLAC stream (fixed seed).
void TestAudio::testByteFlips()
{
    std::mt19937 random(20);
    for (const char *name : {"tone-16k-mono.wav", "tone-22k.flac"}) {
        const std::vector<std::uint8_t> good = readBytes(kDir + name);
        for (int trial = 0; trial < 150; ++trial) {
            std::vector<std::uint8_t> bytes = good;
            for (int k = 0; k < 4; ++k)
                bytes[random() % std::min<std::size_t>(bytes.size(), 200)] = std::uint8_t(random());
            const auto clip = readAudioFromMemory(bytes, name);
            if (!clip.ok())
                checkRefusal(clip, name);
        }
    }
}

// 52 bytes libsndfile decodes to a few frames at a high rate, which
// resample to no sample at 16 kHz (found by fuzz_audio): refused, one line.
void TestAudio::testResamplesToNothing()
{
    const std::vector<std::uint8_t> bytes = {
        0x01, 0x04, 0x00, 0x66, 0x4e, 0x4e, 0x4e, 0x4e, 0x4e, 0x4e, 0xe9, 0x4e, 0x4e, 0x4e, 0x4e, 0x4e, 0x4c, 0x49,
        0x53, 0x54, 0x50, 0x46, 0x33, 0x32, 0x38, 0x38, 0x74, 0xd9, 0x3b, 0x22, 0x38, 0x74, 0xd9, 0x3b, 0x00, 0x33,
        0x49, 0x46, 0x43, 0x0a, 0x3d, 0xff, 0x1f, 0x3c, 0x00, 0x00, 0x43, 0x4f, 0x4d, 0xfe, 0x4d, 0x3c};
    const auto clip = readAudioFromMemory(bytes, "short.aiff");
    QVERIFY(!clip.ok());
    QCOMPARE(clip.error().kind, ErrorKind::BadFile);
    QVERIFY(QString::fromStdString(clip.error().message).startsWith("short.aiff: "));
    QVERIFY(!QString::fromStdString(clip.error().message).contains('\n'));
}

QTEST_APPLESS_MAIN(TestAudio)
#include "testaudio.moc"
