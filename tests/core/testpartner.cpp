// The decode partner (alignscope/partner.h) and its matrix–vector kernel:
// the kernel is a correct W x and gives the same bits for any split of the
// rows; a decode that shares its products with the partner thread equals
// the one-core decode bit for bit (also with several decodes at once, which
// contend for the partner); the partner took part. The weights a step
// streams move to 2 MB pages when asked, values unchanged. The AVX-512
// product the encoder's halves use where the CPU has it is X Wᵀ for any
// shape and writes only its own columns.

#include "common/partner.h"
#include "common/product_avx512.h"

#include "alignscope/allocator.h"
#include "alignscope/decode.h"
#include "alignscope/transformermodel.h"

#include <QElapsedTimer>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <limits>
#include <thread>
#include <tuple>

#if defined(__linux__)
#include <sys/mman.h>
#endif

using namespace alignscope;

class TestPartner : public QObject {
    Q_OBJECT

private slots:
    void testKernelIsWxForAnySplit();
    void testSharedProductEqualsOneCore();
    void testSharedMatrixProductEqualsOneCore();
    void testWideProductIsXWTransposed();
    void testProductsInARowEqualOneCore();
    void testStreamedWeightsMoveToLargePages();
    void testDecodeWithPartnerIsBitIdentical();
    void testLongSourceWithPartnerIsBitIdentical();
    void testHalfWeightsGiveTheSameBits();
    void testDecodeFromHalfWeightsIsBitIdentical();
};

namespace {

Matrix randomMatrix(Eigen::Index r, Eigen::Index c, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    Matrix m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = u(rng);
    return m;
}

/// A one-layer Transformer of this shape over the words w0 … w299.
TransformerModel modelOf(TransformerSpec s, unsigned seed)
{
    s.encoderLayers = s.decoderLayers = 1;
    std::vector<std::string> words;
    for (int i = 0; i < 300; ++i)
        words.push_back(std::string("w").append(std::to_string(i))); // ("w" + …: a GCC 12 -Wstringop-overflow false positive)
    return TransformerModel::initialise(s, Vocabulary::build({words}), Vocabulary::build({words}), seed);
}

/// Whether to run another round: two cores, the partner has taken nothing
/// since `before`, and less than 10 s have passed.
bool partnerMayStillWake(std::uint64_t before, const QElapsedTimer &waited)
{
    return std::thread::hardware_concurrency() >= 2 && DecodePartner::sharedProducts() == before &&
           waited.elapsed() < 10000;
}

/// A Transformer whose projections are large enough for the partner.
TransformerModel wideModel()
{
    TransformerSpec s;
    s.heads = 4;
    s.dModel = 256;
    s.ffn = 512;
    return modelOf(s, 3);
}

/// W with every value rounded to float16 (or to bfloat16), as a half-precision file holds it.
Matrix roundedTo(const Matrix &W, bool bfloat)
{
    Matrix r(W.rows(), W.cols());
    for (Eigen::Index i = 0; i < W.size(); ++i)
        r.data()[i] = bfloat ? float(Eigen::bfloat16(W.data()[i])) : float(Eigen::half(W.data()[i]));
    return r;
}

} // namespace

