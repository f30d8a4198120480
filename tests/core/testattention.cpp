// Attention (attention/scorer.h, attention/kernels.h): every scorer's
// scores, weights and context against hand-worked values and independent
// plain loops; backward against central finite differences; softmax
// extremes, masks, local windows, batching and thread-count independence.
// Shapes: B = batch rows, S = padded source length, q = query size,
// d = memory state size, A = additive / concat hidden size.

#include "attention/additive_avx512.h"
#include "attention/scorer.h"

#include <QtTest>

#include <tbb/global_control.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace alignscope;
using Mat = MatrixX<double>;

namespace {

constexpr double kStep = 1e-6;
constexpr double kMaxRelative = 1e-6;
// Central differences of an O(1) loss carry ~1e-10 of rounding noise; an
// entry whose gradient is that small can only be checked absolutely.
constexpr double kNoiseFloor = 1e-9;

double relativeError(double a, double b)
{
    return std::abs(a - b) / std::max(1e-8, std::abs(a) + std::abs(b));
}

double maxAbsDiff(const Mat &a, const Mat &b)
{
    return a.size() == 0 && b.size() == 0 ? 0.0 : (a - b).cwiseAbs().maxCoeff();
}

Mat rowOf(std::initializer_list<double> values)
{
    Mat m(1, static_cast<Eigen::Index>(values.size()));
    Eigen::Index i = 0;
    for (double v : values)
        m(0, i++) = v;
    return m;
}

Mat matrixOf(std::initializer_list<std::initializer_list<double>> rows)
{
    Mat m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.begin()->size()));
    Eigen::Index r = 0;
    for (const auto &row : rows)
        m.row(r++) = rowOf(row);
    return m;
}

AttentionConfig configOf(ScorerKind scorer, LocalMode local = LocalMode::None)
{
    AttentionConfig c;
    c.scorer = scorer;
    c.local = local;
    c.dimension = 4;
    c.window = 1;
    c.maxSourceLength = 4;
    return c;
}

/// One attention problem: configuration, weights, queries and memory.
struct Case {
    AttentionConfig config;
    int q = 3;
    int d = 3;
    Eigen::Index S = 0;
    std::vector<int> lengths; ///< per batch row
    int t = 0;                ///< decoder step (local-m's centre)
    ParameterSet<double> params;
    Mat Q;                    ///< (B, q)
    Mat H;                    ///< (B*S, d)
    Mat w;                    ///< (B, S) loss weights on α
    Mat u;                    ///< (B, d) loss weights on c
};

struct Grads {
    ParameterSet<double> params;
    Mat query;
    Mat memory;
};

struct Run {
    Mat e, alpha, c;
    double loss = 0.0;
};

/// Runs the attention module on a case; with `grads`, back-propagates
/// L = Σ_j w_j α_j + Σ_k u_k c_k into them.
Run attend(const Case &k, Grads *grads = nullptr)
{
    Graph<double> g(grads != nullptr);
    ParamBinder<double> p(g, k.params, grads ? &grads->params : nullptr);
    const Attention<double> attention(k.config, k.q, k.d);
    Memory m;
    m.states = g.external(k.H, grads ? &grads->memory : nullptr);
    m.keys = attention.keys(p, m.states);
    m.S = k.S;
    m.lengths = k.lengths;
    const int query = g.external(k.Q, grads ? &grads->query : nullptr);
    const auto out = attention.attend(p, query, m, k.t);
    Run r{g.value(out.scores), g.value(out.weights), g.value(out.context), 0.0};
    r.loss = r.alpha.cwiseProduct(k.w).sum() + r.c.cwiseProduct(k.u).sum();
    if (grads) {
        Mat l(1, 1);
        l(0, 0) = r.loss;
        const int a = out.weights, c = out.context;
        const Mat w = k.w, u = k.u;
        const int loss = g.op(std::move(l), {a, c}, [a, c, w, u](Graph<double> &g) {
            const double dl = g.grad(g.current())(0, 0);
            if (g.needsGrad(a)) g.grad(a) += w * dl;
            if (g.needsGrad(c)) g.grad(c) += u * dl;
        });
        g.backward(loss);
    }
    return r;
}

Mat randomMatrix(std::mt19937 &rng, Eigen::Index rows, Eigen::Index cols)
{
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    Mat m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = u(rng);
    return m;
}

/// Random weights for every parameter the attention declares.
ParameterSet<double> randomParameters(const AttentionConfig &c, int q, int d, std::mt19937 &rng)
{
    ShapeMap shapes;
    Attention<double>(c, q, d).declare(shapes);
    ParameterSet<double> params;
    for (const auto &[name, shape] : shapes)
        params.emplace(name, randomMatrix(rng, shape.first, shape.second));
    return params;
}

