// The Transformer's parts (core/src/transformer/blocks.h): every op's
// backward against central finite differences in double precision; the
// forward against PyTorch's own functions (label-smoothed cross-entropy too) (tests/data/transformer/
// blocks_torch.json, made by tests/interop/make_transformer_block_
// fixtures.py); the attention's masks and per-head rows; and the plain
// functions' values (sinusoidal table, T5's relative buckets).

#include "common/gradcheck.h"
#include "transformer/blocks.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include <QtTest>

#include <functional>
#include <random>

using namespace alignscope;
using Mat = MatrixX<double>;
using Op = testing::GradOp;
using testing::checkGradients;
using testing::randomMatrix;

class TestTransformerBlocks : public QObject {
    Q_OBJECT

private slots:
    void testGradients_data();
    void testGradients();
    void testTorchParity();
    void testAttentionHeadsAndMasks();
    void testOneQueryReadsKeysByHead();
    void testSoftmaxOfMaskedRowIsZero();
    void testNormsNormalise();
    void testSinusoidalTable();
    void testRelativeBuckets();
};

Mat fromJson(const nlohmann::json &j)
{
    if (!j.at(0).is_array()) { // a vector: one row
        Mat m(1, Eigen::Index(j.size()));
        for (size_t c = 0; c < j.size(); ++c)
            m(0, Eigen::Index(c)) = j[c].get<double>();
        return m;
    }
    Mat m(Eigen::Index(j.size()), Eigen::Index(j[0].size()));
    for (size_t r = 0; r < j.size(); ++r)
        for (size_t c = 0; c < j[r].size(); ++c)
            m(Eigen::Index(r), Eigen::Index(c)) = j[r][c].get<double>();
    return m;
}

double maxDifference(const Mat &a, const Mat &b)
{
    return a.rows() == b.rows() && a.cols() == b.cols() ? (a - b).cwiseAbs().maxCoeff() : 1e300;
}

Q_DECLARE_METATYPE(Op)

void TestTransformerBlocks::testGradients_data()
{
    QTest::addColumn<Op>("op");
    QTest::addColumn<QList<int>>("shapes"); // rows, cols per input
    using G = Graph<double>;
    using V = const std::vector<int> &;
    QTest::newRow("matmul") << Op([](G &g, V x) { return ops::matmul(g, x[0], x[1]); }) << QList<int>{3, 4, 4, 2};
    QTest::newRow("softmax") << Op([](G &g, V x) { return ops::softmaxRows(g, x[0]); }) << QList<int>{3, 5};
    QTest::newRow("masked softmax") << Op([](G &g, V x) {
        return ops::softmaxRows(g, ops::addConstant(g, x[0], ops::causalMask<double>(4)));
    }) << QList<int>{4, 4};
    QTest::newRow("layer norm") << Op([](G &g, V x) { return ops::layerNorm(g, x[0], x[1], x[2], 1e-5); })
                                << QList<int>{3, 6, 1, 6, 1, 6};
    QTest::newRow("rms norm") << Op([](G &g, V x) { return ops::rmsNorm(g, x[0], x[1], 1e-6); })
                              << QList<int>{3, 6, 1, 6};
    QTest::newRow("gelu erf") << Op([](G &g, V x) { return ops::gelu(g, x[0], ops::GeluForm::Erf); })
                              << QList<int>{3, 5};
    QTest::newRow("gelu tanh") << Op([](G &g, V x) { return ops::gelu(g, x[0], ops::GeluForm::Tanh); })
                               << QList<int>{3, 5};
    QTest::newRow("silu") << Op([](G &g, V x) { return ops::silu(g, x[0]); }) << QList<int>{3, 5};
    // Two heads, dk = 3, dv = 2, T = 4 queries over S = 5 keys.
    QTest::newRow("cross-attention, scaled") << Op([](G &g, V x) {
        return ops::multiHeadAttention(g, x[0], x[1], x[2], {2, true}).output;
    }) << QList<int>{4, 6, 5, 6, 5, 4};
    QTest::newRow("cross-attention, padded keys") << Op([](G &g, V x) {
        return ops::multiHeadAttention(g, x[0], x[1], x[2], {2, true}, ops::paddingMask<double>(4, 5, 3)).output;
    }) << QList<int>{4, 6, 5, 6, 5, 4};
    QTest::newRow("causal self-attention") << Op([](G &g, V x) {
        return ops::multiHeadAttention(g, x[0], x[1], x[2], {2, true}, ops::causalMask<double>(4)).output;
    }) << QList<int>{4, 6, 4, 6, 4, 4};
    QTest::newRow("rows sliced and stacked") << Op([](G &g, V x) {
        return ops::concatRows(g, {ops::sliceRows(g, x[0], 2, 2), ops::sliceRows(g, x[0], 0, 3), x[1]});
    }) << QList<int>{5, 3, 2, 3};
    QTest::newRow("cross-entropy, label smoothing 0.1") << Op([](G &g, V x) {
        return ops::crossEntropy(g, x[0], {3, 0, -1, 4}, 0.5, 0.1);
    }) << QList<int>{4, 6};
    QTest::newRow("T5: unscaled with a bias per head") << Op([](G &g, V x) {
        return ops::multiHeadAttention(g, x[0], x[1], x[2], {2, false}, {}, {x[3], x[4]}).output;
    }) << QList<int>{4, 6, 4, 6, 4, 4, 4, 4, 4, 4};
}

