// Image preprocessing against transformers 4.36.2's ViTImageProcessor with
// Debian's Pillow (tests/data/vision/pixels, made by
// tests/interop/make_vision_fixtures.py): pixel values of odd-sized RGB,
// RGBA and grey pictures, shrunk and enlarged with every Pillow filter,
// within 1e-5; preprocessor_config.json read and refused.

#include "alignscope/image.h"
#include "common/fixturefiles.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace alignscope;

class TestImage : public QObject {
    Q_OBJECT

private slots:
    void testPixelParity_data();
    void testPixelParity();
    void testSameSizeIsACopy();
    void testConfigDefaults();
    void testConfigRefused_data();
    void testConfigRefused();
};

namespace {

const std::string kDir = ALIGNSCOPE_TEST_DATA_DIR "/vision/pixels/";

nlohmann::json fixtureCases()
{
    const std::vector<char> text = testing::readBytes(kDir + "expected.json");
    return nlohmann::json::parse(text.begin(), text.end(), nullptr, false).value("cases", nlohmann::json::array());
}

} // namespace

void TestImage::testPixelParity_data()
{
    QTest::addColumn<int>("index");
    const nlohmann::json cases = fixtureCases();
    QVERIFY2(cases.size() >= 9, "tests/data/vision/pixels/expected.json is missing or short");
    for (size_t i = 0; i < cases.size(); ++i)
        QTest::newRow(cases[i]["name"].get<std::string>().c_str()) << int(i);
}

void TestImage::testPixelParity()
{
    QFETCH(int, index);
    const nlohmann::json c = fixtureCases()[size_t(index)];
    const std::string name = c["name"];
    RgbImage image;
    image.width = c["width"];
    image.height = c["height"];
    const std::vector<char> rgb = testing::readBytes(kDir + name + ".rgb");
    QCOMPARE(rgb.size(), size_t(image.width) * size_t(image.height) * 3);
    image.pixels.assign(rgb.begin(), rgb.end());

    auto config = parseImageProcessorConfig(c["preprocessor_config"].dump(), name);
    QVERIFY2(config, config ? "" : config.error().message.c_str());
    const PixelValues pv = pixelValues(image, config.value());
    const int h = c["pixel_shape"][1], w = c["pixel_shape"][2];
    QCOMPARE(pv.seen.width, w);
    QCOMPARE(pv.seen.height, h);
    const Matrix expected = testing::readF32(kDir + name + ".f32", 3, Eigen::Index(h) * w);
    QCOMPARE(expected.size(), pv.values.size());
    const float diff = (expected - pv.values).cwiseAbs().maxCoeff();
    qInfo("%s: %dx%d -> %dx%d, max |diff| %.3g", name.c_str(), image.width, image.height, w, h, double(diff));
    QVERIFY2(diff <= 1e-5f, (name + ": pixel values differ from ViTImageProcessor by " + std::to_string(diff)).c_str());
}

void TestImage::testSameSizeIsACopy()
{
    RgbImage image{3, 2, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}};
    for (Resample r : {Resample::Bilinear, Resample::Lanczos, Resample::Nearest})
        QCOMPARE(resizeImage(image, 3, 2, r).pixels, image.pixels);
    // One side changed: the other side's pass is skipped, as Pillow does.
    const RgbImage taller = resizeImage(image, 3, 4, Resample::Bilinear);
    QCOMPARE(taller.width, 3);
    QCOMPARE(taller.height, 4);
}

void TestImage::testConfigDefaults()
{
    auto c = parseImageProcessorConfig("{}", "preprocessor_config.json");
    QVERIFY(c);
    QCOMPARE(c->height, 224);
    QCOMPARE(c->width, 224);
    QVERIFY(c->resample == Resample::Bilinear);
    QCOMPARE(c->mean[1], 0.5f);
    auto square = parseImageProcessorConfig(R"({"size": 384, "image_mean": 0.25})", "p.json");
    QVERIFY(square);
    QCOMPARE(square->height, 384);
    QCOMPARE(square->width, 384);
    QCOMPARE(square->mean[2], 0.25f);
}

void TestImage::testConfigRefused_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("says");
    QTest::newRow("not JSON") << "{size" << "not a JSON object";
    QTest::newRow("another processor") << R"({"image_processor_type": "CLIPImageProcessor"})" << "CLIPImageProcessor";
    QTest::newRow("shortest edge") << R"({"size": {"shortest_edge": 224}})" << "fixed size";
    QTest::newRow("centre crop") << R"({"do_center_crop": true})" << "do_center_crop";
    QTest::newRow("huge size") << R"({"size": {"height": 100000, "width": 5}})" << "size.height";
    QTest::newRow("unknown filter") << R"({"resample": 7})" << "resample 7";
    QTest::newRow("zero std") << R"({"image_std": [0.5, 0, 0.5]})" << "image_std";
    QTest::newRow("two channels") << R"({"image_mean": [0.5, 0.5]})" << "3 channels";
    QTest::newRow("flag not bool") << R"({"do_resize": "yes"})" << "do_resize";
}

void TestImage::testConfigRefused()
{
    QFETCH(QString, json);
    QFETCH(QString, says);
    auto c = parseImageProcessorConfig(json.toStdString(), "preprocessor_config.json");
    QVERIFY(!c);
    QCOMPARE(c.error().kind, ErrorKind::BadFile);
    QVERIFY2(QString::fromStdString(c.error().message).contains(says), c.error().message.c_str());
    QVERIFY(QString::fromStdString(c.error().message).startsWith("preprocessor_config.json"));
}

QTEST_APPLESS_MAIN(TestImage)
#include "testimage.moc"