/// A random batch of two sentences of lengths 5 and 3 (S = 5). Dot scorers
/// need q = d; the others get q != d so a transposed weight cannot pass.
Case randomCase(ScorerKind scorer, LocalMode local, unsigned seed, std::vector<int> lengths = {5, 3})
{
    std::mt19937 rng(seed);
    Case k;
    k.config = configOf(scorer, local);
    const bool dot = scorer == ScorerKind::Dot || scorer == ScorerKind::ScaledDot;
    k.q = dot ? 4 : 3;
    k.d = 4;
    k.lengths = std::move(lengths);
    k.S = *std::max_element(k.lengths.begin(), k.lengths.end());
    k.t = 2;
    const Eigen::Index B = static_cast<Eigen::Index>(k.lengths.size());
    k.params = randomParameters(k.config, k.q, k.d, rng);
    k.Q = randomMatrix(rng, B, k.q);
    k.H = randomMatrix(rng, B * k.S, k.d);
    k.w = randomMatrix(rng, B, k.S);
    k.u = randomMatrix(rng, B, k.d);
    return k;
}

Grads zeroGrads(const Case &k)
{
    return {zerosLike(k.params), Mat::Zero(k.Q.rows(), k.Q.cols()), Mat::Zero(k.H.rows(), k.H.cols())};
}

/// Central difference of the loss w.r.t. entry i of `m` (a member of `k`).
double numericGradient(Case &k, Mat &m, Eigen::Index i)
{
    const double saved = m.data()[i];
    m.data()[i] = saved + kStep;
    const double up = attend(k).loss;
    m.data()[i] = saved - kStep;
    const double down = attend(k).loss;
    m.data()[i] = saved;
    return (up - down) / (2 * kStep);
}

/// Checks every entry of `m` (a member of `k`) against `analytic`.
void checkAllEntries(Case &k, Mat &m, const Mat &analytic, const QString &label)
{
    QCOMPARE(analytic.rows(), m.rows());
    QCOMPARE(analytic.cols(), m.cols());
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        const double numeric = numericGradient(k, m, i);
        const double a = analytic.data()[i];
        QVERIFY2(relativeError(a, numeric) < kMaxRelative || std::abs(a - numeric) < kNoiseFloor,
                 qPrintable(QString("%1[%2]: analytic %3, numeric %4, relative error %5")
                                .arg(label).arg(i).arg(a, 0, 'g', 12).arg(numeric, 0, 'g', 12)
                                .arg(relativeError(a, numeric))));
    }
}

// ---- Independent reference: plain loops over the formulas -------------

double dotOf(const Mat &a, Eigen::Index ra, const Mat &b, Eigen::Index rb)
{
    double s = 0.0;
    for (Eigen::Index i = 0; i < a.cols(); ++i)
        s += a(ra, i) * b(rb, i);
    return s;
}

/// e_j for one query row against rows h_0..h_{n-1} of H (global scorers).
std::vector<double> referenceScores(const AttentionConfig &c, const ParameterSet<double> &p, const Mat &q,
                                    const Mat &H, Eigen::Index n)
{
    const std::string P = "decoder.attention.";
    std::vector<double> e(static_cast<size_t>(n), 0.0);
    for (Eigen::Index j = 0; j < n; ++j) {
        double s = 0.0;
        switch (c.scorer) {
        case ScorerKind::Dot: s = dotOf(q, 0, H, j); break;
        case ScorerKind::ScaledDot: s = dotOf(q, 0, H, j) / std::sqrt(double(H.cols())); break;
        case ScorerKind::General: {
            const Mat &W = p.at(P + "W.weight"), &b = p.at(P + "W.bias");
            for (Eigen::Index i = 0; i < q.cols(); ++i) {
                double wh = b(0, i);
                for (Eigen::Index k = 0; k < H.cols(); ++k)
                    wh += W(i, k) * H(j, k);
                s += q(0, i) * wh;
            }
            break;
        }
        case ScorerKind::Additive:
        case ScorerKind::Concat: {
            const bool additive = c.scorer == ScorerKind::Additive;
            const Mat &W = p.at(P + "W.weight"), &v = p.at(P + "v.weight");
            for (Eigen::Index a = 0; a < W.rows(); ++a) {
                double pre = p.at(P + "W.bias")(0, a) + (additive ? p.at(P + "U.bias")(0, a) : 0.0);
                for (Eigen::Index i = 0; i < q.cols(); ++i)
                    pre += W(a, i) * q(0, i);
                for (Eigen::Index k = 0; k < H.cols(); ++k)
                    pre += (additive ? p.at(P + "U.weight")(a, k) : W(a, q.cols() + k)) * H(j, k);
                s += v(0, a) * std::tanh(pre);
            }
            if (additive)
                s += p.at(P + "v.bias")(0, 0);
            break;
        }
        case ScorerKind::Location: {
            const Mat &W = p.at(P + "location.weight");
            if (j < W.rows()) {
                s = p.at(P + "location.bias")(0, j);
                for (Eigen::Index i = 0; i < q.cols(); ++i)
                    s += W(j, i) * q(0, i);
            }
            break;
        }
        }
        e[static_cast<size_t>(j)] = s;
    }
    return e;
}