void TestTransformerBlocks::testGradients()
{
    QFETCH(Op, op);
    QFETCH(QList<int>, shapes);
    std::mt19937 rng(7);
    std::vector<Mat> inputs;
    for (int i = 0; i + 1 < shapes.size(); i += 2)
        inputs.push_back(randomMatrix(rng, shapes[i], shapes[i + 1]));
    checkGradients(op, inputs, 11);
}

// PyTorch's functions on the same inputs, in float64: within 1e-12.
void TestTransformerBlocks::testTorchParity()
{
    std::ifstream in(ALIGNSCOPE_TEST_DATA_DIR "/transformer/blocks_torch.json");
    QVERIFY2(in, "tests/data/transformer/blocks_torch.json is missing");
    const nlohmann::json f = nlohmann::json::parse(in);
    Graph<double> g(false);
    auto input = [&](const nlohmann::json &j, const char *key) { return g.constant(fromJson(j.at(key))); };
    auto check = [&](const char *name, int node, const nlohmann::json &want) {
        const double d = maxDifference(g.value(node), fromJson(want));
        QVERIFY2(d < 1e-12, qPrintable(QStringLiteral("%1: max difference %2").arg(name).arg(d)));
    };
    const auto &ln = f.at("layer_norm");
    check("layer_norm", ops::layerNorm(g, input(ln, "x"), input(ln, "gamma"), input(ln, "beta"), ln.at("eps").get<double>()),
          ln.at("y"));
    check("gelu_erf", ops::gelu(g, input(f.at("gelu_erf"), "x"), ops::GeluForm::Erf), f.at("gelu_erf").at("y"));
    check("gelu_tanh", ops::gelu(g, input(f.at("gelu_tanh"), "x"), ops::GeluForm::Tanh), f.at("gelu_tanh").at("y"));
    check("silu", ops::silu(g, input(f.at("silu"), "x")), f.at("silu").at("y"));
    check("softmax", ops::softmaxRows(g, input(f.at("softmax"), "x")), f.at("softmax").at("y"));
    const auto &ce = f.at("cross_entropy_smoothed");
    const double loss = g.value(ops::crossEntropy(g, input(ce, "logits"), ce.at("targets").get<std::vector<int>>(), 1.0,
                                                  ce.at("smoothing").get<double>()))(0, 0);
    QVERIFY2(std::abs(loss - ce.at("loss").get<double>()) < 1e-12, qPrintable(QString::number(loss, 'g', 17)));
    for (const char *name : {"attention_cross_padded", "attention_causal_self"}) {
        const auto &a = f.at(name);
        const int heads = a.at("heads").get<int>();
        const Mat q = fromJson(a.at("q")), k = fromJson(a.at("k"));
        const Mat mask = a.contains("valid_keys") ? ops::paddingMask<double>(q.rows(), k.rows(), a.at("valid_keys").get<int>())
                                                  : ops::causalMask<double>(q.rows());
        const auto out = ops::multiHeadAttention(g, g.constant(q), g.constant(k), input(a, "v"), {heads, true}, mask);
        check(name, out.output, a.at("output"));
        for (int h = 0; h < heads; ++h)
            check(name, out.weights[size_t(h)], a.at("weights").at(size_t(h)));
    }
}

