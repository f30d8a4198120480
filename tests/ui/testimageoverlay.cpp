// The image overlay painter (issue #21) on a synthetic image source: a CLS
// token and a 4 × 4 grid of 16-pixel patches over a 64 × 64 picture. Painted
// into QImages: the brightest overlay lies in the patch with the largest
// weight, opacity 0 leaves the picture as it was, the upsampling is
// torch's bilinear (not blocky), the CLS share is the row's, grid lines
// draw, and RGB pictures survive the trip through QImage.

#include "vision/imageoverlay.h"

#include <QPainter>
#include <QtTest>

#include <numeric>

using namespace alignscope;
using namespace alignscope::ui;

class TestImageOverlay : public QObject {
    Q_OBJECT

private slots:
    void testPeakLandsInLargestPatch_data();
    void testPeakLandsInLargestPatch();
    void testOpacityZeroLeavesPicture();
    void testUpsampleIsTorchBilinear();
    void testExtraShare();
    void testOptionsChangeThePicture();
    void testPatchGeometry();
    void testRgbRoundTrip();
    void testNoGrid();

private:
    static constexpr int kGrid = 4, kPatch = 16;
    /// A grey-and-noise picture with CLS first and a kGrid × kGrid grid.
    static SourceAxis source();
    /// A row over the source's columns: small noise, `peak` on column `peakColumn`, `cls` on CLS.
    static std::vector<float> row(int peakColumn, float peak = 0.3f, float cls = 0.2f);
    static QImage paint(const SourceAxis &s, const std::vector<float> &r, const ImageOverlayOptions &o, QSize size);
};

SourceAxis TestImageOverlay::source()
{
    SourceAxis s;
    s.kind = SourceKind::Image;
    s.gridRows = s.gridColumns = kGrid;
    s.extraBefore = 1;
    s.labels.push_back("[CLS]");
    s.flags.push_back(SourceAxis::Extra);
    s.boxes.push_back({});
    for (int r = 0; r < kGrid; ++r)
        for (int c = 0; c < kGrid; ++c) {
            s.labels.push_back("patch " + std::to_string(r) + "," + std::to_string(c));
            s.flags.push_back(0);
            s.boxes.push_back({c * kPatch, r * kPatch, kPatch, kPatch});
        }
    s.image.width = s.image.height = kGrid * kPatch;
    s.image.pixels.resize(size_t(s.image.width) * s.image.height * 3);
    for (size_t i = 0; i < s.image.pixels.size(); ++i)
        s.image.pixels[i] = std::uint8_t(100 + (i * 37) % 23); // mid grey with a little texture
    return s;
}

std::vector<float> TestImageOverlay::row(int peakColumn, float peak, float cls)
{
    const int n = 1 + kGrid * kGrid;
    std::vector<float> r(static_cast<size_t>(n));
    for (int j = 1; j < n; ++j)
        r[size_t(j)] = 0.01f + 0.002f * float((j * 7) % 5);
    r[0] = cls;
    r[size_t(peakColumn)] = peak;
    const float sum = std::accumulate(r.begin(), r.end(), 0.0f);
    for (float &v : r)
        v /= sum;
    return r;
}

QImage TestImageOverlay::paint(const SourceAxis &s, const std::vector<float> &r, const ImageOverlayOptions &o,
                               QSize size)
{
    QImage out(size, QImage::Format_RGB32);
    out.fill(Qt::black);
    QPainter p(&out);
    ImageOverlay(s, r, o).paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
    return out;
}

void TestImageOverlay::testPeakLandsInLargestPatch_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("colormap");
    QTest::newRow("corner, viridis") << 1 << int(ColormapKind::Viridis);
    QTest::newRow("inner, viridis") << 1 + 1 * kGrid + 2 << int(ColormapKind::Viridis);
    QTest::newRow("last, magma") << kGrid * kGrid << int(ColormapKind::Magma);
    QTest::newRow("edge, grayscale") << 1 + 3 * kGrid + 1 << int(ColormapKind::Grayscale);
}