/// Softmax over positions [lo, hi), zero elsewhere.
std::vector<double> referenceSoftmax(const std::vector<double> &e, int lo, int hi)
{
    std::vector<double> a(e.size(), 0.0);
    double m = -1e300, z = 0.0;
    for (int j = lo; j < hi; ++j)
        m = std::max(m, e[j]);
    for (int j = lo; j < hi; ++j)
        z += std::exp(e[j] - m);
    for (int j = lo; j < hi; ++j)
        a[j] = std::exp(e[j] - m) / z;
    return a;
}

std::vector<double> referenceContext(const std::vector<double> &a, const Mat &H)
{
    std::vector<double> c(static_cast<size_t>(H.cols()), 0.0);
    for (size_t j = 0; j < a.size(); ++j)
        for (Eigen::Index k = 0; k < H.cols(); ++k)
            c[k] += a[j] * H(static_cast<Eigen::Index>(j), k);
    return c;
}

/// The hand-worked problem: q = (1, 2); h_1 = (1, 0), h_2 = (0, 1), h_3 = (1, 1).
Case handCase(ScorerKind scorer)
{
    Case k;
    k.config = configOf(scorer);
    k.config.dimension = 2;
    k.q = 2;
    k.d = 2;
    k.S = 3;
    k.lengths = {3};
    k.Q = rowOf({1, 2});
    k.H = matrixOf({{1, 0}, {0, 1}, {1, 1}});
    k.w = Mat::Zero(1, 3);
    k.u = Mat::Zero(1, 2);
    const std::string P = "decoder.attention.";
    auto &p = k.params;
    switch (scorer) {
    case ScorerKind::Dot:
    case ScorerKind::ScaledDot:
        break;
    case ScorerKind::General:
        p[P + "W.weight"] = matrixOf({{1, 1}, {0, 2}});
        p[P + "W.bias"] = rowOf({0.5, -1});
        break;
    case ScorerKind::Additive:
        p[P + "W.weight"] = matrixOf({{1, 0}, {0, 1}});
        p[P + "W.bias"] = rowOf({0, 0});
        p[P + "U.weight"] = matrixOf({{1, 0}, {0, -1}});
        p[P + "U.bias"] = rowOf({0, 0.5});
        p[P + "v.weight"] = rowOf({1, -2});
        p[P + "v.bias"] = rowOf({0.25});
        break;
    case ScorerKind::Concat:
        // [W_q | W_h] with W_q = I and W_h = diag(1, -1): the additive case
        // without v's bias.
        p[P + "W.weight"] = matrixOf({{1, 0, 1, 0}, {0, 1, 0, -1}});
        p[P + "W.bias"] = rowOf({0, 0.5});
        p[P + "v.weight"] = rowOf({1, -2});
        break;
    case ScorerKind::Location:
        k.config.maxSourceLength = 4;
        p[P + "location.weight"] = matrixOf({{1, 0}, {0, 1}, {1, 1}, {5, 5}});
        p[P + "location.bias"] = rowOf({0, 0, -1, 0});
        break;
    }
    return k;
}

/// One float attention step of query q over states H (one sentence):
/// scores, weights and context, with recording on (training) or off.
std::array<Matrix, 3> attendOnce(const AttentionConfig &config, const ParameterSet<float> &params,
                                 const Matrix &H, const Matrix &q, bool record)
{
    const int n = int(H.rows()), d = int(H.cols());
    Graph<float> g(record);
    ParamBinder<float> p(g, params);
    const Attention<float> attention(config, int(q.cols()), d);
    Memory m;
    m.states = g.external(H);
    m.keys = attention.keys(p, m.states);
    m.S = n;
    m.lengths = {n};
    const auto out = attention.attend(p, g.external(q), m, 0);
    return {g.value(out.scores), g.value(out.weights), g.value(out.context)};
}

} // namespace