// Each head attends with its own slice of q, k, v; its weights are rows of
// a softmax; the output is the heads side by side; masked keys get 0.
void TestTransformerBlocks::testAttentionHeadsAndMasks()
{
    std::mt19937 rng(3);
    const Mat q = randomMatrix(rng, 3, 4), k = randomMatrix(rng, 5, 4), v = randomMatrix(rng, 5, 6);
    Graph<double> g(false);
    const auto out = ops::multiHeadAttention(g, g.constant(q), g.constant(k), g.constant(v), {2, true},
                                             ops::paddingMask<double>(3, 5, 4));
    QCOMPARE(int(out.weights.size()), 2);
    for (int h = 0; h < 2; ++h) {
        const Mat &a = g.value(out.weights[size_t(h)]);
        const Mat e = q.middleCols(2 * h, 2) * k.middleCols(2 * h, 2).transpose() / std::sqrt(2.0);
        QVERIFY((g.value(out.scores[size_t(h)]) - e).cwiseAbs().maxCoeff() < 1e-12);
        for (Eigen::Index r = 0; r < 3; ++r) {
            QVERIFY(std::abs(a.row(r).sum() - 1.0) < 1e-12);
            QCOMPARE(a(r, 4), 0.0); // the padded key
            const double z = (e.row(r).head(4).array() - e.row(r).head(4).maxCoeff()).exp().sum();
            QVERIFY(std::abs(a(r, 0) - std::exp(e(r, 0) - e.row(r).head(4).maxCoeff()) / z) < 1e-12);
        }
        const Mat head = a * v.middleCols(3 * h, 3);
        QVERIFY((g.value(out.output).middleCols(3 * h, 3) - head).cwiseAbs().maxCoeff() < 1e-12);
    }
}

void TestTransformerBlocks::testSoftmaxOfMaskedRowIsZero()
{
    Graph<double> g(false);
    Mat m = Mat::Zero(2, 3);
    m.row(1).setConstant(-std::numeric_limits<double>::infinity());
    const Mat &y = g.value(ops::softmaxRows(g, ops::addConstant(g, g.constant(Mat::Ones(2, 3)), m)));
    QVERIFY(std::abs(y.row(0).sum() - 1.0) < 1e-12);
    QCOMPARE(y.row(1).sum(), 0.0);
}

void TestTransformerBlocks::testNormsNormalise()
{
    std::mt19937 rng(5);
    const Mat x = randomMatrix(rng, 4, 8) * 3.0;
    Graph<double> g(false);
    const Mat &ln = g.value(ops::layerNorm(g, g.constant(x), g.constant(Mat::Ones(1, 8)), g.constant(Mat::Zero(1, 8)), 0.0));
    const Mat &rms = g.value(ops::rmsNorm(g, g.constant(x), g.constant(Mat::Ones(1, 8)), 0.0));
    for (Eigen::Index r = 0; r < 4; ++r) {
        QVERIFY(std::abs(ln.row(r).mean()) < 1e-12);
        QVERIFY(std::abs(ln.row(r).squaredNorm() / 8 - 1.0) < 1e-12);
        QVERIFY(std::abs(rms.row(r).squaredNorm() / 8 - 1.0) < 1e-12);
        QVERIFY(std::abs(rms(r, 0) / x(r, 0) - rms(r, 5) / x(r, 5)) < 1e-12); // a scaling, no centring
    }
}