void TestPartner::testHalfWeightsGiveTheSameBits()
{
    // A float16 file's weights widened to float32, and the same weights read from 16 bits: the same y,
    // bit for bit, for every shape (the 32-, 8- and 1-column tails) and split, on one core or two.
    for (const bool bfloat : {false, true})
        for (const auto &[rows, cols] : {std::pair{1, 1}, std::pair{7, 43}, std::pair{300, 384}, std::pair{4096, 300}}) {
            const Matrix W = roundedTo(randomMatrix(rows, cols, 7) * 3.0f, bfloat);
            const Vector x = randomMatrix(cols, 1, 8);
            const auto half = kernels::exactHalf(W);
            QVERIFY(half);
            QVERIFY(half->kind == (bfloat ? kernels::HalfMatrix::Kind::BF16 : kernels::HalfMatrix::Kind::F16) ||
                    (bfloat && half->kind == kernels::HalfMatrix::Kind::F16)); // a bfloat16 value may fit float16 too
            Vector fromFloat(rows), fromHalf(rows);
            kernels::gemvRows(W.data(), cols, cols, x.data(), fromFloat.data(), 0, rows);
            for (Eigen::Index at : {Eigen::Index(0), Eigen::Index(rows / 2)}) {
                fromHalf.setConstant(std::nanf(""));
                kernels::gemvRowsHalf(*half, x.data(), fromHalf.data(), 0, at);
                kernels::gemvRowsHalf(*half, x.data(), fromHalf.data(), at, rows);
                QVERIFY2(std::memcmp(fromHalf.data(), fromFloat.data(), sizeof(float) * size_t(rows)) == 0,
                         qPrintable(QStringLiteral("%1 x %2, bfloat %3").arg(rows).arg(cols).arg(bfloat)));
            }
            const DecodePartner::Session session;
            kernels::gemv(W, x.data(), fromHalf.data(), &half.value());
            QVERIFY(fromHalf == fromFloat);
        }
    // float32 values are kept as they are: no 16-bit copy would hold them.
    QVERIFY(!kernels::exactHalf(randomMatrix(64, 64, 9)));
    Matrix almost = roundedTo(randomMatrix(64, 64, 9), false);
    almost(63, 63) = 1.0f + 1.0f / 4096.0f; // float16 has 10 fraction bits, bfloat16 7
    QVERIFY(!kernels::exactHalf(almost));
}

void TestPartner::testDecodeFromHalfWeightsIsBitIdentical()
{
    // A model whose weights came from a float16 file keeps 16-bit copies of its decoder's large matrices;
    // decoding reads them and gives the trace the float32 weights give, bit for bit.
    TransformerModel model = wideModel();
    QCOMPARE(model.keepExactHalves(), std::size_t(0)); // float32 weights: nothing kept
    for (auto &[name, W] : model.parameters())
        W = roundedTo(W, false);
    const std::size_t bytes = model.keepExactHalves();
    QVERIFY(bytes > 0);
    QCOMPARE(model.halfBytes(), bytes);
    // Each decoder layer's q, o, self k, v and the two feed-forward matrices are 64 K values or more.
    QVERIFY(bytes >= 2 * std::size_t(256 * 256));
    TransformerModel plain(model);
    plain.parameters(); // changing the weights drops the copies
    QCOMPARE(plain.halfBytes(), std::size_t(0));
    QCOMPARE(TransformerModel(model).halfBytes(), bytes); // a copy keeps them
    const std::string sentence = "w1 w2 w3 w4 w5 w6 w7 w8";
    for (const bool partner : {false, true}) {
        DecodeOptions o;
        o.partner = partner;
        o.maxLength = 12;
        auto a = translate(model, sentence, o);
        auto b = translate(plain, sentence, o);
        QVERIFY(a && b);
        QCOMPARE(a->nodes.size(), b->nodes.size());
        for (size_t i = 0; i < a->nodes.size(); ++i) {
            QCOMPARE(a->nodes[i].tokenId, b->nodes[i].tokenId);
            QCOMPARE(a->nodes[i].logProb, b->nodes[i].logProb);
            QVERIFY(a->nodes[i].cross.weights == b->nodes[i].cross.weights);
        }
    }
}

void TestPartner::testKernelIsWxForAnySplit()
{
    for (const auto &[rows, cols] : {std::pair{1, 1}, std::pair{7, 3}, std::pair{200, 129}, std::pair{5000, 70}}) {
        const Matrix W = randomMatrix(rows, cols, 1);
        const Vector x = randomMatrix(cols, 1, 2);
        Vector whole(rows), split(rows);
        kernels::gemvRows(W.data(), cols, cols, x.data(), whole.data(), 0, rows);
        const Vector reference = (W.cast<double>() * x.cast<double>()).cast<float>();
        // Float rounding of a sum of `cols` products of magnitude ≤ 1: well under cols · 2⁻²³ each.
        const float error = (whole - reference).cwiseAbs().maxCoeff();
        QVERIFY2(error <= float(cols) * 1.2e-7f, qPrintable(QStringLiteral("%1 x %2: off by %3").arg(rows).arg(cols).arg(error)));
        for (Eigen::Index at : {Eigen::Index(0), Eigen::Index(rows / 3), Eigen::Index(rows - 1)}) {
            kernels::gemvRows(W.data(), cols, cols, x.data(), split.data(), 0, at);
            kernels::gemvRows(W.data(), cols, cols, x.data(), split.data(), at, rows);
            QVERIFY2(split == whole, qPrintable(QStringLiteral("%1 x %2 split at %3").arg(rows).arg(cols).arg(at)));
        }
    }
}

