// Subtitles (core/src/speech/subtitles.cpp): SubRip and WebVTT text, cue
// grouping (two lines of at most 42 characters, sentence ends, pauses) and
// word timing.

#include "alignscope/subtitles.h"

#include <QRegularExpression>
#include <QtTest>

using namespace alignscope;

class TestSubtitles : public QObject {
    Q_OBJECT

private slots:
    void testGolden_data();
    void testGolden();
    void testFormatRules_data();
    void testFormatRules();
    void testGrouping();
    void testWordTiming();
    void testModelSegments();
    void testParse();
};

namespace {

TimedWord word(const std::string &text, double start, double end)
{
    TimedWord w;
    w.text = text;
    w.start = start;
    w.end = end;
    return w;
}

/// A long transcript: sentences of 4 to 22 words of 1 to 12 letters, 0.3 s a word, a 2 s pause every 50 words.
std::vector<TimedWord> longTranscript()
{
    std::vector<TimedWord> words;
    double t = 0.25;
    for (int i = 0; i < 300; ++i) {
        std::string text = std::string(" ").append(size_t(1 + (i * 7) % 12), char('a' + i % 26));
        if (i % 17 == 16 || i % 5 == 3)
            text += i % 2 ? "." : "?";
        if (i % 50 == 49)
            t += 2.0;
        words.push_back(word(text, t, t + 0.3));
        t += 0.3;
    }
    return words;
}

} // namespace

void TestSubtitles::testGolden_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<QString>("expected");
    QTest::newRow("srt") << int(SubtitleFormat::Srt)
                         << "1\n00:00:00,200 --> 00:00:01,000\nHello, world.\n\n"
                            "2\n00:00:01,000 --> 00:00:02,500\nA & B <c>\n\n"
                            "3\n01:02:05,500 --> 01:02:06,000\nlater\n\n";
    QTest::newRow("vtt") << int(SubtitleFormat::Vtt)
                         << "WEBVTT\n\n00:00:00.200 --> 00:00:01.000\nHello, world.\n\n"
                            "00:00:01.000 --> 00:00:02.500\nA &amp; B &lt;c&gt;\n\n"
                            "01:02:05.500 --> 01:02:06.000\nlater\n\n";
}

void TestSubtitles::testGolden()
{
    QFETCH(int, format);
    QFETCH(QString, expected);
    // The sentence end closes the first cue; the pause of an hour the second.
    const std::vector<TimedWord> words{word(" Hello,", 0.2, 0.4), word(" world.", 0.6, 1.0), word(" A", 1.0, 1.5),
                                       word(" &", 1.5, 1.8), word(" B", 1.8, 2.0), word(" <c>", 2.0, 2.5),
                                       word(" later", 3725.5, 3726.0)};
    const std::string text = formatSubtitles(subtitleCues(words), SubtitleFormat(format));
    QCOMPARE(QString::fromStdString(text), expected);
}

void TestSubtitles::testFormatRules_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("timing");
    QTest::newRow("srt segment") << int(SubtitleFormat::Srt) << int(SubtitleTiming::Segment);
    QTest::newRow("vtt segment") << int(SubtitleFormat::Vtt) << int(SubtitleTiming::Segment);
    QTest::newRow("srt word") << int(SubtitleFormat::Srt) << int(SubtitleTiming::Word);
    QTest::newRow("vtt word") << int(SubtitleFormat::Vtt) << int(SubtitleTiming::Word);
}

void TestSubtitles::testFormatRules()
{
    QFETCH(int, format);
    QFETCH(int, timing);
    const bool vtt = SubtitleFormat(format) == SubtitleFormat::Vtt;
    SubtitleOptions options;
    options.timing = SubtitleTiming(timing);
    const auto cues = subtitleCues(longTranscript(), options);
    const QString text = QString::fromStdString(formatSubtitles(cues, SubtitleFormat(format)));
    QVERIFY(text.endsWith("\n\n"));
    QStringList blocks = text.split("\n\n", Qt::SkipEmptyParts);
    if (vtt)
        QCOMPARE(blocks.takeFirst(), QString("WEBVTT"));
    QCOMPARE(blocks.size(), int(cues.size()));
    const QRegularExpression times(vtt ? R"(^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)$)"
                                       : R"(^(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)$)");
    double previousEnd = 0;
    for (int i = 0; i < blocks.size(); ++i) {
        QStringList lines = blocks[i].split('\n');
        if (!vtt)
            QCOMPARE(lines.takeFirst(), QString::number(i + 1)); // numbered from 1, in order
        const auto m = times.match(lines.takeFirst());
        QVERIFY2(m.hasMatch(), qPrintable(blocks[i]));
        auto at = [&](int k) {
            return m.captured(k).toInt() * 3600 + m.captured(k + 1).toInt() * 60 + m.captured(k + 2).toInt() +
                   m.captured(k + 3).toInt() / 1000.0;
        };
        QVERIFY(at(1) <= at(5));
        QVERIFY(at(1) >= previousEnd - 1e-9); // cues do not overlap
        previousEnd = at(5);
        QVERIFY(!lines.isEmpty() && lines.size() <= options.maxLines);
        for (const QString &line : lines) {
            QVERIFY(!line.isEmpty() && !line.startsWith(' ') && !line.contains("-->"));
            QVERIFY2(line.size() <= options.maxLineCharacters, qPrintable(line));
        }
    }
}