class TestAttention : public QObject {
    Q_OBJECT

private slots:
    void testHandWorkedScores_data();
    void testHandWorkedScores();
    void testDotWeightsAndContextByHand();
    void testLocationPastMaximumLength();
    void testBackward_data();
    void testBackward();
    void testSoftmaxExtremeScores();
    void testFullyMaskedRow();
    void testMaskedPositions();
    void testLocalMonotonicWindow_data();
    void testLocalMonotonicWindow();
    void testLocalPredictiveWindowEdges_data();
    void testLocalPredictiveWindowEdges();
    void testBatchEqualsAlone_data();
    void testBatchEqualsAlone();
    void testInferencePathMatchesTraining_data();
    void testInferencePathMatchesTraining();
    void testThreadCountIndependence_data();
    void testThreadCountIndependence();
};

void TestAttention::testHandWorkedScores_data()
{
    QTest::addColumn<int>("scorer");
    QTest::addColumn<QList<double>>("expected");
    // q = (1, 2); h_1 = (1, 0), h_2 = (0, 1), h_3 = (1, 1).
    // dot: e_j = q·h_j = (1, 2, 3).
    QTest::newRow("dot") << int(ScorerKind::Dot) << QList<double>{1, 2, 3};
    // scaled-dot: (1, 2, 3) / √2.
    QTest::newRow("scaled-dot") << int(ScorerKind::ScaledDot)
                                << QList<double>{1 / std::sqrt(2.0), 2 / std::sqrt(2.0), 3 / std::sqrt(2.0)};
    // general: k_j = W h_j + b with W = [[1, 1], [0, 2]], b = (0.5, -1):
    // k_1 = (1.5, -1), k_2 = (1.5, 1), k_3 = (2.5, 1); e_j = q·k_j:
    // 1.5 - 2 = -0.5, 1.5 + 2 = 3.5, 2.5 + 2 = 4.5.
    QTest::newRow("general") << int(ScorerKind::General) << QList<double>{-0.5, 3.5, 4.5};
    // additive: W q + b_W = (1, 2); U h_j + b_U = (1, 0.5), (0, -0.5), (1, -0.5);
    // pre-activations (2, 2.5), (1, 1.5), (2, 1.5); v = (1, -2), b_v = 0.25:
    // e_1 = tanh 2 - 2 tanh 2.5 + 0.25 = 0.9640275801 - 1.9732286037 + 0.25
    // e_2 = tanh 1 - 2 tanh 1.5 + 0.25 = 0.7615941560 - 1.8102965073 + 0.25
    // e_3 = tanh 2 - 2 tanh 1.5 + 0.25 = 0.9640275801 - 1.8102965073 + 0.25
    QTest::newRow("additive") << int(ScorerKind::Additive)
                              << QList<double>{-0.7592010162, -0.7987023513, -0.5962689272};
    // concat: the same pre-activations with no b_v: additive - 0.25.
    QTest::newRow("concat") << int(ScorerKind::Concat)
                            << QList<double>{-1.0092010162, -1.0487023513, -0.8462689272};
    // location (L = 4): e = W_a q + b, first 3 of 4 rows:
    // (1·1 + 0·2 + 0, 0·1 + 1·2 + 0, 1·1 + 1·2 - 1) = (1, 2, 2).
    QTest::newRow("location") << int(ScorerKind::Location) << QList<double>{1, 2, 2};
}

void TestAttention::testHandWorkedScores()
{
    QFETCH(int, scorer);
    QFETCH(QList<double>, expected);
    const Case k = handCase(static_cast<ScorerKind>(scorer));
    const Run r = attend(k);
    QCOMPARE(r.e.rows(), 1);
    QCOMPARE(r.e.cols(), 3);
    const auto ref = referenceScores(k.config, k.params, k.Q, k.H, 3);
    for (int j = 0; j < 3; ++j) {
        // Hand arithmetic is given to 10 decimals.
        QVERIFY2(std::abs(r.e(0, j) - expected[j]) < 1e-9, qPrintable(QString("e_%1 = %2").arg(j).arg(r.e(0, j))));
        QVERIFY(std::abs(ref[j] - expected[j]) < 1e-9);
    }
    const auto alpha = referenceSoftmax(ref, 0, 3);
    const auto c = referenceContext(alpha, k.H);
    double sum = 0.0;
    for (int j = 0; j < 3; ++j) {
        QVERIFY(std::abs(r.alpha(0, j) - alpha[j]) < 1e-12);
        sum += r.alpha(0, j);
    }
    QVERIFY(std::abs(sum - 1.0) < 1e-12);
    for (int i = 0; i < 2; ++i)
        QVERIFY(std::abs(r.c(0, i) - c[i]) < 1e-12);
}

