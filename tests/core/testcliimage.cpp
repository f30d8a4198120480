// The CLI's pictures (issue #21) on the tiny ViT + GPT-2 fixture
// (tests/data/vision/vit-gpt2): the trace JSON's patch grid per step (the
// selected row on the grid, the CLS weight beside it), the image encoder's
// self-attention left out unless --encoder-attention asks for it, compare
// and export --image, their refusals, and (builds with the UI) the overlay
// figure files.

#include "common/clirun.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>
#include <QtTest>

#include <cmath>

using namespace alignscope;
using json = nlohmann::json;

class TestCliImage : public QObject {
    Q_OBJECT

private slots:
    void testPatchGrid_data();
    void testPatchGrid();
    void testEncoderAttention();
    void testCompare();
    void testExportJson();
    void testRefusals_data();
    void testRefusals();
    void testFigures_data();
    void testFigures();
};

namespace {

const QString kModel = ALIGNSCOPE_TEST_DATA_DIR "/vision/vit-gpt2";
const QString kPng = kModel + "/picture.png";
const QString kHostile = ALIGNSCOPE_TEST_DATA_DIR "/vision/hostile/";

json runJson(const QStringList &args)
{
    const auto r = testing::runCli(args);
    if (r.code != 0) {
        qWarning("%s", qPrintable(testing::describe(r)));
        return nullptr;
    }
    return json::parse(r.out.toStdString());
}

/// `row` (n) over the fixture's columns: [CLS], then the 4 × 4 grid row-major.
void checkGrid(const json &step, const json &row)
{
    const json &grid = step["patch_weights"];
    QCOMPARE(grid.size(), size_t(4));
    double sum = 0.0, rowSum = 0.0;
    for (int r = 0; r < 4; ++r) {
        QCOMPARE(grid[r].size(), size_t(4));
        for (int c = 0; c < 4; ++c) {
            QCOMPARE(grid[r][c].get<double>(), row[1 + 4 * r + c].get<double>());
            sum += grid[r][c].get<double>();
        }
    }
    for (const json &w : row)
        rowSum += w.get<double>();
    QCOMPARE(step["extra_weight"].get<double>(), row[0].get<double>());
    QVERIFY2(std::abs(sum + step["extra_weight"].get<double>() - rowSum) < 1e-5, qPrintable(QString::number(sum)));
}

} // namespace

void TestCliImage::testPatchGrid_data()
{
    QTest::addColumn<QStringList>("selection");
    QTest::addColumn<int>("layer"); // 0-based cross_attention row the grid must equal; -1: the mean (weights)
    QTest::addColumn<int>("head");
    QTest::newRow("default: mean of the last layer") << QStringList{} << -1 << -1;
    QTest::newRow("layer 1, head 3") << QStringList{"--layer", "1", "--head", "3"} << 0 << 2;
    QTest::newRow("layer 2, head 1") << QStringList{"--layer", "2", "--head", "1"} << 1 << 0;
}

void TestCliImage::testPatchGrid()
{
    QFETCH(QStringList, selection);
    QFETCH(int, layer);
    QFETCH(int, head);
    const json trace = runJson(QStringList{"translate", "--model", kModel, "--image", kPng, "--json"} + selection);
    QVERIFY(trace.is_object());
    QVERIFY(trace["steps"].size() > 1);
    for (const json &step : trace["steps"]) {
        checkGrid(step, step["weights"]);
        if (layer >= 0)
            checkGrid(step, step["cross_attention"][layer][head]);
    }
    // The source block is unchanged: grid, extra tokens, boxes, picture size.
    QCOMPARE(trace["source"]["grid"], json::array({4, 4}));
    // A text source has no grid.
    const json text = runJson({"translate", "--model", "additive", "--json", "the cat sat on the mat"});
    QVERIFY(text.is_object());
    QVERIFY(!text["steps"][0].contains("patch_weights") && !text["steps"][0].contains("extra_weight"));
}

void TestCliImage::testEncoderAttention()
{
    const json plain = runJson({"translate", "--model", kModel, "--image", kPng, "--json"});
    QVERIFY(plain.is_object());
    QVERIFY(!plain.contains("encoder_self_attention")); // an image encoder's: only when asked for
    const json asked = runJson({"translate", "--model", kModel, "--image", kPng, "--json", "--encoder-attention"});
    QVERIFY(asked.is_object());
    const json &e = asked["encoder_self_attention"]; // [L][H][17][17]
    QVERIFY(e.is_array() && !e.empty());
    for (const json &layer : e)
        for (const json &head : layer) {
            QCOMPARE(head.size(), size_t(17));
            for (const json &row : head) {
                QCOMPARE(row.size(), size_t(17));
                double sum = 0.0;
                for (const json &w : row)
                    sum += w.get<double>();
                QVERIFY(std::abs(sum - 1.0) < 1e-4);
            }
        }
    QCOMPARE(asked["steps"], plain["steps"]); // the caption does not depend on it
    // A text model's encoder self-attention is recorded as before.
    const json text = runJson({"translate", "--model", "transformer", "--json", "the cat sat on the mat"});
    QVERIFY(text.is_object() && text.contains("encoder_self_attention"));
}