void TestTransformerBlocks::testSinusoidalTable()
{
    const Mat t = ops::sinusoidalPositions<double>(50, 16);
    QCOMPARE(t(0, 0), 0.0);
    QCOMPARE(t(0, 1), 1.0);
    QVERIFY(std::abs(t(7, 2) - std::sin(7.0 / std::pow(10000.0, 2.0 / 16))) < 1e-15);
    QVERIFY(std::abs(t(49, 15) - std::cos(49.0 / std::pow(10000.0, 14.0 / 16))) < 1e-15);
}

// T5's buckets (32 buckets, distance 128): exact near the query, shared
// logarithmic buckets further away, the sign split in the encoder only.
void TestTransformerBlocks::testRelativeBuckets()
{
    using ops::relativePositionBucket;
    // Bidirectional: 16 per sign; 0..7 exact; 16 + d for keys after the query.
    QCOMPARE(relativePositionBucket(0, true, 32, 128), 0);
    QCOMPARE(relativePositionBucket(-3, true, 32, 128), 3);
    QCOMPARE(relativePositionBucket(3, true, 32, 128), 19);
    QCOMPARE(relativePositionBucket(-7, true, 32, 128), 7);
    QCOMPARE(relativePositionBucket(-8, true, 32, 128), 8); // first logarithmic bucket
    QCOMPARE(relativePositionBucket(-500, true, 32, 128), 15); // past max distance: the last
    QCOMPARE(relativePositionBucket(500, true, 32, 128), 31);
    // Causal: the future shares bucket 0; 32 buckets for the past, 0..15 exact.
    QCOMPARE(relativePositionBucket(4, false, 32, 128), 0);
    QCOMPARE(relativePositionBucket(-15, false, 32, 128), 15);
    QCOMPARE(relativePositionBucket(-16, false, 32, 128), 16);
    QCOMPARE(relativePositionBucket(-1000, false, 32, 128), 31);
    // Monotone in distance, never past the last bucket.
    int last = 0;
    for (int d = 0; d < 300; ++d) {
        const int b = relativePositionBucket(-d, false, 32, 128);
        QVERIFY(b >= last && b <= 31);
        last = b;
    }
}

// A decode step's cross-attention: keys and values laid out head after head
// (Graph::external's byHead) give bit for bit what the (n, H·dk) matrices give.
void TestTransformerBlocks::testOneQueryReadsKeysByHead()
{
    const int n = 300, heads = 6, dk = 16;
    std::mt19937 rng(4);
    std::normal_distribution<float> z;
    auto random = [&](int r, int c) {
        MatrixX<float> m(r, c);
        for (Eigen::Index i = 0; i < m.size(); ++i)
            m.data()[i] = z(rng);
        return m;
    };
    const MatrixX<float> q = random(1, heads * dk), K = random(n, heads * dk), V = random(n, heads * dk);
    MatrixX<float> Kh(heads * n, dk), Vh(heads * n, dk);
    for (int h = 0; h < heads; ++h) {
        Kh.middleRows(h * n, n) = K.middleCols(h * dk, dk);
        Vh.middleRows(h * n, n) = V.middleCols(h * dk, dk);
    }
    Graph<float> plain(false), laid(false);
    const auto a = ops::multiHeadAttention(plain, plain.constant(q), plain.external(K), plain.external(V), {heads, true});
    const auto b = ops::multiHeadAttention(laid, laid.constant(q), laid.external(K, nullptr, nullptr, &Kh),
                                           laid.external(V, nullptr, nullptr, &Vh), {heads, true});
    QVERIFY(plain.value(a.output) == laid.value(b.output));
    for (int h = 0; h < heads; ++h) {
        QVERIFY(plain.value(a.scores[size_t(h)]) == laid.value(b.scores[size_t(h)]));
        QVERIFY(plain.value(a.weights[size_t(h)]) == laid.value(b.weights[size_t(h)]));
    }
    // And both are the attention: head 2's output is its weights times its values.
    const MatrixX<float> want = laid.value(b.weights[2]) * V.middleCols(2 * dk, dk);
    QVERIFY((laid.value(b.output).middleCols(2 * dk, dk) - want).cwiseAbs().maxCoeff() < 1e-5f);
}

QTEST_APPLESS_MAIN(TestTransformerBlocks)
#include "testtransformerblocks.moc"