void TestAttention::testDotWeightsAndContextByHand()
{
    // e = (1, 2, 3): α = e^{e_j} / (e + e² + e³) = (0.0900305732, 0.2447284711, 0.6652409558);
    // c = α_1 (1, 0) + α_2 (0, 1) + α_3 (1, 1) = (α_1 + α_3, α_2 + α_3)
    //   = (0.7552715289, 0.9099694268).
    const Run r = attend(handCase(ScorerKind::Dot));
    const double alpha[] = {0.0900305732, 0.2447284711, 0.6652409558};
    for (int j = 0; j < 3; ++j)
        QVERIFY(std::abs(r.alpha(0, j) - alpha[j]) < 1e-9);
    QVERIFY(std::abs(r.c(0, 0) - 0.7552715289) < 1e-9);
    QVERIFY(std::abs(r.c(0, 1) - 0.9099694268) < 1e-9);
}

void TestAttention::testLocationPastMaximumLength()
{
    // L = 2 < n = 3: e = (1, 2, 0) with the third position outside the
    // scorer's reach, so α = softmax(1, 2) on the first two and exactly 0
    // after: α = (1 / (1 + e), e / (1 + e), 0) = (0.2689414214, 0.7310585786, 0).
    Case k = handCase(ScorerKind::Location);
    k.config.maxSourceLength = 2;
    k.params["decoder.attention.location.weight"] = matrixOf({{1, 0}, {0, 1}});
    k.params["decoder.attention.location.bias"] = rowOf({0, 0});
    const Run r = attend(k);
    QCOMPARE(r.e.cols(), 3);
    QVERIFY(std::abs(r.alpha(0, 0) - 0.2689414214) < 1e-9);
    QVERIFY(std::abs(r.alpha(0, 1) - 0.7310585786) < 1e-9);
    QCOMPARE(r.alpha(0, 2), 0.0);
    // c = α_1 (1, 0) + α_2 (0, 1).
    QVERIFY(std::abs(r.c(0, 0) - 0.2689414214) < 1e-9);
    QVERIFY(std::abs(r.c(0, 1) - 0.7310585786) < 1e-9);
}

void TestAttention::testBackward_data()
{
    QTest::addColumn<int>("scorer");
    QTest::addColumn<int>("local");
    const std::pair<const char *, ScorerKind> scorers[] = {
        {"additive", ScorerKind::Additive}, {"dot", ScorerKind::Dot},       {"general", ScorerKind::General},
        {"scaled-dot", ScorerKind::ScaledDot}, {"concat", ScorerKind::Concat}, {"location", ScorerKind::Location}};
    const std::pair<const char *, LocalMode> modes[] = {
        {"global", LocalMode::None}, {"local-m", LocalMode::Monotonic}, {"local-p", LocalMode::Predictive}};
    for (const auto &[sname, s] : scorers)
        for (const auto &[mname, m] : modes)
            QTest::newRow(qPrintable(QString("%1 %2").arg(sname, mname))) << int(s) << int(m);
}

void TestAttention::testBackward()
{
    QFETCH(int, scorer);
    QFETCH(int, local);
    Case k = randomCase(static_cast<ScorerKind>(scorer), static_cast<LocalMode>(local), 100u + unsigned(scorer * 3 + local));
    Grads grads = zeroGrads(k);
    attend(k, &grads);
    QVERIFY(grads.query.allFinite() && grads.memory.allFinite());
    checkAllEntries(k, k.Q, grads.query, "query");
    checkAllEntries(k, k.H, grads.memory, "memory");
    QVERIFY(!k.params.empty() || scorer == int(ScorerKind::Dot) || scorer == int(ScorerKind::ScaledDot));
    for (auto &[name, m] : k.params)
        checkAllEntries(k, m, grads.params.at(name), QString::fromStdString(name));
    // Padding rows of the shorter sentence (rows S+3, S+4) get no gradient.
    QCOMPARE(grads.memory.row(k.S + 3).cwiseAbs().maxCoeff(), 0.0);
    QCOMPARE(grads.memory.row(k.S + 4).cwiseAbs().maxCoeff(), 0.0);
}