void TestPartner::testSharedMatrixProductEqualsOneCore()
{
    // An encoder's projection of a 20-token sentence: X Wᵀ, the same bits with or without the partner.
    const Matrix W = randomMatrix(1536, 512, 5);
    const Matrix X = randomMatrix(20, 512, 6);
    Matrix alone, shared;
    kernels::gemmHalves(W, X, alone);
    const Matrix reference = (X.cast<double>() * W.cast<double>().transpose()).cast<float>();
    QVERIFY((alone - reference).cwiseAbs().maxCoeff() <= 512 * 1.2e-7f);
    const std::uint64_t before = DecodePartner::sharedProducts();
    // Rounds until the partner has taken a half: on a loaded machine (ctest -j) it may wake late.
    QElapsedTimer waited;
    waited.start();
    do {
        const DecodePartner::Session session;
        for (int i = 0; i < 50; ++i) {
            kernels::gemmHalves(W, X, shared);
            QVERIFY(shared == alone);
        }
    } while (partnerMayStillWake(before, waited));
    if (std::thread::hardware_concurrency() >= 2)
        QVERIFY2(DecodePartner::sharedProducts() > before, "the partner never took a half");
}

void TestPartner::testWideProductIsXWTransposed()
{
    if (!kernels::wideProducts())
        QSKIP("this CPU has no AVX-512: the encoder's products use Eigen's AVX2 build");
    // Shapes with every kind of tail (rows, depth and columns not multiples of
    // the 16 lanes), written into a band of a wider Y as the halves do.
    for (const auto &[n, k, m] : {std::tuple{1, 3, 5}, std::tuple{7, 61, 130}, std::tuple{197, 768, 333},
                                  std::tuple{20, 512, 768}}) {
        const Matrix X = randomMatrix(n, k, 11), W = randomMatrix(m, k, 12);
        const Eigen::Index before = 3, after = 2;
        Matrix Y = Matrix::Constant(n, before + m + after, 7.0f);
        kernels::productAvx512(X.data(), n, k, W.data(), m, Y.data() + before, Y.cols());
        const Matrix reference = (X.cast<double>() * W.cast<double>().transpose()).cast<float>();
        const QString shape = QStringLiteral("%1 x %2 x %3").arg(n).arg(k).arg(m);
        QVERIFY2((Y.middleCols(before, m) - reference).cwiseAbs().maxCoeff() <= float(k) * 1.2e-7f, qPrintable(shape));
        QVERIFY2((Y.leftCols(before).array() == 7.0f).all() && (Y.rightCols(after).array() == 7.0f).all(),
                 qPrintable(shape + QStringLiteral(": wrote outside its columns")));
    }
}

void TestPartner::testSharedProductEqualsOneCore()
{
    const Matrix W = randomMatrix(4096, 300, 3);
    const Vector x = randomMatrix(300, 1, 4);
    Vector alone(4096), shared(4096);
    kernels::gemvRows(W.data(), W.cols(), W.cols(), x.data(), alone.data(), 0, W.rows());
    const std::uint64_t before = DecodePartner::sharedProducts();
    QElapsedTimer waited;
    waited.start();
    do {
        const DecodePartner::Session session;
        for (int i = 0; i < 200; ++i) {
            kernels::gemv(W, x.data(), shared.data());
            QVERIFY(shared == alone);
        }
    } while (partnerMayStillWake(before, waited));
    if (std::thread::hardware_concurrency() >= 2)
        QVERIFY2(DecodePartner::sharedProducts() > before, "the partner never took a half");
}

