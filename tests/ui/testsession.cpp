// TestSession: File ▸ Save session / Open session bring the window back as it
// was; files from a newer AlignScope or from elsewhere are refused whole.

#include "attention/heatmapview.h"
#include "mainwindow/mainwindow.h"
#include "widgets/messagebar.h"
#include "mainwindow/session.h"
#include "widgets/sentenceedit.h"

#include <QBuffer>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace alignscope;
using namespace alignscope::ui;

class TestSession : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void testJsonRoundTrip();
    void testRefusesWhatItCannotRead_data();
    void testRefusesWhatItCannotRead();
    void testWindowRestoresSentenceModelPrefixAndViews();
    void testFailedSaveKeepsPreviousFile();
    void testRecoveryCopyKeptAfterAbnormalEnd();
    void testLargePictureKeptBesideTheSession();

private:
    static void waitFor(MainWindow &w, const QString &sentence);
};

void TestSession::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testsession"));
    QSettings().clear();
    QFile::remove(MainWindow::recoveryPath());
}

void TestSession::waitFor(MainWindow &w, const QString &sentence)
{
    TraceModel *t = w.traceModel();
    QTRY_VERIFY_WITH_TIMEOUT(!t->isEmpty() && QString::fromStdString(t->trace()->source.text) == sentence, 20000);
}

void TestSession::testJsonRoundTrip()
{
    Session s;
    s.model = QStringLiteral("/models/my model.safetensors");
    s.sentence = QStringLiteral("Le café — 猫 🐈");
    s.history = {QStringLiteral("a"), QStringLiteral("b")};
    s.beamWidth = 4;
    s.prefix = {5, 17, 3};
    s.step = 2;
    s.speed = 3;
    s.colormap = QStringLiteral("magma");
    s.logScale = true;
    s.windowState = QByteArray("\x00\x01\xff state", 10);
    auto back = sessionFromJson(sessionToJson(s));
    QVERIFY2(back, back ? "" : back.error().message.c_str());
    QCOMPARE(back->model, s.model);
    QCOMPARE(back->sentence, s.sentence);
    QCOMPARE(back->history, s.history);
    QCOMPARE(back->beamWidth, 4);
    QCOMPARE(back->prefix, s.prefix);
    QCOMPARE(back->step, 2);
    QCOMPARE(back->speed, 3);
    QCOMPARE(back->colormap, QStringLiteral("magma"));
    // Every colormap the window offers can be saved.
    QCOMPARE(sessionColormaps(), Colormap::sequentialNames());
    QVERIFY(back->logScale && !back->hideSpecial);
    QCOMPARE(back->windowState, s.windowState);
    QVERIFY(back->audio.isEmpty() && back->imageFile.isEmpty() && back->imagePng.isEmpty());
    // The source when it is not the sentence: a clip, a picture's file, or a picture's pixels.
    Session clip = s;
    clip.audio = QStringLiteral("/clips/a b.wav");
    QCOMPARE(sessionFromJson(sessionToJson(clip))->audio, clip.audio);
    Session file = s;
    file.imageFile = QStringLiteral("/pictures/cat.png");
    QCOMPARE(sessionFromJson(sessionToJson(file))->imageFile, file.imageFile);
    Session pixels = s;
    pixels.imagePng = QByteArray("\x89PNG\r\n\x1a\n rest", 13);
    pixels.imageLabel = QStringLiteral("pasted image");
    auto read = sessionFromJson(sessionToJson(pixels));
    QVERIFY(read);
    QCOMPARE(read->imagePng, pixels.imagePng);
    QCOMPARE(read->imageLabel, pixels.imageLabel);
}