void TestAttention::testSoftmaxExtremeScores()
{
    // Scores of ±1e4 overflow a naive exp; the stable softmax subtracts the
    // maximum first and gives an exact one-hot (exp(-2e4) is 0 in double).
    Graph<double> g(true);
    Mat e = matrixOf({{1e4, -1e4, -1e4}, {-1e4, 1e4, -1e4}, {-1e4, -1e4, -1e4}, {1e4, 1e4, -1e4}});
    Mat de = Mat::Zero(4, 3);
    const int scores = g.external(e, &de);
    const int a = ops::maskedSoftmax(g, scores, {{0, 3}, {0, 3}, {0, 3}, {0, 3}});
    const Mat alpha = g.value(a);
    QVERIFY(alpha.allFinite());
    QCOMPARE(alpha.row(0), rowOf({1, 0, 0}));
    QCOMPARE(alpha.row(1), rowOf({0, 1, 0}));
    for (int j = 0; j < 3; ++j)
        QVERIFY(std::abs(alpha(2, j) - 1.0 / 3.0) < 1e-15);
    QCOMPARE(alpha.row(3), rowOf({0.5, 0.5, 0}));
    Mat l(1, 1);
    l(0, 0) = alpha.sum();
    const int loss = g.op(std::move(l), {a}, [a](Graph<double> &g) { g.grad(a).array() += 1.0; });
    g.backward(loss);
    QVERIFY(de.allFinite());
    // Σ_j α_j = 1 in every row, so d(Σ α)/de = 0.
    QVERIFY(de.cwiseAbs().maxCoeff() < 1e-15);

    // The same in float (inference precision).
    Graph<float> gf(false);
    const int sf = gf.constant(e.cast<float>());
    const Matrix af = gf.value(ops::maskedSoftmax(gf, sf, {{0, 3}, {0, 3}, {0, 3}, {0, 3}}));
    QVERIFY(af.allFinite());
    QCOMPARE(af(0, 0), 1.0f);
    QCOMPARE(af(0, 1), 0.0f);
    QCOMPARE(af(1, 1), 1.0f);
    QCOMPARE(af(1, 2), 0.0f);
}

void TestAttention::testFullyMaskedRow()
{
    // Row 1 has no allowed position: all-zero weights, no NaN forward or back.
    Graph<double> g(true);
    Mat e = matrixOf({{0.3, -0.2, 0.9}, {0.1, 0.2, 0.3}});
    Mat de = Mat::Zero(2, 3);
    const int scores = g.external(e, &de);
    const int a = ops::maskedSoftmax(g, scores, {{0, 3}, {0, 0}});
    QCOMPARE(g.value(a).row(1), rowOf({0, 0, 0}));
    Mat l(1, 1);
    l(0, 0) = 0;
    const int loss = g.op(std::move(l), {a}, [a](Graph<double> &g) { g.grad(a).array() += 2.0; });
    g.backward(loss);
    QVERIFY(de.allFinite());
    QCOMPARE(de.row(1), rowOf({0, 0, 0}));

    // Through the module: a zero-length sentence in a batch (no NaN; c = 0).
    for (ScorerKind s : {ScorerKind::Dot, ScorerKind::Additive, ScorerKind::Location}) {
        for (LocalMode m : {LocalMode::None, LocalMode::Monotonic, LocalMode::Predictive}) {
            Case k = randomCase(s, m, 7u, {4, 0});
            Grads grads = zeroGrads(k);
            const Run r = attend(k, &grads);
            QVERIFY(r.alpha.allFinite() && r.c.allFinite() && r.e.allFinite());
            QCOMPARE(r.alpha.row(1).cwiseAbs().maxCoeff(), 0.0);
            QCOMPARE(r.c.row(1).cwiseAbs().maxCoeff(), 0.0);
            QVERIFY(grads.query.allFinite() && grads.memory.allFinite());
        }
    }
}

void TestAttention::testMaskedPositions()
{
    // Padding beyond a sentence's length gets exactly zero weight, whatever
    // the padded memory holds, and the rest still sums to 1.
    for (ScorerKind s : {ScorerKind::Additive, ScorerKind::Dot, ScorerKind::General, ScorerKind::ScaledDot,
                         ScorerKind::Concat, ScorerKind::Location}) {
        Case k = randomCase(s, LocalMode::None, 9u, {5, 2});
        k.H.middleRows(k.S + 2, 3).setConstant(50.0);
        const Run r = attend(k);
        QCOMPARE(r.alpha.row(1).tail(3).cwiseAbs().maxCoeff(), 0.0);
        QVERIFY(std::abs(r.alpha.row(1).sum() - 1.0) < 1e-12);
        // Location: the first row's 5th position lies past L = 4.
        const double last = r.alpha(0, 4);
        if (s == ScorerKind::Location)
            QCOMPARE(last, 0.0);
        else
            QVERIFY(last > 0.0);
        QVERIFY(std::abs(r.alpha.row(0).sum() - 1.0) < 1e-12);
    }
}