void TestImageOverlay::testPeakLandsInLargestPatch()
{
    QFETCH(int, column);
    QFETCH(int, colormap);
    const SourceAxis s = source();
    const std::vector<float> r = row(column);
    QCOMPARE(peakPatch(s, r), column);
    ImageOverlayOptions o;
    o.colormap = ColormapKind(colormap);
    o.opacity = 0.8;
    // Painted larger than the picture and not square: the fitted picture is centred.
    const QSize size(200, 150);
    const QImage out = paint(s, r, o, size);
    const ImageOverlay overlay(s, r, o);
    int best = -1;
    QPoint at;
    for (int y = 0; y < out.height(); ++y)
        for (int x = 0; x < out.width(); ++x) {
            const int l = qGray(out.pixel(x, y));
            if (l > best)
                best = l, at = {x, y};
        }
    const QRectF target(0, 0, size.width(), size.height());
    QCOMPARE(overlay.patchAt(QPointF(at) + QPointF(0.5, 0.5), target), column);
    QVERIFY(overlay.patchRect(column, target).contains(QPointF(at) + QPointF(0.5, 0.5)));
}

void TestImageOverlay::testOpacityZeroLeavesPicture()
{
    const SourceAxis s = source();
    ImageOverlayOptions o;
    o.opacity = 0.0;
    const QImage out = paint(s, row(6), o, QSize(s.image.width, s.image.height));
    const QImage picture = toQImage(s.image).convertToFormat(QImage::Format_RGB32);
    QCOMPARE(out, picture);
    // And a visible opacity changes it.
    o.opacity = 0.5;
    QVERIFY(paint(s, row(6), o, QSize(s.image.width, s.image.height)) != picture);
}

void TestImageOverlay::testUpsampleIsTorchBilinear()
{
    // Reference: torch.nn.functional.interpolate(torch.arange(12.).reshape(1, 1, 3, 4), size=(5, 7),
    // mode="bilinear", align_corners=False) with torch 1.13 (../shared/hf-reference's Python).
    const std::vector<std::vector<double>> expected{
        {0.0, 0.3571428954601288, 0.9285714626312256, 1.5000001192092896, 2.0714287757873535, 2.642857313156128, 3.0},
        {1.6000001430511475, 1.957142949104309, 2.528571605682373, 3.1000001430511475, 3.671428918838501,
         4.242857456207275, 4.600000381469727},
        {4.0, 4.357142925262451, 4.928571701049805, 5.5, 6.071429252624512, 6.642857551574707, 7.000000476837158},
        {6.40000057220459, 6.757143020629883, 7.328571796417236, 7.90000057220459, 8.471428871154785,
         9.042858123779297, 9.40000057220459},
        {8.0, 8.357142448425293, 8.928571701049805, 9.5, 10.071429252624512, 10.642857551574707, 11.0}};
    std::vector<double> grid(12);
    std::iota(grid.begin(), grid.end(), 0.0);
    const std::vector<double> up = upsampleGrid(grid, 3, 4, 7, 5);
    QCOMPARE(up.size(), size_t(35));
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 7; ++x)
            QVERIFY2(std::abs(up[size_t(y) * 7 + x] - expected[size_t(y)][size_t(x)]) < 1e-5,
                     qPrintable(QStringLiteral("(%1, %2)").arg(y).arg(x)));
    // Smooth, not blocky: inside one 16-pixel patch of the picture the weight changes.
    const SourceAxis s = source();
    const std::vector<double> patches = patchWeights(s, row(6));
    const std::vector<double> smooth = upsampleGrid(patches, kGrid, kGrid, s.image.width, s.image.height);
    const int y = kPatch + kPatch / 2; // row 1 of the grid, where column 6's patch (1, 1) lies
    QVERIFY(smooth[size_t(y) * s.image.width + kPatch + 1] != smooth[size_t(y) * s.image.width + kPatch + 8]);
}