void TestSubtitles::testGrouping()
{
    const auto words = longTranscript();
    const auto cues = subtitleCues(words);
    int wordsInCues = 0;
    for (const SubtitleCue &c : cues)
        for (const std::string &line : c.lines)
            wordsInCues += int(QString::fromStdString(line).split(' ').size());
    QCOMPARE(wordsInCues, int(words.size())); // every word once, in some cue
    // A cue never runs over a sentence end or a pause: a cue's text ends it, or the next starts after one.
    for (size_t i = 0; i + 1 < cues.size(); ++i) {
        const std::string &last = cues[i].lines.back();
        const bool sentenceEnd = last.ends_with('.') || last.ends_with('?');
        const bool pause = cues[i + 1].start - cues[i].end > 1.0;
        const bool full = cues[i].lines.size() == 2;
        QVERIFY2(sentenceEnd || pause || full, last.c_str());
    }
    QVERIFY(subtitleCues({word(" ", 0, 1)}).empty());
}

void TestSubtitles::testWordTiming()
{
    SubtitleOptions options;
    options.timing = SubtitleTiming::Word;
    const auto cues = subtitleCues({word(" Hello,", 0.2, 0.4), word(" world.", 0.6, 1.0)}, options);
    QCOMPARE(cues.size(), size_t(2));
    QCOMPARE(cues[1].lines, std::vector<std::string>{"world."});
    QCOMPARE(cues[1].start, 0.6);
    QCOMPARE(cues[1].end, 1.0);
}

// Segments from a model's own timestamp tokens: one cue each when it fits, a
// long one shared out over several cues by its characters.
void TestSubtitles::testModelSegments()
{
    TimedSegment shortOne{" He has grave doubts", 0.0, 2.0, 3, 9};
    // 3 words of 20 characters + spaces: two per 42-character line, so 2 lines hold 4 words; 6 words make 2 cues.
    const std::string w20 = "abcdefghijklmnopqrst";
    TimedSegment longOne{" " + w20 + " " + w20 + " " + w20 + " " + w20 + " " + w20 + " " + w20, 2.0, 8.0, 10, 20};
    const auto cues = subtitleCues({shortOne, longOne});
    QCOMPARE(cues.size(), size_t(3));
    QCOMPARE(cues[0].lines, std::vector<std::string>{"He has grave doubts"});
    QCOMPARE(cues[0].start, 0.0);
    QCOMPARE(cues[0].end, 2.0);
    QCOMPARE(cues[1].lines, (std::vector<std::string>{w20 + " " + w20, w20 + " " + w20}));
    QCOMPARE(cues[1].start, 2.0);
    QCOMPARE(cues[1].end, 6.0); // four of the six words' characters
    QCOMPARE(cues[2].lines, std::vector<std::string>{w20 + " " + w20});
    QCOMPARE(cues[2].start, 6.0);
    QCOMPARE(cues[2].end, 8.0);
    QVERIFY(subtitleCues(std::vector<TimedSegment>{{"   ", 1.0, 2.0, 0, 1}}).empty());
}

void TestSubtitles::testParse()
{
    QVERIFY(parseSubtitleFormat("srt") == SubtitleFormat::Srt);
    QVERIFY(parseSubtitleFormat("vtt") == SubtitleFormat::Vtt);
    QVERIFY(!parseSubtitleFormat("ass"));
    QVERIFY(parseSubtitleTiming("word") == SubtitleTiming::Word);
    QVERIFY(!parseSubtitleTiming("line"));
}

QTEST_APPLESS_MAIN(TestSubtitles)
#include "testsubtitles.moc"