void TestPartner::testProductsInARowEqualOneCore()
{
    // A decoder step's products come in the same order every step: the
    // partner learns it and reads ahead the weights of the product that came
    // next last time, and the two threads claim rows in chunks from either
    // end. Shapes whose rows do not fill whole chunks, float32 and 16-bit
    // weights, a product whose order changes: every row the same bits.
    const Matrix A = randomMatrix(1031, 512, 11), B = randomMatrix(4096, 200, 12);
    const Matrix C = roundedTo(randomMatrix(777, 384, 13), false);
    const auto half = kernels::exactHalf(C);
    QVERIFY(half.has_value());
    const Vector xa = randomMatrix(512, 1, 14), xb = randomMatrix(200, 1, 15), xc = randomMatrix(384, 1, 16);
    Vector ya(A.rows()), yb(B.rows()), yc(C.rows()), sa(A.rows()), sb(B.rows()), sc(C.rows());
    kernels::gemvRows(A.data(), A.cols(), A.cols(), xa.data(), ya.data(), 0, A.rows());
    kernels::gemvRows(B.data(), B.cols(), B.cols(), xb.data(), yb.data(), 0, B.rows());
    kernels::gemvRows(C.data(), C.cols(), C.cols(), xc.data(), yc.data(), 0, C.rows());
    const std::uint64_t before = DecodePartner::sharedProducts();
    QElapsedTimer waited;
    waited.start();
    do {
        const DecodePartner::Session session;
        for (int i = 0; i < 300; ++i) {
            // A row nobody computed stays NaN and fails the comparison.
            sa.setConstant(std::numeric_limits<float>::quiet_NaN());
            sb.setConstant(std::numeric_limits<float>::quiet_NaN());
            sc.setConstant(std::numeric_limits<float>::quiet_NaN());
            kernels::gemv(A, xa.data(), sa.data());
            if (i % 7 != 3) // now and then another order
                kernels::gemv(B, xb.data(), sb.data());
            kernels::gemv(C, xc.data(), sc.data(), &*half);
            QVERIFY(sa == ya);
            QVERIFY(sc == yc);
            QVERIFY(i % 7 == 3 || sb == yb);
        }
    } while (partnerMayStillWake(before, waited));
    if (std::thread::hardware_concurrency() >= 2)
        QVERIFY2(DecodePartner::sharedProducts() > before, "the partner never took part");
}

/// The bytes of 2 MB pages (smaps' AnonHugePages) in the mapping holding `p`; -1 when unknown.
long largePageBytesAt(const void *p)
{
    std::ifstream smaps("/proc/self/smaps");
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    bool inside = false;
    for (std::string line; std::getline(smaps, line);) {
        std::uintptr_t from = 0, to = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx ", &from, &to) == 2 && line.find(':') > line.find(' ')) {
            inside = from <= at && at < to;
        } else if (inside && line.rfind("AnonHugePages:", 0) == 0) {
            return std::stol(line.substr(14)) * 1024;
        }
    }
    return -1;
}

void TestPartner::testStreamedWeightsMoveToLargePages()
{
#if defined(__linux__)
    std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string mode;
    std::getline(thp, mode);
    if (mode.empty() || mode.find("[never]") != std::string::npos)
        QSKIP("transparent huge pages are off on this system");
    {
        // MADV_COLLAPSE (Linux 6.1) gathers pages already touched; without it nothing moves at once.
        void *probe = std::aligned_alloc(2u << 20, 2u << 20);
        std::memset(probe, 1, 2u << 20);
        const bool collapses = madvise(probe, 2u << 20, MADV_HUGEPAGE) == 0 && madvise(probe, 2u << 20, 25) == 0;
        std::free(probe);
        if (!collapses)
            QSKIP("this kernel cannot gather pages into 2 MB ones at once (MADV_COLLAPSE)");
    }
    // A decoder whose output layer (8,000 × 512 floats, 16 MB) a step streams.
    TransformerSpec s;
    s.heads = 8;
    s.dModel = 512;
    s.ffn = 1024;
    s.encoderLayers = s.decoderLayers = 1;
    std::vector<std::string> words;
    for (int i = 0; i < 8000; ++i)
        words.push_back(std::string("w").append(std::to_string(i)));
    const TransformerModel model = TransformerModel::initialise(s, Vocabulary::build({words}), Vocabulary::build({words}), 3);
    const Matrix &out = model.parameters().at(model.spec().outputWeight());
    QVERIFY(out.size() >= 8000 * 512);
    const Matrix before = out;
    DecodeOptions options;
    options.maxLength = 5;
    auto reference = translate(model, "w1 w2 w3", options);
    QVERIFY(reference);
    // Not asked for: nothing moves.
    model.adviseLargePages();
    waitForLargePages();
    const long untouched = largePageBytesAt(out.data());
    backStreamedWeightsWithLargePages();
    model.adviseLargePages();
    waitForLargePages();
    const long moved = largePageBytesAt(out.data());
    QVERIFY2(moved >= 4l * (1 << 20) && moved > untouched,
             qPrintable(QString("2 MB pages under the output layer: %1 bytes, before %2").arg(moved).arg(untouched)));
    // The same values, the same decode.
    QVERIFY(out == before);
    auto again = translate(model, "w1 w2 w3", options);
    QVERIFY(again);
    QCOMPARE(again->nodes.size(), reference->nodes.size());
    for (size_t i = 0; i < again->nodes.size(); ++i)
        QCOMPARE(again->nodes[i].logProb, reference->nodes[i].logProb);
#else
    QSKIP("2 MB pages are asked for on Linux only");
#endif
}