void TestImageOverlay::testExtraShare()
{
    const SourceAxis s = source();
    const std::vector<float> r = row(3, 0.3f, 0.45f);
    const double total = std::accumulate(r.begin(), r.end(), 0.0);
    QVERIFY(std::abs(extraShare(s, r) - r[0] / total) < 1e-6);
    QVERIFY(std::abs(ImageOverlay(s, r).extraShare() - r[0] / total) < 1e-6);
    // Patch weights are the grid's columns, in order.
    const std::vector<double> grid = patchWeights(s, r);
    QCOMPARE(int(grid.size()), kGrid * kGrid);
    for (int k = 0; k < kGrid * kGrid; ++k)
        QCOMPARE(grid[size_t(k)], double(r[size_t(k + 1)]));
    QCOMPARE(extraShare(s, std::vector<float>(r.size(), 0.0f)), 0.0);
}

void TestImageOverlay::testOptionsChangeThePicture()
{
    const SourceAxis s = source();
    const std::vector<float> r = row(8);
    const QSize size(128, 128);
    ImageOverlayOptions o;
    const QImage base = paint(s, r, o, size);
    ImageOverlayOptions other = o;
    other.colormap = ColormapKind::Magma;
    QVERIFY(paint(s, r, other, size) != base);
    other = o;
    other.normalise = false; // α itself: a weight of ~0.3 is far from the map's top colour
    QVERIFY(paint(s, r, other, size) != base);
    const ImageOverlay normalised(s, r, o), raw(s, r, other);
    QCOMPARE(normalised.unit(normalised.peakWeight()), 1.0);
    QVERIFY(raw.unit(raw.peakWeight()) < 0.5);
    other = o;
    other.gridLines = true;
    const QImage lined = paint(s, r, other, size);
    QVERIFY(lined != base);
    // The lines sit on patch borders: a patch's centre is untouched.
    QCOMPARE(lined.pixel(16, 16), base.pixel(16, 16));
}

void TestImageOverlay::testPatchGeometry()
{
    const SourceAxis s = source();
    const ImageOverlay overlay(s, row(1));
    const QRectF target(10, 20, 128, 128);
    QCOMPARE(overlay.imageRect(target), target);
    QCOMPARE(overlay.patchRect(1, target), QRectF(10, 20, 32, 32));
    QCOMPARE(overlay.patchRect(0, target), QRectF()); // CLS has no box
    QCOMPARE(overlay.patchAt(QPointF(10 + 3 * 32 + 5, 20 + 2 * 32 + 5), target), 1 + 2 * kGrid + 3);
    QCOMPARE(overlay.patchAt(QPointF(5, 5), target), -1);
}

void TestImageOverlay::testRgbRoundTrip()
{
    const SourceAxis s = source();
    const QImage q = toQImage(s.image);
    QCOMPARE(q.size(), QSize(s.image.width, s.image.height));
    const RgbImage back = toRgbImage(q);
    QCOMPARE(back.width, s.image.width);
    QVERIFY(back.pixels == s.image.pixels);
    // Alpha is dropped and the stored colour kept (no premultiplying onto black).
    QImage translucent(3, 2, QImage::Format_ARGB32);
    translucent.fill(qRgba(200, 100, 50, 64));
    const RgbImage rgb = toRgbImage(translucent);
    QCOMPARE(rgb.pixels.size(), size_t(18));
    QCOMPARE(int(rgb.pixels[0]), 200);
    QCOMPARE(int(rgb.pixels[1]), 100);
    QCOMPARE(int(rgb.pixels[2]), 50);
    QVERIFY(toRgbImage(QImage()).pixels.empty());
    QVERIFY(toQImage(RgbImage()).isNull());
}

void TestImageOverlay::testNoGrid()
{
    SourceAxis text = SourceAxis::textSource("a b", {"a", "b"}, {1, 2});
    const std::vector<float> r{0.5f, 0.5f};
    QVERIFY(!hasPatchGrid(text));
    QVERIFY(patchWeights(text, r).empty());
    QCOMPARE(peakPatch(text, r), -1);
    // A short row is not read past its end.
    const SourceAxis s = source();
    QVERIFY(patchWeights(s, r).empty());
    QCOMPARE(ImageOverlay(s, r).extraShare(), 0.0);
}

QTEST_MAIN(TestImageOverlay)
#include "testimageoverlay.moc"