void TestCliImage::testCompare()
{
    const json caption = runJson({"translate", "--model", kModel, "--image", kPng, "--json"});
    QVERIFY(caption.is_object());
    const json out = runJson({"compare", "--models", kModel, kModel, "--image", kPng, "--json"});
    QVERIFY(out.is_array());
    QCOMPARE(out.size(), size_t(2));
    for (const json &item : out) {
        QCOMPARE(item["trace"]["source"]["kind"].get<std::string>(), std::string("image"));
        QCOMPARE(item["trace"]["translation"], caption["translation"]);
        QCOMPARE(item["trace"]["steps"][0]["patch_weights"], caption["steps"][0]["patch_weights"]);
    }
    // --target: every model made to write one caption, its attention read along it.
    const json forced = runJson({"compare", "--models", kModel, kModel, "--image", kPng, "--target", "a cat", "--json"});
    QVERIFY(forced.is_array() && forced.size() == 2);
    for (const json &item : forced) {
        QCOMPARE(item["trace"]["translation"].get<std::string>(), std::string("a cat"));
        for (const json &step : item["trace"]["steps"])
            QVERIFY(step["forced"].get<bool>());
        // The first step reads the same start token either way: the same attention over the patches.
        QCOMPARE(item["trace"]["steps"][0]["patch_weights"], caption["steps"][0]["patch_weights"]);
    }
    // A text model beside it: its row says why, the picture's row is shown, exit 3 (a partial failure).
    const auto r = testing::runCli({"compare", "--models", "additive", kModel, "--image", kPng});
    QVERIFY2(r.code == 3, qPrintable(testing::describe(r)));
    QVERIFY2(r.out.contains("does not read images"), r.out.constData());
    QVERIFY2(r.out.contains(QByteArray::fromStdString(caption["translation"].get<std::string>())), r.out.constData());
}

void TestCliImage::testExportJson()
{
    const json caption = runJson({"translate", "--model", kModel, "--image", kPng, "--json"});
    const json exported = runJson({"export", "--model", kModel, "--image", kPng, "--format", "json"});
    QVERIFY(exported.is_object());
    QCOMPARE(exported["translation"], caption["translation"]);
    QCOMPARE(exported["source"]["boxes"], caption["source"]["boxes"]);
    QCOMPARE(exported["steps"].back()["patch_weights"], caption["steps"].back()["patch_weights"]);
    QTemporaryDir tmp;
    const QString file = tmp.path() + "/caption.json";
    const auto r = testing::runCli({"export", "--model", kModel, "--image", kPng, "--format", "json", "--out", file});
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(json::parse(f.readAll().toStdString())["translation"], caption["translation"]);
}

void TestCliImage::testRefusals_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("says");
    const QStringList compare{"compare", "--models", kModel, kModel};
    const QStringList exportJson{"export", "--model", kModel, "--format", "json"};
    QTest::newRow("compare: a sentence too") << compare + QStringList{"--image", kPng, "a cat"} << 2 << "not both";
    QTest::newRow("compare: lying header") << compare + QStringList{"--image", kHostile + "huge.png"} << 3
                                           << "claims 100000 x 100000";
    QTest::newRow("compare: truncated") << compare + QStringList{"--image", kHostile + "truncated.png"} << 3
                                        << "cut short";
    QTest::newRow("export: truncated JPEG") << exportJson + QStringList{"--image", kHostile + "truncated.jpg"} << 3
                                            << "cut short";
    QTest::newRow("export: text named .png") << exportJson + QStringList{"--image", "TEXT.png"} << 3
                                             << "not a PNG or JPEG";
    QTest::newRow("export: lying header") << exportJson + QStringList{"--image", kHostile + "huge.png"} << 3
                                          << "claims 100000 x 100000";
    QTest::newRow("export: --audio too") << exportJson + QStringList{"--image", kPng, "--audio", kPng} << 2
                                         << "not both";
    QTest::newRow("export: --input too") << exportJson + QStringList{"--image", kPng, "--input", kPng} << 2
                                         << "not both";
    QTest::newRow("export: --strip of data") << exportJson + QStringList{"--image", kPng, "--strip"} << 2
                                             << "--step, --strip and --opacity";
    const QStringList exportPng{"export", "--model", kModel, "--format", "png", "--out", "never.png"};
    QTest::newRow("export: --view heads of a picture") << exportPng + QStringList{"--image", kPng, "--view", "heads"}
                                                       << 2 << "--view heads does not apply";
