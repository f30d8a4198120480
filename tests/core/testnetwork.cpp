// Network (model/network.h): the whole training loss, differentiated by the
// tape, against central finite differences in double for every parameter
// tensor of every encoder / decoder / scorer combination. Tiny sizes:
// vocabularies of 7, embeddings of 3, hidden 4; a batch of two sentences
// of different lengths (so padding and masking are on the path).

#include "alignscope/rnnmodel.h"
#include "model/network.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace alignscope;

namespace {

constexpr int kVocab = 7;
constexpr double kStep = 1e-6;
constexpr double kMaxRelative = 1e-6;
// Central differences of an O(1) loss carry ~1e-10 of rounding noise; an
// entry whose gradient is that small can only be checked absolutely.
constexpr double kNoiseFloor = 1e-9;
constexpr int kEntriesPerTensor = 5;

double relativeError(double a, double b)
{
    return std::abs(a - b) / std::max(1e-8, std::abs(a) + std::abs(b));
}

// Sources end in <eos> (id 2); ids 4..6 are words.
const std::vector<std::vector<int>> kSources = {{4, 5, 6, 4, 2}, {6, 5, 2}};
const std::vector<std::vector<int>> kTargets = {{5, 6, 2}, {4, 4, 6, 5, 2}};

ModelConfig tinyConfig()
{
    ModelConfig c;
    c.encoder.embedding = 3;
    c.encoder.hidden = 4;
    c.decoder.embedding = 3;
    c.decoder.hidden = 4;
    c.attention.dimension = 4;
    c.attention.window = 1;
    c.attention.maxSourceLength = 4; // shorter than the first sentence
    c.dropout = 0.0f;
    return c;
}

double lossOf(const Network<double> &net, const ParameterSet<double> &params, ParameterSet<double> *grads = nullptr)
{
    Graph<double> g(grads != nullptr);
    ParamBinder<double> p(g, params, grads);
    const int loss = net.loss(p, kSources, kTargets, 1.0f, {});
    const double value = g.value(loss)(0, 0);
    if (grads)
        g.backward(loss);
    return value;
}

} // namespace

class TestNetwork : public QObject {
    Q_OBJECT

private slots:
    void testGradients_data();
    void testGradients();
    void testLossIsMeanTokenCrossEntropy();
    void testBatchEqualsAlone();
};

void TestNetwork::testGradients_data()
{
    QTest::addColumn<QString>("encoder");
    QTest::addColumn<QString>("decoder");
    QTest::addColumn<QString>("scorer");
    QTest::addColumn<QString>("local");
    QTest::addColumn<int>("layers");
    QTest::addColumn<QString>("init");
    QTest::addColumn<bool>("flag"); // Luong: input feeding; Bahdanau: deep output
    QTest::newRow("bigru bahdanau additive") << "bigru" << "bahdanau" << "additive" << "none" << 1 << "bridge" << true;
    QTest::newRow("gru luong dot") << "gru" << "luong" << "dot" << "none" << 1 << "bridge" << true;
    QTest::newRow("gru luong general") << "gru" << "luong" << "general" << "none" << 1 << "bridge" << true;
    QTest::newRow("gru luong concat") << "gru" << "luong" << "concat" << "none" << 1 << "bridge" << true;
    QTest::newRow("gru luong scaled-dot") << "gru" << "luong" << "scaled-dot" << "none" << 1 << "bridge" << true;
    QTest::newRow("gru bahdanau location") << "gru" << "bahdanau" << "location" << "none" << 1 << "bridge" << true;
    QTest::newRow("gru luong general local-p") << "gru" << "luong" << "general" << "p" << 1 << "bridge" << true;
    QTest::newRow("gru luong dot local-m") << "gru" << "luong" << "dot" << "m" << 1 << "bridge" << true;
    QTest::newRow("lstm bahdanau additive") << "lstm" << "bahdanau" << "additive" << "none" << 1 << "bridge" << true;
    QTest::newRow("lstm luong general final") << "lstm" << "luong" << "general" << "none" << 1 << "final" << true;
    QTest::newRow("gru 2 layers luong general") << "gru" << "luong" << "general" << "none" << 2 << "bridge" << true;
    QTest::newRow("lstm 2 layers bahdanau additive") << "lstm" << "bahdanau" << "additive" << "none" << 2 << "zero" << true;
    QTest::newRow("bilstm bridge bahdanau additive") << "bilstm" << "bahdanau" << "additive" << "none" << 1 << "bridge" << true;
    QTest::newRow("bilstm bridge luong concat 2 layers") << "bilstm" << "luong" << "concat" << "none" << 2 << "bridge" << true;
    QTest::newRow("gru luong general no feeding") << "gru" << "luong" << "general" << "none" << 1 << "zero" << false;
    QTest::newRow("gru bahdanau additive no deep") << "gru" << "bahdanau" << "additive" << "none" << 1 << "final" << false;
    // The chatbot tutorial's encoder_hidden[:n_layers]: decoder layer 1 starts from layer 0's backward state.
    QTest::newRow("bigru final-stack luong general 2 layers") << "bigru" << "luong" << "general" << "none" << 2 << "final-stack" << false;
}