void TestSession::testRefusesWhatItCannotRead_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("newer") << QByteArray(R"({"format":"alignscope-session","version":5,"sentence":"x"})")
                           << QStringLiteral("the session was saved by a newer AlignScope (session version 5; this one "
                                             "reads up to 4): update AlignScope to open it");
    const QString image = QStringLiteral("the session's \"image\" must hold a \"file\" path or \"png\" data (with a "
                                         "\"label\")");
    QTest::newRow("image: neither") << QByteArray(R"({"format":"alignscope-session","version":3,"image":{}})") << image;
    QTest::newRow("image: both") << QByteArray(R"({"format":"alignscope-session","version":3,"image":{"file":"a.png","png":"iVBORw0KGgo="}})")
                                 << image;
    QTest::newRow("image: text") << QByteArray(R"({"format":"alignscope-session","version":3,"image":"a.png"})") << image;
    QTest::newRow("image: not base64") << QByteArray(R"({"format":"alignscope-session","version":3,"image":{"png":"%%%"}})")
                                       << QStringLiteral("the session's \"image\" \"png\" must be a PNG picture in base64");
    QTest::newRow("image: not a PNG") << QByteArray(R"({"format":"alignscope-session","version":3,"image":{"png":"aGVsbG8="}})")
                                      << QStringLiteral("the session's \"image\" \"png\" must be a PNG picture in base64");
    QTest::newRow("image: file and png_file")
        << QByteArray(R"({"format":"alignscope-session","version":4,"image":{"file":"a.png","png_file":"b.png"}})") << image;
    for (const char *name : {"../a.png", "pictures/a.png", ".hidden.png", ""})
        QTest::newRow(qPrintable(QStringLiteral("image: png_file \"%1\"").arg(QLatin1String(name))))
            << QStringLiteral(R"({"format":"alignscope-session","version":4,"image":{"png_file":"%1"}})")
                   .arg(QLatin1String(name))
                   .toUtf8()
            << QStringLiteral("the session's \"image\" \"png_file\" must be a file name in the session's folder");
    QTest::newRow("audio and image")
        << QByteArray(R"({"format":"alignscope-session","version":3,"audio":"a.wav","image":{"file":"a.png"}})")
        << QStringLiteral("the session holds both an \"audio\" clip and an \"image\"; keep one");
    QTest::newRow("audio: number") << QByteArray(R"({"format":"alignscope-session","version":3,"audio":3})")
                                   << QStringLiteral("the session's \"audio\" must be a clip's path");
    QTest::newRow("other json") << QByteArray(R"({"steps":[]})")
                                << QStringLiteral("not an AlignScope session file (no \"format\": \"alignscope-session\")");
    QTest::newRow("not json") << QByteArray("session?")
                              << QStringLiteral("not a session file: JSON error at byte 1 (illegal value)");
    QTest::newRow("no version") << QByteArray(R"({"format":"alignscope-session"})")
                                << QStringLiteral("the session file has no valid \"version\"");
    QTest::newRow("bad prefix") << QByteArray(R"({"format":"alignscope-session","version":1,"prefix":[1,"x"]})")
                                << QStringLiteral("the session's \"prefix\" must be a list of target token ids");
    QTest::newRow("bad beam") << QByteArray(R"({"format":"alignscope-session","version":1,"beam_width":0.5})")
                              << QStringLiteral("the session's \"beam_width\" (1–64), \"step\" (≥ 0) and \"speed\" "
                                                "(0–3) must be whole numbers in range");
    QTest::newRow("colormap") << QByteArray(R"({"format":"alignscope-session","version":1,"heatmap":{"colormap":"jet"}})")
                              << QStringLiteral("the session names an unknown colormap \"jet\"");
}

void TestSession::testRefusesWhatItCannotRead()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    auto s = sessionFromJson(json);
    QVERIFY(!s);
    QCOMPARE(s.error().kind, ErrorKind::BadFile);
    QCOMPARE(QString::fromStdString(s.error().message), message);
}

