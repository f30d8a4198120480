// The picture reader (alignscope/imagefile.h): PNG and JPEG from a file and
// from memory, converted as transformers' load_image(...).convert("RGB");
// the fuzz target's seeds (tests/fuzz/corpus/image) read or refused in one
// line; hostile headers refused before decoding.

#include "alignscope/imagefile.h"
#include "common/fixturefiles.h"

#include <QtTest>

#include <filesystem>

using namespace alignscope;
namespace fs = std::filesystem;

class TestImageFile : public QObject {
    Q_OBJECT

private slots:
    void testPngAsPillow();
    void testMemoryAsFile();
    void testColourTypes_data();
    void testColourTypes();
    void testSeeds();
    void testRefused_data();
    void testRefused();
    void testLimits();
};

namespace {

const fs::path kVision = ALIGNSCOPE_TEST_DATA_DIR "/vision";
const fs::path kSeeds = ALIGNSCOPE_SOURCE_DIR "/tests/fuzz/corpus/image";

std::vector<std::uint8_t> bytesOf(const fs::path &path)
{
    const std::vector<char> b = testing::readBytes(path.string());
    return {b.begin(), b.end()};
}

/// One line that starts with the input's name.
bool oneLineNaming(const Error &e, const std::string &label)
{
    return e.kind == ErrorKind::BadFile && e.message.rfind(label, 0) == 0 && e.message.find('\n') == std::string::npos;
}

} // namespace

void TestImageFile::testPngAsPillow()
{
    // picture.rgb is what Pillow's load_image(picture.png).convert("RGB") gave (make_vision_fixtures.py).
    auto picture = readImageFile((kVision / "vit-gpt2/picture.png").string());
    QVERIFY2(picture, picture ? "" : picture.error().message.c_str());
    QCOMPARE(picture->width, 45);
    QCOMPARE(picture->height, 37);
    QVERIFY(picture->pixels == bytesOf(kVision / "vit-gpt2/picture.rgb"));
}

void TestImageFile::testMemoryAsFile()
{
    for (const char *name : {"vit-gpt2/picture.png", "vit-gpt2/picture.jpg"}) {
        const fs::path path = kVision / name;
        auto fromFile = readImageFile(path.string());
        auto fromMemory = readImageFromMemory(bytesOf(path), "pasted");
        QVERIFY2(fromFile && fromMemory, name);
        QCOMPARE(fromMemory->width, fromFile->width);
        QCOMPARE(fromMemory->height, fromFile->height);
        QVERIFY(fromMemory->pixels == fromFile->pixels);
    }
}

void TestImageFile::testColourTypes_data()
{
    QTest::addColumn<QString>("seed");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<QList<int>>("first"); // the first two pixels, RGB
    // make_image_seeds.py wrote these pixels; alpha is dropped, grey copied to R, G and B, 16 bits keep the high byte.
    QTest::newRow("rgb") << "rgb-3x2.png" << 3 << 2 << QList<int>{255, 0, 0, 0, 255, 0};
    QTest::newRow("grey + alpha") << "grey-alpha.png" << 2 << 2 << QList<int>{10, 10, 10, 20, 20, 20};
    QTest::newRow("16-bit grey") << "grey16-4x3.png" << 4 << 3 << QList<int>{0, 0, 0, 4000 >> 8, 4000 >> 8, 4000 >> 8};
    QTest::newRow("palette, interlaced") << "palette-interlaced.png" << 5 << 4 << QList<int>{0, 1, 2, 3, 4, 5};
}

void TestImageFile::testColourTypes()
{
    QFETCH(QString, seed);
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(QList<int>, first);
    auto picture = readImageFile((kSeeds / seed.toStdString()).string());
    QVERIFY2(picture, picture ? "" : picture.error().message.c_str());
    QCOMPARE(picture->width, width);
    QCOMPARE(picture->height, height);
    QCOMPARE(picture->pixels.size(), size_t(width * height * 3));
    for (int k = 0; k < first.size(); ++k)
        QCOMPARE(int(picture->pixels[size_t(k)]), first[k]);
}

void TestImageFile::testSeeds()
{
    // Every seed is read or refused in one line; the valid ones are read.
    int read = 0, refused = 0;
    for (const auto &entry : fs::directory_iterator(kSeeds)) {
        const std::string name = entry.path().filename().string();
        auto picture = readImageFromMemory(bytesOf(entry.path()), name);
        if (picture) {
            QVERIFY2(picture->pixels.size() == size_t(picture->width) * size_t(picture->height) * 3, name.c_str());
            ++read;
        } else {
            QVERIFY2(oneLineNaming(picture.error(), name), picture.error().message.c_str());
            QVERIFY2(name.starts_with("lying") || name.starts_with("truncated"), name.c_str());
            ++refused;
        }
    }
    QCOMPARE(read, 7);
    QCOMPARE(refused, 3);
}

void TestImageFile::testRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("says");
    const QString hostile = QString::fromStdString((kVision / "hostile").string()) + "/";
    const QString seeds = QString::fromStdString(kSeeds.string()) + "/";
    QTest::newRow("PNG header claims 100000 x 100000") << hostile + "huge.png" << "claims 100000 x 100000 pixels";
    QTest::newRow("JPEG header claims 65500 x 65500") << seeds + "lying-header.jpg" << "claims 65500 x 65500 pixels";
    QTest::newRow("truncated PNG") << hostile + "truncated.png" << "PNG is damaged or cut short";
    QTest::newRow("truncated JPEG") << hostile + "truncated.jpg" << "JPEG is damaged or cut short";
    QTest::newRow("JSON") << QString(ALIGNSCOPE_TEST_DATA_DIR "/vision/vit-gpt2/config.json") << "is not a PNG or JPEG";
    QTest::newRow("missing") << hostile + "absent.png" << "cannot open it";
}

void TestImageFile::testRefused()
{
    QFETCH(QString, file);
    QFETCH(QString, says);
    const std::string path = file.toStdString();
    auto picture = readImageFile(path);
    QVERIFY(!picture);
    QVERIFY2(oneLineNaming(picture.error(), path), picture.error().message.c_str());
    QVERIFY2(picture.error().message.find(says.toStdString()) != std::string::npos, picture.error().message.c_str());
    if (fs::exists(path)) { // the same from memory
        auto again = readImageFromMemory(bytesOf(path), "in memory");
        QVERIFY(!again);
        QVERIFY2(oneLineNaming(again.error(), "in memory"), again.error().message.c_str());
    }
}

void TestImageFile::testLimits()
{
    const auto bytes = bytesOf(kSeeds / "rgb-8x6.jpg");
    QVERIFY(readImageFromMemory(bytes, "a", ImageLimits{8, 48}));
    auto side = readImageFromMemory(bytes, "a", ImageLimits{7, 48});
    QVERIFY(!side);
    QVERIFY2(side.error().message.find("claims 8 x 6 pixels") != std::string::npos, side.error().message.c_str());
    QVERIFY(!readImageFromMemory(bytes, "a", ImageLimits{8, 47}));
    QVERIFY(!readImageFromMemory({}, "empty"));
}

QTEST_APPLESS_MAIN(TestImageFile)
#include "testimagefile.moc"