void TestNetwork::testGradients()
{
    QFETCH(QString, encoder);
    QFETCH(QString, decoder);
    QFETCH(QString, scorer);
    QFETCH(QString, local);
    QFETCH(int, layers);
    QFETCH(QString, init);
    QFETCH(bool, flag);
    ModelConfig c = tinyConfig();
    const auto e = parseEncoderKind(encoder.toStdString());
    QVERIFY(e.ok());
    c.encoder.cell = e->cell;
    c.encoder.bidirectional = e->bidirectional;
    c.encoder.layers = layers;
    c.decoder.cell = e->cell;
    c.decoder.layers = layers;
    c.decoder.kind = parseDecoder(decoder.toStdString()).value();
    c.decoder.init = init == "bridge" ? InitMode::Bridge : init == "final" ? InitMode::Final
                   : init == "final-stack" ? InitMode::FinalStack : InitMode::Zero;
    c.decoder.inputFeeding = flag;
    c.decoder.deepOutput = flag;
    c.attention.scorer = parseScorer(scorer.toStdString()).value();
    c.attention.local = parseLocalMode(local.toStdString()).value();
    if (c.attention.scorer == ScorerKind::Dot || c.attention.scorer == ScorerKind::ScaledDot)
        c.decoder.hidden = c.encoder.stateSize();
    const auto valid = validateConfig(c);
    QVERIFY2(valid.ok(), valid.ok() ? "" : valid.error().message.c_str());

    const Network<double> net(c, kVocab, kVocab);
    ParameterSet<double> params = castParameters<double>(RnnModel::initialParameters(c, kVocab, kVocab, 17u));
    QCOMPARE(params.size(), net.shapes().size());
    ParameterSet<double> grads = zerosLike(params);
    const double loss = lossOf(net, params, &grads);
    QVERIFY(std::isfinite(loss) && loss > 0.0);

    std::mt19937 rng(5);
    int checked = 0;
    for (auto &[name, m] : params) {
        const MatrixX<double> &analytic = grads.at(name);
        QVERIFY2(analytic.allFinite(), name.c_str());
        // A few random entries, plus the largest gradient of the tensor.
        std::vector<Eigen::Index> entries;
        Eigen::Index row = 0, col = 0;
        analytic.cwiseAbs().maxCoeff(&row, &col);
        entries.push_back(row * analytic.cols() + col); // row-major storage
        for (int i = 0; i < kEntriesPerTensor; ++i)
            entries.push_back(static_cast<Eigen::Index>(rng() % static_cast<unsigned>(m.size())));
        for (Eigen::Index i : entries) {
            const double saved = m.data()[i];
            m.data()[i] = saved + kStep;
            const double up = lossOf(net, params);
            m.data()[i] = saved - kStep;
            const double down = lossOf(net, params);
            m.data()[i] = saved;
            const double numeric = (up - down) / (2 * kStep);
            const double a = analytic.data()[i];
            QVERIFY2(relativeError(a, numeric) < kMaxRelative || std::abs(a - numeric) < kNoiseFloor,
                     qPrintable(QString("%1[%2]: analytic %3, numeric %4, relative error %5")
                                    .arg(QString::fromStdString(name)).arg(i).arg(a, 0, 'g', 12)
                                    .arg(numeric, 0, 'g', 12).arg(relativeError(a, numeric))));
            ++checked;
        }
        // Every tensor the config declares must reach the loss (a tensor
        // with an all-zero gradient is dead weight or a broken path). Not
        // checked: embeddings and the location scorer (rows no token uses),
        // and biases that add the same amount to every e_j (softmax ignores
        // them: v's bias, general's W bias).
        const bool sparse = name.find("embedding") != std::string::npos || name.find("location") != std::string::npos;
        const bool shiftOnly = name == "decoder.attention.v.bias" ||
                               (c.attention.scorer == ScorerKind::General && name == "decoder.attention.W.bias");
        if (!sparse && !shiftOnly)
            QVERIFY2(analytic.cwiseAbs().maxCoeff() > 0.0, qPrintable("no gradient reaches " + QString::fromStdString(name)));
    }
    QVERIFY(checked > 0);
}

void TestNetwork::testLossIsMeanTokenCrossEntropy()
{
    // With all weights zero the logits are zero, every token has p = 1/7,
    // and the mean token cross-entropy is exactly log 7.
    ModelConfig c = tinyConfig();
    const Network<double> net(c, kVocab, kVocab);
    ParameterSet<double> params = zerosLike(castParameters<double>(RnnModel::initialParameters(c, kVocab, kVocab, 1u)));
    QVERIFY(std::abs(lossOf(net, params) - std::log(7.0)) < 1e-12);
}

void TestNetwork::testBatchEqualsAlone()
{
    // The batch loss is the token-weighted mean of each sentence's loss
    // (3 and 5 target tokens): padding changes nothing.
    ModelConfig c = tinyConfig();
    c.encoder.bidirectional = true;
    const Network<double> net(c, kVocab, kVocab);
    const ParameterSet<double> params = castParameters<double>(RnnModel::initialParameters(c, kVocab, kVocab, 3u));
    auto single = [&](size_t b) {
        Graph<double> g(false);
        ParamBinder<double> p(g, params);
        return g.value(net.loss(p, {kSources[b]}, {kTargets[b]}, 1.0f, {}))(0, 0);
    };
    const double both = lossOf(net, params);
    const double expected = (3 * single(0) + 5 * single(1)) / 8.0;
    QVERIFY2(std::abs(both - expected) < 1e-12, qPrintable(QString("%1 vs %2").arg(both).arg(expected)));
}

QTEST_APPLESS_MAIN(TestNetwork)
#include "testnetwork.moc"