void TestAttention::testLocalMonotonicWindow_data()
{
    QTest::addColumn<int>("t");
    QTest::addColumn<int>("centre");
    // n = 6, D = 2: p_t = t, clamped to the last position.
    QTest::newRow("t=0 (clipped left)") << 0 << 0;
    QTest::newRow("t=1 (clipped left)") << 1 << 1;
    QTest::newRow("t=3 (inside)") << 3 << 3;
    QTest::newRow("t=5 = n-1 (clipped right)") << 5 << 5;
    QTest::newRow("t=9 past the end") << 9 << 5;
}

void TestAttention::testLocalMonotonicWindow()
{
    QFETCH(int, t);
    QFETCH(int, centre);
    // Location scorer with zero weights: all e_j = 0, so inside the window
    // α_j = (1 / |window|) exp(-(j - p_t)² / (2σ²)), σ = D / 2 = 1, and
    // exactly 0 outside [p_t - D, p_t + D] ∩ [0, n).
    Case k;
    k.config = configOf(ScorerKind::Location, LocalMode::Monotonic);
    k.config.window = 2;
    k.config.maxSourceLength = 8;
    k.q = 2;
    k.d = 2;
    k.S = 6;
    k.lengths = {6};
    k.t = t;
    k.params["decoder.attention.location.weight"] = Mat::Zero(8, 2);
    k.params["decoder.attention.location.bias"] = Mat::Zero(1, 8);
    k.Q = rowOf({0.3, -0.7});
    k.H = matrixOf({{1, 0}, {0, 1}, {2, 0}, {0, 2}, {3, 0}, {0, 3}});
    k.w = Mat::Zero(1, 6);
    k.u = Mat::Zero(1, 2);
    const Run r = attend(k);
    const int lo = std::max(0, centre - 2), hi = std::min(6, centre + 3);
    for (int j = 0; j < 6; ++j) {
        const double want = j >= lo && j < hi ? std::exp(-(j - centre) * (j - centre) / 2.0) / (hi - lo) : 0.0;
        if (want == 0.0)
            QCOMPARE(r.alpha(0, j), 0.0);
        else
            QVERIFY2(std::abs(r.alpha(0, j) - want) < 1e-12,
                     qPrintable(QString("α_%1 = %2, want %3").arg(j).arg(r.alpha(0, j)).arg(want)));
    }
    Eigen::Index argmax;
    r.alpha.row(0).maxCoeff(&argmax);
    QCOMPARE(int(argmax), centre);
}

void TestAttention::testLocalPredictiveWindowEdges_data()
{
    QTest::addColumn<double>("logit");
    // p_t = n σ(v tanh(W q)) with tanh(W q) = tanh(100) = 1, so p_t = n σ(v).
    QTest::newRow("p near 0") << -40.0;
    QTest::newRow("p = n-1") << std::log(5.0); // σ = 5/6, p = 5
    QTest::newRow("p = n") << 40.0;
    QTest::newRow("p = n/2") << 0.0;
}

void TestAttention::testLocalPredictiveWindowEdges()
{
    QFETCH(double, logit);
    Case k;
    k.config = configOf(ScorerKind::Location, LocalMode::Predictive);
    k.config.window = 2;
    k.config.dimension = 1;
    k.config.maxSourceLength = 8;
    k.q = 2;
    k.d = 2;
    k.S = 6;
    k.lengths = {6};
    k.params["decoder.attention.location.weight"] = Mat::Zero(8, 2);
    k.params["decoder.attention.location.bias"] = Mat::Zero(1, 8);
    k.params["decoder.attention.predict.W.weight"] = rowOf({100, 0});
    k.params["decoder.attention.predict.v.weight"] = rowOf({logit});
    k.Q = rowOf({1, 0.5});
    k.H = matrixOf({{1, 0}, {0, 1}, {2, 0}, {0, 2}, {3, 0}, {0, 3}});
    k.w = Mat::Zero(1, 6);
    k.u = Mat::Zero(1, 2);
    const Run r = attend(k);
    const double p = 6.0 / (1.0 + std::exp(-logit));
    const int pt = int(std::lround(p));
    const int lo = std::max(0, pt - 2), hi = std::min(6, pt + 3);
    QVERIFY(hi > lo);
    for (int j = 0; j < 6; ++j) {
        if (j < lo || j >= hi) {
            QCOMPARE(r.alpha(0, j), 0.0);
            continue;
        }
        const double want = std::exp(-(j - p) * (j - p) / 2.0) / (hi - lo);
        QVERIFY2(std::abs(r.alpha(0, j) - want) < 1e-12,
                 qPrintable(QString("α_%1 = %2, want %3 (p = %4)").arg(j).arg(r.alpha(0, j)).arg(want).arg(p)));
    }
}

void TestAttention::testBatchEqualsAlone_data()
{
    testBackward_data();
}