void TestSession::testWindowRestoresSentenceModelPrefixAndViews()
{
    if (bundledModelNames().size() < 2)
        QSKIP("needs two bundled models");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("s.json"));
    const QString sentence = QStringLiteral("the dog sat on the mat");
    std::vector<int> prefix;
    {
        MainWindow w;
        w.show();
        waitFor(w, MainWindow::seedSentence());
        w.controller()->loadModel(QStringLiteral("dot"));
        QTRY_COMPARE_WITH_TIMEOUT(w.controller()->modelSource(), QStringLiteral("dot"), 20000);
        w.setSentence(sentence);
        waitFor(w, sentence);
        // A what-if: force the runner-up at step 2.
        const DecodeNode *second = w.traceModel()->nodeAtStep(1);
        QVERIFY(second && !second->topk.empty());
        prefix = {w.traceModel()->nodeAtStep(0)->tokenId, second->topk.back().id};
        w.controller()->forcePrefix(prefix, 1);
        QTRY_VERIFY_WITH_TIMEOUT(w.traceModel()->nodeAtStep(1)->tokenId == prefix[1], 20000);
        HeatmapOptions o = w.heatmap()->view()->options();
        o.colormap = ColormapKind::Cividis;
        o.hideSpecial = true;
        w.heatmap()->view()->setOptions(o);
        QVERIFY(w.saveSessionFile(path));
    }
    QSettings().clear(); // the session alone must bring everything back
    MainWindow w;
    w.show();
    waitFor(w, MainWindow::seedSentence());
    QVERIFY(w.openSessionFile(path));
    QTRY_COMPARE_WITH_TIMEOUT(w.controller()->modelSource(), QStringLiteral("dot"), 20000);
    waitFor(w, sentence);
    QTRY_VERIFY_WITH_TIMEOUT(w.controller()->prefix() == prefix
                                 && w.traceModel()->nodeAtStep(1)->tokenId == prefix[1], 20000);
    QCOMPARE(w.sentenceEdit()->text(), sentence);
    QCOMPARE(w.heatmap()->view()->options().colormap, ColormapKind::Cividis);
    QVERIFY(w.heatmap()->view()->options().hideSpecial);
    QCOMPARE(w.traceModel()->step(), 1);
}

void TestSession::testFailedSaveKeepsPreviousFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("s.json"));
    MainWindow w;
    w.show();
    waitFor(w, MainWindow::seedSentence());
    QVERIFY(w.saveSessionFile(path));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray before = f.readAll();
    f.close();
    // A folder that does not exist: the error is shown, nothing is written.
    QVERIFY(!w.saveSessionFile(dir.filePath(QStringLiteral("missing/s.json"))));
    QCOMPARE(w.messageBar()->kind(), MessageBar::Kind::Error);
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("Could not save the session")));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("missing"))));
    // A newer session file is refused and changes nothing in the window.
    QFile newer(dir.filePath(QStringLiteral("newer.json")));
    QVERIFY(newer.open(QIODevice::WriteOnly));
    newer.write(R"({"format":"alignscope-session","version":9,"sentence":"the cat"})");
    newer.close();
    QVERIFY(!w.openSessionFile(newer.fileName()));
    QVERIFY(w.messageBar()->text().contains(QStringLiteral("newer AlignScope")));
    QCOMPARE(w.sentenceEdit()->text(), MainWindow::seedSentence());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before);
}

