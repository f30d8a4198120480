// The 1-D convolution of core/src/transformer/conv1d.h: its backward against
// central finite differences in double precision (stride 1 and 2, with and
// without bias, kernels wider than the stride so that frames overlap), its
// forward against the definition of torch.nn.Conv1d written out as loops,
// and its output length.

#include "common/gradcheck.h"
#include "transformer/conv1d.h"

#include <QtTest>

#include <functional>
#include <random>

using namespace alignscope;
using Mat = MatrixX<double>;
using testing::randomMatrix;

class TestConv1d : public QObject {
    Q_OBJECT

private slots:
    void testGradients_data();
    void testGradients();
    void testForwardIsTheDefinition();
    void testOutputFrames();
};

namespace {

/// y(t, o) = b(o) + Σ_c Σ_k W(o, c, k) x(t·stride + k − padding, c), zero outside.
Mat definition(const Mat &x, const Mat &w, const Mat &b, const ops::Conv1dShape &s)
{
    const Eigen::Index out = s.outputFrames(x.rows());
    Mat y(out, w.rows());
    for (Eigen::Index t = 0; t < out; ++t)
        for (Eigen::Index o = 0; o < w.rows(); ++o) {
            double sum = b(0, o);
            for (Eigen::Index c = 0; c < x.cols(); ++c)
                for (int k = 0; k < s.kernel; ++k) {
                    const Eigen::Index from = t * s.stride + k - s.padding;
                    if (from >= 0 && from < x.rows())
                        sum += w(o, c * s.kernel + k) * x(from, c);
                }
            y(t, o) = sum;
        }
    return y;
}

} // namespace

void TestConv1d::testGradients_data()
{
    QTest::addColumn<int>("frames");
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("outputs");
    QTest::addColumn<int>("kernel");
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("padding");
    QTest::addColumn<bool>("bias");
    QTest::newRow("whisper conv1 (k3 s1 p1)") << 7 << 3 << 4 << 3 << 1 << 1 << true;
    QTest::newRow("whisper conv2 (k3 s2 p1)") << 8 << 4 << 4 << 3 << 2 << 1 << true;
    QTest::newRow("odd frames, stride 2") << 9 << 2 << 3 << 3 << 2 << 1 << true;
    QTest::newRow("no bias, no padding") << 6 << 3 << 2 << 3 << 1 << 0 << false;
    QTest::newRow("wide kernel, stride 3") << 10 << 2 << 3 << 5 << 3 << 2 << true;
}

void TestConv1d::testGradients()
{
    QFETCH(int, frames);
    QFETCH(int, channels);
    QFETCH(int, outputs);
    QFETCH(int, kernel);
    QFETCH(int, stride);
    QFETCH(int, padding);
    QFETCH(bool, bias);
    const ops::Conv1dShape s{kernel, stride, padding};
    std::mt19937 rng(unsigned(frames * 31 + kernel));
    std::vector<Mat> inputs{randomMatrix(rng, frames, channels), randomMatrix(rng, outputs, channels * kernel)};
    if (bias)
        inputs.push_back(randomMatrix(rng, 1, outputs));
    testing::checkGradients([&](Graph<double> &g, const std::vector<int> &x) {
        return ops::conv1d(g, x[0], x[1], bias ? x[2] : -1, s);
    }, inputs, unsigned(frames * 31 + kernel));
}

void TestConv1d::testForwardIsTheDefinition()
{
    std::mt19937 rng(7);
    for (const ops::Conv1dShape s : {ops::Conv1dShape{3, 1, 1}, ops::Conv1dShape{3, 2, 1}, ops::Conv1dShape{4, 2, 0}}) {
        const Mat x = randomMatrix(rng, 11, 5), w = randomMatrix(rng, 6, 5 * s.kernel), b = randomMatrix(rng, 1, 6);
        Graph<double> g(false);
        const Mat y = g.value(ops::conv1d(g, g.constant(x), g.constant(w), g.constant(b), s));
        const Mat expected = definition(x, w, b, s);
        QCOMPARE(y.rows(), expected.rows());
        QVERIFY2((y - expected).cwiseAbs().maxCoeff() < 1e-12, "conv1d differs from its definition");
    }
}

void TestConv1d::testOutputFrames()
{
    // Whisper: 3000 log-mel frames -> 3000 (k3 s1 p1) -> 1500 (k3 s2 p1) encoder positions.
    QCOMPARE(ops::Conv1dShape({3, 1, 1}).outputFrames(3000), Eigen::Index(3000));
    QCOMPARE(ops::Conv1dShape({3, 2, 1}).outputFrames(3000), Eigen::Index(1500));
    QCOMPARE(ops::Conv1dShape({3, 2, 1}).outputFrames(7), Eigen::Index(4));
}

QTEST_APPLESS_MAIN(TestConv1d)
#include "testconv1d.moc"