#ifdef ALIGNSCOPE_TEST_FIGURES // a build without the UI refuses every figure before these
    QTest::newRow("export: --step and --strip") << exportPng + QStringList{"--image", kPng, "--step", "1", "--strip"}
                                                << 2 << "not both";
    QTest::newRow("export: --opacity 2") << exportPng + QStringList{"--image", kPng, "--opacity", "2"} << 2
                                         << "--opacity";
#endif
    QTest::newRow("export: --step of a sentence")
        << QStringList{"export", "--model", "additive", "--format", "json", "--step", "1", "a cat"} << 2
        << "give --image FILE";
    QTest::newRow("export: an image to a text model")
        << QStringList{"export", "--model", "additive", "--format", "json", "--image", kPng} << 2
        << "does not read images";
}

void TestCliImage::testRefusals()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, says);
    QTemporaryDir tmp;
    for (QString &a : args)
        if (a == "TEXT.png") { // a non-image under an image's name
            a = tmp.path() + "/vocab.png";
            QVERIFY(QFile::copy(kModel + "/vocab.json", a));
        }
    const auto r = testing::runCli(args);
    QVERIFY2(r.code == code, qPrintable(testing::describe(r)));
    QVERIFY2(r.out.isEmpty(), r.out.constData());
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.contains(says.toUtf8()), r.err.constData());
}

void TestCliImage::testFigures_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QStringList>("figure");
    QTest::addColumn<QByteArray>("magic");
    QTest::newRow("png strip") << "png" << QStringList{"--strip"} << QByteArray("\x89PNG\r\n\x1a\n");
    QTest::newRow("png step 2, 300 dpi") << "png" << QStringList{"--step", "2", "--dpi", "300"}
                                         << QByteArray("\x89PNG\r\n\x1a\n");
    QTest::newRow("svg strip") << "svg" << QStringList{"--strip", "--opacity", "0.4"} << QByteArray("<?xml");
    QTest::newRow("pdf step 1") << "pdf" << QStringList{"--step", "1", "--page", "a4"} << QByteArray("%PDF");
}

void TestCliImage::testFigures()
{
#ifndef ALIGNSCOPE_TEST_FIGURES
    QSKIP("figures need a build with the UI (ALIGNSCOPE_BUILD_UI=ON)");
#endif
    QFETCH(QString, format);
    QFETCH(QStringList, figure);
    QFETCH(QByteArray, magic);
    QTemporaryDir tmp;
    const QString file = tmp.path() + "/caption." + format;
    const auto r = testing::runCli(QStringList{"export", "--model", kModel, "--image", kPng, "--format", format,
                                               "--out", file} + figure);
    QVERIFY2(r.code == 0, qPrintable(testing::describe(r)));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY2(bytes.startsWith(magic), bytes.left(16).toHex().constData());
    if (format == "svg")
        QVERIFY(bytes.contains("<svg") && bytes.contains("</svg>"));
    // A step past the caption is refused in one line.
    const auto past = testing::runCli({"export", "--model", kModel, "--image", kPng, "--format", format, "--out",
                                       tmp.path() + "/past." + format, "--step", "999"});
    QVERIFY2(past.code == 2 && past.err.contains("--step 999") && past.err.count('\n') == 1,
             qPrintable(testing::describe(past)));
    // Two models on the picture: their figures in one file, each under its name.
    const QString both = tmp.path() + "/compare." + format;
    const auto compared = testing::runCli(QStringList{"export", "--view", "compare", "--models", kModel, kModel,
                                                      "--image", kPng, "--format", format, "--out", both} + figure);
    QVERIFY2(compared.code == 0, qPrintable(testing::describe(compared)));
    QFile c(both);
    QVERIFY(c.open(QIODevice::ReadOnly));
    const QByteArray two = c.readAll();
    QVERIFY(two.startsWith(magic));
    if (format == "svg") {
        QCOMPARE(two.count("<image"), 2 * bytes.count("<image"));
        QVERIFY(two.contains(QFileInfo(kModel).fileName().toUtf8()));
    }
}

QTEST_APPLESS_MAIN(TestCliImage)
#include "testcliimage.moc"
