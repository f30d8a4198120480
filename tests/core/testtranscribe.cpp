// Long clips in windows (core/src/speech/transcribe.cpp) with the tiny
// Whisper fixture (30 s windows): a 65 s clip made here from the fixture's
// 2.5 s clip is decoded as three windows at 0, 30 and 60 s, each as a clip
// of its own would be, with clip-time labels and word times; cancel, a
// sink's error and a text model stop it.

#include "alignscope/audio.h"
#include "alignscope/huggingface.h"
#include "alignscope/model.h"
#include "alignscope/timestamps.h"
#include "alignscope/transcribe.h"

#include <QtTest>

#include <filesystem>

using namespace alignscope;
namespace fs = std::filesystem;

class TestTranscribe : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testWindowCount();
    void testLongClip();
    void testStops();

private:
    std::shared_ptr<const TransformerModel> m_model;
    std::vector<float> m_clip; // the fixture's 2.5 s
};

namespace {

const fs::path kFolder = ALIGNSCOPE_TEST_DATA_DIR "/hf/whisper/tiny";

/// `clip` repeated until `seconds` long.
std::vector<float> repeated(const std::vector<float> &clip, double seconds)
{
    std::vector<float> out;
    while (out.size() < size_t(seconds * kAudioRate))
        out.push_back(clip[out.size() % clip.size()]);
    return out;
}

std::vector<int> ids(const DecodeTrace &trace)
{
    std::vector<int> out;
    for (int n : trace.bestPath())
        out.push_back(trace.nodes[size_t(n)].tokenId);
    return out;
}

} // namespace

void TestTranscribe::initTestCase()
{
    auto opened = openHuggingFaceModel(kFolder.string());
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    m_model = opened.value();
    auto clip = readAudio((kFolder / "audio.wav").string());
    QVERIFY(clip);
    m_clip = clip->samples;
}

void TestTranscribe::testWindowCount()
{
    QCOMPARE(m_model->audioWindowSeconds(), 30.0);
    QCOMPARE(audioWindowCount(*m_model, 30 * kAudioRate), 1);
    QCOMPARE(audioWindowCount(*m_model, 30 * kAudioRate + 1), 2);
    QCOMPARE(audioWindowCount(*m_model, 65 * kAudioRate), 3);
    auto text = openModel("additive");
    QVERIFY(text);
    QCOMPARE(text.value()->audioWindowSeconds(), 0.0);
    QCOMPARE(audioWindowCount(*text.value(), 65 * kAudioRate), 1);
}

void TestTranscribe::testLongClip()
{
    const std::vector<float> clip = repeated(m_clip, 65.0);
    std::vector<AudioWindow> windows;
    auto done = transcribeWindows(*m_model, clip, {}, [&](AudioWindow &&w) -> Result<void> {
        windows.push_back(std::move(w));
        return {};
    });
    QVERIFY2(done, done ? "" : done.error().message.c_str());
    QCOMPARE(windows.size(), size_t(3));
    for (int k = 0; k < 3; ++k) {
        const AudioWindow &w = windows[size_t(k)];
        QCOMPARE(w.index, k);
        QCOMPARE(w.count, 3);
        QCOMPARE(w.offsetSeconds, 30.0 * k);
        QCOMPARE(w.seconds, k < 2 ? 30.0 : 5.0);
        QCOMPARE(w.trace.source.firstFrameSeconds, 30.0 * k);
        QCOMPARE(w.trace.source.labels[62], QString::asprintf("%.2f s", 30.0 * k + 1.24).toStdString());
        // Each window is decoded as that stretch of the clip alone would be.
        const std::vector<float> alone(clip.begin() + std::ptrdiff_t(k * 30 * kAudioRate),
                                       clip.begin() + std::ptrdiff_t(std::min<size_t>(clip.size(), size_t((k + 1) * 30 * kAudioRate))));
        auto source = m_model->prepareAudio(alone);
        QVERIFY(source);
        QCOMPARE(w.trace.source.audioColumns, source->axis.audioColumns);
        auto single = translateSource(*m_model, std::move(source).value());
        QVERIFY(single);
        QCOMPARE(ids(w.trace), ids(single.value()));
        // Word times are clip time, within the window.
        auto timed = wordTimestamps(w.trace, w.trace.bestPath());
        QVERIFY(timed);
        QVERIFY(!timed->tokens.empty());
        for (const TimedToken &t : timed->tokens)
            QVERIFY(t.start >= w.offsetSeconds && t.end <= w.offsetSeconds + w.seconds + 0.02 && t.start <= t.end);
    }
    QCOMPARE(windows[2].trace.source.audioColumns, 250); // 5 s: 500 mel frames, two to a column
}

void TestTranscribe::testStops()
{
    const std::vector<float> clip = repeated(m_clip, 65.0);
    std::atomic<bool> cancel{false};
    int seen = 0;
    auto cancelled = transcribeWindows(*m_model, clip, {}, [&](AudioWindow &&) -> Result<void> {
        ++seen;
        cancel = true; // the user cancels while the first window is shown
        return {};
    }, &cancel);
    QVERIFY(!cancelled && cancelled.error().kind == ErrorKind::Cancelled);
    QCOMPARE(seen, 1);
    seen = 0;
    auto refused = transcribeWindows(*m_model, clip, {}, [&](AudioWindow &&w) -> Result<void> {
        ++seen;
        return w.index == 1 ? Result<void>(fileError("disk full")) : Result<void>();
    });
    QVERIFY(!refused && refused.error().message == "disk full");
    QCOMPARE(seen, 2);
    auto text = openModel("additive");
    QVERIFY(text);
    auto usage = transcribeWindows(*text.value(), clip, {}, [](AudioWindow &&) -> Result<void> { return {}; });
    QVERIFY(!usage && usage.error().kind == ErrorKind::Usage);
    auto empty = transcribeWindows(*m_model, std::vector<float>{}, {}, [](AudioWindow &&) -> Result<void> { return {}; });
    QVERIFY(!empty && empty.error().kind == ErrorKind::BadInput);
}

QTEST_APPLESS_MAIN(TestTranscribe)
#include "testtranscribe.moc"