void TestAttention::testBatchEqualsAlone()
{
    QFETCH(int, scorer);
    QFETCH(int, local);
    // Sentences of lengths 3 and 5 batched with S = 5 (garbage in the
    // padding) give the same e, α, c as each sentence alone.
    Case batch = randomCase(static_cast<ScorerKind>(scorer), static_cast<LocalMode>(local), 55u, {3, 5});
    batch.H.middleRows(3, 2).setConstant(9.0);
    const Run together = attend(batch);
    for (int b = 0; b < 2; ++b) {
        Case alone = batch;
        const int n = batch.lengths[b];
        alone.lengths = {n};
        alone.S = n;
        alone.Q = batch.Q.row(b);
        alone.H = batch.H.middleRows(b * batch.S, n);
        alone.w = batch.w.row(b).head(n);
        alone.u = batch.u.row(b);
        const Run single = attend(alone);
        QVERIFY(maxAbsDiff(single.e, together.e.row(b).head(n)) < 1e-12);
        QVERIFY(maxAbsDiff(single.alpha, together.alpha.row(b).head(n)) < 1e-12);
        QVERIFY(maxAbsDiff(single.c, together.c.row(b)) < 1e-12);
        if (n < batch.S)
            QCOMPARE(together.alpha.row(b).tail(batch.S - n).cwiseAbs().maxCoeff(), 0.0);
    }
}

void TestAttention::testInferencePathMatchesTraining_data()
{
    QTest::addColumn<int>("scorer");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("n");
    for (ScorerKind kind : {ScorerKind::Additive, ScorerKind::Concat})
        for (int size : {512, 64, 37, 5})
            for (int n : {3, 5000})
                QTest::addRow("%s A=%d n=%d", toString(kind).c_str(), size, n) << int(kind) << size << n;
}

// Decoding (recording off) scores additive and concat attention with the
// AVX-512 kernel when the CPU has it (attention/additive_avx512.h);
// training (recording on) keeps Eigen's. Both give the same numbers, for
// every tail length of the 16-lane loop and in parallel.
void TestAttention::testInferencePathMatchesTraining()
{
    QFETCH(int, scorer);
    QFETCH(int, size);
    QFETCH(int, n);
    if (!ops::detail::haveAvx512())
        qInfo("this CPU has no AVX-512: both runs take Eigen's path");
    const int d = 24;
    AttentionConfig config = configOf(static_cast<ScorerKind>(scorer));
    config.dimension = size;
    std::mt19937 rng(5);
    const ParameterSet<float> params = castParameters<float>(randomParameters(config, d, d, rng));
    const Matrix H = randomMatrix(rng, n, d).cast<float>();
    const Matrix q = randomMatrix(rng, 1, d).cast<float>();
    const Matrix decoding = attendOnce(config, params, H, q, false)[0];
    const Matrix training = attendOnce(config, params, H, q, true)[0];
    QCOMPARE(decoding.cols(), Eigen::Index(n));
    const float worst = ((decoding - training).array().abs() / (1.0f + training.array().abs())).maxCoeff();
    // Summing A products in another order moves the last bits (4e-6 seen
    // at A = 512); a wrong lane or tail would be off by far more.
    QVERIFY2(worst <= 2e-5f, qPrintable(QString("largest relative difference %1").arg(worst)));
}

void TestAttention::testThreadCountIndependence_data()
{
    QTest::addColumn<int>("scorer");
    QTest::newRow("dot") << int(ScorerKind::Dot);
    QTest::newRow("additive") << int(ScorerKind::Additive);
    QTest::newRow("general") << int(ScorerKind::General);
}

void TestAttention::testThreadCountIndependence()
{
    QFETCH(int, scorer);
    // n = 5000 positions, d = 64: above the kernels' parallel grain.
    const int n = 5000, d = 64;
    AttentionConfig config = configOf(static_cast<ScorerKind>(scorer));
    config.dimension = 64;
    std::mt19937 rng(3);
    const ParameterSet<float> params = castParameters<float>(randomParameters(config, d, d, rng));
    const Matrix H = randomMatrix(rng, n, d).cast<float>();
    const Matrix q = randomMatrix(rng, 1, d).cast<float>();
    auto run = [&](int threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
        return attendOnce(config, params, H, q, false);
    };
    const auto one = run(1), two = run(2);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(one[i].size(), two[i].size());
        QVERIFY(one[i].allFinite());
        QVERIFY2((one[i] - two[i]).cwiseAbs().maxCoeff() <= 1e-6f, qPrintable(QString("output %1").arg(i)));
    }
    QVERIFY(std::abs(one[1].sum() - 1.0f) < 1e-4f);
}

QTEST_APPLESS_MAIN(TestAttention)
#include "testattention.moc"