void TestPartner::testLongSourceWithPartnerIsBitIdentical()
{
    // Long enough that the encoder's attention heads, its GELU (an odd number
    // of elements) and each step's cross-attention heads are shared with the
    // partner thread: the same bits as on one core.
    TransformerSpec s;
    s.heads = 6;
    s.dModel = 384;
    s.ffn = 771;
    s.activation = TransformerSpec::Activation::GeluErf;
    const TransformerModel model = modelOf(s, 5);
    std::string sentence;
    for (int i = 0; i < 203; ++i)
        sentence += (i ? " w" : "w") + std::to_string((i * 37) % 300);
    DecodeOptions alone;
    alone.maxLength = 6;
    alone.encoderSelfAttention = true;
    auto reference = translate(model, sentence, alone);
    QVERIFY(reference);
    DecodeOptions both = alone;
    both.partner = true;
    const std::uint64_t before = DecodePartner::sharedProducts();
    // Decodes until the partner has taken part: on a loaded machine (ctest -j) it may wake late
    // and the main thread does every product itself. Every decode must give the same bits.
    QElapsedTimer waited;
    waited.start();
    do {
        auto shared = translate(model, sentence, both);
        QVERIFY(shared);
        QVERIFY(shared->encoderStates == reference->encoderStates);
        QVERIFY(shared->encoderSelf.weights == reference->encoderSelf.weights);
        QCOMPARE(shared->nodes.size(), reference->nodes.size());
        for (size_t i = 0; i < shared->nodes.size(); ++i) {
            QCOMPARE(shared->nodes[i].tokenId, reference->nodes[i].tokenId);
            QVERIFY(shared->nodes[i].cross.weights == reference->nodes[i].cross.weights);
            QCOMPARE(shared->nodes[i].logProb, reference->nodes[i].logProb);
        }
    } while (partnerMayStillWake(before, waited));
    if (std::thread::hardware_concurrency() >= 2)
        QVERIFY(DecodePartner::sharedProducts() > before);
}

void TestPartner::testDecodeWithPartnerIsBitIdentical()
{
    const TransformerModel model = wideModel();
    const std::string sentence = "w1 w2 w3 w4 w5 w6";
    DecodeOptions alone;
    alone.maxLength = 12;
    auto reference = translate(model, sentence, alone);
    QVERIFY(reference);
    DecodeOptions both = alone;
    both.partner = true;
    auto check = [&](const DecodeTrace &t) {
        QCOMPARE(t.nodes.size(), reference->nodes.size());
        for (size_t i = 0; i < t.nodes.size(); ++i) {
            QCOMPARE(t.nodes[i].tokenId, reference->nodes[i].tokenId);
            QVERIFY(t.nodes[i].cross.weights == reference->nodes[i].cross.weights);
            QCOMPARE(t.nodes[i].logProb, reference->nodes[i].logProb);
        }
    };
    auto shared = translate(model, sentence, both);
    QVERIFY(shared);
    check(shared.value());
    // Two decodes at once: one owns the partner per product, the other goes alone.
    std::optional<Result<DecodeTrace>> a, b;
    std::thread other([&] { b.emplace(translate(model, sentence, both)); });
    a.emplace(translate(model, sentence, both));
    other.join();
    QVERIFY(a->ok() && b->ok());
    check(a->value());
    check(b->value());
    // Switched off: the same again, on one core.
    DecodePartner::setEnabled(false);
    auto off = translate(model, sentence, both);
    DecodePartner::setEnabled(true);
    QVERIFY(off);
    check(off.value());
}

QTEST_APPLESS_MAIN(TestPartner)
#include "testpartner.moc"