void TestSession::testRecoveryCopyKeptAfterAbnormalEnd()
{
    auto w = std::make_unique<MainWindow>();
    w->show();
    waitFor(*w, MainWindow::seedSentence());
    // The copy is written shortly after the trace changes.
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(MainWindow::recoveryPath()), 10000);
    auto copy = loadSession(MainWindow::recoveryPath());
    QVERIFY(copy);
    QCOMPARE(copy->sentence, MainWindow::seedSentence());
    // Simulate a crash: the copy stays behind; the next window keeps it aside and says so.
    QFile::copy(MainWindow::recoveryPath(), MainWindow::recoveryPath() + QStringLiteral(".crash"));
    w.reset(); // a normal end removes the copy...
    QVERIFY(!QFile::exists(MainWindow::recoveryPath()));
    QVERIFY(QFile::rename(MainWindow::recoveryPath() + QStringLiteral(".crash"), MainWindow::recoveryPath()));
    MainWindow next; // ...an abnormal one leaves it, as here
    QVERIFY(next.messageBar()->text().contains(QStringLiteral("did not close normally")));
    const QString kept = QFileInfo(MainWindow::recoveryPath()).absoluteDir().filePath(
        QStringLiteral("recovered-session.json"));
    QVERIFY(loadSession(kept));
}

void TestSession::testLargePictureKeptBesideTheSession()
{
    // A pasted 20-megapixel photograph: far more PNG than a session file may
    // hold (16 MB), so it is kept beside the JSON and read back from there.
    QImage photo(5000, 4000, QImage::Format_RGB32);
    quint32 state = 12345;
    for (int y = 0; y < photo.height(); ++y) {
        auto *row = reinterpret_cast<quint32 *>(photo.scanLine(y));
        for (int x = 0; x < photo.width(); ++x)
            row[x] = 0xff000000u | ((state = state * 1664525u + 1013904223u) >> 8);
    }
    QByteArray png;
    {
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(photo.save(&buffer, "PNG", 100)); // fastest, largest
    }
    QVERIFY(png.size() > (16 << 20));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("photo.json"));
    Session s;
    s.sentence = QStringLiteral("unused");
    s.imagePng = png;
    s.imageLabel = QStringLiteral("pasted image");
    QVERIFY(saveSession(s, path));
    QVERIFY(QFileInfo(path).size() < 64 << 10);
    const QStringList beside = QDir(dir.path()).entryList({QStringLiteral("photo.picture-*.png")}, QDir::Files);
    QCOMPARE(beside.size(), 1);
    auto back = loadSession(path);
    QVERIFY2(back, back ? "" : back.error().message.c_str());
    QVERIFY(back->imagePng == png);
    QCOMPARE(back->imageLabel, s.imageLabel);
    QCOMPARE(QImage::fromData(back->imagePng, "PNG").size(), photo.size());
    // Saved again unchanged (as the recovery copy is, every few seconds): the same picture file.
    QVERIFY(saveSession(*back, path));
    QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("photo.picture-*.png")}, QDir::Files), beside);
    // Renamed (as the recovery copy is after a crash): the picture goes with it.
    const QString kept = dir.filePath(QStringLiteral("kept.json"));
    QVERIFY(renameSession(path, kept));
    QVERIFY(!QFile::exists(path) && QDir(dir.path()).entryList({QStringLiteral("photo.*")}).isEmpty());
    QVERIFY(loadSession(kept) && loadSession(kept)->imagePng == png);
    // A small picture replaces it: back inside the JSON, and the old picture file goes.
    Session small = s;
    small.imagePng = QByteArray("\x89PNG\r\n\x1a\n small", 14);
    QVERIFY(saveSession(small, kept));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("kept.json")});
    QCOMPARE(loadSession(kept)->imagePng, small.imagePng);
    // A session whose picture file went missing says so, naming it.
    QVERIFY(saveSession(s, kept));
    const QString picture = QDir(dir.path()).entryList({QStringLiteral("kept.picture-*.png")}, QDir::Files).value(0);
    QVERIFY(QFile::remove(dir.filePath(picture)));
    const auto missing = loadSession(kept);
    QVERIFY(!missing);
    QCOMPARE(QString::fromStdString(missing.error().message),
             QStringLiteral("%1: its picture %2 is missing; keep it beside the session file").arg(kept, picture));
    removeSession(kept);
    QVERIFY(QDir(dir.path()).isEmpty());
}

QTEST_MAIN(TestSession)
#include "testsession.moc"
